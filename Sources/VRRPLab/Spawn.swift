// SPDX-License-Identifier: Apache-2.0
import VRRPSystem
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif

/// Process plumbing for the lab: posix_spawn into a fresh process group, waitpid without
/// blocking, status decoding. Internal; `Lab` owns every PID this starts.
enum Spawn {
    /// Where the child's stdout and stderr go.
    struct Output {
        var stdoutPath: String
        /// nil: stderr goes to the same file as stdout.
        var stderrPath: String?
    }

    /// Starts `argv` (argv[0] must be an absolute path) in its own process group
    /// (pgid == pid), with default signal dispositions, an empty signal mask, stdin from
    /// /dev/null and every descriptor above 2 closed.
    static func start(_ argv: [String], environment: [String: String], output: Output) throws -> Int32 {
        precondition(!argv.isEmpty && argv[0].hasPrefix("/"), "Spawn.start needs an absolute argv[0]")
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }

        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output.stdoutPath,
                                         O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if let stderrPath = output.stderrPath {
            posix_spawn_file_actions_addopen(&actions, 2, stderrPath,
                                             O_WRONLY | O_CREAT | O_APPEND, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        // Keep the test runner's pipes and sockets out of long-lived children.
        if let closeFrom = addCloseFrom { _ = closeFrom(&actions, 3) }

        // A process group of its own, so teardown can signal the children it starts too.
        posix_spawnattr_setpgroup(&attr, 0)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attr, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGALRM, SIGTERM, SIGUSR1, SIGUSR2, SIGCHLD] {
            sigaddset(&defaults, sig)
        }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let env = environment.map { "\($0.key)=\($0.value)" }.sorted()
        var pid: pid_t = 0
        let rc = withCStrings(argv) { cArgv in
            withCStrings(env) { cEnv in
                posix_spawn(&pid, argv[0], &actions, &attr, cArgv, cEnv)
            }
        }
        // posix_spawn returns the error number; it does not set errno.
        if rc != 0 { throw LabError.spawnFailed(argv: argv, errno: rc) }
        return pid
    }

    /// glibc ≥ 2.34's `posix_spawn_file_actions_addclosefrom_np`, which Swift's Glibc module
    /// does not import (it sits behind _GNU_SOURCE); looked up once at run time.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = {
        guard let handle = dlopen(nil, RTLD_NOW),
              let symbol = dlsym(handle, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()

    /// Reaps `pid` if it has exited. Returns its shell-style status (exit code, or 128 +
    /// signal), nil while it runs. ECHILD (someone else reaped it) reads as status 255.
    static func poll(_ pid: Int32) -> Int32? {
        var status: Int32 = 0
        switch Syscall.retrying("waitpid", { waitpid(pid, &status, WNOHANG) }) {
        case .success(pid): return decode(status)
        case .success: return nil
        case .failure: return 255
        }
    }

    /// Polls `pid` until it exits or `timeout` passes.
    static func wait(_ pid: Int32, timeout: Duration) -> Int32? {
        let deadline = ContinuousClock.now + timeout
        var pause: Duration = .milliseconds(1)
        while true {
            if let status = poll(pid) { return status }
            if ContinuousClock.now >= deadline { return nil }
            sleep(for: pause)
            pause = min(pause * 2, .milliseconds(20))
        }
    }

    /// Decodes a waitpid status without the C macros (they do not import into Swift).
    static func decode(_ status: Int32) -> Int32 {
        let low = status & 0x7f
        if low == 0 { return (status >> 8) & 0xff }     // WIFEXITED: WEXITSTATUS
        return 128 + low                                 // WIFSIGNALED: 128 + WTERMSIG
    }

    /// Sends `sig` to the process and to its process group. Errors (already gone) are ignored.
    static func signal(_ pid: Int32, _ sig: Int32, group: Bool) {
        if group { _ = kill(-pid, sig) }
        _ = kill(pid, sig)
    }

    /// True while a process with this PID exists (zombies included).
    static func exists(_ pid: Int32) -> Bool {
        if kill(pid, 0) == 0 { return true }
        return errno == EPERM
    }

    static func sleep(for duration: Duration) {
        let (seconds, attoseconds) = duration.components
        Syscall.sleep(nanoseconds: seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    private static func withCStrings<R>(_ strings: [String],
                                        _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for p in pointers { free(p) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

extension Duration {
    /// The duration in (fractional) seconds.
    public var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
