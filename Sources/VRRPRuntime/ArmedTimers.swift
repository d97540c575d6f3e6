// SPDX-License-Identifier: Apache-2.0
import VRRPCore
import VRRPLinux

/// The loop timers one instance has armed, one slot per timer kind, with the deadline each was
/// armed for (issue 16: O(1) re-arming).
///
/// A backup's Master_Down_Timer is restarted by every advert it accepts, always to a later
/// deadline. Cancelling the loop timer and scheduling a new one per advert cost a heap push, a
/// closure and two dictionary updates per received advert, and left a cancelled heap entry
/// behind for each (callgrind: the timer heap was a fifth of a backup's instructions). Instead a
/// later deadline only updates the core's `VirtualRouter.timers` (which the driver reads when
/// the armed timer fires) and the armed loop timer stays: when it fires before the core's
/// current deadline the driver re-arms it there (see `Daemon.timerDue`). With adverts every
/// interval and Master_Down_Interval ≈ 3 intervals, a backup touches the heap about once per
/// three adverts instead of once per advert. An earlier deadline (or none armed) schedules a new
/// loop timer. A cancel leaves the armed timer in place: when it fires the core has no deadline
/// for it and nothing happens.
struct ArmedTimers {
    struct Slot {
        var token: TimerToken
        var at: Instant
    }

    private var slots = PerTimerKind<Slot>()

    subscript(kind: VirtualRouter.TimerKind) -> Slot? {
        get { slots[kind] }
        set { slots[kind] = newValue }
    }

    /// Every armed loop timer (for stopping the instance), and the slots emptied.
    mutating func removeAll() -> [TimerToken] {
        let tokens = slots.values.map(\.token)
        slots = PerTimerKind()
        return tokens
    }

    var isEmpty: Bool { slots.isEmpty }
}
