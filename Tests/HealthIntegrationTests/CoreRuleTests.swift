// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Foundation
import Testing
import VRRPLab
import VRRPTestSupport
import VRRPStatus

/// The daemon runs the core's rules, not copies of them (issue 15's drift cases): each test
/// failed while the runtime had its own tracking arithmetic and sync-group code.
@Suite("Runtime follows the core's rules", .requires(all: Services.lab), .serialized)
struct CoreRuleTests {
    @Test("a sync-group member becoming MASTER takes its BACKUP partner to MASTER at once")
    func syncGroupMasterFollows() async throws {
        try await withLab { lab in
            let a = try lab.addLAN("a")
            let b = try lab.addLAN("b")
            let p1 = try lab.addHost("p1", on: [a, b], ipv4: ["198.18.0.11/24", "198.18.1.11/24"])
            // VI_B's own Master_Down_Interval is 3 × 20 s: without the group it would stay
            // BACKUP for a minute after VI_A (3.6 s) becomes MASTER.
            let instances = [("VI_A", "eth0", 51, "198.18.0.100/24", 1.0), ("VI_B", "eth1", 52, "198.18.1.100/24", 20.0)].map {
                var instance = LabVRRPInstance()
                (instance.name, instance.interface, instance.vrid, instance.virtualAddresses) = ($0.0, $0.1, $0.2, [$0.3])
                instance.advertInterval = $0.4
                instance.version = nil
                return instance
            }
            let config = LabVRRPInstance.configuration(routerID: "p1", instances,
                                                       blocks: [LabVRRPInstance.syncGroup("G", ["VI_A", "VI_B"])])
            let d1 = try startDaemon(lab, on: p1, config: config)
            try waitUntil("VI_A MASTER", timeout: .seconds(15)) { try d1.instance("VI_A").state == "MASTER" }
            try waitUntil("VI_B MASTER with VI_A (sync group)", timeout: .seconds(10)) {
                try d1.instance("VI_B").state == "MASTER"
            }
            #expect(try d1.instance("VI_B").lastTransitionReason.contains("sync group"))
            #expect(try lab.hasAddress(p1, "198.18.1.100"))
            #expect(try d1.snapshot().syncGroups.first?.state == "MASTER")
        }
    }

    @Test("after an owner conflict (keepalived #1835) a link event never puts the priority back to 255")
    func ownerConflictPriorityStays() async throws {
        try await withLab { lab in
            let a = try lab.addLAN("a")
            let b = try lab.addLAN("b")
            let p1 = try lab.addHost("p1", on: [a, b], ipv4: ["198.18.0.11/24", "198.18.1.11/24"])
            let p2 = try lab.addHost("p2", on: [a], ipv4: ["198.18.0.12/24"])
            func config(track: Bool) -> String {
                var instance = LabVRRPInstance()
                instance.initialState = "MASTER"
                instance.priority = 255
                instance.version = nil
                instance.trackInterfaces = track ? ["eth1 weight 10"] : []
                return instance.configuration(routerID: track ? "p1" : "p2")
            }
            let d1 = try startDaemon(lab, on: p1, config: config(track: true))
            try waitUntil("p1 MASTER", timeout: .seconds(15)) { try d1.instance().state == "MASTER" }
            // A second owner: the first to hear the other's 255 steps down to 254.
            let d2 = try startDaemon(lab, on: p2, config: config(track: false))
            try waitUntil("one owner lowered to 254", timeout: .seconds(15)) {
                try d1.instance().effectivePriority == 254
            }
            _ = lab.stop(d2.process)
            try waitUntil("p1 MASTER again at 254", timeout: .seconds(15)) {
                try d1.instance().state == "MASTER" && d1.instance().effectivePriority == 254
            }
            // A link event re-evaluates tracking; the core's 254 must survive it.
            try lab.runChecked(p1, ["ip", "link", "set", "dev", "eth1", "down"])
            try waitUntil("p1 sees eth1 down", timeout: .seconds(10)) {
                try d1.tracked("eth1") == "failing"
            }
            try lab.runChecked(p1, ["ip", "link", "set", "dev", "eth1", "up"])
            try waitUntil("p1 sees eth1 up", timeout: .seconds(10)) { try d1.tracked("eth1") == "ok" }
            #expect(try d1.instance().effectivePriority == 254)
            #expect(try d1.instance().state == "MASTER")
        }
    }
}
