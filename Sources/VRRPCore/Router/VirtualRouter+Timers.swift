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

    /// How early a timer of `kind` may fire: `Advertisement_Interval / 16` for the Adver_Timer,
    /// zero for every other timer (issue 16).
    ///
    /// A master with many instances wakes once per advert when their Adver_Timers fall at
    /// different instants (the wake-up, not the advert, was most of its CPU: 1 000 × v2 1 s cost
    /// 56 µs per advert). Letting an Adver_Timer fire up to 1/16 of its interval early, when
    /// the loop is awake for another timer anyway, sends it in that turn's batch. Its next
    /// deadline is the one it fired for plus Advertisement_Interval (§6.4.3's reset, counted
    /// from the deadline): instances keep their phases, those within 1/16 of an interval of
    /// each other go out together every round, and the master sends exactly one advert per
    /// interval on average. Reset from the fire instead, a busy loop (which is awake at every
    /// timer's earliest instant) sent 16 adverts per 15 intervals: 7 % more adverts, CPU and
    /// traffic on both sides than configured.
    ///
    /// The gap between two adverts of an instance is between 15/16 and 17/16 of
    /// Advertisement_Interval (plus the loop's lateness, as with exact timers), far inside a
    /// backup's Master_Down_Interval (3 × Master_Adver_Interval + Skew_Time, §6.1), and the
    /// interval field of the advert is unchanged. RFC 5798 §6.4.3 says
    /// what the timer's expiry does, not how precisely it is timed. A Master_Down_Timer fired
    /// early would be a premature takeover (a split brain), and the GARP and preempt_delay
    /// timers are operator-set: none of them fires early.
    public func earliness(_ kind: TimerKind) -> Interval {
        kind == .adver ? Interval(nanoseconds: configuration.advertisementInterval.interval.nanoseconds / 16) : .zero
    }

    /// The first instant at which a fire of `kind` is acted on (its deadline less
    /// ``earliness(_:)``), or nil when it is not armed.
    public func fireTime(_ kind: TimerKind) -> Instant? {
        timers[kind].map { $0 - earliness(kind) }
    }

    /// How long a received advert for this router may wait unread, when it is then handled at
    /// its arrival instant, without changing what the router does (issue 16: a busy backup's
    /// socket is read once per window).
    ///
    /// - MASTER: zero. A preferred advert must end a split brain at once (§6.4.3).
    /// - BACKUP: half of Skew_Time, and a quarter of Master_Adver_Interval. The earliest
    ///   deadline an advert can set is arrival + Skew_Time (priority 0, §6.4.2, or
    ///   `fast_preempt`'s lower priority), so it is handled before that deadline with room for a
    ///   loop that runs late; the quarter bounds how many adverts wait.
    /// - INITIALIZE, FAULT: no bound (adverts change nothing there).
    ///
    /// Kept in the stored ``advertReadSlack`` by `handle`: the driver reads it before and after
    /// every event, and a computed property of a struct held by a class ran on a 561-byte copy
    /// of the router (issue 16: 3 % of a backup's CPU at 500 × 0.01 s).
    var currentAdvertReadSlack: Interval {
        switch state {
        case .master:
            return .zero
        case .backup:
            return min(Interval(nanoseconds: timingInterval.interval.nanoseconds / 4),
                       Interval(nanoseconds: skewTime.nanoseconds / 2))
        case .initialize, .fault:
            return Interval(nanoseconds: .max)
        }
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

extension VirtualRouter.TimerKind {
    /// A dense index, 0 ..< `allCases.count`, for per-kind storage without hashing.
    @inlinable public var slot: Int {
        switch self {
        case .masterDown: 0
        case .adver: 1
        case .garpDelay: 2
        case .garpRefresh: 3
        case .preemptDelay: 4
        case .garpLowerPriorityDelay: 5
        }
    }
}

/// One optional value per timer kind, without hashing: the core's armed deadlines
/// (``TimerDeadlines``), and the driver's loop timers and their bodies per instance. A
/// dictionary keyed by the String-backed ``VirtualRouter/TimerKind`` hashed the kind's name on
/// every look-up, several per advert sent or received (issue 16: `Hasher` was ≈ 9 % of a
/// master's user-space samples at 500 × 0.01 s). Six slots: a kind added to the enum fails
/// `RouterStateMachineTests.timerSlots` until they are seven.
public struct PerTimerKind<Value> {
    @usableFromInline var slots = InlineArray<6, Value?>(repeating: nil)

    @inlinable public init() {}

    @inlinable public subscript(kind: VirtualRouter.TimerKind) -> Value? {
        get { slots[kind.slot] }
        set { slots[kind.slot] = newValue }
    }

    /// Clears `kind`'s value; the one it had.
    @inlinable @discardableResult
    public mutating func removeValue(forKey kind: VirtualRouter.TimerKind) -> Value? {
        defer { slots[kind.slot] = nil }
        return slots[kind.slot]
    }

    /// Every value set, in slot order.
    @inlinable public var values: [Value] { slots.indices.compactMap { slots[$0] } }

    @inlinable public var isEmpty: Bool { slots.indices.allSatisfy { slots[$0] == nil } }
}

extension PerTimerKind: Sendable where Value: Sendable {}

extension PerTimerKind: Equatable where Value: Equatable {
    @inlinable public static func == (a: Self, b: Self) -> Bool {
        a.slots.indices.allSatisfy { a.slots[$0] == b.slots[$0] }
    }
}

/// The armed timers' deadlines.
public typealias TimerDeadlines = PerTimerKind<Instant>
