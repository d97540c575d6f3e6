// SPDX-License-Identifier: Apache-2.0
import VRRPSystem
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif

/// The text for an errno value (call with a value captured right after the failing call).
func errnoText(_ code: Int32) -> String {
    String(cString: strerror(code))
}

/// Monotonic milliseconds.
func monotonicMilliseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}

/// Sleeps a few milliseconds (used only while waiting for a child to exit).
func sleepMilliseconds(_ ms: Int) {
    Syscall.sleep(nanoseconds: Int64(ms) * 1_000_000)
}

/// A self-pipe that wakes a thread blocked in `poll` (the stop signal of a checker thread).
final class WakePipe: Sendable {
    let readFD: Int32
    let writeFD: Int32

    init() {
        var fds: [Int32] = [-1, -1]
        let rc = pipe(&fds)
        precondition(rc == 0, "pipe failed: \(errnoText(errno))")
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        }
        readFD = fds[0]
        writeFD = fds[1]
    }

    func wake() {
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    /// True once `wake()` has been called (the byte is left in the pipe for other waiters).
    var isSignalled: Bool {
        var pfd = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
        return poll(&pfd, 1, 0) > 0
    }

    /// Waits up to `ms` milliseconds; returns true if woken.
    func wait(milliseconds ms: Int) -> Bool {
        let deadline = monotonicMilliseconds() + Int64(ms)
        var pfd = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
        // Interrupted: polled again for what is left of the deadline.
        let rc = Syscall.retrying("poll") {
            poll(&pfd, 1, Int32(clamping: max(deadline - monotonicMilliseconds(), 0)))
        }
        if case .success(let ready) = rc { return ready > 0 }
        return false
    }

    deinit {
        close(readFD)
        close(writeFD)
    }
}

/// A joinable POSIX thread running a Sendable closure.
struct JoinableThread: @unchecked Sendable {
    private let handle: pthread_t

    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    init(_ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var tid = pthread_t()
        let rc = pthread_create(&tid, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        precondition(rc == 0, "pthread_create failed: \(errnoText(rc))")
        handle = tid
    }

    func join() {
        pthread_join(handle, nil)
    }

    func detach() {
        pthread_detach(handle)
    }
}
