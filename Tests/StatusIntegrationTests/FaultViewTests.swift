// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import VRRPLab
import VRRPTestSupport
import VRRPStatus

extension StatusIntegrationTests {
    /// Issue 18: during the master's priority drop the backup's `vrrpctl status` kept saying
    /// `198.18.0.11 (150)`; `status NAME` printed `swift-vrrp  pid 0` and no config file.
    @Test("a master dropping to priority 30: the backup shows 30 and 'taking over in'; status NAME has the real header")
    func masterPriorityDropView() async throws {
        try requireLab(statusRequirements)
        try await withLab { lab in
            let topology = try LabTopology(in: lab, proxies: 2)
            // advert_int 3: Master_Down_Interval ≈ 9.6 s, a wide window to observe the backup in.
            func instance(_ priority: Int) -> LabVRRPInstance {
                var i = vrrpInstance(priority: priority)
                i.advertInterval = 3
                return i
            }
            let master = try startDaemon(lab, on: topology.proxies[0],
                                              config: LabVRRPInstance.configuration(routerID: "p1", [instance(150)]))
            try master.waitForState("MASTER", timeout: .seconds(30))
            let backup = try startDaemon(lab, on: topology.proxies[1],
                                              config: LabVRRPInstance.configuration(routerID: "p2", [instance(100)]))
            try backup.waitUntil("p2 to follow p1 as BACKUP", timeout: .seconds(30)) {
                let i = try backup.instance()
                return i.state == "BACKUP" && i.master?.priority == 150
            }

            // The real daemon record in `status NAME`.
            let pid = try String(contentsOfFile: backup.pidPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            let one = try backup.vrrpctl(["status", "VI_1"])
            #expect(one.status == 0, "stderr: \(one.stderr)")
            #expect(one.stdout.hasPrefix("------< swift-vrrp 0.1.0 pid \(pid) >------\n"), "stdout: \(one.stdout)")
            #expect(one.stdout.contains(" Config file = \(backup.configPath)\n"), "stdout: \(one.stdout)")
            #expect(one.stdout.contains(" Started = "), "stdout: \(one.stdout)")
            #expect(one.stdout.contains("Takeover = master priority at least ours"), "stdout: \(one.stdout)")

            // The master's priority drops to 30 (reload in place); it keeps advertising.
            try LabVRRPInstance.configuration(routerID: "p1", [instance(30)]).write(toFile: master.configPath, atomically: true, encoding: .utf8)
            #expect(try master.vrrpctl(["reload"]).status == 0)
            var seen = ""
            try backup.waitUntil("p2 to show the master at priority 30, taking over", timeout: .seconds(30)) {
                let view = try backup.vrrpctl(["status", "VI_1"]).stdout
                let table = try backup.vrrpctl(["status"]).stdout
                seen = view + table
                return view.contains("   Master = 198.18.0.11 priority 30 (its latest advert)\n")
                    && view.contains("   Takeover = lower-priority master heard; taking over in ")
                    && table.contains("198.18.0.11 (30)")
                    && table.contains("VI_1: lower-priority master heard; taking over in ")
            }
            #expect(!seen.contains("(150)"), "\(seen)")
            let json = try backup.instance()
            if json.state == "BACKUP" {
                #expect(json.takeover?.reason == .lowerPriorityMaster)
            }
            // And it does take over when the Master_Down_Timer runs out.
            try backup.waitForState("MASTER", timeout: .seconds(30))
        }
    }
}
