// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore
import VRRPTestSupport

private let me = RouterFixtures.address(10)
private let lower = RouterFixtures.address(5)
private let higher = RouterFixtures.address(20)

private func makeRouter(_ configuration: VirtualRouter.Configuration, address: IPAddress = me) -> VirtualRouter {
    VirtualRouter(configuration: configuration, localAddress: address)
}

/// A router that went Backup at t=0.
private func backup(_ configuration: VirtualRouter.Configuration = RouterFixtures.configuration()) -> VirtualRouter {
    var router = makeRouter(configuration)
    _ = router.handle(.startup, at: .zero)
    return router
}

/// A router that became Master at t = Master_Down_Interval.
private func master(_ configuration: VirtualRouter.Configuration = RouterFixtures.configuration()) -> (VirtualRouter, Instant) {
    var router = backup(configuration)
    let at = Instant.zero + router.masterDownInterval
    _ = router.handle(.timerFired(.masterDown), at: at)
    return (router, at)
}

private func rx(_ router: VirtualRouter, _ priority: UInt8, from source: IPAddress,
                interval: Centiseconds? = nil) -> VirtualRouter.Event {
    .advertisementReceived(RouterFixtures.advert(for: router.configuration, priority: priority, from: source,
                                                 interval: interval))
}

@Suite("Router state machine: RFC 5798 §6.4 and keepalived FAULT")
struct RouterStateMachineTests {
    // MARK: Initialize

