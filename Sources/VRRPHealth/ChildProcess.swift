// SPDX-License-Identifier: Apache-2.0
import VRRPSystem
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif
import CVRRPLinux

/// How a child process ended.
public enum ProcessOutcome: Sendable, Hashable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)
    /// The timeout expired; the whole process group was killed with SIGKILL.
    case timedOut
    /// The monitor was stopped while the child ran; its process group was killed.
    case cancelled
    /// The command could not be started (missing binary, refused by script security, user switch failed).
    case failedToStart(String)

    public var description: String {
        switch self {
        case .exited(let code): "exit status \(code)"
        case .signaled(let sig): "killed by signal \(sig)"
        case .timedOut: "timed out"
        case .cancelled: "cancelled"
        case .failedToStart(let why): "cannot start: \(why)"
        }
    }
}

/// Runs argv without a shell: `cvrrp_spawn` forks, puts the child in a new process group
/// (pgid = pid) so that a timeout kills the script and everything it started
/// (`kill(-pgid, SIGKILL)`), switches to the script's user when one is given, and execs.
/// stdin, stdout and stderr are /dev/null; signal dispositions are reset and the signal
/// mask cleared, so the child does not inherit the daemon's blocked signals.
///
/// Killing a script that runs as another user needs CAP_KILL (kill(2): the sender's uid must
/// match the target's otherwise); the daemon keeps it, with CAP_SETUID and CAP_SETGID, exactly
/// when a script runs as another user (docs/operations.md). Waiting never blocks without
/// bound: a child that cannot be killed is polled, never waited for in `waitpid(pid, 0)`.
enum ChildProcess {
    /// Resolves a program name like execvp: a name with a slash is used as is.
    static func resolve(_ program: String) -> String? {
        if program.contains("/") { return program }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(program)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Spawns as the daemon; returns the pid (which is also the process group id) or an error text.
    static func spawn(_ argv: [String]) -> Result<pid_t, ProcessStartError> {
        guard let first = argv.first else { return .failure(ProcessStartError("empty command")) }
        guard let path = resolve(first) else {
            return .failure(ProcessStartError("\(first): not found in PATH"))
        }
        return spawn(ScriptPolicy.Launch(path: path, argv: argv, identity: nil))
    }

    static func spawn(_ launch: ScriptPolicy.Launch) -> Result<pid_t, ProcessStartError> {
        var cArgs: [UnsafeMutablePointer<CChar>?] = launch.argv.map { strdup($0) }
        cArgs.append(nil)
        defer { for p in cArgs { free(p) } }
        let id = launch.identity
        let groups = id?.groups ?? []
        var pid: pid_t = 0
        var stage: Int32 = 0
        let rc = launch.path.withCString { cPath in
            cArgs.withUnsafeBufferPointer { args in
                groups.withUnsafeBufferPointer { g in
                    cvrrp_spawn(cPath, args.baseAddress!, environ, id == nil ? 0 : 1, id?.uid ?? 0, id?.gid ?? 0,
                                g.baseAddress, Int32(g.count), &pid, &stage)
                }
            }
        }
        if rc != 0 {
            let err = errno
            let what: String
            switch stage {
            case CVRRP_SPAWN_STAGE_FORK: what = "fork"
            case CVRRP_SPAWN_STAGE_DEVNULL: what = "/dev/null"
            case CVRRP_SPAWN_STAGE_SETGROUPS: what = "setgroups for \(id?.description ?? "?")"
            case CVRRP_SPAWN_STAGE_SETGID: what = "setgid to \(id?.description ?? "?")"
            case CVRRP_SPAWN_STAGE_SETUID: what = "setuid to \(id?.description ?? "?")"
            default: what = launch.path
            }
            return .failure(ProcessStartError("\(what): \(errnoText(err))"))
        }
        return .success(pid)
    }

    /// Waits for `pid` up to `timeoutMilliseconds`; on timeout or stop, SIGKILLs the process
    /// group and reaps the child. Polls (WNOHANG) throughout: if the kill is refused, it is
    /// repeated every second rather than waiting for ever in waitpid.
    static func wait(pid: pid_t, timeoutMilliseconds: Int, stop: WakePipe?) -> ProcessOutcome {
        let deadline = monotonicMilliseconds() + Int64(timeoutMilliseconds)
        var pause = 1
        var ending: ProcessOutcome?
        var lastKill: Int64 = 0
        while true {
            var status: Int32 = 0
            switch Syscall.retrying("waitpid", { waitpid(pid, &status, WNOHANG) }) {
            case .success(pid): return ending ?? decode(status)
            case .failure(let error): return ending ?? .failedToStart("waitpid: \(error.reason)")
            case .success: break
            }
            let now = monotonicMilliseconds()
            if ending == nil {
                if stop?.isSignalled ?? false {
                    ending = .cancelled
                } else if now >= deadline {
                    ending = .timedOut
                }
            }
            if ending != nil {
                if now - lastKill >= 1000 {
                    kill(-pid, SIGKILL)
                    kill(pid, SIGKILL)
                    lastKill = now
                }
                sleepMilliseconds(10)
                continue
            }
            sleepMilliseconds(min(pause, Int(deadline - now)))
            pause = min(pause * 2, 20)
        }
    }

    static func run(_ argv: [String], timeoutMilliseconds: Int, stop: WakePipe? = nil) -> ProcessOutcome {
        switch spawn(argv) {
        case .failure(let error): return .failedToStart(error.message)
        case .success(let pid): return wait(pid: pid, timeoutMilliseconds: timeoutMilliseconds, stop: stop)
        }
    }

    /// Applies `policy` (user, script security), then runs.
    static func run(_ argv: [String], policy: ScriptPolicy, timeoutMilliseconds: Int, stop: WakePipe? = nil) -> ProcessOutcome {
        let launch: ScriptPolicy.Launch
        switch policy.prepare(argv) {
        case .failure(let error): return .failedToStart(error.message)
        case .success(let l): launch = l
        }
        switch spawn(launch) {
        case .failure(let error): return .failedToStart(error.message)
        case .success(let pid): return wait(pid: pid, timeoutMilliseconds: timeoutMilliseconds, stop: stop)
        }
    }

    /// WIFEXITED / WEXITSTATUS / WTERMSIG, which do not import into Swift.
    static func decode(_ status: Int32) -> ProcessOutcome {
        let low = status & 0x7f
        if low == 0 { return .exited((status >> 8) & 0xff) }
        return .signaled(low)
    }
}

struct ProcessStartError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
