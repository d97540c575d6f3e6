// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import VRRPLab
import VRRPTestSupport
import VRRPStatus

/// #17: `fast_preempt` against a keepalived master. vrrpd (150, fast_preempt) joins while
/// keepalived (100) is master: it takes over (after Skew_Time rather than Master_Down_Interval)
/// and keepalived steps down once; no flap, and the VIP is never seen on both hosts.
@Suite("fast_preempt against keepalived", .serialized,
       .requires(all: Interop.requirements))
struct FastPreemptInteropTests {
    @Test("a fast_preempt vrrpd preempts a lower keepalived master once, with no two-master window seen")
    func preemptsKeepalivedOnce() async throws {
        try await withLab { lab in
            let pair = try InteropPair(lab: lab)
            let vip = "198.18.0.100/24"
            var theirs = LabVRRPInstance()
            theirs.version = 2
            theirs.password = "rabbit51"
            theirs.priority = 100
            var ours = theirs
            ours.priority = 150
            let ka = try pair.startKeepalived(theirs)
            try pair.expectMaster(ka, vip: vip, "keepalived 100 alone")

            let config = ours.configuration(routerID: pair.ours.name)
                .replacingOccurrences(of: "    virtual_ipaddress {", with: "    fast_preempt\n    virtual_ipaddress {")
            #expect(config.contains("fast_preempt"))
            let node = try lab.startVRRPD(pair.ours, binary: pair.vrrpd, config: config, tag: "vrrpd-fast")
            // Poll both hosts' addresses every 10 ms through the takeover and 5 s after it.
            var bothSeen = 0
            try waitUntil("vrrpd MASTER with the VIP, keepalived BACKUP without", timeout: .seconds(15),
                          poll: .milliseconds(10)) {
                let a = pair.hasVIP(pair.ours, vip), b = pair.hasVIP(pair.theirs, vip)
                if a && b { bothSeen += 1 }
                return node.state() == "MASTER" && ka.state() == "BACKUP" && a && !b
            }
            let settle = ContinuousClock.now + .seconds(5)
            while ContinuousClock.now < settle {
                if pair.hasVIP(pair.ours, vip) && pair.hasVIP(pair.theirs, vip) { bothSeen += 1 }
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(bothSeen == 0, "the VIP was seen on both hosts \(bothSeen) times")
            #expect(node.state() == "MASTER" && ka.state() == "BACKUP")
            #expect(lab.loggedTransitions(node, to: "MASTER") == 1, "vrrpd: \(lab.log(node.process))")
            #expect(lab.loggedTransitions(ka, to: "BACKUP") == 2, "keepalived: startup BACKUP, then one step down")
            #expect(lab.loggedTransitions(ka, to: "MASTER") == 1, "keepalived took the VIP once, at start")
            #expect((try? node.instance())?.lastTransitionReason == "master down timer expired")
            // Which timer ran out (not how fast): the one armed at Skew_Time (0.41 s) by
            // keepalived's lower advert, not Master_Down_Interval (3.41 s).
            let armed = (try? node.instance())?.lastTakeoverMilliseconds ?? .infinity
            #expect(armed < 2000, "Master_Down_Timer ran \(armed) ms")
            #expect(node.stop(grace: .seconds(5)) == 0)
            ka.stop(grace: .seconds(5))
        }
    }
}
