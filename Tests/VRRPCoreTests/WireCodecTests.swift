// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import VRRPCore

private let src4 = IPAddress.v4(IPv4Address(198, 18, 0, 11))
private let dst4 = IPAddress.v4(.vrrpMulticast)
private let src6 = IPAddress("fe80::f02d:dbff:fe63:e858")!
private let dst6 = IPAddress.v6(.vrrpMulticast)
private let vip4 = IPAddress("198.18.0.100")!
private let vip6 = IPAddress("2001:db8::100")!

private func v3(_ addresses: [IPAddress] = [vip4], interval: UInt16 = 100) -> Advertisement {
    Advertisement(version: .v3, vrid: 51, priority: 150, interval: Centiseconds(interval), addresses: addresses)
}

private func v2(_ auth: Authentication = .password("vbtest")) -> Advertisement {
    Advertisement(version: .v2, vrid: 51, priority: 150, interval: .oneSecond, addresses: [vip4], authentication: auth)
}

/// Re-computes the checksum of a hand-edited message in the given form.
private func refill(_ m: [UInt8], _ form: ChecksumForm, _ s: IPAddress = src4, _ d: IPAddress = dst4) -> [UInt8] {
    var m = m
    m.setBigEndian(VRRPChecksum.compute(m, form: form, source: s, destination: d)!, at: 6)
    return m
}

private func reject(_ m: [UInt8], _ s: IPAddress = src4, _ d: IPAddress = dst4) -> AdvertisementRejection? {
    if case .failure(let r) = Advertisement.decode(m, source: s, destination: d) { return r }
    return nil
}

@Suite("Wire: advertisement codec")
struct WireCodecTests {
    @Test("the Internet checksum matches RFC 1071's worked example and handles odd lengths")
    func internetChecksum() {
        // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
        var c = InternetChecksum()
        c.add([0x00, 0x01, 0xF2])
        c.add([0x03, 0xF4, 0xF5, 0xF6, 0xF7])  // split mid-word
        #expect(c.foldedSum == 0xDDF2)
        #expect(c.value == ~UInt16(0xDDF2))
        #expect(InternetChecksum.compute([0x01]) == ~UInt16(0x0100))
        var whole = [UInt8]([0x45, 0x00, 0x00, 0x1C, 0, 0, 0, 0, 0x40, 0x11, 0, 0])
        let sum = InternetChecksum.compute(whole)
        whole[10] = UInt8(sum >> 8)
        whole[11] = UInt8(sum & 0xFF)
        var v = InternetChecksum()
        v.add(whole)
        #expect(v.verifies)
    }

    @Test("v2 and v3 round-trip through encode and decode")
    func roundTrip() throws {
        for (ad, s, d) in [(v2(), src4, dst4), (v2(.none), src4, dst4), (v2(.ipAH), src4, dst4),
                           (v3([vip4, IPAddress("198.18.0.101")!], interval: 4095), src4, dst4),
                           (v3([vip6], interval: 1), src6, dst6)] {
            let bytes = try ad.encode(source: s, destination: d)
            var expected = ad
            expected.checksum = bytes.bigEndianU16(at: 6)
            #expect(Advertisement.decode(bytes, source: s, destination: d) == .success(expected))
        }
    }

