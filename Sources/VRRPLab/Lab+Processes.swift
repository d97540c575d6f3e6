// SPDX-License-Identifier: Apache-2.0
import Foundation

extension Lab {
    /// Runs `argv` inside `host` (`ip netns exec NS argv…`) and waits for it. A non-zero exit
    /// is returned, not thrown; exceeding `timeout` kills it and throws `LabError.timedOut`.
    @discardableResult
    public func run(_ host: LabHost, _ argv: [String], timeout: Duration = .seconds(30)) throws -> ProcessResult {
        try ensureLive()
        return try commands.execute(commands.inNamespace(host.namespace, argv), timeout: timeout)
    }

    /// Runs `argv` inside a LAN's switch namespace (e.g. `bridge fdb show br br0`).
    @discardableResult
    public func run(in lan: LabLAN, _ argv: [String], timeout: Duration = .seconds(30)) throws -> ProcessResult {
        try ensureLive()
        return try commands.execute(commands.inNamespace(lan.namespace, argv), timeout: timeout)
    }

    /// Like `run`, but throws `LabError.commandFailed` unless the command exits 0.
    @discardableResult
    public func runChecked(_ host: LabHost, _ argv: [String], timeout: Duration = .seconds(30)) throws -> ProcessResult {
        try ensureLive()
        return try commands.checked(commands.inNamespace(host.namespace, argv), timeout: timeout)
    }

    /// `ping -c1 -W1 -n ADDRESS` from `host` (IPv4 or IPv6): true when a reply came back.
    public func ping(from host: LabHost, _ address: String) throws -> Bool {
        try run(host, ["ping", "-c1", "-W1", "-n", address], timeout: .seconds(10)).succeeded
    }

    /// Starts `argv` in the background inside `host`, in its own process group, stdout and
    /// stderr appended to `host.directory/<name>.log`, `environment` added to ours.
    /// The lab tracks the PID; teardown ends it.
    /// `logPath` overrides where the output goes.
    public func spawn(_ host: LabHost, _ argv: [String], name: String,
                      environment: [String: String] = [:], logPath: String? = nil) throws -> LabProcess {
        try ensureLive()
        guard !name.isEmpty, !name.contains("/") else {
            throw LabError.invalidName(name, reason: "process name must be a non-empty file name")
        }
        let logPath = logPath ?? "\(host.directory)/\(name).log"
        // `ip netns exec` execs the command in place: the PID we get is the command's.
        let pid = try Spawn.start(commands.inNamespace(host.namespace, argv),
                                  environment: Commands.environment(environment),
                                  output: .init(stdoutPath: logPath, stderrPath: nil))
        let process = LabProcess(pid: pid, name: name, host: host.name, logPath: logPath)
        let late = state.withLock { state -> Bool in
            state.running[pid] = process
            return state.tornDown
        }
        if late {   // teardown ran meanwhile: do not leave this one behind
            Spawn.signal(pid, SIGKILL, group: true)
            _ = waitExit(process, timeout: .seconds(5))
            throw LabError.tornDown
        }
        return process
    }

    /// Sends `sig` to the process (and to its whole process group when `group`), unless it
    /// was already reaped.
    public func signal(_ process: LabProcess, _ sig: Int32, group: Bool = false) {
        state.withLock { state in
            // Holding the lock: the PID cannot be reaped (and reused) between check and kill.
            guard state.running[process.pid] != nil else { return }
            Spawn.signal(process.pid, sig, group: group)
        }
    }

    /// Waits up to `timeout` for the process to exit; returns its status (exit code, or
    /// 128 + signal), nil if it is still running.
    @discardableResult
    public func waitExit(_ process: LabProcess, timeout: Duration) -> Int32? {
        let deadline = ContinuousClock.now + timeout
        var pause: Duration = .milliseconds(1)
        while true {
            if let status = reap(process.pid) { return status }
            if ContinuousClock.now >= deadline { return nil }
            Spawn.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(20))
        }
    }

    /// True until the process has exited.
    public func isRunning(_ process: LabProcess) -> Bool { reap(process.pid) == nil }

    /// SIGTERM, then SIGKILL after `grace`, to the process group; returns the exit status.
    @discardableResult
    public func stop(_ process: LabProcess, grace: Duration = .seconds(2)) -> Int32? {
        signal(process, SIGTERM, group: true)
        if let status = waitExit(process, timeout: grace) { return status }
        signal(process, SIGKILL, group: true)
        return waitExit(process, timeout: .seconds(5))
    }

    /// The process's log so far.
    public func log(_ process: LabProcess) -> String {
        (try? String(contentsOfFile: process.logPath, encoding: .utf8)) ?? ""
    }

    /// Reaps `pid` if it exited (under the lock, so two waiters never race on waitpid).
    func reap(_ pid: Int32) -> Int32? {
        state.withLock { state in
            if let status = state.exited[pid] { return status }
            guard state.running[pid] != nil else { return 255 }
            guard let status = Spawn.poll(pid) else { return nil }
            state.running[pid] = nil
            state.exited[pid] = status
            return status
        }
    }

    func ensureLive() throws {
        if state.withLock({ $0.tornDown }) { throw LabError.tornDown }
    }
}

extension Commands {
    func inNamespace(_ namespace: String, _ argv: [String]) -> [String] {
        [ip, "netns", "exec", namespace] + argv
    }
}
