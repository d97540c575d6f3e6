// SPDX-License-Identifier: Apache-2.0
import Foundation
import VRRPLab

/// Crash and graceful failover of one instance between two hosts, watched by a client.
///
/// Topology (LabTopology): p1 198.18.0.11 (master, priority 200, `state MASTER`),
/// p2 198.18.0.12 (backup, priority 100), client c 198.18.0.2; VIP 198.18.0.100.
/// Per run: the backup starts first, then the master; once the VIP is on p1 and a few adverts
/// have passed, the master is SIGKILLed and its cable unplugged (crash) or sent SIGTERM
/// (graceful). Times come from the client's capture (kernel timestamps of the master's last
/// advert, its priority-0 advert, and the backup's first gratuitous ARP) and from
/// `ip -ts monitor address` on the backup (the VIP's RTM_NEWADDR).
struct FailoverBench {
    enum Kind: String { case crash, graceful }

    let lab: Lab
    let topology: LabTopology
    let binaries: Binaries
    let daemons: [DaemonKind]
    let log: (String) -> Void
    static let vip = "198.18.0.100"
    static let backupPriority = 100.0

    init(lab: Lab, binaries: Binaries, daemons: [DaemonKind], log: @escaping (String) -> Void) throws {
        self.lab = lab
        self.topology = try LabTopology(in: lab, proxies: 2)
        self.binaries = binaries
        self.daemons = daemons
        self.log = log
    }

    static func config(version: Int, interval: Double, master: Bool) -> String {
        var instance = LabVRRPInstance()
        instance.initialState = master ? "MASTER" : "BACKUP"
        instance.priority = master ? 200 : Int(backupPriority)
        instance.advertInterval = interval
        instance.version = version
        instance.virtualAddresses = ["\(vip)/24"]
        return instance.configuration(routerID: master ? "p1" : "p2")
    }

    /// RFC 5798 §6.1 (and RFC 3768 §6.1 for v2): Skew_Time = ((256 − Priority) ×
    /// Master_Adver_Interval) / 256; Master_Down_Interval = 3 × Master_Adver_Interval + Skew_Time.
    static func skewMs(_ interval: Double) -> Double { (256 - backupPriority) * interval * 1000 / 256 }
    static func masterDownMs(_ interval: Double) -> Double { 3 * interval * 1000 + skewMs(interval) }

    func measure(_ kind: Kind, version: Int, interval: Double, repeats: Int) -> FailoverResult {
        var vip: [String: [Double]] = [:], garp: [String: [Double]] = [:], signal: [String: [Double]] = [:]
        var failures: [String: Int] = [:]
        for rep in 0..<repeats {
            for daemon in daemons {   // alternating runs
                do {
                    let s = try run(daemon, kind, version: version, interval: interval)
                    vip[daemon.rawValue, default: []].append(s.vip)
                    if let g = s.garp { garp[daemon.rawValue, default: []].append(g) }
                    signal[daemon.rawValue, default: []].append(s.signalToVIP)
                    log("  \(kind) v\(version) \(interval)s \(daemon) #\(rep + 1): VIP +\(fmt(s.vip, 2)) ms, GARP +\(fmt(s.garp, 2)) ms after the advert; \(fmt(s.signalToVIP, 2)) ms after the signal")
                } catch {
                    failures[daemon.rawValue, default: 0] += 1
                    log("  \(kind) v\(version) \(interval)s \(daemon) #\(rep + 1) failed: \(error)")
                }
            }
        }
        let limit = kind == .crash ? Self.masterDownMs(interval) : Self.skewMs(interval)
        let target = 2.0
        let vrrpdStats = Stats(vip["vrrpd"] ?? [])
        return FailoverResult(
            kind: kind.rawValue, version: version, advertIntervalSeconds: interval,
            protocolLimitMs: limit, protocolLimitName: kind == .crash ? "Master_Down_Interval" : "Skew_Time",
            vipAfterLastAdvertMs: vip.compactMapValues { Stats($0) },
            garpAfterLastAdvertMs: garp.compactMapValues { Stats($0) },
            vipAfterSignalMs: signal.compactMapValues { Stats($0) },
            targetMs: target, targetMet: vrrpdStats.map { abs($0.median - limit) <= target },
            failures: failures)
    }

    struct Sample { var vip: Double; var garp: Double?; var signalToVIP: Double }

