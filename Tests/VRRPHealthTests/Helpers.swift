// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Synchronization
@testable import VRRPHealth

/// A private temporary directory, removed by `remove()`.
struct TempDir {
    let path: String

    init() {
        var template = Array("/tmp/vrrp-health-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(cString: made!)
    }

    /// Writes a file with the given mode and returns its path.
    @discardableResult
    func write(_ name: String, _ content: String, mode: mode_t = 0o755) -> String {
        let file = "\(path)/\(name)"
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        precondition(fd >= 0, "open \(file) failed")
        _ = content.utf8CString.withUnsafeBufferPointer { Glibc.write(fd, $0.baseAddress, $0.count - 1) }
        close(fd)
        chmod(file, mode)
        return file
    }

    func read(_ name: String) -> String {
        String(decoding: ProcFS.read("\(path)/\(name)") ?? [], as: UTF8.self)
    }

    func remove() {
        let argv = ["/bin/rm", "-rf", path]
        _ = ChildProcess.run(argv, timeoutMilliseconds: 10_000)
    }
}

/// Collects events from a sink and waits for one matching a predicate.
final class EventLog<Event: Sendable>: Sendable {
    private let events: Mutex<[Event]> = Mutex([])

    func append(_ e: Event) { events.withLock { $0.append(e) } }
    var all: [Event] { events.withLock { $0 } }

    /// Polls until an event matches or `limit` (a generous hang bound) passes.
    func wait(limit: Duration = .seconds(10), for predicate: (Event) -> Bool) -> Event? {
        let deadline = monotonicMilliseconds() + Int64(limit.wholeMilliseconds)
        while monotonicMilliseconds() < deadline {
            if let hit = all.first(where: predicate) { return hit }
            sleepMilliseconds(10)
        }
        return all.first(where: predicate)
    }
}

/// True when the pid no longer exists or is a zombie awaiting its reaper.
func processIsGone(_ pid: Int32) -> Bool {
    guard let stat = ProcFS.read("/proc/\(pid)/stat") else { return true }
    let text = String(decoding: stat, as: UTF8.self)
    guard let close = text.lastIndex(of: ")") else { return true }
    let state = text[text.index(close, offsetBy: 2)...].prefix(1)
    return state == "Z" || state == "X"
}

/// A loopback TCP server on its own thread: each accepted connection is handed to
/// `handler(connectionIndex, fd)`, then closed. `stop()` ends it.
final class LoopbackServer: Sendable {
    let port: UInt16
    private let listenFD: Int32
    private let stopFlag = WakePipe()
    private let thread: Mutex<JoinableThread?> = Mutex(nil)

    init?(ipv6: Bool = false, handler: @escaping @Sendable (Int, Int32, WakePipe) -> Void) {
        let family = ipv6 ? AF_INET6 : AF_INET
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var bound: Int32
        if ipv6 {
            var a = sockaddr_in6()
            a.sin6_family = sa_family_t(AF_INET6)
            a.sin6_addr = in6addr_loopback
            bound = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        } else {
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            bound = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
        guard bound == 0, listen(fd, 16) == 0 else { close(fd); return nil }
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            getsockname(fd, $0, &len) } }
        let port = withUnsafeBytes(of: storage) { raw -> UInt16 in
            UInt16(raw[2]) << 8 | UInt16(raw[3])   // sin_port / sin6_port, network order
        }
        self.port = port
        self.listenFD = fd
        let stop = stopFlag
        let t = JoinableThread {
            var index = 0
            while true {
                var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: stop.readFD, events: Int16(POLLIN), revents: 0)]
                _ = poll(&fds, 2, 1000)
                if fds[1].revents != 0 { return }
                if fds[0].revents == 0 { continue }
                let conn = accept(fd, nil, nil)
                if conn < 0 { continue }
                handler(index, conn, stop)
                index += 1
                close(conn)
            }
        }
        thread.withLock { $0 = t }
    }

    func stop() {
        stopFlag.wake()
        thread.withLock { $0 }?.join()
        close(listenFD)
    }

    /// Reads until the peer sends "\r\n\r\n", closes, or the server stops.
    static func readRequest(_ fd: Int32, stop: WakePipe) -> [UInt8] {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        while !String(decoding: data, as: UTF8.self).contains("\r\n\r\n") {
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: stop.readFD, events: Int16(POLLIN), revents: 0)]
            _ = poll(&fds, 2, 5000)
            if fds[1].revents != 0 || fds[0].revents == 0 { break }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            data += buffer[0..<n]
        }
        return data
    }

    /// Reads exactly `count` bytes (or less on EOF / stop).
    static func readBytes(_ fd: Int32, count: Int, stop: WakePipe) -> [UInt8] {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: count)
        while data.count < count {
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: stop.readFD, events: Int16(POLLIN), revents: 0)]
            _ = poll(&fds, 2, 5000)
            if fds[1].revents != 0 || fds[0].revents == 0 { break }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, count - data.count, 0) }
            if n <= 0 { break }
            data += buffer[0..<n]
        }
        return data
    }

    static func send(_ fd: Int32, _ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }
}
