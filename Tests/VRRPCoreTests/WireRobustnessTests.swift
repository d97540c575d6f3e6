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
        }
        #expect(accepted > 0)
    }
}
