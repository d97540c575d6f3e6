// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore
@testable import VRRPRuntime
import VRRPTestSupport

private let script = """
    vrrp_script chk {
        script "/bin/true"
        interval 1
    }

    """

/// Tracked items → effective priority and FAULT, through the core's PriorityCalculator.
@Suite("Runtime: tracking, weights and faults at simulated time")
struct TrackingTests {
    @Test("a failing check with weight -60 drops the master to 90; the backup (100) preempts; recovery takes it back")
    func weightFailover() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]],
                             config: script + instanceBlock(priority: 150, extra: "track_script {\n        chk weight -60\n    }"))
        let p2 = try SimNode(lan, "p2", addresses: [["198.18.0.12/24"]], config: instanceBlock(priority: 100))
        p1.check("chk", ok: true)
        lan.loop.advance(by: .s(10))
        #expect(p1.state() == "MASTER")
        let before = lan.loop.now()
        p1.check("chk", ok: false)
        #expect(p1.priority() == 90)
        // The master tells the better backup at once (no wait for the advert timer).
        #expect(lan.adverts(from: "p1", since: before).first?.advertisement?.priority == 90)
        lan.loop.advance(by: .s(5))
        #expect(p2.state() == "MASTER")
        #expect(p1.state() == "BACKUP")
        p1.check("chk", ok: true)
        lan.loop.advance(by: .s(5))
        #expect(p1.priority() == 150)
        #expect(p1.state() == "MASTER")
    }

    @Test("a weight-0 check failing puts the instance in FAULT and releases the VIP; recovery leaves FAULT")
    func weightZeroFault() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]],
                             config: script + instanceBlock(priority: 150, extra: "track_script {\n        chk\n    }"))
        p1.check("chk", ok: true)
        lan.loop.advance(by: .s(5))
        #expect(p1.state() == "MASTER")
        p1.check("chk", ok: false)
        #expect(p1.state() == "FAULT")
        #expect(!p1.host.has("198.18.0.100"))
        #expect(lan.adverts(from: "p1").last?.advertisement?.priority == 0)
        p1.check("chk", ok: true)
        #expect(p1.state() == "BACKUP")
        lan.loop.advance(by: .s(5))
        #expect(p1.state() == "MASTER")
    }

    @Test("a check with no verdict yet neither adds its positive weight nor faults")
    func unknownVerdict() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]],
                             config: script + instanceBlock(priority: 100, extra: "track_script {\n        chk weight 20\n    }"))
        #expect(p1.priority() == 100)
        #expect(p1.instance()?.tracked.first?.status == "unknown")
        p1.check("chk", ok: true)
        #expect(p1.priority() == 120)
        #expect(p1.instance()?.tracked.first?.contribution == 20)
    }

    @Test("track_interface: a tracked link going down subtracts its weight; the owner of 255 is never moved")
    func trackInterface() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"], ["198.18.1.11/24"]],
                             config: instanceBlock(priority: 150, extra: "track_interface {\n        eth1 weight -50\n    }"))
        #expect(p1.priority() == 150)
        p1.host.setLink("eth1", up: false)
        lan.loop.advance(by: .milliseconds(1))
        #expect(p1.priority() == 100)
        #expect(p1.instance()?.tracked.first?.status == "failing")
        p1.host.setLink("eth1", up: true)
        lan.loop.advance(by: .milliseconds(1))
        #expect(p1.priority() == 150)
    }

    @Test("track_interface without weight: the link going down is a FAULT")
    func trackInterfaceFault() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"], ["198.18.1.11/24"]],
                             config: instanceBlock(priority: 150, extra: "track_interface {\n        eth1\n    }"))
        lan.loop.advance(by: .s(5))
        #expect(p1.state() == "MASTER")
        p1.host.setLink("eth1", up: false)
        lan.loop.advance(by: .milliseconds(1))
        #expect(p1.state() == "FAULT")
        p1.host.setLink("eth1", up: true)
        lan.loop.advance(by: .s(5))
        #expect(p1.state() == "MASTER")
    }

    @Test("the instance's own interface down is a FAULT (no adverts, no VIP); up again it re-elects")
    func ownInterface() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: instanceBlock(priority: 150))
        lan.loop.advance(by: .s(5))
        p1.host.setLink("eth0", up: false)
        lan.loop.advance(by: .milliseconds(1))
        #expect(p1.state() == "FAULT")
        #expect(!p1.host.has("198.18.0.100"))
        let since = lan.loop.now()
        lan.loop.advance(by: .s(5))
        #expect(lan.adverts(from: "p1", since: since).isEmpty)
        p1.host.setLink("eth0", up: true)
        lan.loop.advance(by: .s(5))
        #expect(p1.state() == "MASTER")
    }

    @Test("track_file: value × weight moves the priority; -254 is a FAULT")
    func trackFile() throws {
        let lan = FakeLAN()
        let config = """
            vrrp_track_file tf {
                file "/nonexistent/vrrp-test"
            }

            """ + instanceBlock(priority: 100, extra: "track_file {\n        tf weight 10\n    }")
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: config)
        p1.daemon.trackFileEvent(name: "tf", value: 3)
        #expect(p1.priority() == 130)
        p1.daemon.trackFileEvent(name: "tf", value: -5)
        #expect(p1.priority() == 50)
        p1.daemon.trackFileEvent(name: "tf", value: -254)
        #expect(p1.state() == "FAULT")
    }

    @Test("drift case: after an owner conflict the core's 254 survives a tracking re-evaluation")
    func ownerConflict() throws {
        let lan = FakeLAN()
        let owner = instanceBlock(priority: 255, extra: "track_interface {\n        eth1 weight 10\n    }")
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"], ["198.18.1.11/24"]], config: owner)
        lan.loop.advance(by: .s(1))
        #expect(p1.state() == "MASTER")
        let p2 = try SimNode(lan, "p2", addresses: [["198.18.0.12/24"]], config: instanceBlock(priority: 255))
        lan.loop.advance(by: .s(2))
        #expect(p1.priority() == 254)
        p2.crash()
        lan.loop.advance(by: .s(5))
        #expect(p1.state() == "MASTER")
        p1.host.setLink("eth1", up: false)
        lan.loop.advance(by: .milliseconds(1))
        p1.host.setLink("eth1", up: true)
        lan.loop.advance(by: .s(2))
        #expect(p1.priority() == 254)
        #expect(lan.adverts(from: "p1").suffix(2).allSatisfy { $0.advertisement?.priority == 254 })
    }
}
