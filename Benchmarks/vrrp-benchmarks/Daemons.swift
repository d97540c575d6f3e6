// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Foundation
import VRRPLab

/// The two daemons compared. Both read the same keepalived.conf.
enum DaemonKind: String, CaseIterable, Codable, Sendable {
    case vrrpd, keepalived
}

struct Binaries: Sendable {
    var vrrpd: String
    var keepalived: String
}

/// A daemon started in a lab host: vrrpd (one process) or keepalived (parent + VRRP child).
struct RunningDaemon {
    let kind: DaemonKind
    let host: LabHost
    let process: LabProcess
    let directory: String
    let name: String

    /// Writes `config` and starts the daemon in `host` with pid files of its own.
    static func start(_ kind: DaemonKind, _ lab: Lab, on host: LabHost, config: String,
                      binaries: Binaries, tag: String) throws -> RunningDaemon {
        let name = "\(kind.rawValue)-\(tag)"
        let conf = "\(host.directory)/\(name).conf"
        try config.write(toFile: conf, atomically: true, encoding: .utf8)
        let pid = "\(host.directory)/\(name).pid"
        let argv: [String]
        switch kind {
        case .vrrpd:
            argv = [binaries.vrrpd, "-f", conf, "--pid-file", pid,
                    "--status-socket", "\(host.directory)/\(name).sock", "--dump-dir", host.directory]
        case .keepalived:
            argv = [binaries.keepalived, "-n", "-l", "-P", "-f", conf, "-p", pid,
                    "-r", "\(host.directory)/\(name).vrrp.pid"]
        }
        let process = try lab.spawn(host, argv, name: name)
        return RunningDaemon(kind: kind, host: host, process: process, directory: host.directory, name: name)
    }

    /// Every process of the daemon: keepalived's VRRP child is read from its pid file.
    var pids: [Int32] {
        var out = [process.pid]
        if kind == .keepalived,
           let text = try? String(contentsOfFile: "\(directory)/\(name).vrrp.pid", encoding: .utf8),
           let child = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), child != process.pid {
            out.append(child)
        }
        return out
    }

    /// True once keepalived's VRRP child exists (immediately for vrrpd).
    var isReady: Bool { kind == .vrrpd || pids.count == 2 }

    /// On-CPU nanoseconds of every thread of every process (schedstat: utime+stime at ns
    /// resolution).
    func cpuNanoseconds() -> UInt64 { pids.reduce(0) { $0 + ProcStats.cpuNanoseconds($1) } }
    /// utime+stime+cutime+cstime in seconds (children reaped by the daemon included).
    func cpuSecondsWithChildren() -> Double { pids.reduce(0) { $0 + ProcStats.ticksWithChildren($1) } }
    /// Peak RSS (VmHWM) summed over the processes, KiB.
    func peakRSSKiB() -> Int { pids.reduce(0) { $0 + ProcStats.status($1, "VmHWM:") } }
    /// Private resident memory (RssAnon) summed over the processes, KiB.
    func anonKiB() -> Int { pids.reduce(0) { $0 + ProcStats.status($1, "RssAnon:") } }

    /// SIGKILL to the whole process group and the VRRP child.
    func kill(_ lab: Lab) {
        let all = pids
        lab.signal(process, SIGKILL, group: true)
        for pid in all where pid != process.pid { Glibc.kill(pid, SIGKILL) }
        _ = lab.waitExit(process, timeout: .seconds(5))
    }

    func stop(_ lab: Lab, grace: Duration = .seconds(10)) {
        let all = pids
        lab.stop(process, grace: grace)
        for pid in all where pid != process.pid { Glibc.kill(pid, SIGKILL) }
    }
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
