// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore
import VRRPTestSupport

private let peer = RouterFixtures.address(20)
private let local = RouterFixtures.address(10)

private func runningBackup(_ configuration: VirtualRouter.Configuration) -> VirtualRouter {
    var router = VirtualRouter(configuration: configuration, localAddress: local)
    _ = router.handle(.startup, at: .zero)
    return router
}

/// The receive filter that used to live in the runtime (own adverts, unicast peers, destination):
/// decided by the core, reported as `.rejected(.notForUs)`, never an RFC 6527 error.
@Suite("Router receive filter: adverts not meant for this router")
struct RouterReceiveFilterTests {
    private func expectNotForUs(_ configuration: VirtualRouter.Configuration, _ advert: ReceivedAdvertisement,
                                _ why: AdvertisementRejection.NotForUs,
                                sourceLocation: SourceLocation = #_sourceLocation) {
        var router = runningBackup(configuration)
        let timers = router.timers
        #expect(router.handle(.advertisementReceived(advert), at: .ms(500)) == [.rejected(.notForUs(why))],
                sourceLocation: sourceLocation)
        #expect(router.statistics.totalErrors == 0, sourceLocation: sourceLocation)
        #expect(router.statistics.advertiseRcvd == 0, sourceLocation: sourceLocation)
        #expect(router.statistics.notForUs == 1, sourceLocation: sourceLocation)
        #expect(router.timers == timers, sourceLocation: sourceLocation)
    }

    @Test("our own advert looped back is no election input and counts nowhere")
    func own() {
        let config = RouterFixtures.configuration()
        var router = runningBackup(config)
        #expect(router.handle(.advertisementReceived(RouterFixtures.advert(for: config, priority: 150, from: local)),
                              at: .ms(500)).isEmpty)
        #expect(router.statistics.totalErrors == 0 && router.statistics.notForUs == 0)
    }

    @Test("unicast mode hears only its configured peers")
    func unicastPeers() {
        var config = RouterFixtures.configuration()
        config.unicastPeers = [peer]
        let stranger = RouterFixtures.address(30)
        expectNotForUs(config, RouterFixtures.advert(for: config, priority: 150, from: stranger),
                       .notUnicastPeer(stranger))
        var router = runningBackup(config)
        _ = router.handle(.advertisementReceived(RouterFixtures.advert(for: config, priority: 150, from: peer)), at: .ms(1))
        #expect(router.statistics.advertiseRcvd == 1)
    }

    @Test("multicast mode hears the group and its own address, nothing else")
    func destination() {
        let config = RouterFixtures.configuration()
        var advert = RouterFixtures.advert(for: config, priority: 150, from: peer)
        let other = RouterFixtures.address(99)
        advert.destination = other
        expectNotForUs(config, advert, .otherDestination(other))
        advert.destination = local
        var router = runningBackup(config)
        _ = router.handle(.advertisementReceived(advert), at: .ms(1))
        #expect(router.statistics.advertiseRcvd == 1)
    }

    @Test("a configured group replaces the RFC group")
    func configuredGroup() {
        var config = RouterFixtures.configuration()
        let group = IPAddress.v4(IPv4Address(224, 0, 0, 19))
        config.multicastGroup = group
        let rfcGroup = RouterFixtures.advert(for: config, priority: 150, from: peer)
        expectNotForUs(config, rfcGroup, .otherDestination(.v4(.vrrpMulticast)))
        var advert = rfcGroup
        advert.destination = group
        var router = runningBackup(config)
        _ = router.handle(.advertisementReceived(advert), at: .ms(1))
        #expect(router.statistics.advertiseRcvd == 1)
    }

    @Test("the VRID is read from an undecodable packet so its error counts on the right instance")
    func peekVRID() {
        var v4 = [UInt8](repeating: 0, count: 22)
        v4[0] = 0x45
        v4[21] = 51
        #expect(Advertisement.peekVRID(v4, family: .ipv4) == 51)
        #expect(Advertisement.peekVRID(Array(v4.prefix(21)), family: .ipv4) == nil)
        #expect(Advertisement.peekVRID([0x31, 7], family: .ipv6) == 7)
        #expect(Advertisement.peekVRID([], family: .ipv6) == nil)
    }
}
