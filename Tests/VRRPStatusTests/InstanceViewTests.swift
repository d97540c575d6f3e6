// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import VRRPStatus

/// Issue 18: `vrrpctl status NAME` printed "swift-vrrp  pid 0" and an empty config file, and a
/// backup kept showing the master's old priority without saying why it had not taken over.
@Suite("vrrpctl status views during a fault")
struct InstanceViewTests {
    static let daemon = DaemonInfo(version: "0.1.0", pid: 4242, startedAt: 1_764_525_891, configFile: "/etc/keepalived/keepalived.conf")

    static func backup(master priority: Int, takeover: TakeoverStatus?) -> InstanceSnapshot {
        InstanceSnapshot(
            name: "VI_1", vrid: 51, interface: "eth0", version: 3, family: "IPv4", state: "BACKUP",
            stateSince: 1_764_525_900, lastTransitionReason: "preferred master 198.18.0.11 with priority 150",
            configuredPriority: 100, effectivePriority: 100,
            master: MasterInfo(address: "198.18.0.11", priority: priority),
            advertIntervalConfigured: 100, advertIntervalLearned: 100,
            virtualAddresses: [VirtualAddressStatus(address: "198.18.0.100/24", device: "eth0", installed: false)],
            lastAdvertisement: HeardAdvertisement(at: 1_764_526_000, from: "198.18.0.11", priority: priority, interval: 100),
            takeover: takeover)
    }

    @Test("status NAME shows the daemon's pid, version, config file and start time from the reply")
    func realHeader() throws {
        let instance = Self.backup(master: 150, takeover: TakeoverStatus(reason: .masterPreferred, at: 1_764_526_003.6))
        let line = StatusReply(instance: instance, daemon: Self.daemon).encodedLine()
        let reply = try StatusReply.decode(line: line.dropLast())
        let text = try #require(reply.renderInstanceDump(now: 1_764_526_001))
        #expect(text.hasPrefix("------< swift-vrrp 0.1.0 pid 4242 >------\n"))
        #expect(text.contains(" Config file = /etc/keepalived/keepalived.conf\n"))
        #expect(text.contains(" Started = 2025-11-30 18:04:51 UTC (1m50s ago)\n"))
        #expect(!text.contains("pid 0"))
        #expect(text.contains("   Takeover = master priority at least ours; taking over in 2.6 s if it falls silent\n"))
        // An older daemon that sends no record: the header says so instead of inventing pid 0.
        let old = StatusReply(instance: instance).renderInstanceDump(now: 1_764_526_001) ?? ""
        #expect(old.hasPrefix("------< swift-vrrp (the daemon sent no record of itself) >------\n"))
        #expect(!old.contains("pid 0") && !old.contains("Config file = \n"))
        #expect(old.contains(" VRRP Instance = VI_1\n"))
    }

    @Test("a backup hearing a lower-priority master shows priority 30 and when it takes over")
    func lowerPriorityMaster() {
        let instance = Self.backup(master: 30, takeover: TakeoverStatus(reason: .lowerPriorityMaster, at: 1_764_526_003.1))
        let snapshot = Snapshot(daemon: Self.daemon, instances: [instance])
        let table = snapshot.renderTable(now: 1_764_526_001)
        #expect(table.contains("198.18.0.11 (30)"))
        #expect(!table.contains("(150)"))
        #expect(table.contains("VI_1: lower-priority master heard; taking over in 2.1 s\n"))
        let dump = snapshot.renderDump(now: 1_764_526_001)
        #expect(dump.contains("   Master = 198.18.0.11 priority 30 (its latest advert)\n"))
        #expect(dump.contains("   Takeover = lower-priority master heard; taking over in 2.1 s\n"))
    }

    @Test("nopreempt and preempt_delay say why the backup stays")
    func reasons() {
        #expect(TakeoverStatus(reason: .noPreempt, at: nil).describe(now: 0) == "lower-priority master heard; nopreempt: staying backup")
        #expect(TakeoverStatus(reason: .preemptDelay, at: 15).describe(now: 10)
            == "lower-priority master heard; preempt_delay: taking over in 5.0 s")
        #expect(TakeoverStatus(reason: .noMasterHeard, at: 13.61).describe(now: 10) == "no master heard; taking over in 3.6 s")
        let table = Snapshot(daemon: Self.daemon, instances: [Self.backup(master: 30, takeover: TakeoverStatus(reason: .noPreempt, at: nil))])
            .renderTable(now: 0)
        #expect(table.contains("VI_1: lower-priority master heard; nopreempt: staying backup"))
    }
}
