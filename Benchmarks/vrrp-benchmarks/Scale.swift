// SPDX-License-Identifier: Apache-2.0
import Foundation
import VRRPLab

/// N instances between two hosts a (master side, priority 200) and b (backup side, 100).
/// Beyond 250 VRIDs the instances spread over several interfaces, one LAN (bridge) each:
/// instance i uses eth(i / 250) with VRID i % 250 + 1 and VIP 198.19.(i / 250).(i % 250 + 1)/32.
/// Host a has 198.18.k.1/24 and host b 198.18.k.2/24 on LAN k.
struct ScaleBench {
    static let perInterface = 250
    let lab: Lab
    let a: LabHost
    let b: LabHost
    let binaries: Binaries
    let daemons: [DaemonKind]
    let log: (String) -> Void

    /// `lanPrefix` and `names` name the LANs and the two hosts, so that the ceiling sweep's
    /// pair (its own `ScaleBench`) can exist next to the scale runs' in one lab.
    init(lab: Lab, maxInstances: Int, binaries: Binaries, daemons: [DaemonKind],
         lanPrefix: String = "l", names: (String, String) = ("a", "b"), log: @escaping (String) -> Void) throws {
        (a, b) = try Self.hosts(lab, maxInstances: maxInstances, lanPrefix: lanPrefix, names: names)
        self.lab = lab
        self.binaries = binaries
        self.daemons = daemons
        self.log = log
    }

    /// The two hosts, with one LAN per `perInterface` instances up to `maxInstances`: the first
    /// has 198.18.k.1/24 and the second 198.18.k.2/24 on LAN k.
    private static func hosts(_ lab: Lab, maxInstances: Int, lanPrefix: String, names: (String, String)) throws -> (LabHost, LabHost) {
        let count = max(1, (maxInstances + perInterface - 1) / perInterface)
        let lans = try (0..<count).map { try lab.addLAN("\(lanPrefix)\($0)") }
        return (try lab.addHost(names.0, on: lans, ipv4: (0..<count).map { "198.18.\($0).1/24" }),
                try lab.addHost(names.1, on: lans, ipv4: (0..<count).map { "198.18.\($0).2/24" }))
    }

    static func config(instances: Int, version: Int, interval: Double, master: Bool) -> String {
        let all = (0..<instances).map { i in
            let k = i / perInterface, vrid = i % perInterface + 1
            var instance = LabVRRPInstance()
            instance.name = "VI_\(i)"
            instance.interface = "eth\(k)"
            instance.vrid = vrid
            instance.initialState = master ? "MASTER" : "BACKUP"
            instance.priority = master ? 200 : 100
            instance.advertInterval = interval
            instance.version = version
            instance.virtualAddresses = ["198.19.\(k).\(vrid)/32"]
            return instance
        }
        return LabVRRPInstance.configuration(routerID: master ? "a" : "b", all)
    }

    func measure(instances: Int, version: Int, interval: Double, window: Double) -> ScaleResult {
        var runs: [String: ScaleRun] = [:]
        for daemon in daemons {
            do {
                runs[daemon.rawValue] = try run(daemon, instances: instances, version: version, interval: interval, window: window)
                let r = runs[daemon.rawValue]!
                log("  \(instances) × v\(version) \(interval)s \(daemon): CPU \(fmt(r.master.cpuSecondsPerMinute, 3)) / \(fmt(r.backup.cpuSecondsPerMinute, 3)) s/min, RSS \(r.master.peakRSSKiB) / \(r.backup.peakRSSKiB) KiB, kept up \(r.keptUp)")
            } catch {
                log("  \(instances) × v\(version) \(interval)s \(daemon) failed: \(error)")
                runs[daemon.rawValue] = ScaleRun(daemon: daemon.rawValue, master: .init(cpuSecondsPerMinute: .nan, peakRSSKiB: 0),
                                                 backup: .init(cpuSecondsPerMinute: .nan, peakRSSKiB: 0),
                                                 keptUp: false, note: "\(error)".prefix(120).description)
            }
        }
        func total(_ r: ScaleRun?) -> Double? {
            guard let r, r.master.cpuSecondsPerMinute.isFinite else { return nil }
            return r.master.cpuSecondsPerMinute + r.backup.cpuSecondsPerMinute
        }
        func rss(_ r: ScaleRun?) -> Double? { r.map { Double($0.master.peakRSSKiB + $0.backup.peakRSSKiB) } }
        let cpuRatio = total(runs["vrrpd"]).flatMap { v in total(runs["keepalived"]).map { v / $0 } }
        func sideRatio(_ side: KeyPath<ScaleRun, ScaleSide>) -> Double? {
            guard let v = runs["vrrpd"]?[keyPath: side].cpuSecondsPerMinute, let k = runs["keepalived"]?[keyPath: side].cpuSecondsPerMinute,
                  v.isFinite, k.isFinite, k > 0 else { return nil }
            return v / k
        }
        let rssRatio = rss(runs["vrrpd"]).flatMap { v in rss(runs["keepalived"]).map { v / $0 } }
        func anon(_ r: ScaleRun?) -> Double? { r.map { Double($0.master.anonKiB + $0.backup.anonKiB) } }
        let anonRatio = anon(runs["vrrpd"]).flatMap { v in anon(runs["keepalived"]).map { v / $0 } }
        return ScaleResult(instances: instances, interfaces: (instances + Self.perInterface - 1) / Self.perInterface,
                           version: version, advertIntervalSeconds: interval, windowSeconds: window,
                           runs: runs, cpuRatio: cpuRatio, masterCPURatio: sideRatio(\.master), backupCPURatio: sideRatio(\.backup),
                           rssRatio: rssRatio, anonRatio: anonRatio)
    }

