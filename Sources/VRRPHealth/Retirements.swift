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
