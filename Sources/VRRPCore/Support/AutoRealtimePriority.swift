// SPDX-License-Identifier: Apache-2.0
/// keepalived's `max_auto_priority` / `min_auto_priority_delay` (global_defs): when the event
/// loop wakes up and its earliest timer expired more than `min_auto_priority_delay` ago, the
/// daemon is not running soon enough, so it switches itself to SCHED_RR at the lowest realtime
/// priority, and on each later such wake-up raises that priority by one, up to the maximum
/// (keepalived 2.2.7 lib/scheduler.c `process_threads` → lib/process.c
/// `increment_process_priority`). Plain data: the driver measures the lateness and applies the
/// priority this returns.
public struct AutoRealtimePriority: Hashable, Sendable {
    /// The highest SCHED_RR priority it may reach (1-99; 0: never switch).
    public var maximum: Int
    /// A timer later than this is the sign (keepalived's default: 1 s).
    public var minimumDelay: Interval
    /// The current SCHED_RR priority, nil while the daemon is not realtime.
    public private(set) var current: Int?

    /// `sched_get_priority_min(SCHED_RR)` on Linux.
    public static let lowestRealtimePriority = 1

    public init(maximum: Int, minimumDelay: Interval = .seconds(1), current: Int? = nil) {
        self.maximum = maximum
        self.minimumDelay = minimumDelay
        self.current = current
    }

    /// The earliest timer of a wake-up fired `lateness` after its deadline: the SCHED_RR
    /// priority to set now, or nil when nothing changes.
    public mutating func timerFired(lateness: Interval) -> Int? {
        guard maximum > 0, lateness > minimumDelay else { return nil }
        let next: Int
        if let current {
            guard current < maximum else { return nil }
            next = current + 1
        } else {
            next = Self.lowestRealtimePriority
        }
        current = next
        return next
    }

    /// Setting the priority failed (no CAP_SYS_NICE, or a container that forbids realtime):
    /// stop trying.
    public mutating func disable() { maximum = 0 }
}
