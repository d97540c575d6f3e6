import Synchronization

/// Runs periodic checks (`CheckSpec`), each on its own thread, and reports `HealthEvent`s.
///
/// A check that hangs only delays its own next run: every wait is bounded by the check's
/// timeout, and `stop()` wakes all threads (killing any running script's process group)
/// and joins them.
public final class HealthMonitor: Sendable {
    public let specs: [CheckSpec]
    private let sink: HealthSink
    private let stopPipe: Mutex<WakePipe?> = Mutex(nil)
    private let threads: Mutex<[JoinableThread]> = Mutex([])
    private let statuses: Mutex<[String: HealthStatus]>

    public init(specs: [CheckSpec], sink: @escaping @Sendable (HealthEvent) -> Void) {
        self.specs = specs
        self.sink = sink
        var initial: [String: HealthStatus] = [:]
        for spec in specs {
            initial[spec.name] = RiseFallCounter(rise: spec.rise, fall: spec.fall, initFail: spec.initFail).status
        }
        statuses = Mutex(initial)
    }

    /// The currently reported status of a check (before its first result: the initial one).
    public func status(of name: String) -> HealthStatus? {
        statuses.withLock { $0[name] }
    }

    /// Starts one thread per check; the first run happens immediately. Idempotent.
    public func start() {
        let pipe = WakePipe()
        let fresh = stopPipe.withLock { current -> Bool in
            if current != nil { return false }
            current = pipe
            return true
        }
        guard fresh else { return }
        let started = specs.map { spec in
            JoinableThread { [self] in self.loop(spec, stop: pipe) }
        }
        threads.withLock { $0 = started }
    }

    /// Stops all checks, killing running scripts, and joins the threads. Idempotent.
    public func stop() {
        guard let pipe = stopPipe.withLock({ $0 }) else { return }
        pipe.wake()
        let running = threads.withLock { t -> [JoinableThread] in
            let r = t
            t = []
            return r
        }
        for thread in running { thread.join() }
        stopPipe.withLock { $0 = nil }
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
        var reporter = EventReporter(name: spec.name,
                                     counter: RiseFallCounter(rise: spec.rise, fall: spec.fall,
                                                              initFail: spec.initFail))
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
