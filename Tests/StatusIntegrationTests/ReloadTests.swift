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
    @Test("SIGHUP with an unchanged configuration keeps the VIP installed throughout and the state MASTER")
    func reloadUnchangedKeepsVIP() async throws {
        try requireLab(statusRequirements)
        try await withLab { lab in
            let node = try singleMaster(lab)
            let before = try node.instance()
            let previousReload = try node.snapshot().daemon.lastReload?.at

            // Watch every address change in p1. A sentinel address seen before the reload proves
            // the monitor is listening (it subscribes some time after it starts, so sentinels are
            // added until one shows up); one added after proves it has caught up.
            let monitor = try lab.spawn(node.host, ["/usr/sbin/ip", "-o", "monitor", "address"], name: "ip-monitor")
            var attempt = 0
            try node.waitUntil("ip monitor to see a sentinel address") {
                attempt += 1
                let sentinel = "198.18.\(9 + attempt / 250).\(attempt % 250 + 1)/32"
                try lab.runChecked(node.host, ["/usr/sbin/ip", "addr", "add", sentinel, "dev", "lo"])
                return lab.log(monitor).contains("inet 198.18.")
            }

            lab.signal(node.process, SIGHUP)
            try node.waitUntil("the reload to be recorded") {
                guard let r = try node.snapshot().daemon.lastReload else { return false }
                return r.at != previousReload
            }
            let reload = try #require(try node.snapshot().daemon.lastReload)
            #expect(reload.ok, "errors: \(reload.errors)")
            #expect(reload.unchanged == ["VI_1"])
            #expect(reload.changed.isEmpty && reload.added.isEmpty && reload.removed.isEmpty)

            try lab.runChecked(node.host, ["/usr/sbin/ip", "addr", "add", "198.18.20.1/32", "dev", "lo"])
            try node.waitUntil("ip monitor to see the last sentinel") { lab.log(monitor).contains("198.18.20.1/32") }
            let deletions = lab.log(monitor).split(separator: "\n").filter {
                $0.hasPrefix("Deleted") && $0.contains("198.18.0.100/")
            }
            #expect(deletions.isEmpty, "the VIP was removed during the reload: \(deletions)")
            #expect(try node.addresses().contains("198.18.0.100"))

            let after = try node.instance()
            #expect(after.state == "MASTER")
            #expect(after.counters.becomeMaster == before.counters.becomeMaster)
            #expect(after.stateSince == before.stateSince)
            #expect(after.virtualAddresses.allSatisfy { $0.installed })
        }
    }

    @Test("a changed configuration is applied: an instance added, a priority changed in place, an instance removed, each listed")
    func reloadChangedConfiguration() async throws {
        try requireLab(statusRequirements)
        try await withLab { lab in
            let node = try singleMaster(lab)

            // Add VI_2, through the socket's `reload` request.
            try LabVRRPInstance.configuration(routerID: "p1", [vrrpInstance(priority: 150),
                                                vrrpInstance(name: "VI_2", vrid: 52, priority: 150, vip: "198.18.0.101")])
                .write(toFile: node.configPath, atomically: true, encoding: .utf8)
            let client = try StatusClient(path: node.socketPath)
            try client.send(.reload)
            let reply = try client.nextReply()
            let added = try #require(reply.reload, "reply: \(reply)")
            #expect(added.ok, "errors: \(added.errors)")
            #expect(added.added == ["VI_2"])
            #expect(added.unchanged == ["VI_1"])
            #expect(added.changed.isEmpty && added.removed.isEmpty)
            try node.waitForState("MASTER", instance: "VI_2")
            try node.waitUntil("VI_2's VIP on p1") { try node.addresses().contains("198.18.0.101") }
            #expect(try node.instance("VI_2").vrid == 52)
            #expect(try node.instance().state == "MASTER")

            // Change VI_1's priority, through `vrrpctl reload`: applied in place, no restart.
            let beforePriorityChange = try node.instance()
            try LabVRRPInstance.configuration(routerID: "p1", [vrrpInstance(priority: 120),
                                                vrrpInstance(name: "VI_2", vrid: 52, priority: 150, vip: "198.18.0.101")])
                .write(toFile: node.configPath, atomically: true, encoding: .utf8)
            let ctl = try node.vrrpctl(["reload"])
            #expect(ctl.status == 0, "stderr: \(ctl.stderr)")
            #expect(ctl.stdout.contains("1 unchanged, 1 changed, 0 added, 0 removed"), "stdout: \(ctl.stdout)")
            let changed = try #require(try node.snapshot().daemon.lastReload)
            #expect(changed.ok && changed.changed == ["VI_1"] && changed.unchanged == ["VI_2"])
            try node.waitUntil("VI_1's new priority") { try node.instance().configuredPriority == 120 }
            #expect(try node.instance().effectivePriority == 120)
            let after = try node.instance()
            #expect(after.state == "MASTER", "alone on the LAN, it stays MASTER")
            #expect(after.stateSince == beforePriorityChange.stateSince, "a priority change does not restart the instance")
            #expect(after.counters.becomeMaster == beforePriorityChange.counters.becomeMaster)
            #expect(try node.addresses().contains("198.18.0.100"))

            // Remove VI_2 again (SIGHUP): it is listed as removed and releases its VIP.
            try LabVRRPInstance.configuration(routerID: "p1", [vrrpInstance(priority: 120)])
                .write(toFile: node.configPath, atomically: true, encoding: .utf8)
            lab.signal(node.process, SIGHUP)
            try node.waitUntil("the reload that removes VI_2") {
                try node.snapshot().daemon.lastReload?.removed == ["VI_2"]
            }
            let removed = try #require(try node.snapshot().daemon.lastReload)
            #expect(removed.ok && removed.unchanged == ["VI_1"] && removed.added.isEmpty && removed.changed.isEmpty)
            #expect(try node.snapshot().instances.map(\.name) == ["VI_1"])
            try node.waitUntil("VI_2's VIP to leave p1") { try !node.addresses().contains("198.18.0.101") }
            #expect(try node.addresses().contains("198.18.0.100"))
        }
    }

    @Test("an invalid configuration is refused with located errors; the daemon keeps the running one")
    func reloadInvalidConfiguration() async throws {
        try requireLab(statusRequirements)
        try await withLab { lab in
            let node = try singleMaster(lab)
            let before = try node.instance()

            // A second instance reusing VRID 51 on eth0 is an error (RFC 5798 §7.3: the VRID
            // selects the virtual MAC), located at the second instance.
            let text = LabVRRPInstance.configuration(routerID: "p1", [vrrpInstance(priority: 150),
                                                       vrrpInstance(name: "VI_BAD", vrid: 51, priority: 90, vip: "198.18.0.102")])
            try text.write(toFile: node.configPath, atomically: true, encoding: .utf8)
            let badLine = try #require(text.split(separator: "\n", omittingEmptySubsequences: false)
                .firstIndex { $0.contains("vrrp_instance VI_BAD") }) + 1

            let ctl = try node.vrrpctl(["reload"])
            #expect(ctl.status == 1, "stdout: \(ctl.stdout) stderr: \(ctl.stderr)")
            let located = try Regex("keepalived\\.conf:\(badLine):[0-9]+: error")
            #expect(ctl.stderr.contains(located), "a file:line:column error in: \(ctl.stderr)")
            #expect(ctl.stderr.contains("virtual_router_id"), "stderr: \(ctl.stderr)")

            #expect(lab.isRunning(node.process))
            let snapshot = try node.snapshot()
            let reload = try #require(snapshot.daemon.lastReload)
            #expect(!reload.ok)
            #expect(reload.errors.contains { $0.contains(located) }, "errors: \(reload.errors)")
            #expect(snapshot.instances.map(\.name) == ["VI_1"], "the old configuration keeps running")
            let after = try #require(snapshot.instance(named: "VI_1"))
            #expect(after.state == "MASTER" && after.configuredPriority == before.configuredPriority)
            #expect(after.counters.becomeMaster == before.counters.becomeMaster)
            #expect(try node.addresses().contains("198.18.0.100"))
            #expect(!(try node.addresses().contains("198.18.0.102")))

            // The table warns about the refused reload.
            let table = try node.vrrpctl(["status"])
            #expect(table.stdout.contains("last reload FAILED"), "table:\n\(table.stdout)")
        }
    }
}
