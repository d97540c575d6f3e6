// SPDX-License-Identifier: Apache-2.0
import VRRPConfig
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
    }
}
