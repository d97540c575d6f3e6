// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import VRRPCore

@Suite("Wire: robustness")
struct WireRobustnessTests {
    @Test("100 000 random and mutated inputs never trap, and accepted ones re-encode")
    func fuzz() throws {
        var rng = SplitMix64(seed: 0x5EED)
        let s4 = IPAddress.v4(IPv4Address(198, 18, 0, 11)), d4 = IPAddress.v4(.vrrpMulticast)
        let s6 = IPAddress("fe80::1")!, d6 = IPAddress.v6(.vrrpMulticast)
        let packets: [[UInt8]] = [
            try IPPacket.encodeIPv4(Advertisement(version: .v2, vrid: 51, priority: 150, interval: .oneSecond,
                                                  addresses: [IPAddress("198.18.0.100")!], authentication: .password("vbtest")),
                                    source: IPv4Address(198, 18, 0, 11), destination: .vrrpMulticast),
            try IPPacket.encodeIPv4(Advertisement(version: .v3, vrid: 51, priority: 150, interval: .oneSecond,
                                                  addresses: [IPAddress("198.18.0.100")!, IPAddress("198.18.0.101")!]),
                                    source: IPv4Address(198, 18, 0, 11), destination: .vrrpMulticast),
            try IPPacket.encodeIPv6(Advertisement(version: .v3, vrid: 51, priority: 150, interval: .oneSecond,
                                                  addresses: [IPAddress("2001:db8::100")!]),
                                    source: IPv6Address("fe80::1")!, destination: .vrrpMulticast),
            UnsolicitedNeighborAdvertisement.frame(address: IPv6Address("2001:db8::100")!, sourceMAC: MACAddress(0x02_0000_0000_01)),
            GratuitousARP.frame(address: IPv4Address(198, 18, 0, 100), sourceMAC: MACAddress(0x02_0000_0000_01)),
        ]
        // The packets, and their VRRP messages alone (IPv4 header 20, IPv6 header 40 octets).
        let seeds = packets + [Array(packets[0].dropFirst(20)), Array(packets[1].dropFirst(20)), Array(packets[2].dropFirst(40))]
        var accepted = 0
        for i in 0..<100_000 {
            var input: [UInt8]
            if i % 4 == 0 {
                input = (0..<Int.random(in: 0...80, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            } else {
                input = seeds[i % seeds.count]
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    switch Int.random(in: 0...3, using: &rng) {
                    case 0 where !input.isEmpty: input[Int.random(in: 0..<input.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                    case 1 where !input.isEmpty: input.removeLast(Int.random(in: 0...min(8, input.count), using: &rng))
                    case 2: input.append(UInt8.random(in: 0...255, using: &rng))
                    default: if !input.isEmpty { input[Int.random(in: 0..<input.count, using: &rng)] ^= 1 << UInt8.random(in: 0...7, using: &rng) }
                    }
                }
            }
            _ = CaptureDecoder.decode(input)
            _ = CaptureDecoder.decode(input, source: s4, destination: d4)
            for (s, d) in [(s4, d4), (s6, d6)] {
                if case .success(let ad) = Advertisement.decode(input, source: s, destination: d) {
                    accepted += 1
                    // Whatever is accepted encodes back to the same bytes unless Rsvd or
                    // ignored auth data were set (they are zeroed on send).
                    let again = try ad.encode(source: s, destination: d)
                    #expect(again.count == input.count)
                }
            }
            if case .success = IPPacket.decode(input) { accepted += 1 }
            _ = HexDump.parse(String(decoding: input, as: UTF8.self))
            if i % 10 == 0 { try Self.inPlaceAgrees(input, (s4, d4), (s6, d6)) }
        }
        #expect(accepted > 0)
    }

    /// The in-place entry points (the daemon's receive path, issue 16) decide exactly as the
    /// array ones, reading nothing past the datagram: the input sits in a larger buffer whose
    /// bytes after it are garbage, as in a receive slot.
    static func inPlaceAgrees(_ input: [UInt8], _ pairs: (IPAddress, IPAddress)...) throws {
        let slot = input + [UInt8](repeating: 0xFF, count: 64)
        try slot.withUnsafeBytes { raw in
            let view = UnsafeRawBufferPointer(rebasing: raw[0..<input.count])
            try #require(IPPacket.decode(view) == IPPacket.decode(input), "IPPacket \(input)")
            #expect(IPPacket.decodeDetailed(input[...]) == IPPacket.decodeDetailed(input))
            for (s, d) in pairs {
                try #require(Advertisement.decode(view, source: s, destination: d) == Advertisement.decode(input, source: s, destination: d),
                             "Advertisement \(input)")
                #expect(Advertisement.decodeDetailed(input[...], source: s, destination: d)
                        == Advertisement.decodeDetailed(input, source: s, destination: d))
            }
            for family in [AddressFamily.ipv4, .ipv6] {
                #expect(Advertisement.peekVRID(view, family: family) == Advertisement.peekVRID(input, family: family))
            }
        }
    }

    @Test("the in-place decoders read only the datagram's bytes: a valid advert followed by garbage in its slot decodes as the advert")
    func inPlaceValid() throws {
        let v2 = try IPPacket.encodeIPv4(Advertisement(version: .v2, vrid: 51, priority: 150, interval: .oneSecond,
                                                       addresses: [IPAddress("198.18.0.100")!], authentication: .password("vbtest")),
                                         source: IPv4Address(198, 18, 0, 11), destination: .vrrpMulticast)
        let s6 = IPAddress("fe80::1")!, d6 = IPAddress.v6(.vrrpMulticast)
        let v3 = try Advertisement(version: .v3, vrid: 52, priority: 100, interval: .oneSecond,
                                   addresses: (1...255).map { IPAddress("2001:db8::\(String($0, radix: 16))")! })
            .encode(source: s6, destination: d6)
        #expect(v3.count == 8 + 255 * 16)
        try Self.inPlaceAgrees(v2, (.v4(IPv4Address(198, 18, 0, 11)), .v4(.vrrpMulticast)))
        try Self.inPlaceAgrees(v3, (s6, d6))
        let decoded = (v3 + [0xFF, 0xFF]).withUnsafeBytes {
            Advertisement.decode(UnsafeRawBufferPointer(rebasing: $0[0..<v3.count]), source: s6, destination: d6)
        }
        #expect((try? decoded.get())?.addresses.count == 255)
    }
}
