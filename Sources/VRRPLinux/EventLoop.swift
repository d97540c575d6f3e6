// SPDX-License-Identifier: Apache-2.0
import VRRPSystem
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif
import CVRRPLinux
import Synchronization
import VRRPCore

/// One epoll IO thread that owns all daemon state: fd readiness callbacks, timers (a min-heap
/// behind one `timerfd` armed at the earliest deadline, so nanosecond resolution), signals (a
/// `signalfd`) and a cross-thread job queue (an `eventfd` wakes the loop).
///
/// Threading contract (why this class is `@unchecked Sendable`):
/// - `execute(_:)` and `stop()` may be called from any thread at any time; they go through a
///   `Mutex`-protected inbox and the eventfd.
/// - Everything else (`register`, `unregister`, `schedule`, `cancel`, `onSignal`) mutates
///   loop-owned state with no lock, so it must be called on the loop thread (from a callback),
///   or before `run()` starts / after it returns on the thread that owns the loop.
///   A precondition traps a call from another thread while the loop is running.
/// - Callbacks always run on the thread that called `run()`.
public final class EventLoop: @unchecked Sendable {
    private struct Inbox {
        var jobs: [@Sendable () -> Void] = []
        var stopRequested = false
    }

    private let epoll: FileDescriptor
    private let wakeup: FileDescriptor
    private let timer: FileDescriptor
    private let inbox = Mutex(Inbox())
    /// The thread inside `run()`, if any (pthread_t is an integer on Linux).
    private let runningThread = Mutex<pthread_t?>(nil)

    // Loop-owned state: see the threading contract above.
    private var handlers: [CInt: () -> Void] = [:]
    private var timers = TimerHeap<() -> Void>()
    private var armedDeadline: Instant?
    private var signalFD: FileDescriptor?
    private var signalMask = sigset_t()
    private var signalHandlers: [CInt: (CInt) -> Void] = [:]
    private var nextTurn: [() -> Void] = []
    private var lag = LoopLag()
    /// The timerfd fired and was not read: the next `rearmTimer` must call timerfd_settime,
    /// which also clears its expiration count (and so its readiness).
    private var timerNeedsReset = false
    /// Syscalls the loop made on its own descriptors (issue 16: an idle turn costs epoll_wait
    /// and the callback's own IO, nothing else). Loop thread only.
    public private(set) var counters = Counters()

    /// What the loop did, for tests and the profile (no clock involved).
    public struct Counters: Sendable, Equatable {
        /// epoll_wait calls.
        public var turns = 0
        /// Reads of the wake-up eventfd (only when a cross-thread job or a stop was posted).
        public var wakeupReads = 0
        /// timerfd_settime calls.
        public var timerSettings = 0
    }

    public init() throws {
        epoll = FileDescriptor(owning: try syscall("epoll_create1") { epoll_create1(CInt(EPOLL_CLOEXEC)) })
        wakeup = FileDescriptor(owning: try syscall("eventfd") {
            eventfd(0, CInt(EFD_CLOEXEC) | CInt(EFD_NONBLOCK))
        })
        timer = FileDescriptor(owning: try syscall("timerfd_create") {
            timerfd_create(CLOCK_MONOTONIC, CInt(TFD_CLOEXEC) | CInt(TFD_NONBLOCK))
        })
        sigemptyset(&signalMask)
        try add(wakeup.rawValue)
        try add(timer.rawValue)
    }

