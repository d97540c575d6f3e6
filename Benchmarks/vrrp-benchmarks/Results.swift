// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Summary statistics of repeated samples (median with min/max, as the issue asks).
struct Stats: Codable, Sendable {
    var samples: [Double]
    var median: Double
    var min: Double
    var max: Double

    init?(_ samples: [Double]) {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        self.samples = samples
        let mid = sorted.count / 2
        median = sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
        min = sorted.first!
        max = sorted.last!
    }
}

/// One failover measurement row: the same scenario for both daemons, in milliseconds.
struct FailoverResult: Codable, Sendable {
    var kind: String            // "crash" or "graceful"
    var version: Int
    var advertIntervalSeconds: Double
    /// Master_Down_Interval (crash) or Skew_Time (graceful), ms: the protocol's own wait.
    var protocolLimitMs: Double
    var protocolLimitName: String
    /// From the master's last advert (crash) or its priority-0 advert (graceful) seen by the
    /// client to the VIP appearing on the backup (netlink, `ip -ts monitor`).
    var vipAfterLastAdvertMs: [String: Stats]
    /// From the same advert to the first gratuitous ARP for the VIP seen by the client.
    var garpAfterLastAdvertMs: [String: Stats]
    /// From the SIGKILL / SIGTERM to the VIP on the backup.
    var vipAfterSignalMs: [String: Stats]
    var targetMs: Double
    var targetMet: Bool?
    var failures: [String: Int]
}

/// CPU and memory of both daemons of a scale run, per daemon kind.
struct ScaleSide: Codable, Sendable {
    /// CPU seconds per minute (on-CPU time of every daemon process and thread).
    var cpuSecondsPerMinute: Double
    /// Peak resident set (VmHWM) summed over the daemon's processes, KiB.
    var peakRSSKiB: Int
    /// Private (anonymous) resident memory at the end of the window (RssAnon), KiB: RSS
    /// without the shared library pages.
    var anonKiB: Int = 0
    /// Packets per second over the window on this host's LAN interfaces (their kernel
    /// counters): sent on the master side, received on the backup side. At steady state they
    /// are the master's adverts, N / advert_int when the daemon keeps the protocol's rate; a
    /// daemon pinned at one core sends fewer.
    var lanPacketsPerSecond: Double? = nil
}

struct ScaleRun: Codable, Sendable {
    var daemon: String
    var master: ScaleSide
    var backup: ScaleSide
    /// The backup stayed backup for every instance and the master kept every VIP.
    var keptUp: Bool
    var note: String?
}

struct ScaleResult: Codable, Sendable {
    var instances: Int
    var interfaces: Int
    var version: Int
    var advertIntervalSeconds: Double
    var windowSeconds: Double
    var runs: [String: ScaleRun]
    /// vrrpd / keepalived, master + backup CPU.
    var cpuRatio: Double?
    /// vrrpd / keepalived on each side (issue 16's targets are per side).
    var masterCPURatio: Double? = nil
    var backupCPURatio: Double? = nil
    var rssRatio: Double?
    var anonRatio: Double?
}

struct MicroResult: Codable, Sendable {
    var name: String
    var nanosecondsPerOperation: Stats
    var allocationsPerOperation: Double
}

struct CheckResult: Codable, Sendable {
    var name: String
    var checks: Int
    var intervalSeconds: Double
    var windowSeconds: Double
    /// CPU milliseconds per check per second (daemon plus its reaped children).
    var cpuMsPerCheckPerSecond: Double
}

struct CheckComparison: Codable, Sendable {
    var protocolName: String
    var native: CheckResult
    var script: CheckResult
    var ratio: Double
    var targetMet: Bool
}

struct MachineInfo: Codable, Sendable {
    var cpus: Int
    var cpuModel: String
    var kernel: String
    var loadAverage: String
    var keepalived: String
    var vrrpd: String
}

struct BenchmarkReport: Codable, Sendable {
    var startedAt: String
    var durationSeconds: Double
    var command: String
    var quick: Bool
    var machine: MachineInfo
    /// The `checks` section's detection-latency runs.
    var checkLatency: [CheckLatency] = []
    var micro: [MicroResult] = []
    var failover: [FailoverResult] = []
    var scale: [ScaleResult] = []
    var checks: [CheckComparison] = []
    var ceiling: [CeilingResult] = []
    var notes: [String] = []
}

// MARK: Formatting

func fmt(_ value: Double?, _ digits: Int = 1) -> String {
    guard let value, value.isFinite else { return "–" }
    return String(format: "%.\(digits)f", value)
}

func fmt(_ stats: Stats?, _ digits: Int = 1) -> String {
    guard let stats else { return "–" }
    return "\(fmt(stats.median, digits)) [\(fmt(stats.min, digits))–\(fmt(stats.max, digits))]"
}

/// A Markdown table (also readable as plain text).
func table(_ header: [String], _ rows: [[String]]) -> String {
    var out = "| " + header.joined(separator: " | ") + " |\n"
    out += "|" + header.map { _ in " --- |" }.joined() + "\n"
    for row in rows { out += "| " + row.joined(separator: " | ") + " |\n" }
    return out
}