    // RFC checklist F26
    @Test("F26: a non-owner goes Backup on Startup with Master_Down_Timer = Master_Down_Interval")
    func startupBackup() {
        var router = makeRouter(RouterFixtures.configuration(priority: 100))
        let actions = router.handle(.startup, at: .ms(1000))
        #expect(actions == [
            .transitioned(from: .initialize, to: .backup, reason: .startup),
            .startTimer(.masterDown, at: .ms(1000) + Interval(nanoseconds: 3_609_375_000)),
        ])
        #expect(router.state == .backup)
        #expect(router.masterAdverInterval == .oneSecond)
    }

    // RFC checklist F26
    @Test("F26: the owner (priority 255) sends an advert, announces the VIPs and goes Master at once")
    func startupOwner() {
        var router = makeRouter(RouterFixtures.configuration(priority: 255))
        let actions = router.handle(.startup, at: .zero)
        #expect(actions == [
            .transitioned(from: .initialize, to: .master, reason: .addressOwner),
            .addVirtualAddresses,
            .sendAdvertisement(priority: 255),
            .announceVirtualAddresses(count: 5),
            .startTimer(.adver, at: .ms(1000)),
            .startTimer(.garpDelay, at: .ms(5000)),
        ])
        #expect(router.statistics.becomeMaster == 1)
    }

    @Test("keepalived state BACKUP on the owner: still Master at once (state only picks the initial state of non-owners)")
    func ownerIgnoresStateBackup() {
        var router = makeRouter(RouterFixtures.configuration(priority: 255, initialState: .backup))
        _ = router.handle(.startup, at: .zero)
        #expect(router.state == .master)
    }

    @Test("keepalived state MASTER on a non-owner: Backup with a one-interval master-down timer (vrrp_init_state)")
    func stateMasterNonOwner() {
        var router = makeRouter(RouterFixtures.configuration(priority: 100, initialState: .master))
        let actions = router.handle(.startup, at: .zero)
        // 100 cs + 1/256 of 100 cs (VRRP_TIMER_SKEW_MIN) = 1.00390625 s
        #expect(actions == [
            .transitioned(from: .initialize, to: .backup, reason: .startup),
            .startTimer(.masterDown, at: Instant(nanoseconds: 1_003_906_250)),
        ])
        // A master heard in time keeps it Backup with the normal timer.
        let reset = router.handle(rx(router, 150, from: higher), at: .ms(500))
        #expect(reset == [.startTimer(.masterDown, at: .ms(500) + Interval(nanoseconds: 3_609_375_000))])
    }

    @Test("Startup while a fault is raised goes to FAULT, not Backup")
    func startupWithFault() {
        var router = makeRouter(RouterFixtures.configuration())
        #expect(router.handle(.faultRaised("eth0 down"), at: .zero).isEmpty)
        let actions = router.handle(.startup, at: .zero)
        #expect(actions == [.transitioned(from: .initialize, to: .fault, reason: .faultRaised("eth0 down"))])
    }

    @Test("Startup without a local address goes to FAULT until one appears")
    func startupWithoutAddress() {
        var router = VirtualRouter(configuration: RouterFixtures.configuration(), localAddress: nil)
        _ = router.handle(.startup, at: .zero)
        #expect(router.state == .fault)
        let actions = router.handle(.localAddressChanged(me), at: .ms(10))
        #expect(actions.first == .transitioned(from: .fault, to: .backup, reason: .faultCleared))
        #expect(router.localAddress == me)
    }

    // MARK: Backup

    // RFC checklist F30
    @Test("F30: Backup receiving priority 0 sets Master_Down_Timer to Skew_Time")
    func backupPriorityZero() {
        var router = backup()
        let actions = router.handle(rx(router, 0, from: higher), at: .ms(2000))
        #expect(actions == [.startTimer(.masterDown, at: .ms(2000) + Interval(nanoseconds: 609_375_000))])
        #expect(router.statistics.priorityZeroPktsRcvd == 1)
    }

    // RFC checklist F31
    @Test("F31: Backup accepts a higher priority advert and resets Master_Down_Timer")
    func backupHigher() {
        var router = backup()
        let actions = router.handle(rx(router, 150, from: higher), at: .ms(1000))
        #expect(actions == [.startTimer(.masterDown, at: .ms(1000) + router.masterDownInterval)])
        #expect(router.masterAddress == higher)
        #expect(router.masterPriority == 150)
    }

    // RFC checklist F31
    @Test("F31: an equal priority is valid in Backup, with no address tie-break (even from a lower address)")
    func backupEqualNoTieBreak() {
        var router = backup()
        let actions = router.handle(rx(router, 100, from: lower), at: .ms(1000))
        #expect(actions == [.startTimer(.masterDown, at: .ms(1000) + router.masterDownInterval)])
        #expect(router.state == .backup)
    }

    // RFC checklist F31
    @Test("F31: with preempt, Backup discards a lower priority advert and the timer keeps running")
    func backupDiscardsLower() {
        var router = backup()
        let before = router.timers[.masterDown]
        let actions = router.handle(rx(router, 50, from: lower), at: .ms(1000))
        #expect(actions.isEmpty)
        #expect(router.timers[.masterDown] == before)
        #expect(router.statistics.advertiseRcvd == 1)
    }

    // RFC checklist F38
    @Test("F38: nopreempt (Preempt_Mode false) accepts a lower priority master")
    func backupNoPreempt() {
        var router = backup(RouterFixtures.configuration(priority: 200, preempt: false))
        let actions = router.handle(rx(router, 50, from: lower), at: .ms(1000))
        #expect(actions == [.startTimer(.masterDown, at: .ms(1000) + router.masterDownInterval)])
        #expect(router.masterPriority == 50)
    }

    // RFC checklist F25/F31 (§6.4.2): v3 learns Master_Adver_Interval
    @Test("F31: a v3 backup learns Master_Adver_Interval; a v2 backup does not")
    func intervalLearning() {
        var v3 = backup()
        _ = v3.handle(rx(v3, 150, from: higher, interval: Centiseconds(300)), at: .ms(10))
        #expect(v3.masterAdverInterval == Centiseconds(300))
        #expect(v3.timers[.masterDown] == .ms(10) + .seconds(9) + Interval(nanoseconds: 1_828_125_000))
    }

    // RFC checklist F29
    @Test("F29: Master_Down_Timer fires: add VIPs, advert, GARP burst, Adver_Timer, go Master")
    func backupBecomesMaster() {
        var router = backup(RouterFixtures.configuration(garpMasterRefresh: .seconds(60)))
        let at = Instant.zero + router.masterDownInterval
        let actions = router.handle(.timerFired(.masterDown), at: at)
        #expect(actions == [
            .transitioned(from: .backup, to: .master, reason: .masterDownTimerExpired),
            .addVirtualAddresses,
            .sendAdvertisement(priority: 100),
            .announceVirtualAddresses(count: 5),
            .startTimer(.adver, at: at + .seconds(1)),
            .startTimer(.garpDelay, at: at + .seconds(5)),
            .startTimer(.garpRefresh, at: at + .seconds(60)),
        ])
        #expect(router.lastTakeover == router.masterDownInterval)
        #expect(router.masterAddress == me)
    }

    @Test("A stale timer fire (not armed, or re-armed later) is ignored")
    func staleTimer() {
        var router = backup()
        _ = router.handle(rx(router, 150, from: higher), at: .ms(3000))
        // The original deadline (3.609 s) was replaced by 6.609 s.
        #expect(router.handle(.timerFired(.masterDown), at: Instant.zero + Interval(nanoseconds: 3_609_375_000)).isEmpty)
        #expect(router.handle(.timerFired(.adver), at: .ms(4000)).isEmpty)
        #expect(router.state == .backup)
    }

    // RFC checklist F28
    @Test("F28: Backup Shutdown cancels Master_Down_Timer and goes Initialize")
    func backupShutdown() {
        var router = backup()
        #expect(router.handle(.shutdown, at: .ms(10)) == [
            .cancelTimer(.masterDown),
            .transitioned(from: .backup, to: .initialize, reason: .shutdown),
        ])
    }

    // MARK: Master

    // RFC checklist F34
    @Test("F34: Adver_Timer fires: send an advert and re-arm")
    func masterAdverTimer() {
        var (router, at) = master()
        let next = at + .seconds(1)
        #expect(router.handle(.timerFired(.adver), at: next) == [
            .sendAdvertisement(priority: 100), .startTimer(.adver, at: next + .seconds(1)),
        ])
    }

    @Test("Issue 16: the Adver_Timer may fire up to Advertisement_Interval / 16 early, and the next deadline counts from the deadline it fired for; fired late, from the fire (no catch-up)")
    func adverTimerFiresEarly() {
        var (router, at) = master()
        let deadline = at + .seconds(1)
        #expect(router.earliness(.adver) == Interval(nanoseconds: 62_500_000))
        #expect(router.fireTime(.adver) == deadline - Interval(nanoseconds: 62_500_000))
        let tooEarly = deadline - Interval(nanoseconds: 62_500_001)
        #expect(router.handle(.timerFired(.adver), at: tooEarly).isEmpty)
        let early = deadline - Interval(nanoseconds: 62_500_000)
        #expect(router.handle(.timerFired(.adver), at: early) == [
            .sendAdvertisement(priority: 100), .startTimer(.adver, at: deadline + .seconds(1)),
        ])
        let late = deadline + .seconds(1) + .milliseconds(300)
        #expect(router.handle(.timerFired(.adver), at: late) == [
            .sendAdvertisement(priority: 100), .startTimer(.adver, at: late + .seconds(1)),
        ])
    }

    @Test("Issue 16: a master whose loop is always awake (every Adver_Timer fired as early as allowed) still sends one advert per Advertisement_Interval, not 16 per 15")
    func earlyFiresKeepTheRate() {
        var (router, at) = master()
        var sent = 0
        let end = at + .seconds(600)
        while let fire = router.fireTime(.adver), fire < end {
            sent += router.handle(.timerFired(.adver), at: fire).filter { $0 == .sendAdvertisement(priority: 100) }.count
        }
        #expect((599...601).contains(sent), "\(sent) adverts in 600 s at advert_int 1")
    }

    @Test("Issue 16: the Master_Down_Timer never fires early, not even by a nanosecond (a premature takeover)")
    func masterDownNeverEarly() {
        var router = backup()
        let deadline = Instant.zero + router.masterDownInterval
        #expect(router.earliness(.masterDown) == .zero)
        #expect(router.handle(.timerFired(.masterDown), at: deadline - Interval(nanoseconds: 1)).isEmpty)
        #expect(router.state == .backup)
        _ = router.handle(.timerFired(.masterDown), at: deadline)
        #expect(router.state == .master)
    }

    @Test("Issue 16: how long an advert may wait unread: zero for a master, Skew_Time / 2 or interval / 4 for a backup")
    func advertReadSlack() {
        let b = backup()  // priority 100, 1 s: Skew_Time 609.375 ms
        #expect(b.advertReadSlack == Interval(nanoseconds: 250_000_000))
        let high = backup(RouterFixtures.configuration(priority: 250))  // Skew_Time 23.4375 ms
        #expect(high.advertReadSlack == Interval(nanoseconds: 11_718_750))
        let (m, _) = master()
        #expect(m.advertReadSlack == .zero)
        // Kept by every event: a priority change moves Skew_Time and the slack with it.
        var raised = backup()
        _ = raised.handle(.priorityChanged(250), at: .ms(100))
        #expect(raised.advertReadSlack == Interval(nanoseconds: 11_718_750))
    }

    @Test("GARP: the delayed second burst and the periodic refresh")
    func garpTimers() {
        var (router, at) = master(RouterFixtures.configuration(garpMasterRefresh: .seconds(30)))
        #expect(router.handle(.timerFired(.garpDelay), at: at + .seconds(5)) == [.announceVirtualAddresses(count: 5)])
        #expect(router.handle(.timerFired(.garpRefresh), at: at + .seconds(30)) == [
            .announceVirtualAddresses(count: 1), .startTimer(.garpRefresh, at: at + .seconds(60)),
        ])
    }

    // RFC checklist F35
    @Test("F35: Master receiving priority 0 sends an advert at once and resets Adver_Timer")
    func masterPriorityZero() {
        var (router, at) = master()
        let now = at + .milliseconds(300)
        #expect(router.handle(rx(router, 0, from: higher), at: now) == [
            .sendAdvertisement(priority: 100), .startTimer(.adver, at: now + .seconds(1)),
        ])
        #expect(router.state == .master)
    }

    // RFC checklist F36
    @Test("F36: Master receiving a higher priority goes Backup and removes the VIPs")
    func masterHigher() {
        var (router, at) = master()
        let now = at + .milliseconds(300)
        let actions = router.handle(rx(router, 150, from: lower, interval: Centiseconds(200)), at: now)
        #expect(actions == [
            .cancelTimer(.adver), .cancelTimer(.garpDelay),
            .removeVirtualAddresses,
            .transitioned(from: .master, to: .backup, reason: .preferredMasterSeen(priority: 150, address: lower)),
            .startTimer(.masterDown, at: now + router.masterDownInterval),
        ])
        #expect(router.masterAdverInterval == Centiseconds(200))  // learnt (v3)
        #expect(router.masterDownInterval == .seconds(6) + Interval(nanoseconds: 1_218_750_000))
    }

    // RFC checklist F36 (RFC 9568: unsigned network-order comparison)
    @Test("F36: equal priority and a greater sender address wins; a smaller one loses")
    func masterEqualTieBreak() {
        var (router, at) = master()
        let lose = router.handle(rx(router, 100, from: lower), at: at + .milliseconds(100))
        #expect(lose == [.sendAdvertisement(priority: 100)])  // F37 answer
        #expect(router.state == .master)
        _ = router.handle(rx(router, 100, from: higher), at: at + .milliseconds(200))
        #expect(router.state == .backup)
        #expect(router.masterAddress == higher)
    }

    @Test("F36: the address tie-break is unsigned (198.18.0.10 < 200.0.0.1 even though the top bit is set)")
    func unsignedComparison() {
        var (router, at) = master()
        _ = router.handle(rx(router, 100, from: .v4(IPv4Address(200, 0, 0, 1))), at: at + .milliseconds(1))
        #expect(router.state == .backup)
    }

    // RFC checklist F37
    @Test("F37: lower priority: discard and answer with an advert (RFC 9568), or only discard when disabled")
    func masterLower() {
        var (router, at) = master()
        #expect(router.handle(rx(router, 50, from: higher), at: at + .milliseconds(1)) == [.sendAdvertisement(priority: 100)])
        var config = RouterFixtures.configuration()
        config.lowerPriorityAnswer = false
        var (quiet, at2) = master(config)
        #expect(quiet.handle(rx(quiet, 50, from: higher), at: at2 + .milliseconds(1)).isEmpty)
        #expect(quiet.statistics.masterConflicts == 1)
    }

    @Test("higher_prio_send_advert: Master sends one advert before yielding")
    func higherPrioSendAdvert() {
        var config = RouterFixtures.configuration()
        config.higherPrioritySendAdvert = true
        var (router, at) = master(config)
        let actions = router.handle(rx(router, 150, from: higher), at: at + .milliseconds(1))
        #expect(actions.first == .sendAdvertisement(priority: 100))
        #expect(router.state == .backup)
    }

    @Test("Two owners (keepalived #1835): the receiver at 255 lowers itself to 254 and yields to a greater address")
    func twoOwners() {
        var router = makeRouter(RouterFixtures.configuration(priority: 255))
        _ = router.handle(.startup, at: .zero)
        _ = router.handle(rx(router, 255, from: higher), at: .ms(10))
        #expect(router.effectivePriority == 254)
        #expect(router.statistics.ownerConflicts == 1)
        #expect(router.state == .backup)
    }

    // RFC checklist D19 (RFC 9568 erratum 8298): the owner is never displaced by a lower priority
    @Test("D19: the owner stays Master and answers a lower-priority advert")
    func ownerKeepsMastership() {
        var router = makeRouter(RouterFixtures.configuration(priority: 255))
        _ = router.handle(.startup, at: .zero)
        #expect(router.handle(rx(router, 254, from: higher), at: .ms(10)) == [.sendAdvertisement(priority: 255)])
        #expect(router.state == .master)
    }

    @Test("Our own advert looped back is ignored (no answer storm, no counter)")
    func ownAdvertIgnored() {
        var (router, at) = master()
        #expect(router.handle(rx(router, 100, from: me), at: at + .milliseconds(1)).isEmpty)
        #expect(router.statistics.advertiseRcvd == 0)
    }

    // RFC checklist F33
    @Test("F33: Master Shutdown cancels timers, sends priority 0, removes the VIPs, goes Initialize")
    func masterShutdown() {
        var (router, at) = master()
        #expect(router.handle(.shutdown, at: at + .milliseconds(10)) == [
            .cancelTimer(.adver), .cancelTimer(.garpDelay),
            .sendAdvertisement(priority: 0),
            .removeVirtualAddresses,
            .transitioned(from: .master, to: .initialize, reason: .shutdown),
        ])
        #expect(router.statistics.priorityZeroPktsSent == 1)
        #expect(router.timers.isEmpty)
    }

    @Test("each timer kind has its own slot in the deadlines, and a deadline set for one kind is that kind's alone")
    func timerSlots() {
        let kinds = VirtualRouter.TimerKind.allCases
        #expect(kinds.map(\.slot).sorted() == Array(0..<kinds.count))
        for (n, kind) in kinds.enumerated() {
            var deadlines = TimerDeadlines()
            deadlines[kind] = .ms(Int64(n + 1))
            #expect(!deadlines.isEmpty)
            #expect(kinds.filter { deadlines[$0] != nil } == [kind])
            #expect(deadlines != TimerDeadlines())
            #expect(deadlines.removeValue(forKey: kind) == .ms(Int64(n + 1)))
            #expect(deadlines.isEmpty && deadlines == TimerDeadlines())
        }
    }

    // MARK: Priority changes

    @Test("A master whose effective priority drops sends an advert at once")
    func masterPriorityDrop() {
        var (router, at) = master()
        let now = at + .milliseconds(100)
        #expect(router.handle(.priorityChanged(80), at: now) == [
            .sendAdvertisement(priority: 80), .startTimer(.adver, at: now + .seconds(1)),
        ])
        #expect(router.effectivePriority == 80)
        #expect(router.handle(.priorityChanged(80), at: now).isEmpty, "no change, no advert")
    }

    @Test("A master whose effective priority rises sends an advert with it at once (#17)")
    func masterPriorityRise() {
        var (router, at) = master()
        _ = router.handle(.priorityChanged(80), at: at)
        let now = at + .milliseconds(300)
        #expect(router.handle(.priorityChanged(90), at: now) == [
            .sendAdvertisement(priority: 90), .startTimer(.adver, at: now + .seconds(1)),
        ])
    }

    @Test("A backup whose priority rises above the master's discards its adverts and preempts at the timer")
    func backupPriorityRise() {
        var router = backup()
        _ = router.handle(rx(router, 150, from: higher), at: .ms(1000))
        #expect(router.handle(.priorityChanged(200), at: .ms(1500)).isEmpty)
        #expect(router.skewTime == Interval(nanoseconds: 218_750_000))
        #expect(router.handle(rx(router, 150, from: higher), at: .ms(2000)).isEmpty)  // discarded
        let deadline = router.timers[.masterDown]!
        _ = router.handle(.timerFired(.masterDown), at: deadline)
        #expect(router.state == .master)
    }

    @Test("Priority 0 from tracking is never advertised: it is taken as 1")
    func priorityZeroClamped() {
        var (router, at) = master()
        #expect(router.handle(.priorityChanged(0), at: at).first == .sendAdvertisement(priority: 1))
    }

    // MARK: Preempt delay

    @Test("preempt_delay: no preemption of a lower master until the delay after startup has passed")
    func preemptDelay() {
        var router = backup(RouterFixtures.configuration(priority: 200, preemptDelay: .seconds(10)))
        #expect(router.timers[.preemptDelay] == .ms(10_000))
        // Within the window the lower-priority master is accepted.
        #expect(router.handle(rx(router, 100, from: lower), at: .ms(1000))
                == [.startTimer(.masterDown, at: .ms(1000) + router.masterDownInterval)])
        #expect(router.handle(.timerFired(.preemptDelay), at: .ms(10_000)).isEmpty)
        // After it, the advert is discarded and the timer runs out.
        let before = router.timers[.masterDown]
        #expect(router.handle(rx(router, 100, from: lower), at: .ms(10_500)).isEmpty)
        #expect(router.timers[.masterDown] == before)
    }

    // MARK: fast_preempt (vrrpd extension, #17)

    @Test("fast_preempt: a lower-priority advert arms Master_Down_Timer at Skew_Time instead of being discarded")
    func fastPreemptArmsSkew() {
        var router = backup(RouterFixtures.configuration(priority: 150, fastPreempt: true))
        #expect(router.handle(rx(router, 100, from: higher), at: .ms(1000))
                == [.startTimer(.masterDown, at: .ms(1000) + router.skewTime)])
        // A second lower advert before expiry never pushes the deadline later.
        #expect(router.handle(rx(router, 100, from: higher), at: .ms(1200)).isEmpty)
        #expect(router.timers[.masterDown] == .ms(1000) + router.skewTime)
        _ = router.handle(.timerFired(.masterDown), at: .ms(1000) + router.skewTime)
        #expect(router.state == .master)
        // Without it: discarded, the Master_Down_Timer armed at startup runs on.
        var plain = backup(RouterFixtures.configuration(priority: 150))
        #expect(plain.handle(rx(plain, 100, from: higher), at: .ms(1000)).isEmpty)
    }

    @Test("fast_preempt honours nopreempt and preempt_delay; an equal or better master is followed as usual")
    func fastPreemptHonoursPreemptSettings() {
        var nopreempt = backup(RouterFixtures.configuration(priority: 150, preempt: false, fastPreempt: true))
        #expect(nopreempt.handle(rx(nopreempt, 100, from: higher), at: .ms(1000))
                == [.startTimer(.masterDown, at: .ms(1000) + nopreempt.masterDownInterval)])
        var delayed = backup(RouterFixtures.configuration(priority: 150, preemptDelay: .seconds(10), fastPreempt: true))
        #expect(delayed.handle(rx(delayed, 100, from: higher), at: .ms(1000))
                == [.startTimer(.masterDown, at: .ms(1000) + delayed.masterDownInterval)])
        // The lower master is followed through the window (its adverts reset the timer).
        _ = delayed.handle(rx(delayed, 100, from: higher), at: .ms(9_500))
        _ = delayed.handle(.timerFired(.preemptDelay), at: .ms(10_000))
        #expect(delayed.handle(rx(delayed, 100, from: higher), at: .ms(10_500))
                == [.startTimer(.masterDown, at: .ms(10_500) + delayed.skewTime)])
        var better = backup(RouterFixtures.configuration(priority: 150, fastPreempt: true))
        #expect(better.handle(rx(better, 150, from: higher), at: .ms(1000))
                == [.startTimer(.masterDown, at: .ms(1000) + better.masterDownInterval)])
    }

    // MARK: Fault

    @Test("Fault from Master: priority 0, VIPs removed, timers cancelled; clearing it restarts as Backup")
    func faultFromMaster() {
        var (router, at) = master()
        let actions = router.handle(.faultRaised("eth0 down"), at: at + .seconds(1))
        #expect(actions == [
            .cancelTimer(.adver), .cancelTimer(.garpDelay),
            .sendAdvertisement(priority: 0), .removeVirtualAddresses,
            .transitioned(from: .master, to: .fault, reason: .faultRaised("eth0 down")),
        ])
        // No adverts, no timers in FAULT; received adverts are not processed.
        #expect(router.handle(rx(router, 150, from: higher), at: at + .seconds(2)).isEmpty)
        #expect(router.handle(.timerFired(.adver), at: at + .seconds(2)).isEmpty)
        // A second reason keeps it in FAULT until both clear.
        _ = router.handle(.faultRaised("chk_haproxy"), at: at + .seconds(2))
        #expect(router.handle(.faultCleared("eth0 down"), at: at + .seconds(3)).isEmpty)
        let back = router.handle(.faultCleared("chk_haproxy"), at: at + .seconds(4))
        #expect(back == [
            .transitioned(from: .fault, to: .backup, reason: .faultCleared),
            .startTimer(.masterDown, at: at + .seconds(4) + router.masterDownInterval),
        ])
    }

    @Test("Fault from Backup cancels the timer; the owner leaving fault goes Master")
    func faultOwner() {
        var router = makeRouter(RouterFixtures.configuration(priority: 255))
        _ = router.handle(.startup, at: .zero)
        _ = router.handle(.faultRaised("link"), at: .ms(1))
        #expect(router.state == .fault)
        let actions = router.handle(.faultCleared("link"), at: .ms(2))
        #expect(actions.first == .transitioned(from: .fault, to: .master, reason: .faultCleared))
        #expect(router.state == .master)
    }

    @Test("Losing the local address is a fault")
    func addressLost() {
        var router = backup()
        _ = router.handle(.localAddressChanged(nil), at: .ms(1))
        #expect(router.state == .fault)
        #expect(router.faultReasons == [VirtualRouter.noLocalAddressFault])
    }

    @Test("Shutdown from FAULT goes Initialize")
    func faultShutdown() {
        var router = backup()
        _ = router.handle(.faultRaised("x"), at: .ms(1))
        #expect(router.handle(.shutdown, at: .ms(2)) == [.transitioned(from: .fault, to: .initialize, reason: .shutdown)])
    }
}