    private func run(_ daemon: DaemonKind, instances: Int, version: Int, interval: Double, window: Double) throws -> ScaleRun {
        let tag = "\(instances)-v\(version)-\(Int(interval * 1000))"
        var started: [LabVRRPNode] = []
        defer {
            for d in started { d.stop(grace: .seconds(15)) }
            for host in [a, b] { _ = try? lab.run(host, ["ip", "-4", "addr", "flush", "to", "198.19.0.0/16"]) }
        }
        let backup = try startDaemon(daemon, lab, on: b, config: Self.config(instances: instances, version: version, interval: interval, master: false),
                                             binaries: binaries, tag: "b-\(tag)")
        started.append(backup)
        let master = try startDaemon(daemon, lab, on: a, config: Self.config(instances: instances, version: version, interval: interval, master: true),
                                             binaries: binaries, tag: "a-\(tag)")
        started.append(master)
        try waitUntil("\(instances) VIPs on the master (\(daemon))", timeout: .seconds(90), poll: .milliseconds(200)) {
            guard lab.isRunning(master.process), lab.isRunning(backup.process) else {
                throw LabError.unexpectedOutput("\(daemon) exited: \(lab.log(master.process).suffix(400)) \(lab.log(backup.process).suffix(400))")
            }
            return try countAddresses(lab, a, prefix: "198.19.") == instances && master.isReady && backup.isReady
        }
        sleepSeconds(max(4 * interval, 2))   // past start-up and the first GARP rounds
        let sent0 = try lanPackets(a, "tx_packets"), received0 = try lanPackets(b, "rx_packets")
        let m0 = master.cpuNanoseconds(), b0 = backup.cpuNanoseconds()
        let t0 = ContinuousClock.now
        sleepSeconds(window)
        let m1 = master.cpuNanoseconds(), b1 = backup.cpuNanoseconds()
        let elapsed = seconds(ContinuousClock.now - t0)
        let sent1 = try lanPackets(a, "tx_packets"), received1 = try lanPackets(b, "rx_packets")
        let perMinute = { (ns: UInt64) in Double(ns) / 1e9 * 60 / elapsed }
        let onMaster = try countAddresses(lab, a, prefix: "198.19.")
        let onBackup = try countAddresses(lab, b, prefix: "198.19.")
        let keptUp = onMaster == instances && onBackup == 0
        return ScaleRun(daemon: daemon.rawValue,
                        master: .init(cpuSecondsPerMinute: perMinute(m1 &- m0), peakRSSKiB: master.peakRSSKiB(), anonKiB: master.anonKiB(),
                                      lanPacketsPerSecond: Double(sent1 &- sent0) / elapsed),
                        backup: .init(cpuSecondsPerMinute: perMinute(b1 &- b0), peakRSSKiB: backup.peakRSSKiB(), anonKiB: backup.anonKiB(),
                                      lanPacketsPerSecond: Double(received1 &- received0) / elapsed),
                        keptUp: keptUp,
                        note: keptUp ? nil : "VIPs at the end: master \(onMaster)/\(instances), backup \(onBackup)")
    }

    /// The sum of one kernel counter (`tx_packets`, `rx_packets`) over a host's LAN interfaces.
    private func lanPackets(_ host: LabHost, _ counter: String) throws -> UInt64 {
        let out = try lab.runChecked(host, ["sh", "-c", "cat /sys/class/net/eth*/statistics/\(counter)"]).stdout
        return out.split(separator: "\n").compactMap { UInt64($0.trimmingCharacters(in: .whitespaces)) }.reduce(0, +)
    }
}
