// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPLab

/// keepalived's `vrrp_startup_delay` (global_defs): the VRRP instances start that many seconds
/// after the daemon, so a node booting with slow links does not take over at once (issue #13).
@Suite("vrrp_startup_delay", .serialized)
struct StartupDelayTests {
    @Test("no instance and no VIP during the delay; MASTER after it")
    func delaysInstances() async throws {
        try await withDaemonLab(proxies: 1) { lab in
            let p1 = lab.proxies[0]
            // 10 s: the checks below run right after the status socket answers, far inside it.
            let text = "global_defs {\n    vrrp_startup_delay 10\n}\n" + config(for: p1, priority: 150) { $0.initialState = "MASTER" }
            let daemon = try await lab.startDaemon(on: p1, config: text)
            let early = try daemon.snapshot()
            #expect(early.instance(named: "VI_1") == nil, "an instance runs during vrrp_startup_delay")
            #expect(try !lab.hasVIP(p1, VIP.v4))
            #expect(lab.lab.log(daemon.process).contains("vrrp_startup_delay: VRRP instances start in"), "\(lab.lab.log(daemon.process))")
            // Generous hang catcher: the delay plus the usual patience.
            try await lab.waitForState(daemon, "MASTER", timeout: .seconds(40))
            #expect(try lab.hasVIP(p1, VIP.v4))
            #expect(lab.lab.log(daemon.process).contains("vrrp_startup_delay over"))
        }
    }
}
