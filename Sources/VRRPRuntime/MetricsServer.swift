// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import VRRPCore
import VRRPLinux
import VRRPStatus

/// The optional Prometheus endpoint (`--metrics-address 127.0.0.1:9650`): any HTTP GET is
/// answered with the text exposition of the current snapshot.
///
/// Bounded per loop turn like the status socket (issue 19): complete requests wait in a queue,
/// and a slice run in the next turn answers at most `responsesPerTurn` of them from one
/// rendering of the snapshot.
final class MetricsServer {
    private unowned let daemon: Daemon
    private var listener: GuardedListener!
    /// Limits (issue 19, case 4; the endpoint has no authentication): this many connections at
    /// once, each closed after `lifetime` whatever it is doing (idle, slow, or not reading).
    let maximumConnections = 16
    let lifetime = Interval.seconds(10)
    private var connections: [Int32: StreamConnection] = [:]
    private var ready: [(connection: StreamConnection, head: [UInt8])] = []
    private var sliceScheduled = false
    let responsesPerTurn = 8

    init(daemon: Daemon, address: String) throws {
        self.daemon = daemon
        guard let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]) else {
            throw DaemonError.startup("--metrics-address wants HOST:PORT, got \(address)")
        }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let fd: Int32
        switch IPAddress(host) {
        case .v4(let a)?:
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            sin.sin_addr.s_addr = a.value.bigEndian
            fd = try withUnsafeBytes(of: &sin) { try listenSocket(family: AF_INET, address: $0, what: address) }
        case .v6(let a)?:
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: a.bytes) }
            fd = try withUnsafeBytes(of: &sin6) { try listenSocket(family: AF_INET6, address: $0, what: address) }
        case nil:
            throw DaemonError.startup("--metrics-address: \(host) is not an IP address")
        }
        listener = try GuardedListener(fd: fd, loop: daemon.loop, what: "metrics \(address)", log: daemon.log) {
            [unowned self] in self.accepted($0)
        }
    }

    func close() {
        for (_, c) in connections { c.close() }
        listener.close()
    }

    private func accepted(_ descriptors: [Int32]) {
        for fd in descriptors {
            guard connections.count < maximumConnections else {
                sendNow(fd, Array("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
                Glibc.close(fd)
                continue
            }
            let connection = StreamConnection(fd: fd, loop: daemon.loop, maximumQueued: 16 << 20)
            connections[fd] = connection
            let deadline = daemon.loop.schedule(after: lifetime) { [weak connection] in connection?.close() }
            connection.onClose = { [unowned self] in
                self.connections[fd] = nil
                self.daemon.loop.cancel(deadline)
            }
            var request: [UInt8] = []
            do {
                try daemon.loop.register(fd: fd) { [unowned self, unowned connection] in
                    guard let bytes = connection.readAvailable() else {
                        connection.close()
                        return
                    }
                    request += bytes
                    // Answer once the request head is complete (or absurdly long).
                    if request.count > 16384 || request.suffix(4) == [13, 10, 13, 10] || request.suffix(2) == [10, 10] {
                        // Nothing more is read from it: it waits for its turn.
                        self.daemon.loop.unregister(fd: connection.fd)
                        self.ready.append((connection, request))
                        self.scheduleSlice()
                    }
                }
            } catch {
                connection.close()
            }
        }
    }

    private func scheduleSlice() {
        guard !sliceScheduled else { return }
        sliceScheduled = true
        daemon.loop.runNextTurn { [weak self] in self?.runSlice() }
    }

    private func runSlice() {
        sliceScheduled = false
        let batch = ready.prefix(responsesPerTurn)
        ready.removeFirst(batch.count)
        var rendered: String?
        for (connection, head) in batch where !connection.isClosed {
            respond(connection, head: head) {
                if let rendered { return rendered }
                let text = daemon.snapshot().renderPrometheus()
                rendered = text
                return text
            }
        }
        if !ready.isEmpty { scheduleSlice() }
    }

    private func respond(_ connection: StreamConnection, head: [UInt8], metrics: () -> String) {
        let firstLine = String(decoding: head.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
        let body: String
        let status: String
        if firstLine.hasPrefix("GET ") {
            status = "200 OK"
            body = metrics()
        } else {
            status = "405 Method Not Allowed"
            body = "only GET\n"
        }
        let response = "HTTP/1.1 \(status)\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
        connection.write(Array(response.utf8))
        connection.finish()
    }
}
