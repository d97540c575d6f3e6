// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore
import VRRPTestSupport

private let me = RouterFixtures.address(10)
private let master = RouterFixtures.address(11)

private func backup(_ configuration: VirtualRouter.Configuration = RouterFixtures.configuration(priority: 100)) -> VirtualRouter {
    var router = VirtualRouter(configuration: configuration, localAddress: me)
    _ = router.handle(.startup, at: .zero)
    return router
}

private func rx(_ router: VirtualRouter, _ priority: UInt8) -> VirtualRouter.Event {
    .advertisementReceived(RouterFixtures.advert(for: router.configuration, priority: priority, from: master))
}

/// Issue 18: during a master's priority drop the backup's view must show the priority the master
/// advertises now and why the backup has not taken over yet, from the router's own state.
@Suite("Backup view: the master's current priority and why no takeover yet")
struct TakeoverOutlookTests {
    @Test("a master dropping below us: masterPriority follows its adverts; takeover at the running timer")
    func lowerPriorityMaster() {
        var router = backup()
        _ = router.handle(rx(router, 150), at: .ms(1000))
        #expect(router.masterPriority == 150)
        #expect(router.takeoverOutlook == .masterPreferred(masterDownAt: router.timers[.masterDown]))
        let deadline = router.timers[.masterDown]
        // The master's priority drops to 30: RFC 5798 §6.4.2 discards the advert (preempt), the
        // Master_Down_Timer keeps running; the view must not keep saying 150.
        #expect(router.handle(rx(router, 30), at: .ms(2000)).isEmpty)
        #expect(router.masterAddress == master)
        #expect(router.masterPriority == 30)
        #expect(router.timers[.masterDown] == deadline)
        #expect(router.takeoverOutlook == .lowerPriorityMaster(takeoverAt: deadline))
        _ = router.handle(.timerFired(.masterDown), at: deadline!)
        #expect(router.state == .master)
        #expect(router.takeoverOutlook == nil)
    }

    @Test("nopreempt: a lower-priority master is kept and the view says so")
    func noPreempt() {
        var router = backup(RouterFixtures.configuration(priority: 100, preempt: false))
        _ = router.handle(rx(router, 150), at: .ms(1000))
        _ = router.handle(rx(router, 30), at: .ms(2000))
        #expect(router.masterPriority == 30)
        #expect(router.takeoverOutlook == .noPreempt)
    }

    @Test("preempt_delay: a lower-priority master is kept until the delay ends")
    func preemptDelay() {
        var router = backup(RouterFixtures.configuration(priority: 100, preemptDelay: .seconds(10)))
        _ = router.handle(rx(router, 30), at: .ms(1000))
        #expect(router.masterPriority == 30)
        #expect(router.takeoverOutlook == .preemptDelay(until: router.timers[.preemptDelay]))
    }

    @Test("nothing heard since becoming backup: the master-down deadline")
    func nothingHeard() {
        let router = backup()
        #expect(router.masterPriority == nil)
        #expect(router.takeoverOutlook == .noMasterHeard(takeoverAt: router.timers[.masterDown]))
    }

    @Test("takeoverAt: the instant this node becomes Master if nothing changes")
    func takeoverAt() {
        let at = Instant.ms(5000)
        #expect(VirtualRouter.TakeoverOutlook.lowerPriorityMaster(takeoverAt: at).takeoverAt == at)
        #expect(VirtualRouter.TakeoverOutlook.noPreempt.takeoverAt == nil)
        #expect(VirtualRouter.TakeoverOutlook.masterPreferred(masterDownAt: at).takeoverAt == nil)
        #expect(VirtualRouter.TakeoverOutlook.preemptDelay(until: at).takeoverAt == at)
    }
}
