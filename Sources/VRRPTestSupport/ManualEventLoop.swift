// SPDX-License-Identifier: Apache-2.0
import Synchronization
import VRRPCore
import VRRPLinux

/// An ``EventLoopProtocol`` whose clock only moves when the test says so: timers fire in
/// deadline order (then scheduling order) as ``advance(by:)`` passes them, work handed over
/// with `execute` runs at the next step, and fake descriptors become readable when a fake
/// transport says so. Everything runs on the calling thread; nothing sleeps.
public final class ManualEventLoop: EventLoopProtocol, @unchecked Sendable {
    private struct Timer {
        var deadline: Instant
        /// From here on the timer fires early in a turn in which another timer fired (with
        /// `afterIO`, in any awake turn).
        var earliest: Instant
        var afterIO: Bool
        var id: UInt64
        var body: () -> Void
    }

    private var current: Instant
    private var timers: [Timer] = []
    private var nextID: UInt64 = 1
    private var readable: [CInt: () -> Void] = [:]
    private var pendingReadable: [CInt] = []
    private var nextTurn: [() -> Void] = []
    private let inbox = Mutex<[@Sendable () -> Void]>([])
    private var signalHandler: ((CInt) -> Void)?
    private var signals: Set<CInt> = []
    /// True once `stop()` was called (the daemon's shutdown ends its loop this way).
    public private(set) var stopped = false

    /// Starts at one second past the origin so "zero" never looks like an unset instant.
    public init(start: Instant = Instant(nanoseconds: 1_000_000_000)) { current = start }

    public func now() -> Instant { current }

    public func register(fd: CInt, onReadable: @escaping () -> Void) throws { readable[fd] = onReadable }

    public func unregister(fd: CInt) {
        readable[fd] = nil
        paused.remove(fd)
    }

    private var paused: Set<CInt> = []
    /// Every `setReadable(fd:enabled: false)`, in order (a socket held by the daemon).
    public private(set) var pausedLog: [CInt] = []

    public func setReadable(fd: CInt, enabled: Bool) {
        guard readable[fd] != nil else { return }
        if enabled {
            paused.remove(fd)
        } else {
            paused.insert(fd)
            pausedLog.append(fd)
        }
    }

    /// True while `fd` is registered and its callbacks are paused.
    public func isPaused(_ fd: CInt) -> Bool { paused.contains(fd) }

    /// True while a callback is registered for `fd`.
    public func isRegistered(_ fd: CInt) -> Bool { readable[fd] != nil }

    public func schedule(at deadline: Instant, _ body: @escaping () -> Void) -> TimerToken {
        schedule(at: deadline, earliest: deadline, afterIO: false, body)
    }

    public func schedule(at deadline: Instant, earliest: Instant, afterIO: Bool,
                         _ body: @escaping () -> Void) -> TimerToken {
        scheduledTimers += 1
        let id = nextID
        nextID += 1
        timers.append(Timer(deadline: deadline, earliest: min(earliest, deadline), afterIO: afterIO, id: id, body: body))
        return TimerToken(id: id)
    }

    @discardableResult
    public func cancel(_ token: TimerToken) -> Bool {
        guard let i = timers.firstIndex(where: { TimerToken(id: $0.id) == token }) else { return false }
        timers.remove(at: i)
        return true
    }

    /// The number of pending timers.
    public var pendingTimers: Int { timers.count }

    /// How many timers were scheduled since the loop was created (the work a driver does per
    /// event, e.g. re-arming per received advert: issue 16).
    public private(set) var scheduledTimers = 0

    public func execute(_ body: @escaping @Sendable () -> Void) { inbox.withLock { $0.append(body) } }

    /// Next-turn work runs at the next step, like handed-over work.
    public func runNextTurn(_ body: @escaping () -> Void) { nextTurn.append(body) }

    /// Timers fire exactly at their deadlines here: no lag.
    public var timerLag: (maximum: Interval, lastMinute: Interval) { (.zero, .zero) }

    public func onSignal(_ signals: [CInt], _ handler: @escaping (CInt) -> Void) throws {
        self.signals.formUnion(signals)
        signalHandler = handler
    }

    /// Delivers a signal as the signalfd would (only the ones the daemon asked for).
    public func raise(_ signal: CInt) {
        deliver(signal)
        drain()
    }

    /// Runs the signal's handler in this turn and nothing after it (the test turns the loop).
    public func deliver(_ signal: CInt) {
        guard signals.contains(signal) else { return }
        signalHandler?(signal)
    }

    /// The manual loop is driven by ``advance(by:)``; `run` only does what is due now.
    public func run() throws { drain() }

    public func stop() { stopped = true }

