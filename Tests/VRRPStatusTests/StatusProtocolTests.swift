// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import VRRPStatus

@Suite("Status protocol")
struct StatusProtocolTests {
    @Test("request lines parse, and junk is refused")
    func requests() {
        #expect(StatusRequest(line: "status") == .status)
        #expect(StatusRequest(line: "status VI_1") == .instance("VI_1"))
        #expect(StatusRequest(line: "watch\r") == .watch)
        #expect(StatusRequest(line: "reload") == .reload)
        #expect(StatusRequest(line: "") == nil)
        #expect(StatusRequest(line: "status a b") == nil)
        #expect(StatusRequest(line: "shutdown") == nil)
        for r in [StatusRequest.status, .instance("x"), .watch, .reload] {
            #expect(StatusRequest(line: r.line) == r)
        }
    }

    @Test("the status line written a part at a time is byte for byte the one-shot encoding", arguments: [0, 1, 3])
    func writerMatchesEncoder(instances: Int) throws {
        var daemon = DaemonInfo(version: "0.1.0", pid: 42, startedAt: 1_700_000_000, configFile: "/etc/k \"q\"/\\.conf",
                                processTracking: "exits by pidfd", loopLagMax: 0.25, loopLagLastMinute: 0.125)
        daemon.lastReload = ReloadResult(at: 1_700_000_005, ok: false, errors: ["k.conf:3:1: bad"], added: ["VI_9"])
        let all = (0..<instances).map { i in
            InstanceSnapshot(
                name: "VI_\(i)", vrid: 51 + i, interface: "eth0", version: 3, family: "IPv4", state: i == 0 ? "MASTER" : "BACKUP",
                stateSince: 1_700_000_010, lastTransitionReason: "master down timer expired",
                configuredPriority: 150, effectivePriority: 130,
                tracked: [TrackedItem(name: "chk_nginx/ä", kind: "http", status: "failing", weight: -20,
                                      contribution: -20, faultOnFailure: false, reason: "HTTP 502 <\u{1}>")],
                advertIntervalConfigured: 100, advertIntervalLearned: 100,
                virtualAddresses: [VirtualAddressStatus(address: "198.18.0.\(100 + i)/32", device: "eth0", installed: true)])
        }
        let groups = instances == 0 ? [] : [SyncGroupSnapshot(name: "G", state: "MASTER",
                                                              members: [SyncGroupMember(instance: "VI_0", state: "MASTER")])]
        var writer = SnapshotLineWriter(daemon: daemon)
        for i in all { writer.append(instance: i) }
        let line = writer.finish(syncGroups: groups)
        let snapshot = Snapshot(daemon: daemon, instances: all, syncGroups: groups)
        #expect(line == StatusReply(snapshot: snapshot).encodedLine())
        #expect(try StatusReply.decode(line: line.dropLast()).snapshot == snapshot)
    }

    @Test("a reply survives its JSON line unchanged")
    func replyRoundTrip() throws {
        let snapshot = Snapshot(
            daemon: DaemonInfo(version: "0.1.0", pid: 42, startedAt: 1_700_000_000, configFile: "/etc/k.conf",
                               processTracking: "exits by pidfd, new processes by /proc scan every 1000 ms"),
            instances: [InstanceSnapshot(
                name: "VI_1", vrid: 51, interface: "eth0", version: 3, family: "IPv4", state: "MASTER",
                stateSince: 1_700_000_010, lastTransitionReason: "master down timer expired",
                configuredPriority: 150, effectivePriority: 130,
                tracked: [TrackedItem(name: "chk_nginx", kind: "http", status: "failing", weight: -20,
                                      contribution: -20, faultOnFailure: false, reason: "HTTP 502")],
                advertIntervalConfigured: 100, advertIntervalLearned: 100,
                virtualAddresses: [VirtualAddressStatus(address: "198.18.0.100/32", device: "eth0", installed: true)])])
        let line = StatusReply(snapshot: snapshot).encodedLine()
        #expect(line.last == 0x0A)
        #expect(!line.dropLast().contains(0x0A), "one reply is one line")
        let back = try StatusReply.decode(line: line.dropLast())
        #expect(back.snapshot == snapshot)
        let table = snapshot.renderTable(now: 1_700_000_020)
        #expect(table.contains("VI_1"))
        #expect(table.contains("130/150"))
        #expect(table.contains("198.18.0.100/32*"))
        #expect(table.contains("track_process: exits by pidfd, new processes by /proc scan every 1000 ms"))
        let dump = snapshot.renderDump(now: 1_700_000_020)
        #expect(dump.contains("becomeMaster = 0"))
        #expect(dump.contains("Tracked http chk_nginx: failing"))
    }

    @Test("the line buffer splits lines and bounds their length")
    func lineBuffer() {
        var b = LineBuffer(maximumLineLength: 8)
        #expect(b.append(Array("sta".utf8)) == [])
        #expect(b.append(Array("tus\nwatch\n".utf8)) == [.line(Array("status".utf8)), .line(Array("watch".utf8))])
        #expect(b.append(Array("0123456789".utf8)) == [.overflow])
    }

    @Test("the client explains a missing daemon")
    func clientNotRunning() {
        #expect(throws: StatusClientError.notRunning(path: "/nonexistent/vrrpd.sock")) {
            _ = try StatusClient(path: "/nonexistent/vrrpd.sock")
        }
    }
}
