// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore
@testable import VRRPRuntime
import VRRPTestSupport

private func group(_ a: String, _ b: String) -> String {
    """
    vrrp_sync_group G {
        group {
            VI_A
            VI_B
        }
    }
    vrrp_instance VI_A {
        state BACKUP
        interface eth0
        virtual_router_id 51
        priority 100
        advert_int 1
        \(a)
        virtual_ipaddress {
            198.18.0.100/24
        }
    }
    vrrp_instance VI_B {
        state BACKUP
        interface eth1
        virtual_router_id 52
        priority 100
        \(b)
        virtual_ipaddress {
            198.18.1.100/24
        }
    }

    """
}

@Suite("Runtime: sync groups at simulated time (the core's SyncGroup)")
struct SyncGroupRuntimeTests {
    @Test("drift case: a member becoming MASTER takes its BACKUP partner to MASTER at once")
    func masterFollows() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"], ["198.18.1.11/24"]],
                             config: group("", "advert_int 20"))
        lan.loop.advance(by: .s(3.7))
        #expect(p1.state("VI_A") == "MASTER")
        #expect(p1.state("VI_B") == "MASTER")
        #expect(p1.host.has("198.18.1.100"))
        #expect(p1.snapshot.syncGroups.first?.state == "MASTER")
    }

    @Test("one member's interface failure takes both to FAULT; recovery brings both back")
    func faultFollows() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"], ["198.18.1.11/24"]], config: group("", ""))
        lan.loop.advance(by: .s(5))
        p1.host.setLink("eth1", up: false)
        lan.loop.advance(by: .milliseconds(1))
        #expect(p1.state("VI_A") == "FAULT")
        #expect(p1.state("VI_B") == "FAULT")
        #expect(!p1.host.has("198.18.0.100"))
        p1.host.setLink("eth1", up: true)
        lan.loop.advance(by: .s(5))
        #expect(p1.state("VI_A") == "MASTER")
        #expect(p1.state("VI_B") == "MASTER")
    }

    @Test("a member that fails on its own while the group holds it in FAULT keeps its partner in FAULT")
    func ownFaultWhileHeld() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"], ["198.18.1.11/24"], ["198.18.2.11/24"]],
                             config: group("", "track_interface {\n        eth2\n    }"))
        lan.loop.advance(by: .s(5))
        p1.host.setLink("eth0", up: false)           // VI_A faults, VI_B follows
        lan.loop.advance(by: .milliseconds(1))
        p1.host.setLink("eth2", up: false)           // VI_B's own fault while held
        lan.loop.advance(by: .milliseconds(1))
        p1.host.setLink("eth0", up: true)            // VI_A's cause clears
        lan.loop.advance(by: .s(5))
        #expect(p1.state("VI_B") == "FAULT")
        #expect(p1.state("VI_A") == "FAULT")
        p1.host.setLink("eth2", up: true)
        lan.loop.advance(by: .s(5))
        #expect(p1.state("VI_A") == "MASTER")
        #expect(p1.state("VI_B") == "MASTER")
    }

    @Test("a member going MASTER → BACKUP takes the other MASTER member to BACKUP")
    func backupFollows() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"], ["198.18.1.11/24"]], config: group("", ""))
        lan.loop.advance(by: .s(5))
        #expect(p1.state("VI_B") == "MASTER")
        // A better master appears for VI_A only.
        _ = try SimNode(lan, "p2", addresses: [["198.18.0.12/24"]],
                        config: instanceBlock("VI_A", vrid: 51, priority: 200))
        lan.loop.advance(by: .s(5))
        #expect(p1.state("VI_A") == "BACKUP")
        #expect(p1.state("VI_B") == "BACKUP")
        #expect(!p1.host.has("198.18.1.100"))
    }
}

@Suite("Runtime: reload at simulated time")
struct ReloadRuntimeTests {
    static let base = instanceBlock(priority: 150)

    @Test("an unchanged file keeps the instance MASTER and never touches its address")
    func unchanged() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: Self.base)
        lan.loop.advance(by: .s(5))
        let requests = p1.host.addressLog.count
        let since = p1.instance()!.stateSince
        let result = p1.reload(Self.base)
        #expect(result.ok && result.unchanged == ["VI_1"])
        lan.loop.advance(by: .s(3))
        #expect(p1.state() == "MASTER")
        #expect(p1.host.addressLog.count == requests)
        #expect(p1.instance()!.stateSince == since)
    }

    @Test("a priority change is applied in place: no restart, the new priority is advertised")
    func priorityInPlace() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: Self.base)
        lan.loop.advance(by: .s(5))
        let requests = p1.host.addressLog.count
        let result = p1.reload(instanceBlock(priority: 120))
        #expect(result.changed == ["VI_1"])
        #expect(p1.state() == "MASTER")
        #expect(p1.priority() == 120)
        lan.loop.advance(by: .s(2))
        #expect(lan.adverts(from: "p1").last?.advertisement?.priority == 120)
        #expect(p1.host.addressLog.count == requests)
    }

    @Test("an invalid file is refused with a located error and the running configuration stays")
    func invalid() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: Self.base)
        lan.loop.advance(by: .s(5))
        let result = p1.reload("vrrp_instance VI_1 {\n    virtual_router_id 999\n}\n")
        #expect(!result.ok)
        #expect(result.errors.contains { $0.contains("p1.conf:") })
        #expect(p1.state() == "MASTER")
        #expect(p1.host.has("198.18.0.100"))
        #expect(p1.snapshot.daemon.lastReload?.ok == false)
    }

    @Test("an instance removed by reload releases its address; an added one starts")
    func addRemove() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: Self.base)
        lan.loop.advance(by: .s(5))
        let result = p1.reload(instanceBlock("VI_2", vrid: 52, priority: 100, vip: "198.18.0.101/24"))
        #expect(result.removed == ["VI_1"])
        #expect(!p1.host.has("198.18.0.100"))
        lan.loop.advance(by: .s(5))
        #expect(p1.state("VI_2") == "MASTER")
        #expect(p1.host.has("198.18.0.101"))
    }

    @Test("a changed VRID restarts the instance (protocol change)")
    func protocolChange() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: Self.base)
        lan.loop.advance(by: .s(5))
        let result = p1.reload(instanceBlock(vrid: 61, priority: 150))
        #expect(result.changed == ["VI_1"])
        #expect(p1.state() == "BACKUP")
        lan.loop.advance(by: .s(5))
        #expect(p1.state() == "MASTER")
        #expect(lan.adverts(from: "p1").last?.advertisement?.vrid == 61)
    }
}
