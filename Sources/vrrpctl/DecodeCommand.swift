// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials  // JSONEncoder; not Foundation, which would link ICU (~40 MB)
#else
import Foundation
#endif
import VRRPCore

/// `vrrpctl decode`: decodes VRRP advertisements (and the gratuitous ARP / NA frames around
/// them) from hex, e.g. `tcpdump -xx` output pasted as is.
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode VRRP packets from hex (tcpdump -xx output, or plain hex).",
        discussion: """
        Accepts an Ethernet frame, an IP packet or a bare VRRP message, auto-detected. \
        Reads standard input when no hex is given or the argument is '-'. A tcpdump dump of \
        many frames decodes each. Every field is printed, then an RFC receiver's verdict on \
        each VRRP packet: "accepted", or "dropped: COUNTER (SECTION)" with the RFC 6527 counter \
        it increments and the rule that drops it (TTL/hop limit, VRID, version, type, \
        checksum, length, count, auth). Exits 1 when a packet is dropped or is not VRRP, ARP \
        or NA.
        """)

    @Argument(help: "Hex bytes (several arguments are joined); '-' or nothing reads standard input.")
    var hex: [String] = []

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Option(help: "IP source address, to check a bare VRRPv3 message's pseudo-header checksum.")
    var source: String?

    @Option(help: "IP destination address for a bare message (default: the VRRP group of the source's family).")
    var destination: String?

    func run() throws {
        let text = hex.isEmpty || hex == ["-"] ? readStandardInput() : hex.joined(separator: " ")
        let (src, dst) = try endpoints()
        let packets: [HexDump.Packet]
        switch HexDump.parse(text) {
        case .success(let p): packets = p
        case .failure(let e): throw DecodeInputError(message: "cannot read the hex input: \(e)")
        }
        guard !packets.isEmpty else { throw DecodeInputError(message: "no hex bytes in the input") }
        let reports = packets.map { PacketReport(packet: $0, decoded: CaptureDecoder.decode($0.bytes, source: src, destination: dst)) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(reports), as: UTF8.self))
        } else {
            for (i, r) in reports.enumerated() {
                if i > 0 { print("") }
                print(r.text(index: i + 1, of: reports.count))
            }
        }
        if reports.contains(where: { !$0.ok }) { throw ExitCode(1) }
    }

    private func endpoints() throws -> (IPAddress?, IPAddress?) {
        guard let s = source else {
            if destination != nil { throw ValidationError("--destination needs --source") }
            return (nil, nil)
        }
        guard let src = IPAddress(s) else { throw ValidationError("--source \(s) is not an IP address") }
        if let d = destination {
            guard let dst = IPAddress(d) else { throw ValidationError("--destination \(d) is not an IP address") }
            return (src, dst)
        }
        return (src, src.family == .ipv4 ? .v4(.vrrpMulticast) : .v6(.vrrpMulticast))
    }

    private func readStandardInput() -> String {
        var text = ""
        while let line = readLine(strippingNewline: false) { text += line }
        return text
    }
}

/// Unreadable input: printed as "Error: …", exit status 1.
struct DecodeInputError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// One decoded packet, for text and JSON output.
struct PacketReport: Encodable {
    var length: Int
    var caption: String?
    var kind: String
    var ok: Bool
    var reason: String?
    /// VRRP packets only: "accepted" or "dropped: COUNTER (SECTION)".
    var verdict: String?
    /// The VRRP header as carried, for a packet the decoder rejected.
    var header: RawHeaderReport?
    var ethernet: EthernetReport?
    var ip: IPReport?
    var vrrp: VRRPReport?
    var arp: ARPReport?
    var neighborAdvertisement: NAReport?

    struct EthernetReport: Encodable {
        var source: String
        var destination: String
        var etherType: String
        var vlans: [UInt16]?
    }

    struct IPReport: Encodable {
        var version: Int
        var source: String
        var destination: String
        var ttl: UInt8
        var tos: String?
        var identification: UInt16?
        var flowLabel: String?
    }

    struct VRRPReport: Encodable {
        var version: UInt8
        var type: String
        var vrid: UInt8
        var priority: UInt8
        var count: Int
        var intervalCentiseconds: UInt16
        var interval: String
        var addresses: [String]
        var authType: UInt8?
        var authentication: String?
        var checksum: String
        var checksumForm: String
    }

