// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore
import VRRPTestSupport

private let peer = RouterFixtures.address(20)

private func runningBackup(_ configuration: VirtualRouter.Configuration) -> VirtualRouter {
    var router = VirtualRouter(configuration: configuration, localAddress: RouterFixtures.address(10))
    _ = router.handle(.startup, at: .zero)
    return router
}

@Suite("Router receive validation: RFC 5798 §7.1 / RFC 3768 §7.1")
struct RouterValidationTests {
    /// Feeds one advert; checks it was rejected with `expected` and that exactly one counter moved.
    private func expectRejected(_ configuration: VirtualRouter.Configuration, _ advert: ReceivedAdvertisement,
                                _ expected: AdvertisementRejection, counter: KeyPath<VirtualRouter.Statistics, UInt64>,
                                sourceLocation: SourceLocation = #_sourceLocation) {
        var router = runningBackup(configuration)
        let timers = router.timers
        let actions = router.handle(.advertisementReceived(advert), at: .ms(500))
        #expect(actions == [.rejected(expected)], sourceLocation: sourceLocation)
        #expect(router.statistics[keyPath: counter] == 1, sourceLocation: sourceLocation)
        #expect(router.statistics.totalErrors == 1, sourceLocation: sourceLocation)
        #expect(router.statistics.advertiseRcvd == 0, sourceLocation: sourceLocation)
        #expect(router.timers == timers, sourceLocation: sourceLocation)
    }

    // RFC checklist A3, D19
    @Test("D19: TTL other than 255 is discarded (ipTtlErrors) unless checkTTL is off (unicast)")
    func ttl() {
        let config = RouterFixtures.configuration()
        expectRejected(config, RouterFixtures.advert(for: config, priority: 150, from: peer, ttl: 254),
                       .ipTTL(254), counter: \.ipTtlErrors)
        var unicast = config
        unicast.checkTTL = false
        var router = runningBackup(unicast)
        _ = router.handle(.advertisementReceived(RouterFixtures.advert(for: unicast, priority: 150, from: peer, ttl: 64)),
                          at: .ms(1))
        #expect(router.statistics.advertiseRcvd == 1)
    }

    // RFC checklist D19, I46
    @Test("D19: another version is discarded (versionErrors)")
    func version() {
        let config = RouterFixtures.configuration(version: .v3)
        expectRejected(config, RouterFixtures.advert(for: config, priority: 150, from: peer, version: .v2),
                       .version(2), counter: \.versionErrors)
    }

    // RFC checklist D19
    @Test("D19: another VRID is discarded (vrIdErrors)")
    func vrid() {
        let config = RouterFixtures.configuration(vrid: 51)
        expectRejected(config, RouterFixtures.advert(for: config, priority: 150, from: peer, vrid: 52),
                       .vrid(52), counter: \.vrIdErrors)
    }

    // RFC checklist D20
    @Test("D20: v2 auth type mismatch (authTypeMismatch) and wrong PASS data (authFailures)")
    func authentication() {
        let config = RouterFixtures.configuration(version: .v2, authentication: .password("secret"))
        expectRejected(config, RouterFixtures.advert(for: config, priority: 150, from: peer, authentication: Authentication.none),
                       .authTypeMismatch(received: 0, expected: 1), counter: \.authTypeMismatch)
        expectRejected(config, RouterFixtures.advert(for: config, priority: 150, from: peer,
                                                     authentication: .password("wrong")),
                       .authFailure, counter: \.authFailures)
        var router = runningBackup(config)
        _ = router.handle(.advertisementReceived(RouterFixtures.advert(for: config, priority: 150, from: peer)), at: .ms(1))
        #expect(router.statistics.advertiseRcvd == 1)
    }

    // RFC checklist D21
    @Test("D21: a v2 advert interval other than ours is discarded (advertiseIntervalErrors)")
    func v2Interval() {
        let config = RouterFixtures.configuration(version: .v2)
        expectRejected(config, RouterFixtures.advert(for: config, priority: 150, from: peer, interval: Centiseconds(200)),
                       .advertInterval(received: Centiseconds(200), expected: .oneSecond), counter: \.advertiseIntervalErrors)
    }

