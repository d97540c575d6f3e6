// SPDX-License-Identifier: Apache-2.0
/// Rise/fall hysteresis, keepalived's `vrrp_script` semantics as a pure value.
///
/// keepalived keeps one counter `result` in `0 ... rise + fall - 1`; the script is OK while
/// `result >= rise`. A success below `rise - 1` counts up; the success that reaches `rise`
/// jumps to the top (`rise + fall - 1`), so a run of `fall` failures is needed to drop back.
/// A failure above `rise` counts down; the failure at `rise` drops to 0, so `rise` successes
/// are needed to come back (keepalived `vrrp_script_child_thread`).
///
/// Initial state:
/// - default (keepalived `SCRIPT_INIT_STATE_INIT`): reported as OK until the first result,
///   and the first result decides at once, whatever `rise`/`fall` are (a first failure is
///   failing immediately, a first success is OK at full strength).
/// - `initFail` (keepalived `init_fail`, `SCRIPT_INIT_STATE_FAILED`): failing with
///   `result == 0`, so `rise` consecutive successes are needed before it is OK.
public struct RiseFallCounter: Sendable, Hashable {
    public let rise: Int
    public let fall: Int
    /// keepalived's `vscript->result`.
    public private(set) var result: Int
    /// True until the first result has been recorded (default initial state only).
    public private(set) var isInitial: Bool

    public init(rise: Int, fall: Int, initFail: Bool) {
        self.rise = max(1, rise)
        self.fall = max(1, fall)
        if initFail {
            result = 0
            isInitial = false
        } else {
            result = self.rise + self.fall - 1
            isInitial = true
        }
    }

    /// A counter that continues from a known verdict (a check restarted by a reload): OK at
    /// full strength (`fall` failures to drop) or failing at 0 (`rise` successes to recover),
    /// as if the previous runs had happened under the new rise/fall.
    public init(rise: Int, fall: Int, keeping status: HealthStatus) {
        self.rise = max(1, rise)
        self.fall = max(1, fall)
        result = status == .ok ? self.rise + self.fall - 1 : 0
        isInitial = false
    }

    public var status: HealthStatus { result >= rise ? .ok : .failing }

    /// How far rise/fall has counted against the status after a result that disagrees with it:
    /// "failing k/fall" (OK, k consecutive failures so far) or "recovering k/rise" (failing, k
    /// consecutive successes). nil when the result agrees with the status.
    public func progress(lastSuccess: Bool) -> String? {
        let top = rise + fall - 1
        switch (status, lastSuccess) {
        case (.ok, false) where result < top: return "failing \(top - result)/\(fall)"
        case (.failing, true) where result > 0: return "recovering \(result)/\(rise)"
        default: return nil
        }
    }

    /// Records one check result; returns true if `status` changed.
    @discardableResult
    public mutating func record(success: Bool) -> Bool {
        let before = status
        let top = rise + fall - 1
        if isInitial {
            isInitial = false
            result = success ? top : 0
        } else if success {
            result = result < rise - 1 ? result + 1 : top
        } else {
            result = result > rise ? result - 1 : 0
        }
        return status != before
    }
}

/// How a tracked object's status turns into a priority change or FAULT (keepalived
/// `weight <-253..253> [reverse]` for track_script, track_process and native checks).
public enum WeightSemantics {
    /// - weight > 0: `+weight` while OK, 0 while failing.
    /// - weight < 0: `weight` (a decrease) while failing, 0 while OK.
    /// - weight == 0: no priority change; failing puts the instance in FAULT.
    /// - reverse: the priority adjustment is negated (`weight 10 reverse` lowers the priority
    ///   by 10 while OK), and with weight 0 the instance is in FAULT while the check is OK.
    public static func contribution(weight: Int, reverse: Bool, status: HealthStatus)
        -> (priorityDelta: Int, fault: Bool)
    {
        let ok = status == .ok
        if weight == 0 {
            return (0, ok == reverse)
        }
        let multiplier = reverse ? -1 : 1
        if weight > 0 {
            return (ok ? weight * multiplier : 0, false)
        }
        return (ok ? 0 : weight * multiplier, false)
    }
}

/// The pure helper the brief names, as a free function.
public func contribution(weight: Int, reverse: Bool, status: HealthStatus)
    -> (priorityDelta: Int, fault: Bool)
{
    WeightSemantics.contribution(weight: weight, reverse: reverse, status: status)
}
