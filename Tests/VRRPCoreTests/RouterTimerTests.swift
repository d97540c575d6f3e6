// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore
import VRRPTestSupport

@Suite("Router timers: Skew_Time and Master_Down_Interval")
struct RouterTimerTests {
    // RFC checklist E24: v2 Skew_Time = (256 − Priority)/256 s; Master_Down_Interval = 3 × interval + skew.
    @Test("E24: v2 priority 100 at 1 s gives skew 0.609375 s and master down 3.609375 s")
    func v2Example() {
        let skew = VirtualRouter.skewTime(version: .v2, priority: 100, masterAdverInterval: .oneSecond)
        #expect(skew == Interval(nanoseconds: 609_375_000))
        let down = VirtualRouter.masterDownInterval(version: .v2, priority: 100, masterAdverInterval: .oneSecond)
        #expect(down == Interval(nanoseconds: 3_609_375_000))
    }

    @Test("E24: v2 skew ignores the interval (it is in seconds of priority only)")
    func v2SkewIndependentOfInterval() {
        let at1 = VirtualRouter.skewTime(version: .v2, priority: 200, masterAdverInterval: Centiseconds(100))
        let at5 = VirtualRouter.skewTime(version: .v2, priority: 200, masterAdverInterval: Centiseconds(500))
        #expect(at1 == at5)
        #expect(at1 == Interval(nanoseconds: 218_750_000))  // 56/256 s
        #expect(VirtualRouter.masterDownInterval(version: .v2, priority: 200, masterAdverInterval: Centiseconds(500))
                == .seconds(15) + Interval(nanoseconds: 218_750_000))
    }

    // RFC checklist E25: v3 Skew_Time = ((256 − Priority) × Master_Adver_Interval)/256 cs.
    @Test("E25: v3 priority 100 at 100 cs gives master down 360.9375 cs")
    func v3Example100() {
        #expect(VirtualRouter.masterDownInterval(version: .v3, priority: 100, masterAdverInterval: .oneSecond)
                == Interval(nanoseconds: 3_609_375_000))
    }

    @Test("E25: v3 priority 200 at 100 cs gives 321.875 cs (FRR's integer 3210 ms is not used)")
    func v3Example200() {
        #expect(VirtualRouter.skewTime(version: .v3, priority: 200, masterAdverInterval: .oneSecond)
                == Interval(nanoseconds: 218_750_000))
        #expect(VirtualRouter.masterDownInterval(version: .v3, priority: 200, masterAdverInterval: .oneSecond)
                == Interval(nanoseconds: 3_218_750_000))
    }

    @Test("E25: v3 priority 100 at 10 cs gives 36.09375 cs")
    func v3Example10cs() {
        #expect(VirtualRouter.skewTime(version: .v3, priority: 100, masterAdverInterval: Centiseconds(10))
                == Interval(nanoseconds: 60_937_500))
        #expect(VirtualRouter.masterDownInterval(version: .v3, priority: 100, masterAdverInterval: Centiseconds(10))
                == Interval(nanoseconds: 360_937_500))
    }

    @Test("E25: down_timer_adverts replaces the factor 3")
    func downTimerAdverts() {
        #expect(VirtualRouter.masterDownInterval(version: .v3, priority: 100, masterAdverInterval: .oneSecond,
                                                 downTimerAdverts: 5)
                == Interval(nanoseconds: 5_609_375_000))
    }

    @Test("The instance properties use the effective priority and the learnt interval")
    func instanceProperties() {
        var router = VirtualRouter(configuration: RouterFixtures.configuration(priority: 100),
                                   localAddress: RouterFixtures.address(1))
        #expect(router.masterDownInterval == Interval(nanoseconds: 3_609_375_000))
        _ = router.handle(.startup, at: .zero)
        _ = router.handle(.advertisementReceived(RouterFixtures.advert(
            for: router.configuration, priority: 150, from: RouterFixtures.address(2), interval: Centiseconds(10))),
            at: .ms(100))
        #expect(router.masterAdverInterval == Centiseconds(10))
        #expect(router.skewTime == Interval(nanoseconds: 60_937_500))
        #expect(router.masterDownInterval == Interval(nanoseconds: 360_937_500))
    }
}

@Suite("Router: handle into a reused action buffer (issue 16)")
struct RouterReusedBufferTests {
    @Test("handle(_:at:into:) appends exactly what handle(_:at:) returns, after what the buffer held")
    func intoMatchesReturned() throws {
        let vip = IPAddress.v4(IPv4Address(198, 18, 0, 100))
        let configuration = VirtualRouter.Configuration(name: "VI_1", vrid: 51, priority: 100, virtualAddresses: [vip])
        var a = VirtualRouter(configuration: configuration, localAddress: .v4(IPv4Address(198, 18, 0, 12)))
        var b = a
        let advert = Advertisement(version: .v2, vrid: 51, priority: 200, interval: .oneSecond, addresses: [vip])
        let received = ReceivedAdvertisement(advertisement: advert, source: .v4(IPv4Address(198, 18, 0, 11)),
                                             destination: .v4(.vrrpMulticast), ttl: 255)
        var now = Instant(nanoseconds: 1_000_000_000)
        var buffer: [VirtualRouter.Action] = []
        let events: [VirtualRouter.Event] = [.startup, .advertisementReceived(received), .advertisementReceived(received),
                                             .timerFired(.masterDown), .shutdown]
        for event in events {
            now = now + .milliseconds(500)
            let returned = a.handle(event, at: now)
            buffer.removeAll(keepingCapacity: true)
            b.handle(event, at: now, into: &buffer)
            #expect(buffer == returned, "\(event)")
            #expect(a.state == b.state)
        }
        // Appends, never clears: what the caller left in the buffer stays first.
        var c = VirtualRouter(configuration: configuration, localAddress: .v4(IPv4Address(198, 18, 0, 12)))
        var kept: [VirtualRouter.Action] = [.cancelTimer(.adver)]
        c.handle(.startup, at: now, into: &kept)
        #expect(kept.first == .cancelTimer(.adver) && kept.count > 1)
    }
}
