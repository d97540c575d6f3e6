// SPDX-License-Identifier: Apache-2.0
import VRRPSystem
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif

/// keepalived's process settings for the VRRP process (global_defs `vrrp_priority`,
/// `vrrp_rt_priority`, `vrrp_rlimit_rttime`, `vrrp_no_swap`; keepalived/core/process.c), applied
/// to the whole daemon at start-up, before its threads exist (they inherit them).
public enum ProcessScheduling {
    /// keepalived's default RLIMIT_RTTIME (µs) under a realtime policy: a loop that never
    /// blocks for this long gets SIGXCPU instead of starving the machine.
    public static let defaultRealtimeTimeLimit: UInt64 = 10_000

    /// `setpriority(PRIO_PROCESS, 0, nice)`: -20 (first) to 19 (last).
    public static func setNice(_ nice: Int32) throws {
        try syscall("setpriority(\(nice))") { setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice) }
    }

    /// SCHED_RR at `priority` (1-99), with RLIMIT_RTTIME `timeLimit` µs set first.
    public static func setRealtime(priority: Int32, timeLimit: UInt64 = defaultRealtimeTimeLimit) throws {
        var limit = rlimit(rlim_cur: rlim_t(timeLimit), rlim_max: rlim_t(timeLimit))
        try syscall("setrlimit(RLIMIT_RTTIME, \(timeLimit))") { setrlimit(__rlimit_resource_t(__RLIMIT_RTTIME.rawValue), &limit) }
        var param = sched_param(sched_priority: priority)
        try syscall("sched_setscheduler(SCHED_RR, \(priority))") { sched_setscheduler(0, SCHED_RR, &param) }
    }

    /// `mlockall(MCL_CURRENT | MCL_FUTURE)`: the daemon is never paged out.
    public static func lockMemory() throws {
        try syscall("mlockall") { mlockall(MCL_CURRENT | MCL_FUTURE) }
    }
}
