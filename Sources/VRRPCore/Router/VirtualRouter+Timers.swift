// SPDX-License-Identifier: Apache-2.0
extension VirtualRouter {
    /// Skew_Time for `priority` with a given Master_Adver_Interval.
    ///
    /// - v2 (RFC 3768 §6.1; checklist E24): `(256 − Priority) / 256` seconds.
    /// - v3 (RFC 5798 §6.1; checklist E25): `((256 − Priority) × Master_Adver_Interval) / 256`
    ///   centiseconds, kept exact to the nanosecond (truncated below it).
    public static func skewTime(version: VRRPVersion, priority: UInt8, masterAdverInterval: Centiseconds) -> Interval {
        let factor = Int64(256 - Int(priority))
        switch version {
        case .v2:
            return Interval(nanoseconds: factor * 1_000_000_000 / 256)
        case .v3:
            return Interval(nanoseconds: factor * Int64(masterAdverInterval.value) * 10_000_000 / 256)
        }
    }

    /// Master_Down_Interval = `downTimerAdverts` (3) × Master_Adver_Interval + Skew_Time
    /// (RFC 5798 §6.1, RFC 3768 §6.1 with Advertisement_Interval; checklist E24, E25).
    public static func masterDownInterval(version: VRRPVersion, priority: UInt8, masterAdverInterval: Centiseconds,
                                          downTimerAdverts: Int = 3) -> Interval {
        masterAdverInterval.interval * Int64(downTimerAdverts)
            + skewTime(version: version, priority: priority, masterAdverInterval: masterAdverInterval)
    }

    /// The interval the backup times the master with: v3 learns it (§6.4.2); v2 uses its own.
    var timingInterval: Centiseconds {
        configuration.version == .v3 ? masterAdverInterval : configuration.advertisementInterval
    }

    /// Skew_Time with the current effective priority and Master_Adver_Interval.
    public var skewTime: Interval {
        Self.skewTime(version: configuration.version, priority: effectivePriority, masterAdverInterval: timingInterval)
    }

    /// Master_Down_Interval with the current effective priority and Master_Adver_Interval.
    public var masterDownInterval: Interval {
        Self.masterDownInterval(version: configuration.version, priority: effectivePriority,
                                masterAdverInterval: timingInterval, downTimerAdverts: configuration.downTimerAdverts)
    }

    /// keepalived's start-up timer for `state MASTER` on a non-owner: one interval plus the
    /// minimum skew (`VRRP_TIMER_SKEW_MIN`, the skew of priority 255).
    var shortMasterDownInterval: Interval {
        timingInterval.interval
            + Self.skewTime(version: configuration.version, priority: 255, masterAdverInterval: timingInterval)
    }

    // MARK: timer bookkeeping (every start/cancel goes through here so `timers` mirrors the driver)

    mutating func startTimer(_ kind: TimerKind, at deadline: Instant, _ actions: inout [Action]) {
        timers[kind] = deadline
        actions.append(.startTimer(kind, at: deadline))
    }

    mutating func cancelTimer(_ kind: TimerKind, _ actions: inout [Action]) {
        if timers.removeValue(forKey: kind) != nil { actions.append(.cancelTimer(kind)) }
    }

    mutating func cancelAllTimers(_ actions: inout [Action]) {
        for kind in TimerKind.allCases { cancelTimer(kind, &actions) }
    }

    mutating func startMasterDownTimer(after interval: Interval, now: Instant, _ actions: inout [Action]) {
        masterDownStartedAt = now
        startTimer(.masterDown, at: now + interval, &actions)
    }
}
