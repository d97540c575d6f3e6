// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore

/// keepalived `max_auto_priority` / `min_auto_priority_delay` (issue #13, lib/process.c
/// `increment_process_priority`).
@Suite("max_auto_priority")
struct AutoRealtimePriorityTests {
    @Test("a timer later than min_auto_priority_delay switches to SCHED_RR 1, then +1 per late wake-up, up to the maximum")
    func escalates() {
        var p = AutoRealtimePriority(maximum: 3, minimumDelay: .milliseconds(500))
        #expect(p.timerFired(lateness: .milliseconds(500)) == nil, "not later than the delay: nothing")
        #expect(p.current == nil)
        #expect(p.timerFired(lateness: .milliseconds(501)) == 1)
        #expect(p.timerFired(lateness: .milliseconds(10)) == nil)
        #expect(p.timerFired(lateness: .seconds(2)) == 2)
        #expect(p.timerFired(lateness: .seconds(2)) == 3)
        #expect(p.timerFired(lateness: .seconds(2)) == nil, "past the maximum")
        #expect(p.current == 3)
    }

    @Test("already realtime (vrrp_rt_priority): raised from there; max_auto_priority 0 or -1 never switches")
    func startsFromCurrent() {
        var rt = AutoRealtimePriority(maximum: 12, current: 10)
        #expect(rt.timerFired(lateness: .seconds(3)) == 11)
        var off = AutoRealtimePriority(maximum: 0)
        #expect(off.timerFired(lateness: .seconds(60)) == nil)
        var failed = AutoRealtimePriority(maximum: 5)
        failed.disable()
        #expect(failed.timerFired(lateness: .seconds(60)) == nil)
    }
}
