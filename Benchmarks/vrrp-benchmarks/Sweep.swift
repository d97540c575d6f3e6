// SPDX-License-Identifier: Apache-2.0
import Foundation
import VRRPLab

/// The scale ceiling (issue 16): the largest number of VRRPv3 instances each daemon holds at
/// one advert interval on this machine without a false takeover, found by doubling from
/// `start` and then bisecting. "Holds N" means: with a master side (priority 200) and a backup
/// side (100) of N instances each, started together, every VIP reaches the master, and then
/// over `window` seconds no VIP is added on the backup (a backup entering MASTER while the
/// master runs adds its VIPs; `ip -ts monitor address` on the backup host sees every such add,
/// even one the master's next advert takes back within milliseconds), both daemons stay up,
/// and at the end the master holds every VIP and the backup none.
struct CeilingSweep {
    /// The lab, the two hosts (`sa`/`sb`, one LAN per 250 instances up to `maxInstances`), the
    /// binaries, the daemons and the log: the scale benchmark's, one copy.
    let scale: ScaleBench

    init(lab: Lab, maxInstances: Int, binaries: Binaries, daemons: [DaemonKind], log: @escaping (String) -> Void) throws {
        scale = try ScaleBench(lab: lab, maxInstances: maxInstances, binaries: binaries, daemons: daemons,
                               lanPrefix: "s", names: ("sa", "sb"), log: log)
    }

    func measure(interval: Double, start: Int, maxInstances: Int, window: Double) -> CeilingResult {
        var result = CeilingResult(version: 3, advertIntervalSeconds: interval, windowSeconds: window,
                                   maxTried: maxInstances, ceilings: [:], probes: [:])
        for daemon in scale.daemons {
            var probes: [CeilingProbe] = []
            let ceiling = Self.search(start: start, max: maxInstances) { n in
                let probe = self.probe(daemon, instances: n, interval: interval, window: window)
                probes.append(probe)
                scale.log("  ceiling v3 \(interval)s \(daemon) \(n): \(probe.held ? "held" : "failed (\(probe.note ?? ""))")")
                return probe.held
            }
            result.ceilings[daemon.rawValue] = ceiling
            result.probes[daemon.rawValue] = probes
        }
        if let v = result.ceilings["vrrpd"], let k = result.ceilings["keepalived"], k > 0 {
            result.ratio = Double(v) / Double(k)
        }
        return result
    }

    /// Doubling from `start` while `holds`, then bisecting between the last size that held
    /// and the first that did not, to within 5 % (at least 1 instance). 0 if `start` fails;
    /// `max` if it holds.
    static func search(start: Int, max: Int, _ holds: (Int) -> Bool) -> Int {
        var good = 0
        var bad: Int?
        var n = Swift.min(start, max)
        while true {
            if holds(n) {
                good = n
                if n >= max { return n }
                n = Swift.min(n * 2, max)
            } else {
                bad = n
                break
            }
        }
        guard var high = bad else { return good }
        var low = good
        while high - low > Swift.max(1, low / 20) {
            let mid = (low + high) / 2
            if holds(mid) { low = mid } else { high = mid }
        }
        return low
    }

    func probe(_ daemon: DaemonKind, instances: Int, interval: Double, window: Double) -> CeilingProbe {
        let (lab, a, b, binaries) = (scale.lab, scale.a, scale.b, scale.binaries)
        let tag = "c\(instances)-\(Int(interval * 1000))"
        var started: [LabVRRPNode] = []
        var monitor: LabProcess?
        defer {
            if let monitor { lab.stop(monitor, grace: .seconds(1)) }
            for d in started { d.stop(grace: .seconds(15)) }
            for host in [a, b] { _ = try? lab.run(host, ["ip", "-4", "addr", "flush", "to", "198.19.0.0/16"]) }
        }
        do {
            let backup = try startDaemon(daemon, lab, on: b,
                                                 config: ScaleBench.config(instances: instances, version: 3, interval: interval, master: false),
                                                 binaries: binaries, tag: "b-\(tag)")
            started.append(backup)
            let master = try startDaemon(daemon, lab, on: a,
                                                 config: ScaleBench.config(instances: instances, version: 3, interval: interval, master: true),
                                                 binaries: binaries, tag: "a-\(tag)")
            started.append(master)
            // Start-up: the backup may take over before the master's first adverts; that is
            // not what is measured. Settled: every VIP on the master and none on the backup.
            do {
                try waitUntil("settled", timeout: .seconds(120), poll: .milliseconds(500)) {
                    guard lab.isRunning(master.process), lab.isRunning(backup.process) else {
                        throw LabError.unexpectedOutput("\(daemon) exited")
                    }
                    guard master.isReady, backup.isReady else { return false }
                    let onMaster = try countAddresses(lab, a, prefix: "198.19.")
                    let onBackup = try countAddresses(lab, b, prefix: "198.19.")
                    return onMaster == instances && onBackup == 0
                }
            } catch {
                return CeilingProbe(instances: instances, held: false, note: "did not settle: \(error)".prefix(160).description)
            }
            sleepSeconds(2)
            let watch = try lab.spawn(b, ["ip", "-ts", "monitor", "address"], name: "mon-\(daemon)-\(tag)")
            monitor = watch
            sleepSeconds(window)
            let running = lab.isRunning(master.process) && lab.isRunning(backup.process)
            let onMaster = try countAddresses(lab, a, prefix: "198.19.")
            let onBackup = try countAddresses(lab, b, prefix: "198.19.")
            lab.stop(watch, grace: .seconds(1))
            monitor = nil
            let takeovers = lab.log(watch).split(separator: "\n")
                .filter { $0.contains(" inet 198.19.") && !$0.contains("Deleted") }.count
            let held = running && takeovers == 0 && onMaster == instances && onBackup == 0
            return CeilingProbe(instances: instances, held: held,
                                note: held ? nil : "VIP adds on the backup \(takeovers), at the end master \(onMaster)/\(instances) backup \(onBackup), running \(running)")
        } catch {
            return CeilingProbe(instances: instances, held: false, note: "\(error)".prefix(160).description)
        }
    }
}

struct CeilingProbe: Codable, Sendable {
    var instances: Int
    var held: Bool
    var note: String?
}

struct CeilingResult: Codable, Sendable {
    var version: Int
    var advertIntervalSeconds: Double
    var windowSeconds: Double
    /// The largest size tried: a ceiling equal to it means "at least".
    var maxTried: Int
    var ceilings: [String: Int]
    var ratio: Double?
    var probes: [String: [CeilingProbe]]
}
