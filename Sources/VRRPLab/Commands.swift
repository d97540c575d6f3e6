// SPDX-License-Identifier: Apache-2.0
import Foundation
import Synchronization

/// Runs short commands (mostly `ip`) to completion, capturing their output through files in a
/// scratch directory (no pipes, so a chatty command can never block on a full pipe).
struct Commands: Sendable {
    let ip: String
    let scratch: String
    private let counter = Counter()

    static func findIP() -> String? {
        ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// Runs `body` with commands whose scratch directory is private and removed afterwards;
    /// nil when `ip` is missing.
    static func temporary<R>(_ body: (Commands) throws -> R) throws -> R? {
        guard findIP() != nil else { return nil }
        return try scratch(body)
    }

    /// Runs `body` with commands whose scratch directory is private and removed afterwards,
    /// whether or not `ip` is installed (for commands that need no `ip`).
    static func scratch<R>(_ body: (Commands) throws -> R) throws -> R {
        let scratch = "/tmp/vrrplab-cmd-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        return try body(Commands(ip: findIP() ?? "/usr/sbin/ip", scratch: scratch))
    }

    /// The environment children get: ours, with the sbin directories on PATH (`ip netns exec`
    /// looks its command up there), plus `extra`.
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        var path = env["PATH"].map { $0.split(separator: ":").map(String.init) } ?? []
        for dir in ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"] where !path.contains(dir) {
            path.append(dir)
        }
        env["PATH"] = path.joined(separator: ":")
        env.merge(extra) { _, new in new }
        return env
    }

    /// Runs `argv` (argv[0] absolute) and waits for it; after `timeout` the process group is
    /// killed and `LabError.timedOut` thrown.
    func execute(_ argv: [String], timeout: Duration = .seconds(30)) throws -> ProcessResult {
        let n = counter.next()
        let out = "\(scratch)/\(n).out", err = "\(scratch)/\(n).err"
        defer {
            try? FileManager.default.removeItem(atPath: out)
            try? FileManager.default.removeItem(atPath: err)
        }
        let pid = try Spawn.start(argv, environment: Commands.environment(),
                                  output: .init(stdoutPath: out, stderrPath: err))
        guard let status = Spawn.wait(pid, timeout: timeout) else {
            Spawn.signal(pid, SIGKILL, group: true)
            _ = Spawn.wait(pid, timeout: .seconds(5))
            throw LabError.timedOut("`\(argv.joined(separator: " "))` did not finish within \(timeout)")
        }
        return ProcessResult(argv: argv, status: status,
                             stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                             stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }

    /// Runs `argv` and throws unless it exits 0.
    @discardableResult
    func checked(_ argv: [String], timeout: Duration = .seconds(30)) throws -> ProcessResult {
        let result = try execute(argv, timeout: timeout)
        guard result.succeeded else {
            throw LabError.commandFailed(argv: argv, status: result.status, stderr: result.stderr)
        }
        return result
    }

    /// `ip ARGS…`, checked.
    @discardableResult
    func ip(_ args: String...) throws -> ProcessResult {
        try checked([ip] + args)
    }

    /// `ip netns exec NS sysctl -qw SETTINGS…`: the namespace's own sysctls, never the root's.
    func sysctl(in namespace: String, _ settings: [String]) throws {
        try checked([ip, "netns", "exec", namespace, "sysctl", "-qw"] + settings)
    }

    /// Names from `ip netns list` ("name" or "name (id: N)" per line).
    func namespaces() throws -> [String] {
        try ip("netns", "list").stdout.split(separator: "\n").compactMap {
            $0.split(separator: " ").first.map(String.init)
        }
    }

    /// PIDs of the processes inside `namespace` (`ip netns pids`).
    func pids(in namespace: String) -> [Int32] {
        guard let result = try? execute([ip, "netns", "pids", namespace]), result.succeeded else { return [] }
        return result.stdout.split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }
    }

    /// SIGKILLs every process still inside `namespace` (by PID), then deletes the namespace.
    func remove(namespace: String) {
        for _ in 0..<50 {
            let pids = pids(in: namespace).filter { $0 != getpid() }
            if pids.isEmpty { break }
            for pid in pids { _ = kill(pid, SIGKILL) }
            Spawn.sleep(for: .milliseconds(20))
        }
        _ = try? execute([ip, "netns", "del", namespace])
    }
}

/// A thread-safe counter for scratch file names.
final class Counter: Sendable {
    private let value = Mutex(0)
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}