    struct RawHeaderReport: Encodable {
        var version: UInt8
        var type: UInt8
        var vrid: UInt8?
        var priority: UInt8?
        var count: UInt8?
        var authTypeOrReserved: UInt8?
        var interval: UInt16?
        var checksum: String?
        var length: Int
    }

    struct ARPReport: Encodable {
        var operation: String
        var senderMAC: String
        var senderIP: String
        var targetMAC: String
        var targetIP: String
        var gratuitous: Bool
    }

    struct NAReport: Encodable {
        var target: String
        var flags: [String]
        var targetLinkLayerAddress: String?
    }

    init(packet: HexDump.Packet, decoded: DecodedCapture) {
        length = packet.bytes.count
        caption = packet.caption
        ok = true
        if let e = decoded.ethernet {
            ethernet = EthernetReport(source: e.source.description, destination: e.destination.description,
                                      etherType: Self.etherTypeName(e.etherType), vlans: e.vlanTags.isEmpty ? nil : e.vlanIDs)
        }
        switch decoded.content {
        case .vrrp(let p):
            kind = "vrrp"
            ip = Self.ipReport(p.ipHeader)
            vrrp = Self.vrrpReport(p.advertisement, form: p.checksumForm)
        case .bareVRRP(let d):
            kind = "vrrp"
            vrrp = Self.vrrpReport(d.advertisement, form: d.checksumForm)
        case .arp(let a):
            kind = "arp"
            arp = ARPReport(operation: a.operation == ARPPacket.request ? "request" : a.operation == ARPPacket.reply ? "reply" : "\(a.operation)",
                            senderMAC: a.senderHardware.description, senderIP: a.senderProtocol.description,
                            targetMAC: a.targetHardware.description, targetIP: a.targetProtocol.description,
                            gratuitous: a.isGratuitous)
        case .neighborAdvertisement(let h, let na):
            kind = "neighbor-advertisement"
            ip = Self.ipReport(.v6(h))
            neighborAdvertisement = NAReport(
                target: na.target.description,
                flags: [na.router ? "router" : nil, na.solicited ? "solicited" : nil, na.override ? "override" : nil].compactMap { $0 },
                targetLinkLayerAddress: na.targetLinkLayerAddress?.description)
        case .rejected(let r):
            kind = "rejected"
            ok = false
            reason = r.description
            ip = decoded.rejectedIPHeader.map(Self.ipReport)
            header = decoded.rejectedFields.map { f in
                let v2 = f.version == 2
                return RawHeaderReport(version: f.version, type: f.type, vrid: f.vrid, priority: f.priority, count: f.count,
                                       authTypeOrReserved: f.word.map { v2 ? UInt8($0 >> 8) : UInt8($0 >> 12) },
                                       interval: f.word.map { v2 ? $0 & 0xFF : $0 & 0x0FFF },
                                       checksum: f.checksum.map { "0x" + String($0, radix: 16) }, length: f.length)
            }
        case .other(let why):
            kind = "other"
            ok = false
            reason = "not a VRRP, ARP or neighbor advertisement packet: \(why)"
        }
        // The verdict is the core's (VirtualRouter.receiverRejection after the wire decoder).
        switch decoded.verdict {
        case .accepted?:
            verdict = "accepted"
        case .dropped(let r)?:
            verdict = "dropped: \(r.counterName) (\(r.section))"
            ok = false
            if reason == nil { reason = r.description }
        case nil:
            break
        }
        if case .bareVRRP = decoded.content { reason = "TTL/hop limit not checked: no IP header" }
    }

    static func etherTypeName(_ t: UInt16) -> String {
        switch t {
        case EtherType.ipv4: "IPv4"
        case EtherType.ipv6: "IPv6"
        case EtherType.arp: "ARP"
        default: "0x" + String(t, radix: 16)
        }
    }

    static func ipReport(_ h: IPHeader) -> IPReport {
        switch h {
        case .v4(let v):
            IPReport(version: 4, source: v.source.description, destination: v.destination.description, ttl: v.ttl,
                     tos: "0x" + String(v.tos, radix: 16), identification: v.identification)
        case .v6(let v):
            IPReport(version: 6, source: v.source.description, destination: v.destination.description, ttl: v.hopLimit,
                     tos: "0x" + String(v.trafficClass, radix: 16), flowLabel: "0x" + String(v.flowLabel, radix: 16))
        }
    }

