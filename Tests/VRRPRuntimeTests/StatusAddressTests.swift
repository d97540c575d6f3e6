// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Testing
import VRRPConfig
import VRRPCore
@testable import VRRPRuntime
import VRRPTestSupport

@Suite("Runtime: status content, counters and addresses at simulated time")
struct StatusAddressTests {
    @Test("the backup's status names the master, its priority and the last advert, from the core's fields")
    func backupView() throws {
        let (lan, _, p2) = try ElectionTests.pair()
        lan.loop.advance(by: .s(10))
        let i = try #require(p2.instance())
        #expect(i.master?.address == "198.18.0.11")
        #expect(i.master?.priority == 150)
        #expect(i.lastAdvertisement?.from == "198.18.0.11")
        #expect(i.lastAdvertisement?.priority == 150)
        #expect((6...7).contains(i.counters.advertiseRcvd))
        #expect(i.sourceAddress == "198.18.0.12")
        #expect(i.virtualAddresses.first?.installed == false)
        #expect(i.lastTransitionReason == "startup")
    }

    @Test("stateSince and the last advert's time are wall-clock times that move with the simulated clock")
    func times() throws {
        let (lan, p1, p2) = try ElectionTests.pair()
        lan.loop.advance(by: .s(10))
        let became = try #require(p1.instance()).stateSince
        let heard = try #require(p2.instance()?.lastAdvertisement?.at)
        lan.loop.advance(by: .s(3))
        #expect(p1.instance()?.stateSince == became)
        let later = try #require(p2.instance()?.lastAdvertisement?.at)
        #expect(abs(later - heard - 3) < 0.01)
    }

    @Test("unicast: adverts go to the peer only; an advert from a stranger is ignored and shown as foreign")
    func unicastForeign() throws {
        let lan = FakeLAN()
        let peers = "unicast_src_ip 198.18.0.11\n    unicast_peer {\n        198.18.0.12\n    }"
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: instanceBlock(priority: 150, extra: peers))
        let stranger = try SimNode(lan, "p3", addresses: [["198.18.0.13/24"]],
                                   config: instanceBlock(priority: 200, extra: "unicast_peer {\n        198.18.0.11\n    }"))
        lan.loop.advance(by: .s(10))
        #expect(lan.adverts(from: "p1").allSatisfy { $0.destination == IPAddress("198.18.0.12") })
        // p3 (200) would win an election, but it is not p1's peer.
        #expect(p1.state() == "MASTER")
        #expect(stranger.state() == "MASTER")
        let foreign = try #require(p1.instance()).foreignAdvertisements
        #expect(foreign.count > 0)
        #expect(foreign.lastFrom == "198.18.0.13")
        #expect(foreign.lastReason?.contains("not a configured unicast peer") == true)
        #expect(p1.instance()?.counters.advertiseRcvd == 0)
    }

    @Test("an advert for a VRID not configured here counts as a VRID error on the socket's instances")
    func vridError() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: instanceBlock(priority: 150))
        _ = try SimNode(lan, "p2", addresses: [["198.18.0.12/24"]],
                        config: instanceBlock(vrid: 52, priority: 100, vip: "198.18.0.101/24"))
        lan.loop.advance(by: .s(10))
        #expect((try #require(p1.instance())).counters.vrIdErrors > 0)
        #expect(p1.state() == "MASTER")
    }

    @Test("v2 PASS authentication mismatch: both become MASTER and authFailures counts it")
    func authMismatch() throws {
        let lan = FakeLAN()
        func auth(_ pass: String) -> String { "authentication {\n        auth_type PASS\n        auth_pass \(pass)\n    }" }
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: instanceBlock(priority: 150, extra: auth("secret1")))
        let p2 = try SimNode(lan, "p2", addresses: [["198.18.0.12/24"]], config: instanceBlock(priority: 100, extra: auth("secret2")))
        lan.loop.advance(by: .s(10))
        #expect(p1.state() == "MASTER" && p2.state() == "MASTER")
        #expect((try #require(p2.instance())).counters.authFailures > 0)
    }

    @Test("a VIP deleted by someone else while MASTER is put back and announced")
    func restoreDeletedVIP() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: instanceBlock(priority: 150))
        lan.loop.advance(by: .s(5))
        let frames = p1.host.frames.count
        p1.host.operatorDeletes("198.18.0.100")
        lan.loop.advance(by: .milliseconds(1))
        #expect(p1.host.has("198.18.0.100"))
        #expect(p1.host.frames.count > frames)
    }

    @Test("start-up removes an address a crashed earlier run left behind (carrying our tag)")
    func leftoverRemoved() throws {
        let lan = FakeLAN()
        let scratch = Scratch()
        let host = lan.addHost("p0", addresses: [["198.18.0.11/24"]])
        host.operatorAdds("198.18.0.77/24", on: "eth0", tagged: true)
        #expect(host.has("198.18.0.77"))
        // A node whose host already carries the tagged leftover (a second host object would
        // not; so the daemon runs on this one).
        let options = DaemonOptions(configFile: scratch.write("p0.conf", instanceBlock(priority: 150)),
                                    statusSocket: "\(scratch.path)/p0.sock", dumpDirectory: scratch.path,
                                    dropCapabilities: false, version: "test")
        let loaded = ConfigurationLoader(fileSystem: LocalFileSystem()).load(path: options.configFile)
        let daemon = try Daemon(options: options, configuration: try #require(loaded.configuration),
                                logger: LogSink().logger("p0"), io: host.io, loop: lan.loop)
        daemon.runsCheckers = false
        try daemon.start()
        lan.retain(daemon)
        #expect(!host.has("198.18.0.77"))
        #expect(host.has("198.18.0.11"))
    }

    @Test("SIGTERM with two instances: both release, each master sends priority 0 once")
    func shutdownAll() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]],
                             config: instanceBlock(priority: 150) + instanceBlock("VI_2", vrid: 52, priority: 150, vip: "198.18.0.101/24"))
        lan.loop.advance(by: .s(5))
        let since = lan.loop.now()
        p1.terminate()
        let zeros = lan.adverts(from: "p1", since: since).filter { $0.advertisement?.priority == 0 }
        #expect(Set(zeros.compactMap { $0.advertisement?.vrid }) == [51, 52])
        #expect(zeros.count == 2)
        #expect(!p1.host.has("198.18.0.100") && !p1.host.has("198.18.0.101"))
        #expect(p1.snapshot.instances.isEmpty)
    }

    @Test("notify scripts run in transition order (BACKUP, MASTER, then FAULT)")
    func notifyOrder() throws {
        let lan = FakeLAN()
        let scratch = Scratch()
        let script = scratch.write("notify.sh", "#!/bin/sh\necho \"$3\" >> \(scratch.path)/states\n", mode: 0o755)
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]],
                             config: instanceBlock(priority: 150, extra: "notify \(script)"), scratch: scratch)
        lan.loop.advance(by: .s(5))
        p1.host.setLink("eth0", up: false)
        lan.loop.advance(by: .milliseconds(1))
        // Notify scripts are real processes: wait (a generous hang catcher) for all three lines.
        var lines: [String] = []
        for _ in 0..<200 {
            lines = (scratch.read("states") ?? "").split(separator: "\n").map(String.init)
            if lines.count >= 3 { break }
            usleep(50_000)
        }
        #expect(lines == ["BACKUP", "MASTER", "FAULT"], "\(p1.logs.all.filter { $0.contains("notify") || $0.contains("script") })")
    }
}
