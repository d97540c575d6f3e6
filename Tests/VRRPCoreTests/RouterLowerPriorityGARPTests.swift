// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore
import VRRPTestSupport

/// keepalived `garp_lower_prio_repeat`, found missing by the chaos suite: after a partition
/// healed, the surviving Master answered the other side's lower-priority advert but sent no
/// gratuitous ARP, so the client kept sending to the stale MAC until its ARP entry expired.
@Suite("Router: gratuitous ARP on a lower-priority advert")
struct RouterLowerPriorityGARPTests {
    let me = RouterFixtures.address(10)
    let other = RouterFixtures.address(20)

    func master(_ configuration: VirtualRouter.Configuration) -> (VirtualRouter, Instant) {
        var router = VirtualRouter(configuration: configuration, localAddress: me)
        _ = router.handle(.startup, at: .zero)
        let at = Instant.zero + router.masterDownInterval
        _ = router.handle(.timerFired(.masterDown), at: at)
        return (router, at)
    }

    func lowerAdvert(_ router: VirtualRouter) -> VirtualRouter.Event {
        .advertisementReceived(RouterFixtures.advert(for: router.configuration, priority: 50, from: other))
    }

    @Test("a Master answers a lower-priority advert with an advert and a burst of garp_lower_prio_repeat GARPs")
    func burst() {
        var configuration = RouterFixtures.configuration()
        configuration.garpLowerPriorityRepeat = 3
        var (router, at) = master(configuration)
        #expect(router.handle(lowerAdvert(router), at: at + .milliseconds(1))
                == [.sendAdvertisement(priority: 100), .announceVirtualAddresses(count: 3)])
        #expect(router.state == .master)
    }

    @Test("with garp_lower_prio_repeat 0 the Master only answers with an advert")
    func off() {
        var (router, at) = master(RouterFixtures.configuration())
        #expect(router.configuration.garpLowerPriorityRepeat == 0)
        #expect(router.handle(lowerAdvert(router), at: at + .milliseconds(1)) == [.sendAdvertisement(priority: 100)])
    }

    @Test("a priority-0 advert (a Master leaving) is not a lower-priority master: no GARP burst")
    func priorityZero() {
        var configuration = RouterFixtures.configuration()
        configuration.garpLowerPriorityRepeat = 3
        var (router, at) = master(configuration)
        let actions = router.handle(.advertisementReceived(RouterFixtures.advert(for: configuration, priority: 0, from: other)),
                                    at: at + .milliseconds(1))
        #expect(!actions.contains(.announceVirtualAddresses(count: 3)))
    }
}

/// keepalived `garp_lower_prio_delay` (issue #13): the lower-priority burst is sent again
/// that long after, if the router is still Master (vrrp.c `vrrp_lower_prio_gratuitous_arp_thread`).
@Suite("Router: garp_lower_prio_delay")
struct RouterLowerPriorityGARPDelayTests {
    let base = RouterLowerPriorityGARPTests()

    func configuration(delay: Interval) -> VirtualRouter.Configuration {
        var c = RouterFixtures.configuration()
        c.garpMasterDelay = .zero
        c.garpLowerPriorityRepeat = 2
        c.garpLowerPriorityDelay = delay
        return c
    }

    @Test("a second burst of garp_lower_prio_repeat, garp_lower_prio_delay after the first")
    func secondBurst() {
        var (router, at) = base.master(configuration(delay: .seconds(5)))
        let received = at + .milliseconds(1)
        let actions = router.handle(base.lowerAdvert(router), at: received)
        #expect(actions.contains(.announceVirtualAddresses(count: 2)))
        #expect(actions.contains(.startTimer(.garpLowerPriorityDelay, at: received + .seconds(5))))
        #expect(router.handle(.timerFired(.garpLowerPriorityDelay), at: received + .seconds(5))
                == [.announceVirtualAddresses(count: 2)])
    }

    @Test("no second burst when the delay is 0, nor after leaving MASTER")
    func noSecondBurst() {
        var (router, at) = base.master(configuration(delay: .zero))
        let actions = router.handle(base.lowerAdvert(router), at: at + .milliseconds(1))
        #expect(!actions.contains { if case .startTimer(.garpLowerPriorityDelay, _) = $0 { return true }; return false })

        var (r2, at2) = base.master(configuration(delay: .seconds(5)))
        _ = r2.handle(base.lowerAdvert(r2), at: at2 + .milliseconds(1))
        let higher = VirtualRouter.Event.advertisementReceived(
            RouterFixtures.advert(for: r2.configuration, priority: 200, from: base.other))
        let leave = r2.handle(higher, at: at2 + .seconds(1))
        #expect(r2.state == .backup)
        #expect(leave.contains(.cancelTimer(.garpLowerPriorityDelay)))
        #expect(!r2.handle(.timerFired(.garpLowerPriorityDelay), at: at2 + .seconds(6)).contains(.announceVirtualAddresses(count: 2)))
    }
}
