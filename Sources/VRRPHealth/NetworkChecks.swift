// SPDX-License-Identifier: Apache-2.0
import VRRPSystem
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif

/// Blocking-with-deadline TCP client used by the native checks. Each call runs on its
/// checker's own thread; every wait is a `poll` bounded by the check's deadline and also
/// watches the stop pipe, so a hanging peer never blocks anything else.
struct TCPProbe {
    let host: String
    let port: UInt16
    let deadline: Int64
    let stop: WakePipe?

    struct Failure: Error {
        var message: String
        static func failed(_ message: String) -> Failure { Failure(message: message) }
    }

    private func remaining() -> Int32 {
        Int32(clamping: max(0, deadline - monotonicMilliseconds()))
    }

    /// Connects to the first address that accepts; returns the fd.
    func connect() throws(Failure) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>? = nil
        let rc = getaddrinfo(host, String(port), &hints, &list)
        if rc != 0 {
            throw .failed("cannot resolve \(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address for \(host)"
        var node = list
        while let ai = node {
            node = ai.pointee.ai_next
            let fd = socket(ai.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            if fd < 0 { lastError = "socket: \(errnoText(errno))"; continue }
            let crc = Glibc.connect(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen)
            if crc == 0 { return fd }
            let err = errno
            if err != EINPROGRESS {
                close(fd)
                lastError = describe(err)
                continue
            }
            switch waitFor(fd: fd, events: Int16(POLLOUT)) {
            case .ready:
                var soError: Int32 = 0
                var len = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len)
                if soError == 0 { return fd }
                close(fd)
                lastError = describe(soError)
            case .timedOut:
                close(fd)
                throw .failed("connect timed out")
            case .stopped:
                close(fd)
                throw .failed("cancelled")
            }
        }
        throw .failed(lastError)
    }

    private func describe(_ err: Int32) -> String {
        switch err {
        case ECONNREFUSED: "connection refused"
        case ETIMEDOUT: "connect timed out"
        case EHOSTUNREACH: "host unreachable"
        case ENETUNREACH: "network unreachable"
        default: "connect: \(errnoText(err))"
        }
    }

    enum Wait { case ready, timedOut, stopped }

    func waitFor(fd: Int32, events: Int16) -> Wait {
        if remaining() <= 0 { return .timedOut }
        var fds = [pollfd(fd: fd, events: events, revents: 0)]
        if let stop { fds.append(pollfd(fd: stop.readFD, events: Int16(POLLIN), revents: 0)) }
        // Interrupted: polled again for what is left of the deadline.
        let rc = Syscall.retrying("poll") { poll(&fds, nfds_t(fds.count), max(remaining(), 0)) }
        guard case .success(let ready) = rc, ready > 0 else { return .timedOut }
        if fds.count > 1 && fds[1].revents != 0 { return .stopped }
        return .ready
    }

    func send(fd: Int32, _ bytes: [UInt8]) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            let sent = Syscall.retrying("send") {
                bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
            switch sent {
            case .success(let n) where n > 0:
                offset += n
                continue
            case .success:
                throw .failed("send: \(errnoText(EPIPE))")
            case .failure(let error) where error.isWouldBlock:
                switch waitFor(fd: fd, events: Int16(POLLOUT)) {
                case .ready: continue
                case .timedOut: throw .failed("send timed out")
                case .stopped: throw .failed("cancelled")
                }
            case .failure(let error):
                throw .failed("send: \(error.reason)")
            }
        }
    }

    /// Reads until `done` says the bytes are enough, EOF, or the deadline.
    /// Returns the bytes and whether EOF was seen.
    func receive(fd: Int32, timeoutReason: String, until done: ([UInt8]) -> Bool) throws(Failure) -> (bytes: [UInt8], eof: Bool) {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !done(data) {
            let received = Syscall.retrying("recv") { buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) } }
            switch received {
            case .success(0):
                return (data, true)
            case .success(let n):
                data += buffer[0..<n]
                continue
            case .failure(let error) where error.isWouldBlock:
                switch waitFor(fd: fd, events: Int16(POLLIN)) {
                case .ready: continue
                case .timedOut: throw .failed(timeoutReason)
                case .stopped: throw .failed("cancelled")
                }
            case .failure(let error) where error.errno == ECONNRESET:
                throw .failed("connection reset")
            case .failure(let error):
                throw .failed("recv: \(error.reason)")
            }
        }
        return (data, false)
    }
}

enum NativeChecks {
    static func deadline(_ timeout: Duration) -> Int64 {
        monotonicMilliseconds() + Int64(max(1, timeout.wholeMilliseconds))
    }

    static func tcp(_ check: TCPCheck, timeout: Duration, stop: WakePipe?) -> CheckResult {
        let probe = TCPProbe(host: check.host, port: check.port, deadline: deadline(timeout), stop: stop)
        do throws(TCPProbe.Failure) {
            let fd = try probe.connect()
            close(fd)
            return .ok("connected")
        } catch {
            return .failed(error.message)
        }
    }

    static func hostHeader(_ check: HTTPCheck) -> String {
        if let h = check.hostHeader { return h }
        let host = check.host.contains(":") ? "[\(check.host)]" : check.host
        return check.port == 80 ? host : "\(host):\(check.port)"
    }

    static func http(_ check: HTTPCheck, timeout: Duration, stop: WakePipe?) -> CheckResult {
        let probe = TCPProbe(host: check.host, port: check.port, deadline: deadline(timeout), stop: stop)
        do throws(TCPProbe.Failure) {
            let fd = try probe.connect()
            defer { close(fd) }
            try probe.send(fd: fd, HTTPStatusLine.request(path: check.path, host: hostHeader(check)))
            let (bytes, _) = try probe.receive(fd: fd, timeoutReason: "no HTTP response before timeout") {
                HTTPStatusLine.parse($0[...]) != .needMore
            }
            switch HTTPStatusLine.parse(bytes[...]) {
            case .status(let code):
                return check.accepts(code) ? .ok("HTTP \(code)") : .failed("HTTP \(code)")
            case .needMore:
                return .failed(bytes.isEmpty ? "connection closed without HTTP response" : "truncated HTTP status line")
            case .invalid:
                return .failed("invalid HTTP status line")
            }
        } catch {
            return .failed(error.message)
        }
    }

    static func amqp(_ check: AMQPCheck, timeout: Duration, stop: WakePipe?) -> CheckResult {
        let probe = TCPProbe(host: check.host, port: check.port, deadline: deadline(timeout), stop: stop)
        do throws(TCPProbe.Failure) {
            let fd = try probe.connect()
            defer { close(fd) }
            try probe.send(fd: fd, AMQPHandshake.protocolHeader)
            let (bytes, _) = try probe.receive(fd: fd, timeoutReason: "no Connection.Start before timeout") {
                AMQPHandshake.parse($0[...]) != .needMore
            }
            switch AMQPHandshake.parse(bytes[...]) {
            case .connectionStart: return .ok("Connection.Start")
            case .needMore: return .failed("no Connection.Start (connection closed)")
            case .invalid(let why): return .failed(why)
            }
        } catch {
            return .failed(error.message)
        }
    }
}