extension BenchmarkReport {
    func markdown() -> String {
        var out = ""
        if !micro.isEmpty {
            out += "### Codec and state machine (vrrpd core, per operation)\n\n"
            out += table(["operation", "ns/op median [min–max]", "allocations/op"],
                         micro.map { [$0.name, fmt($0.nanosecondsPerOperation, 0), fmt($0.allocationsPerOperation, 2)] })
            out += "\n"
        }
        if !failover.isEmpty {
            out += "### Failover (ms, median [min–max]; client-side capture and backup netlink)\n\n"
            var rows: [[String]] = []
            for f in failover {
                let scenario = "\(f.kind) v\(f.version) advert_int \(fmt(f.advertIntervalSeconds, 2)) s"
                for d in ["vrrpd", "keepalived"] {
                    rows.append([scenario, d, "\(f.protocolLimitName) \(fmt(f.protocolLimitMs, 1))",
                                 fmt(f.vipAfterLastAdvertMs[d]), fmt(f.garpAfterLastAdvertMs[d]),
                                 fmt(f.vipAfterSignalMs[d]), "\(f.failures[d] ?? 0)"])
                }
                let ratio = f.vipAfterLastAdvertMs["vrrpd"].flatMap { v in
                    f.vipAfterLastAdvertMs["keepalived"].map { v.median / $0.median } }
                let met = f.targetMet.map { $0 ? "met" : "missed" } ?? "–"
                rows.append([scenario, "ratio / target", "±\(fmt(f.targetMs, 0)) ms: \(met)",
                             fmt(ratio, 3), "", "", ""])
            }
            out += table(["scenario", "daemon", "protocol limit (ms)", "→ VIP on backup",
                          "→ first GARP at client", "signal → VIP", "failed runs"], rows)
            out += "\n"
        }
        if !scale.isEmpty {
            out += "### Scale (CPU s per minute; peak RSS MiB; master side / backup side)\n\n"
            var rows: [[String]] = []
            for s in scale {
                let scenario = "\(s.instances) × v\(s.version) \(fmt(s.advertIntervalSeconds, 2)) s on \(s.interfaces) if"
                for d in ["vrrpd", "keepalived"] {
                    guard let r = s.runs[d] else { continue }
                    rows.append([scenario, d,
                                 "\(fmt(r.master.cpuSecondsPerMinute, 3)) / \(fmt(r.backup.cpuSecondsPerMinute, 3))",
                                 "\(fmt(Double(r.master.peakRSSKiB) / 1024, 1)) / \(fmt(Double(r.backup.peakRSSKiB) / 1024, 1))",
                                 "\(fmt(Double(r.master.anonKiB) / 1024, 1)) / \(fmt(Double(r.backup.anonKiB) / 1024, 1))",
                                 "\(fmt(r.master.lanPacketsPerSecond, 0)) / \(fmt(r.backup.lanPacketsPerSecond, 0))",
                                 r.keptUp ? "yes" : "no" + (r.note.map { " (\($0))" } ?? "")])
                }
                rows.append([scenario, "ratio vrrpd/keepalived",
                             "\(fmt(s.masterCPURatio, 3)) / \(fmt(s.backupCPURatio, 3)) (both \(fmt(s.cpuRatio, 3)))",
                             fmt(s.rssRatio, 3), fmt(s.anonRatio, 3),
                             "protocol: \(fmt(Double(s.instances) / s.advertIntervalSeconds, 0))", ""])
            }
            out += table(["scenario", "daemon", "CPU s/min master / backup", "peak RSS MiB master / backup",
                          "private (anon) MiB master / backup", "packets/s sent by master / received by backup",
                          "kept up"], rows)
            out += "\n"
        }
        if !ceiling.isEmpty {
            out += "### Scale ceiling (VRRPv3 instances held without a false takeover)\n\n"
            out += table(["advert_int", "window s", "vrrpd", "keepalived", "ratio", "sizes tried (held ✓ / failed ✗)"],
                         ceiling.map { c in
                             let tried = c.probes.sorted { $0.key > $1.key }.map { d, probes in
                                 "\(d): " + probes.map { "\($0.instances)\($0.held ? "✓" : "✗")" }.joined(separator: " ")
                             }.joined(separator: "; ")
                             func text(_ d: String) -> String {
                                 c.ceilings[d].map { "\($0)\($0 >= c.maxTried ? "+" : "")" } ?? "–"
                             }
                             return ["\(intervalText(c.advertIntervalSeconds)) s", fmt(c.windowSeconds, 0),
                                     text("vrrpd"), text("keepalived"), fmt(c.ratio, 2), tried]
                         })
            out += "\n"
        }
        if !checks.isEmpty {
            out += "### Health checks (vrrpd: CPU ms per check per second)\n\n"
            out += table(["protocol", "native", "vrrp_script equivalent", "ratio native/script", "target ≤ 0.1"],
                         checks.map { [$0.protocolName, fmt($0.native.cpuMsPerCheckPerSecond, 3),
                                       fmt($0.script.cpuMsPerCheckPerSecond, 3), fmt($0.ratio, 3),
                                       $0.targetMet ? "met" : "missed"] })
            out += "\n"
        }
        if !checkLatency.isEmpty {
            out += "### Health checks: nginx stopped on the master → VIP on the backup (advert_int 1)\n\n"
            out += table(["tracking", "check interval", "fall", "measured s", "interval × fall + takeover wait s"],
                         checkLatency.map { [$0.tracking, fmt($0.intervalSeconds, 1), "\($0.fall)",
                                             fmt($0.measuredSeconds, 2), fmt($0.expectedSeconds, 2)] })
            out += "\n"
        }
        for note in notes { out += "- \(note)\n" }
        return out
    }
}
