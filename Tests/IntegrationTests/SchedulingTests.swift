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
}