    /// Marks a fake descriptor readable: its callback runs at the next step.
    public func markReadable(_ fd: CInt) {
        if !pendingReadable.contains(fd) { pendingReadable.append(fd) }
    }

    /// Runs handed-over work and readable callbacks until none is left (without moving time).
    /// True when there was any.
    @discardableResult
    public func drain() -> Bool { drain(yieldingToOverdueTimers: false) }

    /// One turn of the loop without moving time: handed-over work, one callback per readable
    /// descriptor, the next-turn work queued before it. True when there was any. What a turn
    /// does is what a slow callback would make the advert loop wait for (issue 16: work for
    /// status clients is cut into bounded slices).
    @discardableResult
    public func turn() -> Bool {
        let jobs = inbox.withLock { jobs -> [@Sendable () -> Void] in
            defer { jobs.removeAll() }
            return jobs
        }
        let fds = pendingReadable.filter { !paused.contains($0) }
        pendingReadable.removeAll { !paused.contains($0) }
        let work = nextTurn
        nextTurn.removeAll()
        for job in jobs { job() }
        for fd in fds { readable[fd]?() }
        for body in work { body() }
        return !(jobs.isEmpty && fds.isEmpty && work.isEmpty)
    }

    /// Marks every registered descriptor readable, as a real socket with data waiting would be
    /// (the callbacks of real descriptors, e.g. the status socket's, read what is there).
    public func markAllReadable() {
        for fd in readable.keys.sorted() { markReadable(fd) }
    }

    /// `yieldingToOverdueTimers`: stops after a pass that left timers overdue (after
    /// ``stall(for:)``), so they run before the next pass, as in the epoll loop's turns.
    private func drain(yieldingToOverdueTimers: Bool) -> Bool {
        var worked = false
        while turn() {
            worked = true
            if yieldingToOverdueTimers, timers.contains(where: { $0.deadline < current }) { return worked }
        }
        return worked
    }

    /// How many times the loop woke up for a timer (moved the clock to a deadline), as
    /// opposed to timers that fired in a turn that was awake anyway (issue 16).
    public private(set) var wakeUps = 0

    /// Moves the clock forward, firing every timer due on the way at its own deadline. As in
    /// the epoll loop, in a turn in which a timer fired the next timer (by deadline) fires too
    /// if it is due or past its `earliest`, and in a turn in which only IO or handed-over work
    /// ran, if it is past its `earliest` and fires `afterIO`; a timer never wakes the loop
    /// before its deadline.
    public func advance(by interval: Interval) { advance(to: current + interval) }

    /// The loop thread is busy for `interval` (a long callback, a descheduled thread): the
    /// clock moves and nothing runs. What fell due meanwhile runs at the next step as in the
    /// epoll loop after a long turn: one pass of the readable descriptors (each callback reads
    /// its bounded share), then every overdue timer, then the next pass.
    public func stall(for interval: Interval) {
        precondition(interval >= .zero, "time never goes backwards")
        current = current + interval
    }

    public func advance(to target: Instant) {
        precondition(target >= current, "time never goes backwards")
        // The kind of turn the clock is in: a timer fired at its deadline, or only IO ran.
        var timerTurn = false
        var ioTurn = drain(yieldingToOverdueTimers: true)
        while let next = nextDue(by: Instant(nanoseconds: .max)) {
            let early = mayFireEarly(timers[next], timerTurn: timerTurn, ioTurn: ioTurn)
            guard timers[next].deadline <= target || early else { break }
            let timer = timers.remove(at: next)
            if !early {
                if timer.deadline > current { ioTurn = false }
                current = max(current, timer.deadline)
                wakeUps += 1
            }
            if timer.deadline <= current { timerTurn = true }
            timer.body()
            // Timers due at the same instant, and the next timer if it may fire early, run in
            // one turn, as the epoll loop runs them before the turn's next-turn work (the advert
            // batch is sent there); then the turn's IO and handed-over work.
            if let following = nextDue(by: Instant(nanoseconds: .max)),
               timers[following].deadline <= current || mayFireEarly(timers[following], timerTurn: timerTurn, ioTurn: ioTurn) {
                continue
            }
            timerTurn = false
            ioTurn = drain(yieldingToOverdueTimers: true)
        }
        current = target
    }

    private func mayFireEarly(_ timer: Timer, timerTurn: Bool, ioTurn: Bool) -> Bool {
        timer.earliest <= current && (timerTurn || (ioTurn && timer.afterIO))
    }

    private func nextDue(by target: Instant) -> Int? {
        var best: Int?
        for (i, t) in timers.enumerated() where t.deadline <= target {
            if let b = best, (timers[b].deadline, timers[b].id) <= (t.deadline, t.id) { continue }
            best = i
        }
        return best
    }
}
