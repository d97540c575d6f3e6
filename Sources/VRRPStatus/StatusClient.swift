// SPDX-License-Identifier: Apache-2.0
import VRRPSystem
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif

/// The default path of the status socket.
public let defaultStatusSocketPath = "/run/vrrpd/vrrpd.sock"

public enum StatusClientError: Error, CustomStringConvertible, Equatable {
    case notRunning(path: String)
    case permissionDenied(path: String)
    case connectFailed(path: String, errno: Int32)
    case pathTooLong(String)
    case closed
    case malformedReply(String)
    case daemon(String)
    case timedOut(path: String, seconds: Double)

    public var description: String {
        switch self {
        case .notRunning(let p):
            "vrrpd is not running (no status socket at \(p)); start it, or give its socket with --socket"
        case .permissionDenied(let p):
            "permission denied on \(p): run as root or as a member of the socket's group"
        case .connectFailed(let p, let e):
            "cannot connect to \(p): \(String(cString: strerror(e)))"
        case .pathTooLong(let p):
            "socket path too long: \(p)"
        case .closed:
            "the daemon closed the connection"
        case .malformedReply(let why):
            "malformed reply from the daemon: \(why)"
        case .daemon(let message):
            message
        case .timedOut(let p, let seconds):
            "no answer from \(p) within \(seconds) s (the daemon is busy or stuck; raise --timeout to wait longer)"
        }
    }
}

/// A blocking client of the status socket, for vrrpctl and tests. With a `timeout`, connecting
/// and every read or write give up after that many seconds (SO_SNDTIMEO bounds a Unix
/// socket's connect too), so a stuck daemon never hangs the caller (issue 19, case 4).
public final class StatusClient {
    private let fd: Int32
    private let path: String
    private var timeout: Double?
    private var buffer = LineBuffer(maximumLineLength: 64 << 20)
    private var lines: [[UInt8]] = []

    public init(path: String = defaultStatusSocketPath, timeout: Double? = nil) throws {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { throw StatusClientError.pathTooLong(path) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw StatusClientError.connectFailed(path: path, errno: errno) }
        Self.setTimeout(fd, timeout)
        let started = Self.monotonicSeconds()
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if rc != 0 {
            let err = errno
            close(fd)
            switch err {
            case ENOENT, ECONNREFUSED: throw StatusClientError.notRunning(path: path)
            case EACCES, EPERM: throw StatusClientError.permissionDenied(path: path)
            case EAGAIN, EINPROGRESS, ETIMEDOUT: throw StatusClientError.timedOut(path: path, seconds: timeout ?? 0)
            default: throw StatusClientError.connectFailed(path: path, errno: err)
            }
        }
        self.fd = fd
        self.path = path
        self.timeout = timeout
        // One budget for connecting and the reply: what connect used is not given again.
        if let timeout { setTimeout(max(0.05, timeout - (Self.monotonicSeconds() - started)), keepReported: timeout) }
    }

    private static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    private func setTimeout(_ seconds: Double, keepReported reported: Double) {
        Self.setTimeout(fd, seconds)
        timeout = reported
    }

    deinit { close(fd) }

    private static func setTimeout(_ fd: Int32, _ seconds: Double?) {
        var tv = timeval()
        if let seconds, seconds > 0 {
            tv.tv_sec = Int(seconds)
            tv.tv_usec = Int((seconds - Double(Int(seconds))) * 1e6)
        }
        for option in [SO_RCVTIMEO, SO_SNDTIMEO] {
            _ = setsockopt(fd, SOL_SOCKET, option, &tv, socklen_t(MemoryLayout<timeval>.size))
        }
    }

    /// Changes the timeout of later reads and writes (nil: wait for ever, as `watch` does
    /// once the daemon has answered).
    public func setTimeout(_ seconds: Double?) {
        timeout = seconds
        Self.setTimeout(fd, seconds)
    }

    public func send(_ request: StatusRequest) throws {
        let bytes = Array((request.line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = Syscall.retrying("write") { bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } }
            switch written {
            case .success(let n): offset += n
            case .failure(let error) where error.errno == EAGAIN:
                throw StatusClientError.timedOut(path: path, seconds: timeout ?? 0)
            case .failure: throw StatusClientError.closed
            }
        }
    }

    /// Reads the next reply line; throws `.closed` at end of stream.
    public func nextReply() throws -> StatusReply {
        while lines.isEmpty {
            var chunk = [UInt8](repeating: 0, count: 65536)
            let result = Syscall.retrying("read") { chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }
            let n: Int
            switch result {
            case .success(let count): n = count
            case .failure(let error) where error.errno == EAGAIN:
                throw StatusClientError.timedOut(path: path, seconds: timeout ?? 0)
            case .failure: throw StatusClientError.closed
            }
            if n == 0 { throw StatusClientError.closed }
            for output in buffer.append(chunk[0..<n]) {
                switch output {
                case .line(let l): lines.append(l)
                case .overflow: throw StatusClientError.malformedReply("line too long")
                }
            }
        }
        let line = lines.removeFirst()
        do {
            return try StatusReply.decode(line: line)
        } catch {
            throw StatusClientError.malformedReply("\(error)")
        }
    }

    /// Sends one request and returns its reply, turning a daemon error into a thrown error.
    public func request(_ request: StatusRequest) throws -> StatusReply {
        try send(request)
        let reply = try nextReply()
        if !reply.ok { throw StatusClientError.daemon(reply.error ?? "request failed") }
        return reply
    }
}