    static func vrrpReport(_ ad: Advertisement, form: ChecksumForm) -> VRRPReport {
        var authType: UInt8?
        var auth: String?
        if ad.version == .v2 {
            authType = ad.authentication.typeCode
            switch ad.authentication {
            case .none: auth = "none"
            case .ipAH: auth = "IP AH"
            case .password(let p):
                auth = "password \"" + String(decoding: p.prefix { $0 != 0 }, as: UTF8.self) + "\""
            }
        }
        let cs = ad.interval.value
        let interval = ad.version == .v2 ? "\(cs / 100)s" : "\(cs)cs (\(Double(cs) / 100)s)"
        return VRRPReport(version: ad.version.rawValue, type: "advertisement", vrid: ad.vrid, priority: ad.priority,
                          count: ad.addresses.count, intervalCentiseconds: cs, interval: interval,
                          addresses: ad.addresses.map(\.description), authType: authType, authentication: auth,
                          checksum: "0x" + String(ad.checksum, radix: 16), checksumForm: form.rawValue)
    }

    func text(index: Int, of total: Int) -> String {
        var lines: [String] = []
        let title = total > 1 ? "packet \(index) (\(length) octets)" : "\(length) octets"
        lines.append(title + (caption.map { ": " + ($0.split(separator: "\n").first.map(String.init) ?? "") } ?? ""))
        func row(_ k: String, _ v: String) { lines.append("  " + k + String(repeating: " ", count: max(0, 10 - k.count)) + v) }
        if let e = ethernet {
            row("ethernet", "\(e.source) > \(e.destination), \(e.etherType)" + (e.vlans.map { ", vlan \($0.map(String.init).joined(separator: "."))" } ?? ""))
        }
        if let ip {
            var s = "IPv\(ip.version) \(ip.source) > \(ip.destination), \(ip.version == 4 ? "ttl" : "hop limit") \(ip.ttl)"
            if let t = ip.tos { s += ip.version == 4 ? ", tos \(t)" : ", class \(t)" }
            if let i = ip.identification { s += ", id \(i)" }
            if let f = ip.flowLabel { s += ", flow \(f)" }
            row("ip", s)
        }
        if let v = vrrp {
            row("vrrp", "VRRPv\(v.version) \(v.type), vrid \(v.vrid), priority \(v.priority)\(v.priority == 0 ? " (master stopping)" : v.priority == 255 ? " (owner)" : "")")
            row("interval", v.interval)
            row("addresses", "(\(v.count)) " + v.addresses.joined(separator: ", "))
            if let a = v.authentication, let t = v.authType { row("auth", "type \(t): \(a)") }
            row("checksum", "\(v.checksum), " + (ChecksumForm(rawValue: v.checksumForm)?.description ?? v.checksumForm))
        }
        if let a = arp {
            row("arp", "\(a.operation) who-has \(a.targetIP) (\(a.targetMAC)) tell \(a.senderIP) (\(a.senderMAC))" + (a.gratuitous ? ", gratuitous" : ""))
        }
        if let n = neighborAdvertisement {
            row("icmpv6", "neighbor advertisement, target \(n.target), flags [\(n.flags.joined(separator: ", "))]"
                + (n.targetLinkLayerAddress.map { ", target link-layer \($0)" } ?? ""))
        }
        if let h = header {
            var s = "VRRPv\(h.version) type \(h.type)"
            if let v = h.vrid { s += ", vrid \(v)" }
            if let p = h.priority { s += ", priority \(p)" }
            if let c = h.count { s += ", count \(c)" }
            if let a = h.authTypeOrReserved { s += h.version == 2 ? ", auth type \(a)" : ", reserved \(a)" }
            if let i = h.interval { s += h.version == 2 ? ", interval \(i)s" : ", interval \(i)cs" }
            if let c = h.checksum { s += ", checksum \(c)" }
            row("vrrp", s + ", \(h.length) octets (as carried, unchecked)")
        }
        if let reason { row(kind == "other" ? "skipped" : "reason", reason) }
        if let verdict { lines.append(verdict) }
        return lines.joined(separator: "\n")
    }
}
