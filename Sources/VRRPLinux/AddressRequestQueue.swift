// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif
import Synchronization
import VRRPSystem

/// How the runtime's requests to its ``AddressConfigurator`` run.
public enum AddressRequestMode: Sendable {
    /// On the caller's thread, completion included: for fakes that answer at once.
    case inline
    /// In order on one worker thread, completions handed back to the event loop: rtnetlink
    /// waits up to 5 s for each answer, and the loop must never wait for it.
    case worker
}

/// Keeps address (and route, rule) requests off the event-loop thread (issue 15).
///
/// The loop submits a request, a closure over the synchronous ``AddressConfigurator``, with a
/// completion. In `.worker` mode one thread owns the configurator from then on: it runs the
/// requests one at a time in submission order (so an instance's add always reaches the kernel
/// before its later delete), and each result comes back through the loop's `execute`, so the
/// completion runs on the loop thread in the same order. A new operation is one `submit` line.
public final class AddressRequestQueue: @unchecked Sendable {
    public let configurator: any AddressConfigurator
    public let mode: AddressRequestMode
    private unowned let loop: any EventLoopProtocol

    private struct State {
        var jobs: [QueuedRequest] = []
        var head = 0
        /// Submitted and not yet run (the one running included).
        var outstanding = 0
        var stopping = false
        var started = false
        /// The worker thread has begun running (set by the thread itself).
        var running = false
    }

    private let state = Mutex(State())
    private let wake: UnsafeMutablePointer<pthread_cond_t>
    private let wakeLock: UnsafeMutablePointer<pthread_mutex_t>

    public init(configurator: any AddressConfigurator, loop: any EventLoopProtocol, mode: AddressRequestMode) {
        self.configurator = configurator
        self.loop = loop
        self.mode = mode
        wake = .allocate(capacity: 1)
        wakeLock = .allocate(capacity: 1)
        pthread_cond_init(wake, nil)
        pthread_mutex_init(wakeLock, nil)
    }

    deinit {
        pthread_cond_destroy(wake)
        pthread_mutex_destroy(wakeLock)
        wake.deallocate()
        wakeLock.deallocate()
    }

    /// Runs `request` with the configurator after every request submitted before it, then
    /// `completion` with its result on the loop thread. Call on the loop thread.
    public func submit<T: Sendable>(_ request: @escaping @Sendable (any AddressConfigurator) throws -> T,
                                    completion: @escaping (Result<T, any Error>) -> Void) {
        let configurator = self.configurator
        switch mode {
        case .inline:
            completion(Result { try request(configurator) })
        case .worker:
            enqueue(TypedRequest(request, completion: completion, loop: loop))
        }
    }

    /// Starts the worker thread now (`.worker` mode; idempotent), so the first request (a
    /// takeover's address add) finds it waiting instead of paying for `pthread_create` and the
    /// new thread's first run (≈ 0.1–1 ms, more on a loaded machine). Capabilities are per
    /// thread: call it after they were dropped, so the thread inherits the reduced sets.
    public func start() {
        guard mode == .worker else { return }
        let startThread = state.withLock { s -> Bool in
            defer { s.started = true }
            return !s.started
        }
        if startThread { startWorker() }
    }

    /// True once the worker thread runs (always false in `.inline` mode).
    public var isWorkerRunning: Bool { state.withLock { $0.running } }

    /// Requests submitted and not yet run by the worker (0 in `.inline` mode).
    public var outstanding: Int { state.withLock { $0.outstanding } }

    /// Waits up to `limit` for the worker to run everything submitted; false if it did not.
    /// For shutdown, after the loop has stopped (never on a running loop's thread).
    @discardableResult
    public func waitUntilIdle(limit: Duration) -> Bool {
        let deadline = ContinuousClock.now + limit
        while outstanding > 0 {
            if ContinuousClock.now >= deadline { return false }
            Syscall.sleep(nanoseconds: 1_000_000)
        }
        return true
    }

    /// Ends the worker thread once the requests already submitted have run. Idempotent.
    public func stop() {
        state.withLock { $0.stopping = true }
        signal()
    }

    private func enqueue(_ job: QueuedRequest) {
        let startThread = state.withLock { s -> Bool in
            s.jobs.append(job)
            s.outstanding += 1
            defer { s.started = true }
            return !s.started
        }
        if startThread { startWorker() }
        signal()
    }

    /// Wakes the worker. The lock/unlock pair orders the job just queued with the worker's
    /// check in `next()` (it either sees the job or is already waiting); the signal comes after
    /// the unlock, so a worker woken on this CPU does not run only to block on the lock the
    /// loop still holds (`perf trace` of a takeover: 0.1–0.2 ms lost that way).
    private func signal() {
        pthread_mutex_lock(wakeLock)
        pthread_mutex_unlock(wakeLock)
        pthread_cond_signal(wake)
    }

    /// The next job, waiting for one; nil when stopping with nothing left.
    private func next() -> QueuedRequest? {
        pthread_mutex_lock(wakeLock)
        defer { pthread_mutex_unlock(wakeLock) }
        while true {
            let (job, stop) = state.withLock { s -> (QueuedRequest?, Bool) in
                guard s.head < s.jobs.count else { return (nil, s.stopping) }
                let job = s.jobs[s.head]
                s.head += 1
                if s.head == s.jobs.count {
                    s.jobs.removeAll(keepingCapacity: true)
                    s.head = 0
                }
                return (job, false)
            }
            if let job { return job }
            if stop { return nil }
            pthread_cond_wait(wake, wakeLock)
        }
    }

    private func work() {
        state.withLock { $0.running = true }
        while let job = next() {
            job.run(configurator)
            state.withLock { $0.outstanding -= 1 }
        }
    }

    private func startWorker() {
        let box = Unmanaged.passRetained(UncheckedBox<() -> Void>({ [self] in self.work() })).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<UncheckedBox<() -> Void>>.fromOpaque(raw!).takeRetainedValue()
            box.value()
            return nil
        }, box)
        precondition(rc == 0, "pthread_create failed: errno \(rc)")
        pthread_detach(thread)
    }
}

/// Carries a loop-confined closure through another thread back to the loop, untouched on the way.
private final class UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// One submitted request in `.worker` mode: the request, its completion and its result in one
/// object, handed to the worker and back to the loop. When every instance becomes MASTER at
/// once (start-up, a mass takeover) thousands of requests are in flight; a box for the
/// completion, a closure for the job and one for the loop cost ≈ 240 B each (issue 16, the
/// start-up peak at 1 000 instances).
private class QueuedRequest: @unchecked Sendable {
    /// On the worker: runs the request, then hands the completion to the loop.
    func run(_ configurator: any AddressConfigurator) {}
}

private final class TypedRequest<T: Sendable>: QueuedRequest, @unchecked Sendable {
    let request: @Sendable (any AddressConfigurator) throws -> T
    /// Loop-confined: only called on the loop thread (through `execute`), never on the worker.
    let completion: (Result<T, any Error>) -> Void
    /// Held strongly until the completion is handed over, as the closure that carried it did.
    let loop: any EventLoopProtocol
    var result: Result<T, any Error>?

    init(_ request: @escaping @Sendable (any AddressConfigurator) throws -> T,
         completion: @escaping (Result<T, any Error>) -> Void, loop: any EventLoopProtocol) {
        self.request = request
        self.completion = completion
        self.loop = loop
    }

    override func run(_ configurator: any AddressConfigurator) {
        result = Result { try request(configurator) }
        loop.execute { self.finish() }
    }

    /// On the loop thread.
    private func finish() {
        if let result { completion(result) }
    }
}
