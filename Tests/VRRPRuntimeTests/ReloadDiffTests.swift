// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore
@testable import VRRPRuntime
import VRRPTestSupport

/// Reload decides keep / update / restart / add / remove from `ConfigurationDiff` alone. These
/// are the cases where the runtime's former rule (comparing its derived settings) disagreed
/// with the diff.
@Suite("Runtime: reload through ConfigurationDiff")
struct ReloadDiffRuntimeTests {
    static func tracked(_ command: String) -> String {
        "vrrp_script chk {\n    script \"\(command)\"\n    interval 1\n}\n"
            + instanceBlock(priority: 150, extra: "track_script {\n        chk\n    }")
    }

    @Test("drift case: a tracked script whose command changed is reported changed and updated in place")
    func trackedScriptChanged() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: Self.tracked("/bin/true"))
        lan.loop.advance(by: .s(5))
        #expect(p1.state() == "MASTER")
        let requests = p1.host.addressLog.count
        let since = p1.instance()!.stateSince
        let result = p1.reload(Self.tracked("/bin/false"))
        #expect(result.ok, "\(result.errors)")
        // The settings the runtime derives (name, kind, weight) are equal, so the former rule
        // called this unchanged although the check it runs changed.
        #expect(result.changed == ["VI_1"])
        #expect(result.unchanged.isEmpty)
        lan.loop.advance(by: .s(3))
        #expect(p1.state() == "MASTER")
        #expect(p1.instance()!.stateSince == since)
        #expect(p1.host.addressLog.count == requests)
    }

    @Test("drift case: a global_defs change no instance setting reads is a change applied in place")
    func globalsInPlace() throws {
        let lan = FakeLAN()
        let base = instanceBlock(priority: 150)
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: base)
        lan.loop.advance(by: .s(5))
        let requests = p1.host.addressLog.count
        let since = p1.instance()!.stateSince
        let result = p1.reload("global_defs {\n    router_id r1\n}\n" + base)
        #expect(result.changed == ["VI_1"])
        lan.loop.advance(by: .s(3))
        #expect(p1.state() == "MASTER")
        #expect(p1.instance()!.stateSince == since)
        #expect(p1.host.addressLog.count == requests)
    }

    @Test("becoming the address owner (priority 255) restarts the instance")
    func ownerRestarts() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: instanceBlock(priority: 150))
        lan.loop.advance(by: .s(5))
        let result = p1.reload(instanceBlock(priority: 255))
        #expect(result.changed == ["VI_1"])
        #expect(p1.logs.contains("changed by reload; restarting it"))
        lan.loop.advance(by: .s(2))
        #expect(p1.state() == "MASTER")
        #expect(p1.priority() == 255)
    }

    @Test("a group multicast address change in global_defs restarts the instance")
    func multicastGroupRestarts() throws {
        let lan = FakeLAN()
        let base = instanceBlock(priority: 150)
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: base)
        lan.loop.advance(by: .s(5))
        let result = p1.reload("global_defs {\n    vrrp_mcast_group4 224.0.0.19\n}\n" + base)
        #expect(result.changed == ["VI_1"])
        #expect(p1.logs.contains("changed by reload; restarting it"))
    }
}
