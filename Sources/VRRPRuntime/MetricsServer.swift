// SPDX-License-Identifier: Apache-2.0
import VRRPCore
import VRRPLinux
import VRRPStatus

/// The optional Prometheus endpoint (`--metrics-address 127.0.0.1:9650`): any HTTP GET is
/// answered with the text exposition of the current snapshot.
///
/// Bounded per loop turn like the status socket (issue 19): complete requests wait in a queue,
/// and a slice run in the next turn answers at most `responsesPerTurn` of them from one
/// rendering of the snapshot. The rendering itself takes `SnapshotBuild.instancesPerTurn`
/// instances per turn (issue 16: 1 000 instances are 2 MB of text).
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
    /// The exposition being rendered over turns, and the one finished for the next slice.
    private var rendering: (build: SnapshotBuild, writer: PrometheusWriter)?
    private var rendered: String?

    init(daemon: Daemon, address: String) throws {
        self.daemon = daemon
        guard let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]) else {
            throw DaemonError.startup("--metrics-address wants HOST:PORT, got \(address)")
        }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let ip = IPAddress(host) else {
            throw DaemonError.startup("--metrics-address: \(host) is not an IP address")
        }
        let socket = try StreamListener.tcp(address: ip, port: port, what: address)
        listener = try GuardedListener(listener: socket, loop: daemon.loop, what: "metrics \(address)", log: daemon.log) {
            [unowned self] in self.accepted($0)
        }
    }

    func close() {
        for (_, c) in connections { c.close() }
        listener.close()
    }

    private func accepted(_ sockets: [StreamSocket]) {
        for socket in sockets {
            guard connections.count < maximumConnections else {
                socket.sendNow(Array("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
                socket.close()
                continue
            }
            let fd = socket.fd
            let connection = StreamConnection(socket: socket, loop: daemon.loop, maximumQueued: 16 << 20)
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
        if rendered == nil {
            render()
            guard rendered != nil else { return }  // its end schedules the slice
        }
        let batch = ready.prefix(responsesPerTurn)
        ready.removeFirst(batch.count)
        for (connection, head) in batch where !connection.isClosed {
            respond(connection, head: head, metrics: rendered ?? "")
        }
        if ready.isEmpty { rendered = nil } else { scheduleSlice() }
    }

    /// Renders the exposition over turns; done at once if the instances fit in one turn.
    private func render() {
        guard rendering == nil else { return }
        rendering = (SnapshotBuild(daemon), PrometheusWriter(daemon: daemon.daemonInfo()))
        var later = false
        daemon.runOverTurns { [weak self] in
            guard let self, let build = self.rendering?.build else { return true }
            let done = build.step(self.daemon, count: SnapshotBuild.instancesPerTurn) { self.rendering?.writer.append(instance: $0) }
            guard done else { return false }
            self.rendered = self.rendering?.writer.finish()
            self.rendering = nil
            if later { self.scheduleSlice() }
            return true
        }
        later = true
    }

    private func respond(_ connection: StreamConnection, head: [UInt8], metrics: String) {
        let firstLine = String(decoding: head.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
        let body: String
        let status: String
        if firstLine.hasPrefix("GET ") {
            status = "200 OK"
            body = metrics
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