    @Test("v2 PASS is the password zero-padded to 8 octets, and v2 intervals are whole seconds (RFC 3768 §5.3.7)")
    func v2Encoding() throws {
        let bytes = try v2().encode(source: src4, destination: dst4)
        #expect(bytes.count == 8 + 4 + 8)
        #expect(bytes[4] == 1 && bytes[5] == 1)
        #expect(Array(bytes[12...]) == Array("vbtest".utf8) + [0, 0])
        var long = v2(.password(Array("longer-than-8".utf8)))
        #expect(Array(try long.encode(source: src4, destination: dst4)[12...]) == Array("longer-t".utf8))
        long.interval = Centiseconds(150)
        #expect(throws: AdvertisementEncodingError.intervalNotWholeSeconds(Centiseconds(150))) {
            try long.encode(source: src4, destination: dst4)
        }
        long.interval = Centiseconds(30000)  // 300 s clamps to 255
        #expect(try long.encode(source: src4, destination: dst4)[5] == 255)
        long.interval = Centiseconds(0)  // clamps to 1
        #expect(try long.encode(source: src4, destination: dst4)[5] == 1)
    }

    @Test("v3 encodes Rsvd 0 and clamps the interval to 1...4095 (RFC 5798 §5.2.6-7)")
    func v3Encoding() throws {
        #expect(try v3(interval: 5000).encode(source: src4, destination: dst4)[4...5] == [0x0F, 0xFF])
        #expect(try v3(interval: 0).encode(source: src4, destination: dst4)[4...5] == [0x00, 0x01])
    }

    @Test("encoding rejects mixed families, v2 over IPv6 and more than 255 addresses")
    func encodingErrors() {
        #expect(throws: AdvertisementEncodingError.addressFamilyMismatch(vip6, packetFamily: .ipv4)) {
            try v3([vip4, vip6]).encode(source: src4, destination: dst4)
        }
        #expect(throws: AdvertisementEncodingError.mixedEndpoints(source: src4, destination: dst6)) {
            try v3().encode(source: src4, destination: dst6)
        }
        var six = v2()
        six.addresses = [vip6]
        #expect(throws: AdvertisementEncodingError.v2RequiresIPv4) { try six.encode(source: src6, destination: dst6) }
        let many = (0..<256).map { IPAddress.v4(IPv4Address(198, 18, 1, UInt8($0 % 256))) }
        #expect(throws: AdvertisementEncodingError.tooManyAddresses(256)) { try v3(many).encode(source: src4, destination: dst4) }
    }

    @Test("v3 over IPv4 accepts both checksum forms and the pre-1.3.6 keepalived unicast form (checklist C3)")
    func v3IPv4ChecksumForms() throws {
        let ad = v3()
        let pseudo = try ad.encode(source: src4, destination: dst4)
        let rfc9568 = try ad.encode(source: src4, destination: dst4, v3IPv4Checksum: .rfc9568)
        #expect(pseudo != rfc9568)
        // RFC 9568 form = v2-style: the message alone sums to all ones.
        #expect(VRRPChecksum.verifies(rfc9568, form: .messageOnly, source: nil, destination: nil))
        #expect(Advertisement.decodeDetailed(pseudo, source: src4, destination: dst4).map(\.checksumForm) == .success(.ipv4PseudoHeader))
        #expect(Advertisement.decodeDetailed(rfc9568, source: src4, destination: dst4).map(\.checksumForm) == .success(.messageOnly))
        // Unicast peer: keepalived < 1.3.6 used 224.0.0.18 in the pseudo-header (keepalived #642).
        let peer = IPAddress.v4(IPv4Address(198, 18, 0, 12))
        let old = try ad.encode(source: src4, destination: dst4)
        #expect(Advertisement.decodeDetailed(old, source: src4, destination: peer).map(\.checksumForm)
            == .success(.ipv4PseudoHeaderMulticastDestination))
        let current = try ad.encode(source: src4, destination: peer)
        #expect(Advertisement.decodeDetailed(current, source: src4, destination: peer).map(\.checksumForm) == .success(.ipv4PseudoHeader))
        // Without IP addresses, a pseudo-header form cannot be checked; RFC 9568's can.
        #expect(Advertisement.decodeDetailed(pseudo, source: nil, destination: nil).map(\.checksumForm) == .success(.unverified))
        #expect(Advertisement.decodeDetailed(rfc9568, source: nil, destination: nil).map(\.checksumForm) == .success(.messageOnly))
    }

    @Test("v3 over IPv6 checksums the RFC 2460 §8.1 pseudo-header (checklist C2)")
    func v3IPv6Checksum() throws {
        let bytes = try v3([vip6]).encode(source: src6, destination: dst6)
        #expect(Advertisement.decodeDetailed(bytes, source: src6, destination: dst6).map(\.checksumForm) == .success(.ipv6PseudoHeader))
        // Another source address breaks it: the pseudo-header is covered.
        #expect(reject(bytes, IPAddress("fe80::1")!, dst6) == .checksum(received: bytes.bigEndianU16(at: 6),
            expected: VRRPChecksum.compute(bytes, form: .ipv6PseudoHeader, source: IPAddress("fe80::1")!, destination: dst6)!))
    }

    // MARK: rejections, one per check in decode order

    @Test("a message shorter than its fixed part, addresses or v2 auth data is a length error (RFC 5798 §7.1)")
    func truncated() throws {
        let full = try v2().encode(source: src4, destination: dst4)
        for n in [0, 1, 7, 8, 12, 19] {
            #expect(reject(Array(full.prefix(n))) == .packetLength(n))
        }
        #expect(reject(full + [0]) == .packetLength(21))
        // Count beyond the bytes present.
        var m = try v3().encode(source: src4, destination: dst4)
        m[3] = 3
        #expect(reject(refill(m, .ipv4PseudoHeader)) == .packetLength(12))
    }

    @Test("an IPv6 address list in an IPv4 packet is an address-list error (RFC 5798 §5.2.9)")
    func mixedFamilies() throws {
        let six = try v3([vip6]).encode(source: src6, destination: dst6)
        #expect(reject(six, src4, dst4) == .addressList("IPv6 addresses in an IPv4 packet"))
        let four = try v3([vip4, vip4, vip4, vip4]).encode(source: src4, destination: dst4)
        #expect(reject(four, src6, dst6) == .addressList("IPv4 addresses in an IPv6 packet"))
        // v2 only carries IPv4.
        let v2bytes = try v2().encode(source: src4, destination: dst4)
        #expect(reject(v2bytes, src6, dst6) == .addressList("VRRPv2 carries IPv4 addresses only"))
    }

    @Test("versions other than 2 and 3 are rejected (RFC 5798 §5.2.1; checklist B7)")
    func version() throws {
        var m = try v3().encode(source: src4, destination: dst4)
        for v: UInt8 in [0, 1, 4, 15] {
            m[0] = v << 4 | 1
            #expect(reject(m) == .version(v))
        }
    }

    @Test("a wrong checksum is rejected with the expected value (checklist C1)")
    func badChecksum() throws {
        var m = try v2().encode(source: src4, destination: dst4)
        let good = m.bigEndianU16(at: 6)
        m[2] = 100  // priority changed after checksumming
        #expect(reject(m) == .checksum(received: good, expected: VRRPChecksum.compute(m, form: .messageOnly, source: nil, destination: nil)!))
        var n = try v3().encode(source: src4, destination: dst4)
        n[7] ^= 0x01
        if case .checksum(let r, _)? = reject(n) { #expect(r == n.bigEndianU16(at: 6)) } else { Issue.record("not a checksum error") }
    }

    @Test("type other than 1 is rejected (RFC 5798 §5.2.2; checklist B8)")
    func invalidType() throws {
        var m = try v3().encode(source: src4, destination: dst4)
        m[0] = 0x32
        #expect(reject(refill(m, .ipv4PseudoHeader)) == .invalidType(2))
    }

    @Test("count 0 is ignored as an address-list error (RFC 9568 §5.2.5, erratum 8299; checklist B11)")
    func countZero() throws {
        let m = try v3([]).encode(source: src4, destination: dst4)
        #expect(m.count == 8)
        if case .addressList? = reject(m) {} else { Issue.record("count 0 accepted: \(String(describing: reject(m)))") }
    }

    @Test("unknown v2 auth types are rejected, 0/1/2 are accepted (RFC 3768 §5.3.6; checklist B15)")
    func authType() throws {
        var m = try v2().encode(source: src4, destination: dst4)
        m[4] = 3
        #expect(reject(refill(m, .messageOnly)) == .invalidAuthType(3))
        m[4] = 0
        #expect(try Advertisement.decode(refill(m, .messageOnly), source: src4, destination: dst4).get().authentication == Authentication.none)
        m[4] = 2
        #expect(try Advertisement.decode(refill(m, .messageOnly), source: src4, destination: dst4).get().authentication == .ipAH)
    }

    @Test("a zero v3 interval is rejected (RFC 9568 §5.2.7, erratum 8301; checklist B13); Rsvd is ignored")
    func zeroInterval() throws {
        var m = try v3().encode(source: src4, destination: dst4)
        m[4] = 0xF0  // Rsvd bits set, interval 0
        m[5] = 0
        let r = reject(refill(m, .ipv4PseudoHeader))
        #expect(r == .advertInterval(received: Centiseconds(0), expected: Centiseconds(1)))
        #expect(r?.description.contains("0 is invalid") == true)
        m[5] = 10  // Rsvd set, interval 10: accepted, Rsvd ignored (RFC 5798 §5.2.6)
        #expect(try Advertisement.decode(refill(m, .ipv4PseudoHeader), source: src4, destination: dst4).get().interval == Centiseconds(10))
    }

    // MARK: IP layer

    @Test("IPv4 packets: header encoder, options, padding, TTL reported not checked, damage rejected")
    func ipv4Packet() throws {
        let packet = try IPPacket.encodeIPv4(v3(), source: IPv4Address(198, 18, 0, 11), destination: .vrrpMulticast,
                                             identification: 7, ttl: 64)
        #expect(packet[0] == 0x45 && packet[1] == 0xC0 && packet[8] == 64 && packet[9] == 112)
        let received = try IPPacket.decode(packet + [0, 0, 0]).get()  // Ethernet padding after total length
        #expect(received.ttl == 64)
        #expect(received.source == src4 && received.destination == dst4)
        // With 4 octets of options (IHL 6).
        let vrrp = try v3().encode(source: src4, destination: dst4)
        let header = IPv4Header(source: IPv4Address(198, 18, 0, 11), destination: .vrrpMulticast, payloadLength: vrrp.count,
                                options: [0x94, 0x04, 0, 0])  // Router Alert
        let withOptions = header.encode() + vrrp
        #expect(withOptions[0] == 0x46)
        #expect(try IPPacket.decode(withOptions).get().advertisement.addresses == [vip4])
        // Damage.
        var bad = packet
        bad[10] ^= 0xFF
        if case .failure(.ipHeaderChecksum) = IPPacket.decode(bad) {} else { Issue.record("bad header checksum accepted") }
        #expect(IPPacket.decode(Array(packet.prefix(30))) == .failure(.malformedIPHeader("total length 32 does not fit the 30 octets present")))
        var proto = IPv4Header(source: IPv4Address(198, 18, 0, 11), destination: .vrrpMulticast, payloadLength: vrrp.count,
                               protocolNumber: 17).encode() + vrrp
        #expect(IPPacket.decode(proto) == .failure(.notVRRP(protocolNumber: 17)))
        proto = IPv4Header(source: IPv4Address(198, 18, 0, 11), destination: .vrrpMulticast, payloadLength: vrrp.count,
                           flagsAndFragmentOffset: 0x2000).encode() + vrrp
        #expect(IPPacket.decode(proto) == .failure(.fragmented))
        var inner = packet
        inner[20] = 0x41  // VRRP version 4 (after the header): an advertisement rejection, header checksum intact
        #expect(IPPacket.decode(inner) == .failure(.advertisement(.version(4))))
    }

    @Test("IPv6 packets report the hop limit and need Next Header 112")
    func ipv6Packet() throws {
        guard case .v6(let s) = src6 else { return }
        let packet = try IPPacket.encodeIPv6(v3([vip6]), source: s, destination: .vrrpMulticast, hopLimit: 1)
        let received = try IPPacket.decode(packet).get()
        #expect(received.ttl == 1)
        #expect(received.advertisement.addresses == [vip6])
        var other = packet
        other[6] = 0  // hop-by-hop extension header
        #expect(IPPacket.decode(other) == .failure(.notVRRP(protocolNumber: 0)))
        #expect(IPPacket.decode(Array(packet.prefix(50))) == .failure(.malformedIPHeader("payload length 24 exceeds the 10 octets present")))
    }

    // MARK: MAC addresses

    @Test("virtual MACs are 00-00-5E-00-01-{VRID} and 00-00-5E-00-02-{VRID} (RFC 5798 §7.3; checklist H44)")
    func virtualMAC() {
        #expect(VirtualMAC.address(vrid: 51, family: .ipv4).description == "00:00:5e:00:01:33")
        #expect(VirtualMAC.address(vrid: 1, family: .ipv6).bytes == [0, 0, 0x5E, 0, 2, 1])
        #expect(VirtualMAC.address(vrid: 255, family: .ipv4) == MACAddress(0, 0, 0x5E, 0, 1, 0xFF))
        for vrid: UInt8 in [1, 51, 255] {
            for family in [AddressFamily.ipv4, .ipv6] {
                let mac = VirtualMAC.address(vrid: vrid, family: family)
                #expect(!mac.isMulticast)
                #expect(VirtualMAC.parse(mac)! == (vrid, family))
            }
        }
        #expect(VirtualMAC.parse(MACAddress(0, 0, 0x5E, 0, 3, 1)) == nil)
        #expect(VirtualMAC.parse(MACAddress(2, 0, 0x5E, 0, 1, 1)) == nil)
    }

    @Test("MAC addresses parse and print as aa:bb:cc:dd:ee:ff")
    func macText() {
        #expect(MACAddress("F2:2D:db:63:e8:58")?.value == 0xF22D_DB63_E858)
        #expect(MACAddress("0-0-5e-0-1-33") == VirtualMAC.address(vrid: 51, family: .ipv4))
        #expect(MACAddress.broadcast.description == "ff:ff:ff:ff:ff:ff")
        for bad in ["", "f2:2d:db:63:e8", "f2:2d:db:63:e8:58:00", "f2:2d:db:63:e8:5g", "f2:2d:db:63:e8:588", "f2::db:63:e8:58"] {
            #expect(MACAddress(bad) == nil, "\(bad)")
        }
        #expect(MACAddress(multicast: IPv4Address.vrrpMulticast).description == "01:00:5e:00:00:12")
        #expect(MACAddress(multicast: IPv6Address.vrrpMulticast).description == "33:33:00:00:00:12")
    }
}