    private func run(_ daemon: DaemonKind, _ kind: Kind, version: Int, interval: Double) throws -> Sample {
        let p1 = topology.proxies[0], p2 = topology.proxies[1], client = topology.client
        let tag = "\(kind)-v\(version)-\(Int(interval * 1000))-\(UInt16.random(in: 0...UInt16.max))"
        let monitor = try lab.spawn(p2, ["/usr/bin/env", "TZ=UTC", "ip", "-ts", "monitor", "address"],
                                    name: "monitor-\(tag)")
        let capture = try lab.startCapture(client, ifname: "eth0", filter: "arp or vrrp", name: "cap-\(tag)")
        var started: [LabVRRPNode] = []
        var unplugged = false
        defer {
            capture.stop()
            lab.stop(monitor, grace: .seconds(1))
            for d in started { d.stop() }
            if unplugged { try? lab.setCable(p1, on: topology.lan, plugged: true) }
            for host in [p1, p2] { _ = try? lab.run(host, ["ip", "addr", "del", "\(Self.vip)/24", "dev", "eth0"]) }
        }
        let backup = try startDaemon(daemon, lab, on: p2, config: Self.config(version: version, interval: interval, master: false),
                                             binaries: binaries, tag: "backup-\(tag)")
        started.append(backup)
        let master = try startDaemon(daemon, lab, on: p1, config: Self.config(version: version, interval: interval, master: true),
                                             binaries: binaries, tag: "master-\(tag)")
        started.append(master)
        try waitUntil("VIP on the master (\(daemon))", timeout: .seconds(20), poll: .milliseconds(20)) {
            guard lab.isRunning(master.process), lab.isRunning(backup.process) else {
                throw LabError.unexpectedOutput("\(daemon) exited: \(lab.log(master.process).suffix(600)) \(lab.log(backup.process).suffix(600))")
            }
            return try countAddresses(lab, p1, prefix: "\(Self.vip)/") == 1 && master.isReady && backup.isReady
        }
        // Several adverts, so the backup runs on the master's rhythm.
        sleepSeconds(max(4 * interval, 0.5))
        guard try countAddresses(lab, p2, prefix: "\(Self.vip)/") == 0 else {
            throw LabError.unexpectedOutput("the backup holds the VIP before the failover")
        }
        let t0 = wallNow()
        switch kind {
        case .crash:
            try master.crash()
            try lab.setCable(p1, on: topology.lan, plugged: false)
            unplugged = true
        case .graceful:
            lab.signal(master.process, SIGTERM)
        }
        let limit = (kind == .crash ? Self.masterDownMs(interval) : Self.skewMs(interval)) / 1000
        var vipAt: Double?
        try waitUntil("VIP on the backup (\(daemon))", timeout: .seconds(limit + 10), poll: .milliseconds(10)) {
            vipAt = Self.vipTime(lab.log(monitor), after: t0)
            return vipAt != nil
        }
        sleepSeconds(0.2)   // the first GARP reaches the capture
        capture.stop()
        let packets = try lab.run(client, ["tcpdump", "-r", capture.path, "-n", "-tt"]).stdout
            .split(separator: "\n").map(String.init)
        let reference: Double?
        switch kind {
        case .crash:
            reference = packets.last { $0.contains("198.18.0.11 > ") && $0.contains("VRRP") && !$0.contains("prio 0,") }
                .flatMap(Self.timestamp)
        case .graceful:
            reference = packets.first { $0.contains("198.18.0.11 > ") && $0.contains("prio 0,") }.flatMap(Self.timestamp)
        }
        guard let reference, let vipAt else {
            throw LabError.unexpectedOutput("no reference advert from the master in the capture (\(packets.count) packets)")
        }
        let garpAt = packets.first { line in
            guard line.contains("ARP"), line.contains(Self.vip), let t = Self.timestamp(line) else { return false }
            return t > t0
        }.flatMap(Self.timestamp)
        return Sample(vip: (vipAt - reference) * 1000, garp: garpAt.map { ($0 - reference) * 1000 },
                      signalToVIP: (vipAt - t0) * 1000)
    }

    /// The first `ip -ts monitor` line adding the VIP after `t0`:
    /// "[2026-11-25T10:48:01.123456] 2: eth0    inet 198.18.0.100/24 …".
    static func vipTime(_ log: String, after t0: Double) -> Double? {
        for line in log.split(separator: "\n") where line.contains("inet \(vip)/") && !line.contains("Deleted") {
            guard line.hasPrefix("["), let close = line.firstIndex(of: "]") else { continue }
            let stamp = line[line.index(after: line.startIndex)..<close]
            guard let t = parseISO(String(stamp)), t > t0 - 0.0005 else { continue }
            return t
        }
        return nil
    }

    /// "2026-11-25T10:48:01.123456" in UTC → epoch seconds.
    static func parseISO(_ s: String) -> Double? {
        let parts = s.split(separator: ".")
        guard parts.count == 2, let fraction = Double("0." + parts[1]) else { return nil }
        let fields = parts[0].split(whereSeparator: { "-T:".contains($0) }).compactMap { Int32($0) }
        guard fields.count == 6 else { return nil }
        var tm = Glibc.tm()
        tm.tm_year = fields[0] - 1900
        tm.tm_mon = fields[1] - 1
        tm.tm_mday = fields[2]
        tm.tm_hour = fields[3]
        tm.tm_min = fields[4]
        tm.tm_sec = fields[5]
        return Double(timegm(&tm)) + fraction
    }

    /// The epoch timestamp at the start of a `tcpdump -tt` line.
    static func timestamp(_ line: String) -> Double? {
        line.split(separator: " ", maxSplits: 1).first.flatMap { Double($0) }
    }
}
