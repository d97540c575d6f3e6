#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif

/// How a child process ended.
public enum ProcessOutcome: Sendable, Hashable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)
    /// The timeout expired; the whole process group was killed with SIGKILL.
    case timedOut
    /// The monitor was stopped while the child ran; its process group was killed.
    case cancelled
    /// posix_spawn failed (missing binary, permission, ...).
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

/// Runs argv without a shell through `posix_spawn` (glibc's is vfork-like: no fork of the
/// daemon's address space), in a new process group (`POSIX_SPAWN_SETPGROUP`, pgid = pid) so
/// that a timeout kills the script and everything it started (`kill(-pgid, SIGKILL)`).
/// stdin, stdout and stderr are /dev/null; signal dispositions are reset and the signal
/// mask cleared, so the child does not inherit the daemon's blocked signals.
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

    /// Spawns; returns the pid (which is also the process group id) or an error text.
    static func spawn(_ argv: [String]) -> Result<pid_t, ProcessStartError> {
        guard let first = argv.first else { return .failure(ProcessStartError("empty command")) }
        guard let path = resolve(first) else {
            return .failure(ProcessStartError("\(first): not found in PATH"))
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)

        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attr, &noSignals)
        posix_spawnattr_setsigdefault(&attr, &allSignals)
        posix_spawnattr_setpgroup(&attr, 0)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK
                                              | POSIX_SPAWN_SETSIGDEF))

        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
        cArgs.append(nil)
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        let rc = path.withCString { cPath in
            cArgs.withUnsafeBufferPointer { args in
                posix_spawn(&pid, cPath, &actions, &attr, args.baseAddress!, environ)
            }
        }
        if rc != 0 {
            return .failure(ProcessStartError("\(path): \(errnoText(rc))"))
        }
        return .success(pid)
    }

    /// Waits for `pid` up to `timeoutMilliseconds`; on timeout or stop, SIGKILLs the process
    /// group and reaps the child. Never returns before the child is reaped.
    static func wait(pid: pid_t, timeoutMilliseconds: Int, stop: WakePipe?) -> ProcessOutcome {
        let deadline = monotonicMilliseconds() + Int64(timeoutMilliseconds)
        var pause = 1
        while true {
            var status: Int32 = 0
            let rc = waitpid(pid, &status, WNOHANG)
            if rc == pid { return decode(status) }
            if rc == -1 {
                let err = errno
                if err == EINTR { continue }
                return .failedToStart("waitpid: \(errnoText(err))")
            }
            let now = monotonicMilliseconds()
            let cancelled = stop?.isSignalled ?? false
            if now >= deadline || cancelled {
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                return cancelled ? .cancelled : .timedOut
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
