// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif

/// A script that runs as long as the daemon: keepalived's `notify_fifo_script` /
/// `vrrp_notify_fifo_script` (lib/notify.c `fifo_open` starts it with `system_call_script` and
/// TIMER_NEVER). Started under the same ``ScriptPolicy`` as every other script, in its own
/// process group, stdin/stdout/stderr on /dev/null. Nothing here blocks except ``end(_:grace:)``,
/// which is meant for after the event loop has stopped.
public enum LongRunningScript {
    /// Starts `argv`; returns the pid, which is also the process group id.
    public static func start(_ argv: [String], policy: ScriptPolicy) -> Result<Int32, ProcessStartErrorText> {
        switch policy.prepare(argv) {
        case .failure(let error):
            return .failure(error)
        case .success(let launch):
            switch ChildProcess.spawn(launch) {
            case .failure(let error): return .failure(ProcessStartErrorText(error.message))
            case .success(let pid): return .success(pid)
            }
        }
    }

    /// Reaps the child if it has ended (waitpid WNOHANG): its outcome, else nil.
    public static func poll(_ pid: Int32) -> ProcessOutcome? {
        var status: Int32 = 0
        while true {
            let rc = waitpid(pid, &status, WNOHANG)
            if rc == pid { return ChildProcess.decode(status) }
            if rc == 0 { return nil }
            if errno == EINTR { continue }
            return .failedToStart("waitpid: \(errnoText(errno))")
        }
    }

    /// Lets the script end on its own for `graceMilliseconds` (a FIFO reader sees EOF once the
    /// daemon closed the FIFO), then SIGTERM to its process group, and SIGKILL a second later.
    /// Blocks up to grace + 2 s: call it only after the event loop stopped.
    public static func end(_ pid: Int32, graceMilliseconds: Int) -> ProcessOutcome {
        let start = monotonicMilliseconds()
        var termed = false
        var killed = false
        while true {
            if let outcome = poll(pid) { return outcome }
            let elapsed = monotonicMilliseconds() - start
            if !termed && elapsed >= Int64(graceMilliseconds) {
                kill(-pid, SIGTERM)
                termed = true
            } else if !killed && elapsed >= Int64(graceMilliseconds) + 1000 {
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
                killed = true
            } else if elapsed >= Int64(graceMilliseconds) + 2000 {
                return .cancelled
            }
            sleepMilliseconds(10)
        }
    }
}
