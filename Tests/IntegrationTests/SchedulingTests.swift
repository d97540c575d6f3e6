// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import VRRPLab

/// keepalived's `vrrp_priority` (nice), `vrrp_rt_priority` (SCHED_RR, with RLIMIT_RTTIME from
/// `vrrp_rlimit_rttime`) and `vrrp_no_swap` (memory locked), read back from /proc (issue #13).
@Suite("vrrp_priority, vrrp_rt_priority, vrrp_no_swap", .serialized)
struct SchedulingTests {
    /// The fields of /proc/PID/stat after the command name (field 3 is index 0).
    static func statFields(_ pid: Int32) throws -> [String] {
        let text = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        guard let close = text.lastIndex(of: ")") else { return [] }
        return text[text.index(after: close)...].split(separator: " ").map(String.init)
    }

    @Test("nice, realtime policy and priority, locked memory and the RT time limit as configured")
    func applied() async throws {
        try await withDaemonLab(proxies: 1) { lab in
            let p1 = lab.proxies[0]
            let text = "global_defs {\n    vrrp_priority -5\n    vrrp_rt_priority 10\n    vrrp_rlimit_rttime 20000\n    vrrp_no_swap\n}\n"
                + config(for: p1, priority: 150) { $0.initialState = "MASTER" }
            let daemon = try await lab.startDaemon(on: p1, config: text)
            try await lab.waitForState(daemon, "MASTER")
            let pid = daemon.process.pid
            let fields = try Self.statFields(pid)
            // stat(5): nice is field 19, rt_priority 40, policy 41 (SCHED_RR = 2).
            #expect(fields[19 - 3] == "-5", "nice: \(fields[19 - 3])")
            #expect(fields[40 - 3] == "10", "rt_priority: \(fields[40 - 3])")
            #expect(fields[41 - 3] == "2", "policy: \(fields[41 - 3])")
            let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
            let locked = status.split(separator: "\n").first { $0.hasPrefix("VmLck:") }
            #expect(locked.map { !$0.contains(" 0 kB") } == true, "\(locked ?? "no VmLck")")
            let limits = try String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)
            #expect(limits.split(separator: "\n").contains { $0.hasPrefix("Max realtime timeout") && $0.contains("20000") }, "\(limits)")
        }
    }

    /// keepalived `max_auto_priority`: a late timer switches the daemon to SCHED_RR and raises it,
    /// never past the maximum (lib/process.c `increment_process_priority`). `min_auto_priority_delay 1`
    /// (1 µs) makes every wake-up late enough, so the switch happens without loading the machine.
    @Test("max_auto_priority: SCHED_RR after late timers, up to the maximum, read from /proc/PID/stat")
    func autoPriority() async throws {
        try await withDaemonLab(proxies: 1) { lab in
            let p1 = lab.proxies[0]
            let text = "global_defs {\n    max_auto_priority 3\n    min_auto_priority_delay 1\n}\n"
                + config(for: p1, priority: 150) { $0.initialState = "MASTER" }
            let daemon = try await lab.startDaemon(on: p1, config: text)
            try await lab.waitForState(daemon, "MASTER")
            let pid = daemon.process.pid
            // stat(5): rt_priority is field 40, policy 41 (SCHED_RR = 2).
            try await lab.wait("SCHED_RR at priority 3") {
                let f = try Self.statFields(pid)
                #expect((Int(f[40 - 3]) ?? 0) <= 3, "rt_priority past max_auto_priority: \(f[40 - 3])")
                return f[41 - 3] == "2" && f[40 - 3] == "3"
            }
            // Still 3 a few late wake-ups later (adverts every second).
            try await Task.sleep(for: .seconds(2))
            #expect(try Self.statFields(pid)[40 - 3] == "3")
            #expect(lab.lab.log(daemon.process).contains("realtime priority"), "\(lab.lab.log(daemon.process))")
        }
    }
}
