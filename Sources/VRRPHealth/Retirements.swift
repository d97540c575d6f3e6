// SPDX-License-Identifier: Apache-2.0
import Synchronization

/// Blocking stops (a process tracker or file monitor joining its thread) run on detached
/// threads, so that the event loop never waits for them; they are counted so that the daemon
/// can wait for them, with a bound, once the loop has ended.
public final class Retirements: Sendable {
    private let pending = Mutex(0)

    public init() {}

    /// Runs `body` on a new detached thread; returns at once.
    public func stop(_ body: @escaping @Sendable () -> Void) {
        pending.withLock { $0 += 1 }
        JoinableThread { [self] in
            body()
            pending.withLock { $0 -= 1 }
        }.detach()
    }

    /// Waits (polling) up to `limit` for every stop to finish; never call it on the loop thread.
    @discardableResult
    public func wait(limit: Duration) -> Bool {
        let deadline = monotonicMilliseconds() + Int64(limit.wholeMilliseconds)
        while pending.withLock({ $0 }) > 0 {
            if monotonicMilliseconds() >= deadline { return false }
            sleepMilliseconds(5)
        }
        return true
    }
}

/// The start/stop pattern the checkers share (HealthMonitor, TrackFileMonitor): detached
/// threads that watch one stop pipe. `stop()` wakes them and returns at once (each ends on its
/// own, after killing what it runs); `waitUntilStopped(limit:)` is for callers that may block.
/// After `stop()` a new `begin()` starts a new generation with a new pipe.
final class WorkerThreads: Sendable {
    private let state: Mutex<(pipe: WakePipe?, running: Int)> = Mutex((nil, 0))

    /// A fresh stop pipe, or nil when already started (start is idempotent).
    func begin() -> WakePipe? {
        let pipe = WakePipe()
        return state.withLock { s -> WakePipe? in
            if s.pipe != nil { return nil }
            s.pipe = pipe
            return pipe
        }
    }

    /// Runs `body(pipe)` on a new detached thread.
    func spawn(_ pipe: WakePipe, _ body: @escaping @Sendable (WakePipe) -> Void) {
        state.withLock { $0.running += 1 }
        JoinableThread { [self] in
            body(pipe)
            state.withLock { $0.running -= 1 }
        }.detach()
    }

    /// Wakes every thread of the current generation; returns at once. Idempotent.
    func stop() {
        let pipe = state.withLock { s -> WakePipe? in
            let p = s.pipe
            s.pipe = nil
            return p
        }
        pipe?.wake()
    }

    var isStopped: Bool { state.withLock { $0.running } == 0 }

    @discardableResult
    func waitUntilStopped(limit: Duration) -> Bool {
        let deadline = monotonicMilliseconds() + Int64(limit.wholeMilliseconds)
        while !isStopped {
            if monotonicMilliseconds() >= deadline { return false }
            sleepMilliseconds(5)
        }
        return true
    }
}
