// SPDX-License-Identifier: Apache-2.0
import VRRPSystem
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif
// SOCK_STREAM, SOCK_CLOEXEC, SOCK_NONBLOCK: the release build (-c release --static-swift-stdlib)
// sees them through CVRRPLinux only (as SystemdNotify.swift).
import CVRRPLinux

/// What one `acceptPending` call got from a listening socket.
public struct AcceptResult: Sendable {
    /// Accepted connections, close-on-exec, non-blocking.
    public var descriptors: [Int32] = []
    /// accept(2) failed with EMFILE/ENFILE (or ENOBUFS/ENOMEM): connections are waiting that
    /// cannot be taken now. The listener stays readable, so the caller must stop watching it
    /// for a while rather than be called again at once (issue 19, case 4: the loop span).
    public var descriptorsExhausted = false
}

/// Accepts up to `limit` pending connections on a non-blocking listening socket.
public func acceptPending(_ listener: Int32, limit: Int) -> AcceptResult {
    var result = AcceptResult()
    while result.descriptors.count < limit {
        let accepted = Syscall.retrying("accept") { accept(listener, nil, nil) }
        guard case .failure(let error) = accepted else {
            let fd = try! accepted.get()
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            result.descriptors.append(fd)
            continue
        }
        switch error.errno {
        case ECONNABORTED, EPROTO: continue
        case EMFILE, ENFILE, ENOBUFS, ENOMEM: result.descriptorsExhausted = true
        default: break
        }
        return result
    }
    return result
}

/// Writes what the socket takes now, never blocking; for one-line refusals on a connection
/// that is closed right after.
public func sendNow(_ fd: Int32, _ bytes: [UInt8]) {
    _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)) }
}

/// True when something accepts connections on the Unix stream socket at `path`: a live
/// daemon, whose socket must not be unlinked (issue 19, case 5).
public func unixSocketIsLive(_ path: String) -> Bool {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        raw.copyBytes(from: bytes)
        raw[bytes.count] = 0
    }
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    let rc = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    // EAGAIN: a listener whose backlog is full is alive too.
    return rc == 0 || errno == EAGAIN
}

/// A few descriptors held open (on /dev/null) so that, when connections have used every other
/// descriptor the process may have, a reload or a SIGUSR1 dump can still open its files: the
/// caller releases them around such work and takes them back afterwards.
public final class ReserveDescriptor {
    private var fds: [Int32] = []
    public let count: Int

    public init(count: Int = 4) {
        self.count = count
        restore()
    }

    deinit { release() }

    public var held: Int { fds.count }

    public func release() {
        for fd in fds { close(fd) }
        fds.removeAll()
    }

    public func restore() {
        while fds.count < count {
            let fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return }
            fds.append(fd)
        }
    }

    /// Runs `body` with the reserve given back to the process.
    public func whileReleased<T>(_ body: () throws -> T) rethrows -> T {
        release()
        defer { restore() }
        return try body()
    }
}

/// A pid file held with flock(2) for the life of the process (issue 19, case 5): a second
/// daemon pointed at the same file finds it locked and stops before touching anything.
public final class PidFileLock {
    public let path: String
    private let fd: Int32

    public enum Outcome {
        case acquired(PidFileLock)
        /// Another process holds the lock; the PID it wrote, when readable.
        case heldByAnother(pid: Int32?)
    }

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    /// Opens (creating, mode 0644, never through a symlink) and locks `path`, then writes our
    /// PID into it.
    public static func acquire(_ path: String) throws -> Outcome {
        let fd = try syscall("open \(path)") { open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let err = errno
            defer { close(fd) }
            guard err == EWOULDBLOCK else { throw SystemError("flock \(path)", errno: err) }
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
            let text = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
            return .heldByAnother(pid: Int32(text.trimmingCharacters(in: " \n")))
        }
        do {
            try syscall("ftruncate \(path)") { ftruncate(fd, 0) }
            let bytes = Array("\(getpid())\n".utf8)
            let n = try syscall("write \(path)") { bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) } }
            guard n == bytes.count else { throw SystemError("write \(path)", errno: EIO) }
        } catch {
            close(fd)
            throw error
        }
        return .acquired(PidFileLock(path: path, fd: fd))
    }

    /// Removes the file (it is ours: we hold its lock), then releases the lock. Idempotent.
    public func remove() {
        guard !removed else { return }
        removed = true
        unlink(path)
        close(fd)
    }

    private var removed = false
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return String(s)
    }
}
