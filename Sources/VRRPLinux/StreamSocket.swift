// SPDX-License-Identifier: Apache-2.0
import VRRPSystem
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif
// SOCK_STREAM, SOCK_CLOEXEC, SOCK_NONBLOCK: the release build sees them through CVRRPLinux only.
import CVRRPLinux
import VRRPCore

/// A connected, non-blocking stream socket (a status or metrics client). The runtime keeps the
/// queues and limits; this type only moves bytes. Closed by `close()` or when released.
public final class StreamSocket {
    /// The descriptor, for registering with the event loop; valid until `close()`.
    public let fd: Int32
    public private(set) var isClosed = false

    /// Takes ownership of a connected socket and makes it non-blocking.
    public init(adopting fd: Int32) {
        self.fd = fd
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    deinit { close() }

    public enum ReadResult: Equatable {
        case bytes([UInt8])
        /// Nothing to read now.
        case wouldBlock
        /// End of stream, or an error: the caller closes.
        case closed
    }

    /// Reads what is there, up to `maximum` bytes.
    public func read(maximum: Int = 4096) -> ReadResult {
        var buffer = [UInt8](repeating: 0, count: maximum)
        let result = Syscall.retrying("read") { buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }
        switch result {
        case .success(0): return .closed
        case .success(let n): return .bytes(Array(buffer[0..<n]))
        case .failure(let error): return error.isWouldBlock ? .wouldBlock : .closed
        }
    }

    public enum SendResult: Equatable {
        case sent(Int)
        /// The socket takes nothing now.
        case wouldBlock
        /// The peer is gone or the socket failed: the caller closes.
        case failed
    }

    /// Writes what the socket takes now without SIGPIPE.
    public func send(_ bytes: [UInt8]) -> SendResult {
        let result = Syscall.retrying("send") { bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }
        switch result {
        case .success(let n) where n > 0: return .sent(n)
        case .success: return .failed
        case .failure(let error): return error.isWouldBlock ? .wouldBlock : .failed
        }
    }

    /// Writes what the socket takes now, never blocking, ignoring the outcome: for one-line
    /// refusals on a connection that is closed right after.
    public func sendNow(_ bytes: [UInt8]) {
        VRRPLinux.sendNow(fd, bytes)
    }

    /// Closes the descriptor (unregister it from the loop first). Idempotent.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        // close(2) is not retried on EINTR on Linux: the descriptor is already gone.
        _ = Glibc.close(fd)
    }
}

/// Why a listener or a private directory could not be set up; `description` is the message
/// the daemon logs.
public struct SetupError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A listening, non-blocking stream socket: the status socket (Unix) or the metrics endpoint (TCP).
public final class StreamListener {
    /// The descriptor, for registering with the event loop; valid until `close()`.
    public let fd: Int32
    /// A Unix socket's path, unlinked by `close()`.
    public let path: String?
    private var closed = false

    private init(fd: Int32, path: String?) {
        self.fd = fd
        self.path = path
    }

    deinit { close() }

    /// Listens on the Unix stream socket `path` with mode 0660 and group `group` (the daemon's
    /// group when nil), creating the parent directory (0755) when missing.
    ///
    /// A socket a live daemon answers on is never taken (issue 19, case 5); a stale one is
    /// replaced. The socket is bound inside a fresh private directory (0700, ours alone), given
    /// its mode and group there, then renamed into place: no window in which another user could
    /// connect, and no process-wide umask change (other threads create files meanwhile).
    public static func unix(path: String, group: String?) throws -> StreamListener {
        try prepareDirectory(for: path)
        if unixSocketIsLive(path) { throw SetupError("daemon is already running: \(path) answers") }
        unlink(path)
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        var template = Array("\(directory.isEmpty ? "/" : directory)/.vrrpd-socket-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw SetupError("cannot create a private directory beside \(path) (errno \(errno))")
        }
        let privateDirectory = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { rmdir(privateDirectory) }
        let staging = privateDirectory + "/s"
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(staging.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw SetupError("status socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let fd = try withUnsafeBytes(of: &address) { try listenSocket(family: AF_UNIX, address: $0, what: path) }
        var gid: gid_t = getegid()
        if let group {
            guard let id = groupID(named: group) else {
                Glibc.close(fd)
                unlink(staging)
                throw SetupError("status socket group \(group) does not exist")
            }
            gid = id
        }
        do {
            // The owner stays whoever runs the daemon (root in production; a test's own user).
            try syscall("chown \(path)") { chown(staging, uid_t.max, gid) }
            try syscall("chmod \(path)") { chmod(staging, 0o660) }
            try syscall("rename \(staging) to \(path)") { rename(staging, path) }
        } catch {
            Glibc.close(fd)
            unlink(staging)
            throw error
        }
        return StreamListener(fd: fd, path: path)
    }

    /// Listens on TCP `address`:`port` (SO_REUSEADDR); `what` names it in errors.
    public static func tcp(address: IPAddress, port: UInt16, what: String) throws -> StreamListener {
        let fd: Int32
        switch address {
        case .v4(let a):
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            sin.sin_addr.s_addr = a.value.bigEndian
            fd = try withUnsafeBytes(of: &sin) { try listenSocket(family: AF_INET, address: $0, what: what) }
        case .v6(let a):
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: a.bytes) }
            fd = try withUnsafeBytes(of: &sin6) { try listenSocket(family: AF_INET6, address: $0, what: what) }
        }
        return StreamListener(fd: fd, path: nil)
    }

    /// Accepts up to `limit` pending connections (see `AcceptResult.descriptorsExhausted`).
    public func accept(limit: Int) -> (sockets: [StreamSocket], descriptorsExhausted: Bool) {
        let result = acceptPending(fd, limit: limit)
        return (result.descriptors.map { StreamSocket(adopting: $0) }, result.descriptorsExhausted)
    }

    /// Closes the socket and removes a Unix socket's path. Idempotent.
    public func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
        if let path { unlink(path) }
    }

    /// Creates the parent directory of `path` (0755) when it is missing.
    static func prepareDirectory(for path: String) throws {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
        let directory = String(path[..<slash])
        var st = stat()
        if stat(directory, &st) == 0 { return }
        try syscall("mkdir \(directory)") { mkdir(directory, 0o755) }
    }
}

/// Creates, binds and listens on a non-blocking, close-on-exec socket; returns the fd.
func listenSocket(family: Int32, address: UnsafeRawBufferPointer, what: String) throws -> Int32 {
    let fd = try syscall("socket(\(what))") {
        socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
    }
    var one: Int32 = 1
    if family != AF_UNIX {
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    }
    do {
        try syscall("bind(\(what))") {
            bind(fd, address.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(address.count))
        }
        try syscall("listen(\(what))") { listen(fd, 64) }
    } catch {
        Glibc.close(fd)
        throw error
    }
    return fd
}

/// The numeric ID of group `name`, nil when there is no such group.
public func groupID(named name: String) -> UInt32? {
    getgrnam(name).map { $0.pointee.gr_gid }
}
