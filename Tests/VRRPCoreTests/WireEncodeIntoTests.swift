// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import VRRPCore

/// Issue 16, the master's cost per advert: `encode(into:)` writes into the caller's buffer, so a
/// master that keeps one buffer per instance allocates nothing per advert sent.
@Suite("Wire: advertisement encoding into a reused buffer")
struct WireEncodeIntoTests {
    static let src4 = IPAddress.v4(IPv4Address(198, 18, 0, 11))
    static let dst4 = IPAddress.v4(.vrrpMulticast)
    static let src6 = IPAddress("fe80::f02d:dbff:fe63:e858")!
    static let dst6 = IPAddress.v6(.vrrpMulticast)

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let advertisement: Advertisement
        let source: IPAddress
        let destination: IPAddress
        let checksum: V3IPv4Checksum
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "v2, PASS", advertisement: Advertisement(version: .v2, vrid: 51, priority: 150, interval: .oneSecond,
                                                            addresses: [IPAddress("198.18.0.100")!], authentication: .password(Array("vbtest".utf8))),
             source: src4, destination: dst4, checksum: .pseudoHeader),
        Case(name: "v2, PASS longer than 8", advertisement: Advertisement(version: .v2, vrid: 7, priority: 100, interval: .oneSecond,
                                                                          addresses: [IPAddress("198.18.0.100")!, IPAddress("198.18.0.101")!],
                                                                          authentication: .password(Array("0123456789".utf8))),
             source: src4, destination: dst4, checksum: .pseudoHeader),
        Case(name: "v2, no auth", advertisement: Advertisement(version: .v2, vrid: 51, priority: 0, interval: .oneSecond,
                                                               addresses: [IPAddress("198.18.0.100")!]),
             source: src4, destination: dst4, checksum: .pseudoHeader),
        Case(name: "v3 IPv4", advertisement: Advertisement(version: .v3, vrid: 51, priority: 150, interval: Centiseconds(10),
                                                           addresses: [IPAddress("198.18.0.100")!]),
             source: src4, destination: dst4, checksum: .pseudoHeader),
        Case(name: "v3 IPv4, RFC 9568 checksum", advertisement: Advertisement(version: .v3, vrid: 51, priority: 150, interval: Centiseconds(100),
                                                                              addresses: [IPAddress("198.18.0.100")!]),
             source: src4, destination: dst4, checksum: .rfc9568),
        Case(name: "v3 IPv6, two VIPs", advertisement: Advertisement(version: .v3, vrid: 9, priority: 255, interval: Centiseconds(1),
                                                                     addresses: [IPAddress("2001:db8::100")!, IPAddress("fe80::1")!]),
             source: src6, destination: dst6, checksum: .pseudoHeader),
    ]

    @Test("encode(into:) gives encode()'s bytes, over whatever the buffer held before", arguments: cases)
    func sameBytes(_ c: Case) throws {
        let expected = try c.advertisement.encode(source: c.source, destination: c.destination, v3IPv4Checksum: c.checksum)
        var buffer = [UInt8](repeating: 0xAA, count: 200)
        try c.advertisement.encode(into: &buffer, source: c.source, destination: c.destination, v3IPv4Checksum: c.checksum)
        #expect(buffer == expected)
    }

    @Test("a uniquely held buffer with room is reused: no new storage per advert", arguments: cases)
    func reusesStorage(_ c: Case) throws {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(256)
        let before = buffer.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        for priority: UInt8 in [0, 100, 254] {
            var a = c.advertisement
            a.priority = priority
            try a.encode(into: &buffer, source: c.source, destination: c.destination, v3IPv4Checksum: c.checksum)
            #expect(buffer.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } == before)
            #expect(buffer == (try a.encode(source: c.source, destination: c.destination, v3IPv4Checksum: c.checksum)))
        }
    }
}
