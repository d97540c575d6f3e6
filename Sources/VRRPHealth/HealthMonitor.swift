// SPDX-License-Identifier: Apache-2.0
import Synchronization

/// Runs periodic checks (`CheckSpec`), each on its own thread, and reports `HealthEvent`s.
///
/// A check that hangs only delays its own next run: every wait is bounded by the check's
/// timeout. `stop()` never blocks: it wakes the threads (which kill any running script's
/// process group and then end on their own) and returns; no event is reported after it.
/// `waitUntilStopped(limit:)` waits for them, for callers that may block (exit, tests).
public final class HealthMonitor: Sendable {
    public let specs: [CheckSpec]
    private let sink: HealthSink
    private let workers = WorkerThreads()
    private let statuses: Mutex<[String: HealthStatus]>
    private let carried: [String: HealthStatus]

    /// - initialStatuses: a check restarted by a reload keeps its last verdict until its first
    ///   new result (then rise/fall go on from it), instead of reading as newly started.
    public init(specs: [CheckSpec], initialStatuses: [String: HealthStatus] = [:],
                sink: @escaping @Sendable (HealthEvent) -> Void) {
        self.specs = specs
        self.sink = sink
        carried = initialStatuses
        var initial: [String: HealthStatus] = [:]
        for spec in specs {
            initial[spec.name] = initialStatuses[spec.name]
                ?? RiseFallCounter(rise: spec.rise, fall: spec.fall, initFail: spec.initFail).status
        }
        statuses = Mutex(initial)
    }

    /// The currently reported status of a check (before its first result: the initial one).
    public func status(of name: String) -> HealthStatus? {
        statuses.withLock { $0[name] }
    }

    /// Starts one thread per check; the first run happens immediately. Idempotent.
    public func start() {
        guard let pipe = workers.begin() else { return }
        for spec in specs {
            workers.spawn(pipe) { [self] stop in self.loop(spec, stop: stop) }
        }
    }

    /// Asks every check to stop, killing running scripts; returns at once. Idempotent.
    public func stop() {
        workers.stop()
    }

    /// True once every check thread has ended.
    public var isStopped: Bool { workers.isStopped }

    /// Waits (polling) up to `limit` for the threads to end after `stop()`; never on the loop thread.
    @discardableResult
    public func waitUntilStopped(limit: Duration) -> Bool {
        workers.waitUntilStopped(limit: limit)
    }

    /// Runs one check once (no rise/fall), on the calling thread.
    public static func runOnce(_ spec: CheckSpec) -> CheckResult {
        run(spec, stop: nil)
    }

    static func run(_ spec: CheckSpec, stop: WakePipe?) -> CheckResult {
        switch spec.kind {
        case .script(let s): ScriptRunner.run(s, timeout: spec.timeout, stop: stop)
        case .tcp(let c): NativeChecks.tcp(c, timeout: spec.timeout, stop: stop)
        case .http(let c): NativeChecks.http(c, timeout: spec.timeout, stop: stop)
        case .amqp(let c): NativeChecks.amqp(c, timeout: spec.timeout, stop: stop)
        }
    }

    private func loop(_ spec: CheckSpec, stop: WakePipe) {
        var counter = RiseFallCounter(rise: spec.rise, fall: spec.fall, initFail: spec.initFail)
        if let status = carried[spec.name] { counter = RiseFallCounter(rise: spec.rise, fall: spec.fall, keeping: status) }
        var reporter = EventReporter(name: spec.name, counter: counter)
        let interval = max(1, spec.interval.wholeMilliseconds)
        while !stop.isSignalled {
            let started = monotonicMilliseconds()
            let result = Self.run(spec, stop: stop)
            if stop.isSignalled { return }
            if let event = reporter.record(result) {
                statuses.withLock { $0[spec.name] = event.status }
                sink(event)
            }
            // keepalived schedules the next run `interval` after the previous one started.
            let elapsed = Int(monotonicMilliseconds() - started)
            if stop.wait(milliseconds: max(0, interval - elapsed)) { return }
        }
    }
}

/// Rise/fall plus event de-duplication: an event when the status or the reason changes.
public struct EventReporter: Sendable, Hashable {
    public let name: String
    public private(set) var counter: RiseFallCounter
    public private(set) var lastReason: String?
    private var lastProgress: String?

    public init(name: String, counter: RiseFallCounter) {
        self.name = name
        self.counter = counter
    }

    public mutating func record(_ result: CheckResult) -> HealthEvent? {
        let changed = counter.record(success: result.success)
        // While rise/fall is still counting, the status is the old one; the latest raw result
        // is reported with how far the count has gone ("failing 1/2"), never as a bare "ok"
        // next to "connection refused".
        let progress = counter.progress(lastSuccess: result.success)
        if !changed && result.reason == lastReason && progress == lastProgress { return nil }
        lastReason = result.reason
        lastProgress = progress
        return HealthEvent(name: name, status: counter.status, reason: result.reason, changed: changed,
                           progress: progress)
    }
}
