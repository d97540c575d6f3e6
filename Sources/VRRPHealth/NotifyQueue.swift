// SPDX-License-Identifier: Apache-2.0
import Synchronization

/// Runs notify commands asynchronously, strictly in submission order per key (one key per
/// VRRP instance or sync group), each with a timeout after which its process group is
/// killed. Different keys run concurrently. `submit` never blocks.
public final class NotifyQueue: Sendable {
    public struct Job: Sendable {
        public var argv: [String]
        public var timeout: Duration
        /// The user and script security (checked on the worker thread, before each run);
        /// nil: run as the daemon without checks.
        public var policy: ScriptPolicy?
        public var completion: @Sendable (ProcessOutcome) -> Void
    }

    private struct State {
        var pending: [String: [Job]] = [:]
        var running: Set<String> = []
        var stopped = false
    }

    private let state: Mutex<State> = Mutex(State())
    private let stopPipe = WakePipe()

    public init() {}

    /// Queues argv (run without a shell) behind earlier commands with the same key.
    public func submit(key: String, argv: [String], timeout: Duration, policy: ScriptPolicy? = nil,
                       completion: @escaping @Sendable (ProcessOutcome) -> Void = { _ in }) {
        let job = Job(argv: argv, timeout: timeout, policy: policy, completion: completion)
        let startWorker = state.withLock { s -> Bool? in
            if s.stopped { return nil }
            s.pending[key, default: []].append(job)
            if s.running.contains(key) { return false }
            s.running.insert(key)
            return true
        }
        switch startWorker {
        case nil: completion(.cancelled)
        case true?: JoinableThread { [self] in self.work(key: key) }.detach()
        case false?: break
        }
    }

    /// Splits a keepalived-style command line (see `ScriptLine`) and queues it.
    public func submit(key: String, commandLine: String, timeout: Duration,
                       completion: @escaping @Sendable (ProcessOutcome) -> Void = { _ in }) {
        do {
            let argv = try ScriptLine.split(commandLine)
            submit(key: key, argv: argv, timeout: timeout, completion: completion)
        } catch {
            completion(.failedToStart("\(error)"))
        }
    }

    /// True when nothing is queued or running.
    public var isIdle: Bool {
        state.withLock { $0.running.isEmpty }
    }

    /// Waits (polling) until idle or the limit passes; returns whether it became idle.
    public func waitUntilIdle(limit: Duration) -> Bool {
        let deadline = monotonicMilliseconds() + Int64(limit.wholeMilliseconds)
        while !isIdle {
            if monotonicMilliseconds() >= deadline { return false }
            sleepMilliseconds(5)
        }
        return true
    }

    /// Kills running commands, completes queued ones with `.cancelled`, refuses new ones.
    public func stop() {
        state.withLock { $0.stopped = true }
        stopPipe.wake()
    }

    private func work(key: String) {
        while true {
            let next = state.withLock { s -> (Job, Bool)? in
                guard var queue = s.pending[key], !queue.isEmpty else {
                    s.pending[key] = nil
                    s.running.remove(key)
                    return nil
                }
                let job = queue.removeFirst()
                s.pending[key] = queue
                return (job, s.stopped)
            }
            guard let (job, stopped) = next else { return }
            if stopped {
                job.completion(.cancelled)
                continue
            }
            let ms = max(1, job.timeout.wholeMilliseconds)
            let outcome = job.policy.map { ChildProcess.run(job.argv, policy: $0, timeoutMilliseconds: ms, stop: stopPipe) }
                ?? ChildProcess.run(job.argv, timeoutMilliseconds: ms, stop: stopPipe)
            job.completion(outcome)
        }
    }
}
