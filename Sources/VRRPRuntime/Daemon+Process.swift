// SPDX-License-Identifier: Apache-2.0
import VRRPConfig
import VRRPCore
import VRRPLinux

extension Daemon {
    /// global_defs `vrrp_priority`, `vrrp_rt_priority` (+ `vrrp_rlimit_rttime`) and
    /// `vrrp_no_swap`, before any thread starts; a failure is logged and the daemon runs on.
    func applyProcessSettings() {
        let g = configuration.globals
        do {
            if let nice = g.processNice { try ProcessScheduling.setNice(Int32(nice)) }
            if let rt = g.realtimePriority {
                try ProcessScheduling.setRealtime(priority: Int32(rt),
                                                  timeLimit: g.realtimeTimeLimit.map(UInt64.init) ?? ProcessScheduling.defaultRealtimeTimeLimit)
            }
            if g.lockMemory { try ProcessScheduling.lockMemory() }
        } catch {
            log.error("process settings of global_defs: \(error)")
        }
        startAutoPriority()
    }

    /// keepalived `max_auto_priority`: the loop reports how late the earliest timer of each
    /// wake-up fired; VRRPCore's ``AutoRealtimePriority`` says when to switch to (or raise)
    /// SCHED_RR. sched_setscheduler/setrlimit do not block.
    func startAutoPriority() {
        let g = configuration.globals
        guard let maximum = g.maxAutoPriority, maximum > 0, let eventLoop = loop as? EventLoop else { return }
        var policy = AutoRealtimePriority(maximum: maximum,
                                          minimumDelay: Interval(nanoseconds: Int64(g.minAutoPriorityDelay ?? 1_000_000) * 1000),
                                          current: g.realtimePriority)
        let timeLimit = g.realtimeTimeLimit.map(UInt64.init) ?? ProcessScheduling.defaultRealtimeTimeLimit
        let log = self.log
        eventLoop.lateTimerObserver = { lateness in
            guard let priority = policy.timerFired(lateness: lateness) else { return }
            do {
                try ProcessScheduling.setRealtime(priority: Int32(priority), timeLimit: timeLimit)
                log.info("A timer expired \(lateness) late: realtime priority \(priority) (SCHED_RR, max_auto_priority \(maximum))")
            } catch {
                policy.disable()
                log.warning("max_auto_priority: cannot switch to realtime scheduling: \(error); not tried again")
            }
        }
    }
}
