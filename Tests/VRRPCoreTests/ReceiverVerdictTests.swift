// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore
import VRRPTestSupport

/// `DecodedCapture.verdict` (what `vrrpctl decode` prints) is the instance's own receive
/// checks without a configuration: the same functions, so the two cannot disagree.
@Suite("Receiver verdict: the configuration-free receive checks")
struct ReceiverVerdictTests {
    static let source = IPv4Address("198.18.0.20")!

    static func packet(vrid: UInt8 = 51, ttl: UInt8 = 255) throws -> [UInt8] {
        let ad = Advertisement(version: .v3, vrid: vrid, priority: 150, interval: Centiseconds(100),
                               addresses: [IPAddress("198.18.0.100")!])
        return try IPPacket.encodeIPv4(ad, source: source, destination: .vrrpMulticast, ttl: ttl)
    }

    @Test("TTL 64 and VRID 0 are dropped with the same rejection the instance records; TTL 255 is accepted")
    func sameAsInstance() throws {
        #expect(CaptureDecoder.decode(try Self.packet()).verdict == .accepted)
        let ttl = CaptureDecoder.decode(try Self.packet(ttl: 64))
        #expect(ttl.verdict == .dropped(.ipTTL(64)))
        #expect(AdvertisementRejection.ipTTL(64).counterName == "vrrpv3StatisticsIpTtlErrors")
        let vrid0 = CaptureDecoder.decode(try Self.packet(vrid: 0))
        #expect(vrid0.verdict == .dropped(.vrid(0)))
        #expect(AdvertisementRejection.vrid(0).section == "RFC 5798 §5.2.3")

        // The instance (checkTTL on, VRID 51) drops the TTL-64 packet with the same rejection.
        let config = RouterFixtures.configuration()
        var router = VirtualRouter(configuration: config, localAddress: RouterFixtures.address(10))
        _ = router.handle(.startup, at: .zero)
        guard case .vrrp(let p) = ttl.content else {
            Issue.record("not decoded: \(ttl.content)")
            return
        }
        var received = p.received
        received.advertisement.vrid = config.vrid
        received.advertisement.addresses = config.virtualAddresses
        #expect(router.handle(.advertisementReceived(received), at: .ms(1)) == [.rejected(.ipTTL(64))])
    }

    @Test("a bare VRRP message has no TTL to judge; a damaged one keeps its raw fields")
    func bareAndRejected() throws {
        let bytes = try Self.packet()
        let bare = CaptureDecoder.decode(Array(bytes.dropFirst(20)), source: .v4(Self.source), destination: .v4(.vrrpMulticast))
        #expect(bare.verdict == .accepted)
        var damaged = bytes
        damaged[27] ^= 0xFF
        let d = CaptureDecoder.decode(damaged)
        guard case .dropped(.checksum)? = d.verdict else {
            Issue.record("verdict \(String(describing: d.verdict))")
            return
        }
        #expect(d.rejectedFields?.vrid == 51 && d.rejectedFields?.priority == 150 && d.rejectedIPHeader?.ttl == 255)
    }
}