    // RFC checklist D21, B13 (RFC 9568 erratum 8301)
    @Test("D21: a v3 interval differing from ours is accepted (learnt), but 0 is discarded")
    func v3Interval() {
        let config = RouterFixtures.configuration(version: .v3)
        expectRejected(config, RouterFixtures.advert(for: config, priority: 150, from: peer, interval: Centiseconds(0)),
                       .advertInterval(received: Centiseconds(0), expected: .oneSecond), counter: \.advertiseIntervalErrors)
        var router = runningBackup(config)
        _ = router.handle(.advertisementReceived(RouterFixtures.advert(for: config, priority: 150, from: peer,
                                                                       interval: Centiseconds(50))), at: .ms(1))
        #expect(router.statistics.advertiseRcvd == 1)
    }

    // RFC checklist D22 (keepalived drops), B11 (count 0)
    @Test("D22: a different address list is discarded (addressListErrors) unless the check is off; count 0 always")
    func addressList() {
        let config = RouterFixtures.configuration()
        let other = [RouterFixtures.address(101)]
        expectRejected(config, RouterFixtures.advert(for: config, priority: 150, from: peer, addresses: other),
                       .addressList("addresses differ from the configured ones"), counter: \.addressListErrors)
        expectRejected(config, RouterFixtures.advert(for: config, priority: 150, from: peer,
                                                     addresses: [RouterFixtures.vip4, RouterFixtures.address(101)]),
                       .addressList("2 addresses, 1 configured"), counter: \.addressListErrors)
        expectRejected(config, RouterFixtures.advert(for: config, priority: 150, from: peer, addresses: []),
                       .addressList("count is 0"), counter: \.addressListErrors)
        expectRejected(config, RouterFixtures.advert(for: config, priority: 150, from: peer, addresses: [RouterFixtures.vip6]),
                       .addressList("not all IPv4"), counter: \.addressListErrors)
        var lax = config
        lax.checkAddressList = false
        var router = runningBackup(lax)
        _ = router.handle(.advertisementReceived(RouterFixtures.advert(for: lax, priority: 150, from: peer, addresses: other)),
                          at: .ms(1))
        #expect(router.statistics.advertiseRcvd == 1)
    }

    @Test("The address list compares as a set (order does not matter)")
    func addressOrder() {
        var config = RouterFixtures.configuration()
        config.virtualAddresses = [RouterFixtures.address(100), RouterFixtures.address(101)]
        var router = runningBackup(config)
        _ = router.handle(.advertisementReceived(RouterFixtures.advert(
            for: config, priority: 150, from: peer, addresses: [RouterFixtures.address(101), RouterFixtures.address(100)])),
            at: .ms(1))
        #expect(router.statistics.advertiseRcvd == 1)
    }

    @Test("record(_:) counts decoder rejects in the same statistics, one counter each")
    func recordFromDecoder() {
        var router = runningBackup(RouterFixtures.configuration())
        let rejections: [AdvertisementRejection] = [
            .checksum(received: 1, expected: 2), .packetLength(3), .invalidType(2), .invalidAuthType(9),
        ]
        for rejection in rejections { router.record(rejection) }
        #expect(router.statistics.checksumErrors == 1)
        #expect(router.statistics.packetLengthErrors == 1)
        #expect(router.statistics.invalidTypePktsRcvd == 1)
        #expect(router.statistics.invalidAuthType == 1)
        #expect(router.statistics.totalErrors == 4)
    }

    @Test("Adverts are not processed in Initialize or FAULT")
    func notRunning() {
        let config = RouterFixtures.configuration()
        var router = VirtualRouter(configuration: config, localAddress: RouterFixtures.address(10))
        #expect(router.handle(.advertisementReceived(RouterFixtures.advert(for: config, priority: 150, from: peer)),
                              at: .zero).isEmpty)
        #expect(router.statistics.advertiseRcvd == 0)
    }
}
