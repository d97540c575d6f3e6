// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPLab

/// Real `vrrpd` processes in network namespaces: who becomes master, and who stays backup.
@Suite("vrrpd election", .serialized)
struct ElectionTests {
    @Test("of two nodes the higher priority becomes MASTER and holds the VIP; the other is BACKUP without it")
    func electionByPriority() async throws {
        try await withDaemonLab { lab in
            let (p1, p2) = (lab.proxies[0], lab.proxies[1])
            let low = try await lab.startDaemon(on: p2, config: config(for: p2, priority: 100))
            let high = try await lab.startDaemon(on: p1, config: config(for: p1, priority: 150))
            try await lab.waitForStates([(high, "MASTER"), (low, "BACKUP")])
            try await lab.waitForVIP(VIP.v4, on: [p1])
            // The backup knows who the master is.
            let backup = try low.instance()
            #expect(backup.master?.address == p1.ipv4Address)
            #expect(backup.master?.priority == 150)
            #expect(try high.instance().virtualAddresses.allSatisfy(\.installed))
            try await lab.waitForPing(VIP.v4Address)
            // vrrpctl shows what the socket shows.
            let viaCtl = try low.vrrpctlSnapshot().instance(named: "VI_1")
            #expect(viaCtl?.state == "BACKUP")
            #expect(viaCtl?.master?.address == p1.ipv4Address)
            #expect(try high.vrrpctlSnapshot().instance(named: "VI_1")?.state == "MASTER")
        }
    }

    @Test("a returning higher-priority node preempts the backup that took over")
    func preemptBack() async throws {
        try await withDaemonLab { lab in
            let (p1, p2) = (lab.proxies[0], lab.proxies[1])
            let high = try await lab.startDaemon(on: p1, config: config(for: p1, priority: 150))
            let low = try await lab.startDaemon(on: p2, config: config(for: p2, priority: 100))
            try await lab.waitForStates([(high, "MASTER"), (low, "BACKUP")])
            #expect(high.terminate() == 0)
            try await lab.waitForState(low, "MASTER")
            try await lab.waitForVIP(VIP.v4, on: [p2])

            let back = try await lab.startDaemon(on: p1, config: config(for: p1, priority: 150))
            try await lab.waitForStates([(back, "MASTER"), (low, "BACKUP")])
            try await lab.waitForVIP(VIP.v4, on: [p1])
        }
    }

    @Test("with nopreempt the returning higher-priority node stays BACKUP")
    func nopreemptStaysBackup() async throws {
        try await withDaemonLab { lab in
            let (p1, p2) = (lab.proxies[0], lab.proxies[1])
            let nopreempt: (inout LabVRRPInstance) -> Void = { $0.preempt = false }
            let low = try await lab.startDaemon(on: p2, config: config(for: p2, priority: 100, nopreempt))
            try await lab.waitForState(low, "MASTER")
            try await lab.waitForVIP(VIP.v4, on: [p2])

            let high = try await lab.startDaemon(on: p1, config: config(for: p1, priority: 150, nopreempt))
            try await lab.waitForState(high, "BACKUP")
            // Five adverts heard take longer than Master_Down_Interval (3 × 1 s + skew):
            // had it wanted to preempt, it would have by now.
            try await lab.wait("p1 to hear 5 adverts from p2", daemon: high) {
                (try? high.instance().counters.advertiseRcvd) ?? 0 >= 5
            }
            #expect(try high.instance().state == "BACKUP")
            #expect(try low.instance().state == "MASTER")
            #expect(try high.instance().master?.address == p2.ipv4Address)
            #expect(try !lab.hasVIP(p1, VIP.v4))
            #expect(try lab.hasVIP(p2, VIP.v4))
        }
    }

    @Test("of three nodes the highest wins, and after its crash the next highest takes over")
    func threeNodes() async throws {
        try await withDaemonLab(proxies: 3) { lab in
            let (p1, p2, p3) = (lab.proxies[0], lab.proxies[1], lab.proxies[2])
            let d3 = try await lab.startDaemon(on: p3, config: config(for: p3, priority: 100))
            let d2 = try await lab.startDaemon(on: p2, config: config(for: p2, priority: 120))
            let d1 = try await lab.startDaemon(on: p1, config: config(for: p1, priority: 150))
            try await lab.waitForStates([(d1, "MASTER"), (d2, "BACKUP"), (d3, "BACKUP")])
            try await lab.waitForVIP(VIP.v4, on: [p1])

            try d1.crash()
            try lab.lab.setCable(p1, on: lab.topology.lan, plugged: false)
            try await lab.waitForStates([(d2, "MASTER"), (d3, "BACKUP")])
            // p1 is unplugged and still carries its stale VIP; only p2 and p3 count.
            try await lab.waitForVIP(VIP.v4, on: [p2], among: [p2, p3])
            #expect(try d3.instance().master?.address == p2.ipv4Address)
        }
    }
}
