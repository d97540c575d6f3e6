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
