// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore
import VRRPTestSupport

/// Two members of one sync group, driven through SyncGroup like the daemon would.
private struct Group {
    var routers: [String: VirtualRouter]
    let group = SyncGroup(name: "G1", members: ["VI_1", "VI_2"])

    init() {
        routers = [
            "VI_1": VirtualRouter(configuration: RouterFixtures.configuration(vrid: 1), localAddress: RouterFixtures.address(1)),
            "VI_2": VirtualRouter(configuration: RouterFixtures.configuration(vrid: 2), localAddress: RouterFixtures.address(1)),
        ]
    }

    /// Handles an event and propagates every resulting transition through the group.
    mutating func handle(_ name: String, _ event: VirtualRouter.Event, at now: Instant) {
        var pending = [(name, event)]
        while !pending.isEmpty {
            let (member, event) = pending.removeFirst()
            var transitioned = false
            for action in routers[member]!.handle(event, at: now) {
                guard case .transitioned(let from, let to, let reason) = action else { continue }
                transitioned = true
                pending += group.events(after: member, from: from, to: to, reason: reason, members: view)
                    .map { ($0.member, $0.event) }
            }
            if !transitioned {
                pending += group.faultEvents(members: view).map { ($0.member, $0.event) }
            }
        }
    }

    var view: [String: SyncGroup.Member] { routers.mapValues(SyncGroup.Member.init) }

    func state(_ name: String) -> VirtualRouter.State { routers[name]!.state }
}

@Suite("SyncGroup: keepalived vrrp_sync_group")
struct RouterSyncGroupTests {
    @Test("A member in FAULT takes the others to FAULT; clearing it brings them all back to BACKUP")
    func faultFollows() {
        var g = Group()
        g.handle("VI_1", .startup, at: .zero)
        g.handle("VI_2", .startup, at: .zero)
        g.handle("VI_1", .faultRaised("eth0 down"), at: .ms(10))
        #expect(g.state("VI_1") == .fault)
        #expect(g.state("VI_2") == .fault)
        #expect(g.routers["VI_1"]!.faultReasons == ["eth0 down"])  // no loop back
        g.handle("VI_1", .faultCleared("eth0 down"), at: .ms(20))
        #expect(g.state("VI_1") == .backup)
        #expect(g.state("VI_2") == .backup)
    }

    @Test("A member becoming MASTER takes the BACKUP members to MASTER")
    func masterFollows() {
        var g = Group()
        g.handle("VI_1", .startup, at: .zero)
        g.handle("VI_2", .startup, at: .zero)
        let deadline = g.routers["VI_1"]!.timers[.masterDown]!
        g.handle("VI_1", .timerFired(.masterDown), at: deadline)
        #expect(g.state("VI_1") == .master)
        #expect(g.state("VI_2") == .master)
        #expect(g.routers["VI_2"]!.statistics.becomeMaster == 1)
    }

    @Test("A member going from MASTER to BACKUP takes the MASTER members to BACKUP")
    func backupFollows() {
        var g = Group()
        g.handle("VI_1", .startup, at: .zero)
        g.handle("VI_2", .startup, at: .zero)
        g.handle("VI_1", .timerFired(.masterDown), at: g.routers["VI_1"]!.timers[.masterDown]!)
        let config = g.routers["VI_1"]!.configuration
        g.handle("VI_1", .advertisementReceived(RouterFixtures.advert(for: config, priority: 250, from: RouterFixtures.address(9))),
                 at: .ms(5000))
        #expect(g.state("VI_1") == .backup)
        #expect(g.state("VI_2") == .backup)
        #expect(g.routers["VI_2"]!.timers[.masterDown] != nil)
        #expect(g.routers["VI_2"]!.holdsVirtualAddresses == false)
    }

    @Test("A member that faults on its own while the group holds it in FAULT keeps the others in FAULT")
    func ownFaultWhileHeld() {
        var g = Group()
        g.handle("VI_1", .startup, at: .zero)
        g.handle("VI_2", .startup, at: .zero)
        g.handle("VI_1", .faultRaised("eth0 down"), at: .ms(10))
        #expect(g.state("VI_2") == .fault)
        // VI_2 is already in FAULT (held by the group) when its own check fails: no transition.
        g.handle("VI_2", .faultRaised("chk failed"), at: .ms(20))
        g.handle("VI_1", .faultCleared("eth0 down"), at: .ms(30))
        // VI_2 is still faulty on its own, so VI_1 must stay in FAULT with it.
        #expect(g.state("VI_2") == .fault)
        #expect(g.state("VI_1") == .fault)
        #expect(g.routers["VI_1"]!.faultReasons == [g.group.faultReason(for: "VI_2")])
        g.handle("VI_2", .faultCleared("chk failed"), at: .ms(40))
        #expect(g.state("VI_1") == .backup)
        #expect(g.state("VI_2") == .backup)
    }

    @Test("Members outside the group produce nothing")
    func outsider() {
        let group = SyncGroup(name: "G1", members: ["VI_1", "VI_2"])
        #expect(group.events(after: "VI_9", from: .backup, to: .fault, reason: .faultRaised("x"), members: [:]).isEmpty)
    }
}
