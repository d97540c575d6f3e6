// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import VRRPCore
import VRRPLab

/// `vrrpctl decode` gives an RFC receiver's verdict: every field, then "accepted" or
/// "dropped: COUNTER (SECTION)", exit 1 when dropped. The packets are built with the core's
/// encoders and then damaged one field at a time.
@Suite("vrrpctl decode verdicts")
struct DecodeVerdictTests {
    static let source4 = IPv4Address("198.18.0.11")!
    static let source6 = IPv6Address("fe80::1")!

    static func advert(_ version: VRRPVersion = .v3, vrid: UInt8 = 51, interval: UInt16 = 100,
                       addresses: [IPAddress] = [IPAddress("198.18.0.100")!]) -> Advertisement {
        Advertisement(version: version, vrid: vrid, priority: 150, interval: Centiseconds(interval), addresses: addresses)
    }

    static func ipv4(_ a: Advertisement, ttl: UInt8 = 255) throws -> [UInt8] {
        try IPPacket.encodeIPv4(a, source: source4, destination: .vrrpMulticast, ttl: ttl)
    }

    /// A VRRPv2 message (checksum over the message only, RFC 3768 §5.3.8) after `damage`,
    /// with the checksum made right again, inside an IPv4 header with TTL 255.
    static func v2(_ damage: (inout [UInt8]) -> Void) throws -> [UInt8] {
        let packet = try ipv4(advert(.v2))
        var vrrp = Array(packet.dropFirst(20))
        damage(&vrrp)
        vrrp[6] = 0
        vrrp[7] = 0
        let sum = InternetChecksum.compute(vrrp)
        vrrp[6] = UInt8(sum >> 8)
        vrrp[7] = UInt8(sum & 0xFF)
        var header = Array(packet.prefix(20))
        let total = 20 + vrrp.count
        header[2] = UInt8(total >> 8)
        header[3] = UInt8(total & 0xFF)
        header[10] = 0
        header[11] = 0
        let hsum = InternetChecksum.compute(header)
        header[10] = UInt8(hsum >> 8)
        header[11] = UInt8(hsum & 0xFF)
        return header + vrrp
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined(separator: " ")
    }

    /// Runs `vrrpctl decode HEX`; returns (exit status, stdout).
    static func decode(_ bytes: [UInt8]) throws -> (status: Int32, output: String) {
        let run = try Lab.runHostCommand([try LabBinaries.vrrpctl, "decode", hex(bytes)], timeout: .seconds(30))
        return (run.status, run.output)
    }

    static func expectDropped(_ bytes: [UInt8], _ verdict: String, showing fields: [String] = [],
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (status, output) = try decode(bytes)
        #expect(status == 1, "exit status; output:\n\(output)", sourceLocation: sourceLocation)
        let last = output.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last == verdict, "output:\n\(output)", sourceLocation: sourceLocation)
        for f in fields {
            #expect(output.contains(f), "missing \(f) in:\n\(output)", sourceLocation: sourceLocation)
        }
    }

    @Test("a valid v3 advert with TTL 255 is accepted (exit 0), every field printed")
    func accepted() throws {
        let (status, output) = try Self.decode(try Self.ipv4(Self.advert()))
        #expect(status == 0, "\(output)")
        #expect(output.split(separator: "\n").last == "accepted", "\(output)")
        for f in ["ttl 255", "tos 0xc0", "vrid 51", "priority 150", "198.18.0.100", "checksum"] {
            #expect(output.contains(f), "missing \(f) in:\n\(output)")
        }
    }

    @Test("TTL 64, hop limit 64, VRID 0: dropped with the RFC 6527 counter and section, exit 1")
    func ttlHopLimitVRID() throws {
        try Self.expectDropped(try Self.ipv4(Self.advert(), ttl: 64),
                               "dropped: vrrpv3StatisticsIpTtlErrors (RFC 5798 §5.1.1.3, §5.1.2.3, §7.1)",
                               showing: ["ttl 64", "vrid 51"])
        let v6 = try IPPacket.encodeIPv6(Self.advert(addresses: [IPAddress("2001:db8::100")!]), source: Self.source6,
                                         destination: .vrrpMulticast, hopLimit: 64)
        try Self.expectDropped(v6, "dropped: vrrpv3StatisticsIpTtlErrors (RFC 5798 §5.1.1.3, §5.1.2.3, §7.1)",
                               showing: ["hop limit 64"])
        try Self.expectDropped(try Self.ipv4(Self.advert(vrid: 0)), "dropped: vrrpv3RouterVrIdErrors (RFC 5798 §5.2.3)",
                               showing: ["vrid 0"])
    }

    @Test("version, type, checksum, length, count, auth type: each dropped with its counter, fields still shown")
    func decoderDrops() throws {
        var badVersion = try Self.ipv4(Self.advert())
        badVersion[20] = 0x41
        try Self.expectDropped(badVersion, "dropped: vrrpv3RouterVersionErrors (RFC 5798 §5.2.1, §7.1)",
                               showing: ["VRRPv4", "vrid 51", "ttl 255"])
        var badChecksum = try Self.ipv4(Self.advert())
        badChecksum[27] ^= 0xFF
        try Self.expectDropped(badChecksum, "dropped: vrrpv3RouterChecksumErrors (RFC 5798 §5.2.8, §7.1)",
                               showing: ["vrid 51", "priority 150"])
        try Self.expectDropped(try Self.v2 { $0[0] = 0x22 },
                               "dropped: vrrpv3StatisticsRcvdInvalidTypePackets (RFC 5798 §5.2.2)", showing: ["type 2"])
        try Self.expectDropped(try Self.v2 { $0[4] = 3 },
                               "dropped: vrrpStatsInvalidAuthType (RFC 2787) (RFC 3768 §5.3.6)", showing: ["auth type 3"])
        try Self.expectDropped(try Self.v2 { v in
            v[3] = 0
            v.removeSubrange(8..<12)
        }, "dropped: vrrpv3StatisticsAddressListErrors (RFC 9568 §5.2.5)", showing: ["count 0"])
        try Self.expectDropped(try Self.v2 { $0.removeLast(3) },
                               "dropped: vrrpv3StatisticsPacketLengthErrors (RFC 5798 §7.1)")
    }
}
