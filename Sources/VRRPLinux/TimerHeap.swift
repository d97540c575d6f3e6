// SPDX-License-Identifier: Apache-2.0
import VRRPCore

/// Identifies a scheduled timer so it can be cancelled.
public struct TimerToken: Hashable, Sendable {
    let id: UInt64

    /// For other loop implementations (tests' manual loop); ids must be unique per loop.
    public init(id: UInt64) { self.id = id }
}

/// The event loop's timers: a `DeadlineQueue` (VRRPCore's one heap) of timer ids, ordered by
/// deadline and then by scheduling order (timers due at the same instant fire first-scheduled
/// first). Pure; no clock. Cancelling removes the body; the queued id is skipped lazily when it
/// reaches the top.
///
/// A timer may also have an `earliest` instant before its deadline (issue 16): the loop never
/// wakes for it before the deadline, but in a turn in which a timer fired at its deadline it
/// pops the timer at the top of the heap from `earliest` on, and in any other awake turn (IO
/// only) too when the timer says `afterIO`.
struct TimerHeap<Body> {
    private struct Pending {
        var body: Body
        var earliest: Instant
        var afterIO: Bool

        func due(_ deadline: Instant, now: Instant, timerTurn: Bool) -> Bool {
            deadline <= now || (earliest <= now && (timerTurn || afterIO))
        }
    }

    /// Timer ids by deadline; a cancelled id stays until it reaches the top.
    private var queue = DeadlineQueue<UInt64>()
    private var bodies: [UInt64: Pending] = [:]
    private var nextID: UInt64 = 1

    var isEmpty: Bool { bodies.isEmpty }
    var count: Int { bodies.count }

    mutating func schedule(at deadline: Instant, earliest: Instant? = nil, afterIO: Bool = false, _ body: Body) -> TimerToken {
        let id = nextID
        nextID += 1
        bodies[id] = Pending(body: body, earliest: min(earliest ?? deadline, deadline), afterIO: afterIO)
        queue.push(id, at: deadline)
        return TimerToken(id: id)
    }

    /// Returns true if the timer was pending (it had not fired or been cancelled yet).
    @discardableResult
    mutating func cancel(_ token: TimerToken) -> Bool {
        bodies.removeValue(forKey: token.id) != nil
    }

    /// The earliest live deadline, dropping cancelled entries on the way.
    mutating func earliestDeadline() -> Instant? {
        while let top = queue.first {
            if bodies[top.item] != nil { return top.at }
            queue.pop()
        }
        return nil
    }

    /// Removes and returns the earliest live timer if it is due at `now`.
    mutating func popDue(now: Instant, timerTurn: Bool = true) -> Body? {
        popDueWithDeadline(now: now, timerTurn: timerTurn)?.body
    }

    /// Removes and returns the earliest live timer and its deadline if it is due at `now`: its
    /// deadline has passed, or its `earliest` has and the turn is a timer's (`timerTurn`) or
    /// the timer fires after IO too.
    mutating func popDueWithDeadline(now: Instant, timerTurn: Bool) -> (deadline: Instant, body: Body)? {
        while let top = queue.first {
            guard let pending = bodies[top.item] else { queue.pop(); continue }
            guard pending.due(top.at, now: now, timerTurn: timerTurn) else { return nil }
            queue.pop()
            bodies.removeValue(forKey: top.item)
            return (top.at, pending.body)
        }
        return nil
    }

    /// True when the earliest live timer can fire at `now` in a turn woken by IO only (see
    /// `popDueWithDeadline`).
    mutating func hasDue(now: Instant) -> Bool {
        while let top = queue.first {
            guard let pending = bodies[top.item] else { queue.pop(); continue }
            return pending.due(top.at, now: now, timerTurn: false)
        }
        return false
    }
}
