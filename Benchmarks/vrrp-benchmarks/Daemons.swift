// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Foundation
import VRRPLab

/// The two daemons compared (VRRPLab's): both read the same keepalived.conf.
typealias DaemonKind = LabVRRPDaemon

struct Binaries: Sendable {
    var vrrpd: String
    var keepalived: String
}

/// Starts `kind` in `host` through VRRPLab, its files named `<kind>-<tag>` in the host's
/// directory: vrrpd (one process; logs to stderr) or keepalived (parent + VRRP child, `-D` off
/// so both log alike).
func startDaemon(_ kind: DaemonKind, _ lab: Lab, on host: LabHost, config: String,
                 binaries: Binaries, tag: String) throws -> LabVRRPNode {
    let name = "\(kind.rawValue)-\(tag)"
    switch kind {
    case .vrrpd:
        var options = LabVRRPDOptions(tag: name, arguments: [], waitForStatus: nil)
        options.binary = binaries.vrrpd
        return try lab.startVRRPD(host, config: config, options: options)
    case .keepalived:
        return try lab.startKeepalived(host, config: config, tag: name, binary: binaries.keepalived, detailed: false)
    }
}

/// What the benchmarks measure of a daemon, over all its processes (`LabVRRPNode.pids`).
extension LabVRRPNode {
    /// True once keepalived's VRRP child exists (immediately for vrrpd).
    var isReady: Bool { daemon == .vrrpd || pids.count == 2 }

    /// On-CPU nanoseconds of every thread of every process (schedstat: utime+stime at ns
    /// resolution).
    func cpuNanoseconds() -> UInt64 { pids.reduce(0) { $0 + ProcStats.cpuNanoseconds($1) } }
    /// utime+stime+cutime+cstime in seconds (children reaped by the daemon included).
    func cpuSecondsWithChildren() -> Double { pids.reduce(0) { $0 + ProcStats.ticksWithChildren($1) } }
    /// Peak RSS (VmHWM) summed over the processes, KiB.
    func peakRSSKiB() -> Int { pids.reduce(0) { $0 + ProcStats.status($1, "VmHWM:") } }
    /// Private resident memory (RssAnon) summed over the processes, KiB.
    func anonKiB() -> Int { pids.reduce(0) { $0 + ProcStats.status($1, "RssAnon:") } }
}

enum ProcStats {
    static func cpuNanoseconds(_ pid: Int32) -> UInt64 {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { return 0 }
        var total: UInt64 = 0
        for task in tasks {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/schedstat", encoding: .utf8),
                  let first = text.split(separator: " ").first, let ns = UInt64(first) else { continue }
            total += ns
        }
        return total
    }

    static func ticksWithChildren(_ pid: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return 0 }
        // Fields after "(comm)": state is field 3; utime..cstime are fields 14..17.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 15 else { return 0 }
        let ticks = fields[11...14].compactMap { Double($0) }.reduce(0, +)
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// A "Key:   123 kB" line of /proc/PID/status, in KiB.
    static func status(_ pid: Int32, _ key: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        return 0
    }
}

/// Wall-clock seconds (CLOCK_REALTIME), the clock tcpdump and `ip -ts monitor` stamp with.
func wallNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func sleepSeconds(_ s: Double) {
    guard s > 0 else { return }
    Thread.sleep(forTimeInterval: s)
}

/// Counts the IPv4 addresses of a host that start with `prefix` (all interfaces), one `ip` call.
func countAddresses(_ lab: Lab, _ host: LabHost, prefix: String) throws -> Int {
    // Generous: with 1 000 instances starting, RTNL is busy and `ip` can wait for seconds.
    let out = try lab.runChecked(host, ["ip", "-4", "-o", "addr", "show"], timeout: .seconds(120)).stdout
    return out.split(separator: "\n").filter { $0.contains(" inet \(prefix)") }.count
}

/// advert_int as keepalived.conf writes it: "1", "0.1", "0.01".
func intervalText(_ seconds: Double) -> String {
    seconds == seconds.rounded() ? String(Int(seconds)) : "\(seconds)"
}

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}