    /// The monotonic clock (CLOCK_MONOTONIC) as a VRRPCore `Instant`.
    public static func now() -> Instant {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Instant(nanoseconds: Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec))
    }

    /// True when called on the thread currently inside `run()`.
    public var inLoopThread: Bool {
        runningThread.withLock { thread in thread.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
    }

    private func assertOwner(_ function: StaticString = #function) {
        let ok = runningThread.withLock { thread in thread.map { pthread_equal($0, pthread_self()) != 0 } ?? true }
        precondition(ok, "EventLoop.\(function) called off the loop thread while the loop runs")
    }

    // MARK: File descriptors

    /// Calls `onReadable` on the loop thread whenever `fd` is readable (level-triggered, so a
    /// handler that leaves data behind is called again). The caller keeps owning `fd` and must
    /// `unregister` it before closing it.
    public func register(fd: CInt, onReadable: @escaping () -> Void) throws {
        assertOwner()
        precondition(handlers[fd] == nil, "fd \(fd) registered twice")
        try add(fd)
        handlers[fd] = onReadable
    }

    /// Stops watching `fd`. Safe to call from that fd's own callback. Call it before closing
    /// `fd`: epoll_ctl on a closed descriptor is EBADF, which `syscall()` treats as a programmer error.
    public func unregister(fd: CInt) {
        assertOwner()
        guard handlers.removeValue(forKey: fd) != nil else { return }
        _ = try? syscall("epoll_ctl(DEL, \(fd))") { epoll_ctl(epoll.rawValue, CInt(EPOLL_CTL_DEL), fd, nil) }
    }

    /// Stops (`enabled: false`) or resumes reporting a registered `fd` as readable, without
    /// unregistering it (EPOLL_CTL_MOD with no events, then EPOLLIN again; level-triggered, so
    /// data that arrived meanwhile is reported at the next turn). The daemon holds a busy
    /// backup's VRRP socket this way for a short window and reads it once (issue 16).
    public func setReadable(fd: CInt, enabled: Bool) {
        assertOwner()
        guard handlers[fd] != nil else { return }
        var event = epoll_event()
        event.events = enabled ? EPOLLIN.rawValue : 0
        event.data.fd = fd
        _ = try? syscall("epoll_ctl(MOD, \(fd))") { epoll_ctl(epoll.rawValue, CInt(EPOLL_CTL_MOD), fd, &event) }
    }

    private func add(_ fd: CInt) throws {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = fd
        try syscall("epoll_ctl(ADD, \(fd))") { epoll_ctl(epoll.rawValue, CInt(EPOLL_CTL_ADD), fd, &event) }
    }

    // MARK: Timers

    /// Runs `body` on the loop thread once `now() >= deadline`. Timers with equal deadlines fire
    /// in scheduling order.
    @discardableResult
    public func schedule(at deadline: Instant, _ body: @escaping () -> Void) -> TimerToken {
        assertOwner()
        return timers.schedule(at: deadline, body)
    }

    /// Runs `body` on the loop thread once `now() >= deadline`, or from `earliest` on in a turn
    /// in which an earlier timer fired (and, with `afterIO`, in a turn woken by IO only) when
    /// this timer is the next one due: the loop never wakes up for it before `deadline`
    /// (issue 16: a master's Adver_Timers that fall close together go out in one wake-up;
    /// VRRPCore's `VirtualRouter.earliness` says which timers may).
    @discardableResult
    public func schedule(at deadline: Instant, earliest: Instant, afterIO: Bool,
                         _ body: @escaping () -> Void) -> TimerToken {
        assertOwner()
        return timers.schedule(at: deadline, earliest: earliest, afterIO: afterIO, body)
    }

    /// Convenience: `schedule(at: now() + delay, body)`.
    @discardableResult
    public func schedule(after delay: Interval, _ body: @escaping () -> Void) -> TimerToken {
        schedule(at: Self.now() + delay, body)
    }

    /// Cancels a pending timer; returns false if it already fired or was cancelled.
    @discardableResult
    public func cancel(_ token: TimerToken) -> Bool {
        assertOwner()
        return timers.cancel(token)
    }

    /// Arms the timerfd at the earliest deadline (absolute CLOCK_MONOTONIC), or disarms it.
    private func rearmTimer() throws {
        let earliest = timers.earliestDeadline()
        guard earliest != armedDeadline || timerNeedsReset else { return }
        var spec = itimerspec()
        if let deadline = earliest {
            // An all-zero it_value disarms, so a deadline at or before the epoch becomes 1 ns.
            let ns = max(deadline.nanoseconds, 1)
            spec.it_value.tv_sec = Int(ns / 1_000_000_000)
            spec.it_value.tv_nsec = Int(ns % 1_000_000_000)
        }
        try syscall("timerfd_settime") { timerfd_settime(timer.rawValue, CInt(TFD_TIMER_ABSTIME), &spec, nil) }
        counters.timerSettings += 1
        armedDeadline = earliest
        timerNeedsReset = false
    }

    /// Called on the loop thread with how late the earliest timer of a wake-up fired
    /// (keepalived's `max_auto_priority` check, lib/scheduler.c). Set before `run()`.
    public var lateTimerObserver: ((Interval) -> Void)?

    /// `fired`: the timerfd was reported readable. It is not read: the timerfd_settime of the
    /// next `rearmTimer` (armed at the next deadline, or disarmed) resets it, one syscall per
    /// fire instead of two (issue 16).
    private func runDueTimers(fired: Bool) {
        if fired {
            armedDeadline = nil
            timerNeedsReset = true
        }
        var first = true
        var timerTurn = fired
        while true {
            let now = Self.now()
            guard let (deadline, body) = timers.popDueWithDeadline(now: now, timerTurn: timerTurn) else { return }
            if deadline <= now { timerTurn = true }
            lag.record(now - deadline, at: now)
            if first, let observe = lateTimerObserver { observe(now - deadline) }
            first = false
            body()
        }
    }

    // MARK: Work spread over turns

    /// Runs `body` on the loop thread in the next turn, after that turn's IO callbacks and
    /// timers; while such work is pending the loop polls instead of sleeping. This is how work
    /// for clients is cut into bounded slices (issue 19): a slice does its share, then asks for
    /// the next turn, and advert timers and packets are served in between.
    public func runNextTurn(_ body: @escaping () -> Void) {
        assertOwner()
        nextTurn.append(body)
    }

    private func runNextTurnWork() {
        guard !nextTurn.isEmpty else { return }
        let work = nextTurn
        nextTurn.removeAll()
        for body in work { body() }
    }

    // MARK: Loop lag

    /// How late timers fire: the largest distance between a timer's deadline and the moment its
    /// callback started, since the loop was created and over the last full minute. A loop that
    /// stalls (a slow callback, a blocking call) shows here before a peer notices missed adverts.
    public var timerLag: (maximum: Interval, lastMinute: Interval) {
        assertOwner()
        return (lag.maximum, lag.lastMinute(now: Self.now()))
    }

    // MARK: Cross-thread jobs

    /// Runs `body` on the loop thread soon. Thread-safe; jobs run in submission order.
    public func execute(_ body: @escaping @Sendable () -> Void) {
        inbox.withLock { $0.jobs.append(body) }
        wake()
    }

    /// Makes `run()` return after the current iteration. Thread-safe.
    public func stop() {
        inbox.withLock { $0.stopRequested = true }
        wake()
    }

    private func wake() {
        var one: UInt64 = 1
        // Only EAGAIN (counter saturated, so a wakeup is already pending) can fail here.
        _ = Glibc.write(wakeup.rawValue, &one, MemoryLayout<UInt64>.size)
    }

    /// Runs queued jobs; returns true if a stop was requested. Called when the eventfd was
    /// reported readable (every `execute`/`stop` writes it after queueing), and once before
    /// the first turn, not every turn (issue 16: a read that said EAGAIN on every wake-up).
    private func drainInbox() -> Bool {
        var counter: UInt64 = 0
        _ = Glibc.read(wakeup.rawValue, &counter, MemoryLayout<UInt64>.size)
        counters.wakeupReads += 1
        let (jobs, stop) = inbox.withLock { inbox in
            defer { inbox.jobs.removeAll() }
            return (inbox.jobs, inbox.stopRequested)
        }
        for job in jobs { job() }
        return stop
    }

    // MARK: Signals

    /// Blocks `signals` in the calling thread; threads created afterwards inherit the mask.
    /// Call this first thing in `main`, before any other thread starts, so that no thread
    /// takes a signal's default action instead of the loop's signalfd seeing it.
    public static func blockSignals(_ signals: [CInt]) throws {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        let rc = pthread_sigmask(SIG_BLOCK, &set, nil)
        if rc != 0 { throw SystemError("pthread_sigmask", errno: rc) }
    }

    /// Delivers `signals` to `handler` on the loop thread through a signalfd. Blocks them in
    /// the calling thread (and `run()` blocks them in the loop thread); see `blockSignals(_:)`
    /// for the other threads.
    public func onSignal(_ signals: [CInt], _ handler: @escaping (CInt) -> Void) throws {
        assertOwner()
        try Self.blockSignals(signals)
        for signal in signals {
            sigaddset(&signalMask, signal)
            signalHandlers[signal] = handler
        }
        let existing = signalFD?.rawValue ?? -1
        let fd = try syscall("signalfd") {
            signalfd(existing, &signalMask, CInt(SFD_NONBLOCK) | CInt(SFD_CLOEXEC))
        }
        if signalFD == nil {
            let owner = FileDescriptor(owning: fd)
            signalFD = owner
            try add(fd)
        }
    }

    private func drainSignals(_ fd: CInt) {
        while true {
            var info = signalfd_siginfo()
            let n = Glibc.read(fd, &info, MemoryLayout<signalfd_siginfo>.size)
            guard n == MemoryLayout<signalfd_siginfo>.size else { return }
            let signal = CInt(info.ssi_signo)
            signalHandlers[signal]?(signal)
        }
    }

    // MARK: Running

    /// Runs the loop on the calling thread until `stop()`.
    public func run() throws {
        runningThread.withLock { thread in
            precondition(thread == nil, "EventLoop.run() is already running")
            thread = pthread_self()
        }
        defer {
            runningThread.withLock { $0 = nil }
            inbox.withLock { $0.stopRequested = false }
        }
        let rc = pthread_sigmask(SIG_BLOCK, &signalMask, nil)
        if rc != 0 { throw SystemError("pthread_sigmask", errno: rc) }

        var events = [epoll_event](repeating: epoll_event(), count: 64)
        var woken = true  // jobs queued before run() (their eventfd write is read here too)
        while true {
            if woken {
                woken = false
                if drainInbox() { return }
            }
            try rearmTimer()
            let wait: CInt = nextTurn.isEmpty ? -1 : 0
            let count = try events.withUnsafeMutableBufferPointer { buffer in
                try syscall("epoll_wait") { epoll_wait(epoll.rawValue, buffer.baseAddress, CInt(buffer.count), wait) }
            }
            counters.turns += 1
            var timerReady = false
            for event in events.prefix(Int(count)) {
                let fd = event.data.fd
                if fd == wakeup.rawValue {
                    woken = true  // drained at the top of the next iteration
                } else if fd == timer.rawValue {
                    timerReady = true
                } else if let signalFD, fd == signalFD.rawValue {
                    drainSignals(fd)
                } else {
                    handlers[fd]?()  // looked up now: an earlier callback may have unregistered it
                }
            }
            if timerReady || timers.hasDue(now: Self.now()) {
                runDueTimers(fired: timerReady)
            }
            runNextTurnWork()
        }
    }
}

/// The maximum timer lateness, overall and in one-minute buckets (the current and the last
/// complete one), so a figure reported "over the last minute" never forgets a stall that
/// happened 59 s ago.
struct LoopLag {
    private(set) var maximum = Interval.zero
    private var bucketStart: Instant?
    private var current = Interval.zero
    private var previous = Interval.zero
    static let bucket = Interval.seconds(60)

    mutating func record(_ late: Interval, at now: Instant) {
        roll(now)
        if late > maximum { maximum = late }
        if late > current { current = late }
    }

    mutating func lastMinute(now: Instant) -> Interval {
        roll(now)
        return max(current, previous)
    }

    private mutating func roll(_ now: Instant) {
        guard let start = bucketStart else {
            bucketStart = now
            return
        }
        let elapsed = now - start
        if elapsed >= Self.bucket * 2 {
            previous = .zero
            current = .zero
            bucketStart = now
        } else if elapsed >= Self.bucket {
            previous = current
            current = .zero
            bucketStart = start + Self.bucket
        }
    }
}

extension EventLoop: EventLoopProtocol {
    /// The monotonic clock (``EventLoop/now()``), as the protocol's instance method.
    public func now() -> Instant { Self.now() }
}
