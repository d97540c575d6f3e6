// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
@testable import VRRPCore

/// The keepalived 2.2.7 captures in Fixtures/ (tcpdump -n -e -vv -xx): every frame decodes to
/// the fields tcpdump printed beside it and re-encodes to the same bytes.
@Suite("Wire: keepalived capture vectors")
struct WireVectorTests {
    static let fixtures = ["v2_ipv4_pass", "v3_ipv4", "v3_ipv4_cs10", "v3_ipv6"]

    static func packets(_ name: String) throws -> [HexDump.Packet] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "txt", subdirectory: "Fixtures"))
        let text = try String(contentsOf: url, encoding: .utf8)
        return try HexDump.parse(text).get()
    }

    /// The text after `key` up to the next comma, ")" or end of line in tcpdump's caption.
    static func field(_ caption: String, _ key: String) -> String? {
        guard let r = caption.range(of: key) else { return nil }
        let rest = caption[r.upperBound...]
        let end = rest.firstIndex { ",)\n".contains($0) } ?? rest.endIndex
        return String(rest[..<end]).trimmingCharacters(in: .whitespaces)
    }

    /// tcpdump's "addrs: a" or "addrs(2): a,b".
    static func addresses(_ caption: String) -> [IPAddress] {
        guard let r = caption.range(of: "addrs") else { return [] }
        let afterColon = caption[r.upperBound...].drop { $0 != ":" }.dropFirst()
        let list = afterColon.prefix { $0 != "\n" }.split(separator: " ").first ?? ""
        return list.split(separator: ",").compactMap { IPAddress($0) }
    }

    @Test("every VRRP frame decodes to tcpdump's fields and re-encodes byte for byte", arguments: fixtures)
    func vrrpFrames(_ name: String) throws {
        var seen = 0
        var priorities: Set<UInt8> = []
        for packet in try Self.packets(name) {
            let caption = try #require(packet.caption)
            guard caption.contains("VRRPv") else { continue }
            seen += 1
            let decoded = CaptureDecoder.decode(packet.bytes)
            let eth = try #require(decoded.ethernet)
            guard case .vrrp(let p) = decoded.content else {
                Issue.record("\(name): \(decoded.content)")
                continue
            }
            let ad = p.advertisement
            // Fields as tcpdump printed them.
            #expect(caption.contains("VRRPv\(ad.version.rawValue), Advertisement"))
            #expect(Self.field(caption, "vrid ") == "\(ad.vrid)")
            #expect(ad.vrid == 51)
            #expect(Self.field(caption, "prio ") == "\(ad.priority)")
            priorities.insert(ad.priority)
            let intvl = try #require(Self.field(caption, "intvl "))
            if ad.version == .v2 {
                #expect(intvl == "\(ad.interval.value / 100)s")
            } else {
                #expect(intvl == "\(ad.interval.value)cs")
            }
            #expect(ad.addresses == Self.addresses(caption))
            #expect(!ad.addresses.isEmpty)
            #expect(Self.field(caption, "hlim ").map { UInt8($0) } ?? Self.field(caption, "ttl ").map { UInt8($0) } == p.ipHeader.ttl)
            #expect(p.ipHeader.ttl == 255)
            #expect(eth.source.description == caption.split(separator: " ")[1].description)
            if ad.version == .v2 {
                #expect(caption.contains("authtype simple"))
                #expect(ad.authentication == .password("vbtest"))
                #expect(caption.contains("auth \"vbtest\""))
                #expect(p.checksumForm == .messageOnly)
            } else {
                #expect(ad.authentication == .none)
                #expect(p.checksumForm == (ad.addresses[0].family == .ipv4 ? .ipv4PseudoHeader : .ipv6PseudoHeader))
            }

            // Re-encode from the decoded fields: Ethernet + IP header + VRRP, byte for byte.
            var fresh = Advertisement(version: ad.version, vrid: ad.vrid, priority: ad.priority, interval: ad.interval,
                                      addresses: ad.addresses, authentication: ad.authentication)
            fresh.checksum = 0xDEAD  // ignored by the encoder
            let ip: [UInt8]
            switch p.ipHeader {
            case .v4(let h):
                #expect(h.tos == 0xC0)
                #expect(h.protocolNumber == 112)
                #expect(Self.field(caption, "id ") == "\(h.identification)")
                ip = try IPPacket.encodeIPv4(fresh, source: h.source, destination: h.destination, identification: h.identification)
            case .v6(let h):
                ip = try IPPacket.encodeIPv6(fresh, source: h.source, destination: h.destination,
                                             trafficClass: h.trafficClass, flowLabel: h.flowLabel)
            }
            #expect(eth.encode() + ip == packet.bytes, "\(name) frame \(seen)")
        }
        #expect(seen >= 4)
        #expect(priorities == [150, 0])
    }

    @Test("gratuitous ARP frames are byte-identical to keepalived's", arguments: fixtures.filter { $0.contains("ipv4") })
    func garp(_ name: String) throws {
        var seen = 0
        for packet in try Self.packets(name) where packet.caption?.contains("ARP") == true {
            let caption = try #require(packet.caption)
            let vip = try #require(Self.field(caption, "who-has ").flatMap { IPv4Address($0.split(separator: " ")[0]) })
            let mac = try #require(MACAddress(String(caption.split(separator: " ")[1])))
            #expect(GratuitousARP.frame(address: vip, sourceMAC: mac) == packet.bytes)
            let decoded = CaptureDecoder.decode(packet.bytes)
            guard case .arp(let arp) = decoded.content else {
                Issue.record("not ARP: \(decoded.content)")
                continue
            }
            #expect(arp.isGratuitous && arp.operation == ARPPacket.request && arp.targetProtocol == vip)
            seen += 1
        }
        #expect(seen >= 5)
    }

    @Test("unsolicited neighbour advertisements are byte-identical to keepalived's")
    func unsolicitedNA() throws {
        var seen = 0
        for packet in try Self.packets("v3_ipv6") where packet.caption?.contains("neighbor advertisement") == true {
            let caption = try #require(packet.caption)
            let target = try #require(Self.field(caption, "tgt is ").flatMap { IPv6Address($0) })
            let mac = try #require(MACAddress(String(caption.split(separator: " ")[1])))
            #expect(caption.contains("Flags [override]"))
            #expect(UnsolicitedNeighborAdvertisement.frame(address: target, sourceMAC: mac, router: false) == packet.bytes)
            // RFC 5798 §6.4.1: ours sets the Router flag: the flags octet (frame offset 14 + 40
            // + 4) gains 0x80 and the ICMPv6 checksum (offset 14 + 40 + 2) drops by 0x8000 in
            // one's complement arithmetic; every other octet is keepalived's.
            var expected = packet.bytes
            expected[58] |= 0x80
            let old = UInt32(expected[56]) << 8 | UInt32(expected[57])
            var sum = (~old & 0xFFFF) + 0x8000
            sum = (sum & 0xFFFF) + (sum >> 16)
            let new = ~sum & 0xFFFF
            expected[56] = UInt8(new >> 8)
            expected[57] = UInt8(new & 0xFF)
            #expect(UnsolicitedNeighborAdvertisement.frame(address: target, sourceMAC: mac) == expected)
            let decoded = CaptureDecoder.decode(packet.bytes)
            guard case .neighborAdvertisement(let ip, let na) = decoded.content else {
                Issue.record("not NA: \(decoded.content)")
                continue
            }
            #expect(ip.hopLimit == 255 && ip.destination == .allNodes && ip.source == target)
            #expect(na == NeighborAdvertisement(target: target, targetLinkLayerAddress: mac, router: false, solicited: false, override: true))
            seen += 1
        }
        #expect(seen == 5)
        // The Router flag changes the flags octet and the checksum, nothing else.
        let vip = try #require(IPv6Address("2001:db8::100"))
        let mac = MACAddress(0xF22D_DB63_E858)
        let r = UnsolicitedNeighborAdvertisement.frame(address: vip, sourceMAC: mac, router: true)
        let decoded = CaptureDecoder.decode(r)
        guard case .neighborAdvertisement(_, let na) = decoded.content else {
            Issue.record("router NA did not decode: \(decoded.content)")
            return
        }
        #expect(na.router && na.override && !na.solicited)
    }
}
