// SPDX-License-Identifier: Apache-2.0
import VRRPCore
import VRRPLinux
import VRRPStatus

/// The status socket: a Unix-domain stream socket (mode 0660, group configurable) speaking the
/// line protocol of docs/status-socket.md. Runs on the daemon's loop.
///
/// Work for clients is bounded per loop turn (issue 19, case 2): a read only queues the
/// request lines; a slice run in the next turn answers at most `requestsPerClient` requests
/// or `bytesPerClient` bytes per client and `requestsPerTurn` in all, with one snapshot built
/// and encoded for every request of that slice, then asks for another turn if work is left.
/// A client with `pendingLimit` unanswered requests is no longer read (the kernel's socket
/// buffer pushes back on it), and one whose replies are not being read gets no more answers
/// until its queue drains.
///
/// Resource limits (issue 19, case 4): at most `maximumClients` connections (the next one
/// gets a one-line refusal and is closed), at most `totalQueuedLimit` bytes of replies
/// waiting in all, a client that sends nothing for `idleTimeout` (watchers excepted) or
/// leaves its replies unread for `slowTimeout` is closed, and the listener backs off when
/// the process runs out of descriptors (`GuardedListener`).
final class StatusServer {
    struct Limits {
        var requestsPerClient = 8
        var bytesPerClient = 256 << 10
        var requestsPerTurn = 64
        /// Instances snapshotted and encoded per turn for a `status` reply (≈ 0.1 ms each).
        var instancesPerTurn = SnapshotBuild.instancesPerTurn
        var pendingLimit = 64
        /// Replies are held back while a client has this much unsent output.
        var queuedLimit = 256 << 10
        var maximumClients = 64
        var totalQueuedLimit = 8 << 20
        var idleTimeout = Interval.seconds(30)
        var slowTimeout = Interval.seconds(10)
    }

    private final class Client {
        let connection: StreamConnection
        var buffer = LineBuffer(maximumLineLength: 4096)
        var pending: [String] = []
        var pendingHead = 0
        var reading = true
        var lastActivity: Instant
        var pendingCount: Int { pending.count - pendingHead }

        init(connection: StreamConnection, now: Instant) {
            self.connection = connection
            self.lastActivity = now
        }

        func peekRequest() -> String? { pendingHead < pending.count ? pending[pendingHead] : nil }

        func dropRequest() {
            pendingHead += 1
            if pendingHead >= pending.count {
                pending.removeAll(keepingCapacity: true)
                pendingHead = 0
            }
        }
    }

    private unowned let daemon: Daemon
    let path: String
    let limits: Limits
    private var listener: GuardedListener!
    private var sweepTimer: TimerToken?
    private var clients: [Int32: Client] = [:]
    private var watchers: Set<Int32> = []
    private var sliceScheduled = false
    /// Where the next slice starts, so that with many clients each gets its turn.
    private var rotation = 0
    /// The `status` line being built, `instancesPerTurn` instances per turn, and the one
    /// finished for the next slice (its waiting requests get it).
    private var build: StatusLineBuild?
    private var builtLine: [UInt8]?

    init(daemon: Daemon, path: String, group: String?, limits: Limits = Limits()) throws {
        self.daemon = daemon
        self.path = path
        self.limits = limits
        let socket: StreamListener
        do {
            socket = try StreamListener.unix(path: path, group: group)
        } catch let error as SetupError {
            throw DaemonError.startup(error.description)
        }
        listener = try GuardedListener(listener: socket, loop: daemon.loop, what: "status socket \(path)", log: daemon.log) {
            [unowned self] in self.accepted($0)
        }
    }

    func close() {
        for (_, c) in clients { c.connection.close() }
        clients.removeAll()
        if let sweepTimer { daemon.loop.cancel(sweepTimer) }
        listener.close()
    }

    private func accepted(_ sockets: [StreamSocket]) {
        for socket in sockets {
            guard clients.count < limits.maximumClients else {
                socket.sendNow(StatusReply.failure("too many clients (\(limits.maximumClients)); try again later").encodedLine())
                socket.close()
                continue
            }
            let fd = socket.fd
            let connection = StreamConnection(socket: socket, loop: daemon.loop)
            let client = Client(connection: connection, now: daemon.loop.now())
            clients[fd] = client
            connection.onClose = { [unowned self] in
                self.clients[fd] = nil
                self.watchers.remove(fd)
                // Its queued replies no longer count against the total: others may go on.
                if self.clients.values.contains(where: { $0.pendingCount > 0 }) { self.scheduleSlice() }
            }
            connection.onDrain = { [unowned self] in
                if self.clients.values.contains(where: { $0.pendingCount > 0 }) { self.scheduleSlice() }
            }
            do {
                try daemon.loop.register(fd: fd) { [unowned self] in self.readable(fd) }
            } catch {
                socket.close()
                clients[fd] = nil
            }
        }
        scheduleSweep()
    }

    private func scheduleSweep() {
        guard sweepTimer == nil, !clients.isEmpty else { return }
        sweepTimer = daemon.loop.schedule(after: .seconds(1)) { [weak self] in self?.sweep() }
    }

    /// Closes idle and non-reading clients (see the type's comment).
    private func sweep() {
        sweepTimer = nil
        let now = daemon.loop.now()
        for (fd, client) in clients {
            let connection = client.connection
            if connection.queuedBytes > 0, now - connection.lastProgress > limits.slowTimeout {
                daemon.log.info("status socket: closing a client that has not read its replies for \(limits.slowTimeout.seconds) s")
                connection.close()
            } else if !watchers.contains(fd), client.pendingCount == 0, connection.queuedBytes == 0,
                      now - client.lastActivity > limits.idleTimeout {
                connection.close()
            }
        }
        scheduleSweep()
    }

    private func readable(_ fd: Int32) {
        guard let client = clients[fd] else { return }
        guard let bytes = client.connection.readAvailable() else {
            client.connection.close()
            return
        }
        if !bytes.isEmpty { client.lastActivity = daemon.loop.now() }
        for output in client.buffer.append(bytes) {
            switch output {
            case .overflow:
                client.pending.removeAll()
                client.pendingHead = 0
                client.connection.write(StatusReply.failure("request line too long").encodedLine())
                client.connection.finish()
                return
            case .line(let line):
                client.pending.append(String(decoding: line, as: UTF8.self))
            }
        }
        if client.pendingCount >= limits.pendingLimit { pauseReading(client) }
        if client.pendingCount > 0 { scheduleSlice() }
    }

    private func pauseReading(_ client: Client) {
        guard client.reading, !client.connection.isClosed else { return }
        client.reading = false
        daemon.loop.unregister(fd: client.connection.fd)
    }

    private func resumeReading(_ client: Client) {
        guard !client.reading, !client.connection.isClosed else { return }
        let fd = client.connection.fd
        do {
            try daemon.loop.register(fd: fd) { [unowned self] in self.readable(fd) }
            client.reading = true
        } catch {
            client.connection.close()
        }
    }

    private func scheduleSlice() {
        guard !sliceScheduled else { return }
        sliceScheduled = true
        daemon.loop.runNextTurn { [weak self] in self?.runSlice() }
    }

    /// One turn's share of the answers (see the type's comment).
    private func runSlice() {
        sliceScheduled = false
        var shared = SharedReplies(server: self)
        shared.statusLine = builtLine
        builtLine = nil
        let order = clients.keys.sorted()
        guard !order.isEmpty else { return }
        rotation = (rotation + 1) % order.count
        var total = clients.values.reduce(0) { $0 + $1.connection.queuedBytes }
        var served = 0
        var more = false
        for i in 0..<order.count {
            guard let client = clients[order[(rotation + i) % order.count]] else { continue }
            var answered = 0
            var bytes = 0
            while answered < limits.requestsPerClient, bytes < limits.bytesPerClient, served < limits.requestsPerTurn,
                  total < limits.totalQueuedLimit,
                  !client.connection.isClosed, client.connection.queuedBytes < limits.queuedLimit,
                  let line = client.peekRequest() {
                // nil: the status line is being built; this client waits at its head request
                // (its replies stay in order) and the build's end schedules a slice.
                guard let reply = answer(line, on: client.connection.fd, shared: &shared) else { break }
                client.dropRequest()
                let queuedBefore = client.connection.queuedBytes
                client.connection.write(reply)
                total += client.connection.queuedBytes - queuedBefore
                client.lastActivity = daemon.loop.now()
                answered += 1
                served += 1
                bytes += reply.count
            }
            guard !client.connection.isClosed else { continue }
            if client.pendingCount < limits.pendingLimit / 2 { resumeReading(client) }
            // A client waiting on its own unread replies is resumed by its connection's drain.
            // So is one held back by the total (by a drain or a close elsewhere).
            if client.pendingCount > 0, client.connection.queuedBytes < limits.queuedLimit,
               total < limits.totalQueuedLimit, build == nil { more = true }
        }
        if more { scheduleSlice() }
    }

    /// The `status` line for this slice's requests: finished now if the instances fit in one
    /// turn's share; else nil, and the build goes on over the next turns (a reload drops it),
    /// its line kept for the slice its end schedules.
    fileprivate func statusLine() -> [UInt8]? {
        guard build == nil else { return nil }  // its next step comes in the next turn
        let current = StatusLineBuild(daemon: daemon)
        build = current
        var now: [UInt8]?
        var later = false
        daemon.runOverTurns { [weak self] in
            guard let self, self.build === current else { return true }
            guard let line = current.step(self.daemon, count: self.limits.instancesPerTurn) else { return false }
            self.build = nil
            if later {
                self.builtLine = line
                self.scheduleSlice()
            } else {
                now = line
            }
            return true
        }
        later = true
        return now
    }

    /// The `status` line, built at most once per slice.
    private struct SharedReplies {
        unowned let server: StatusServer
        var statusLine: [UInt8]?

        init(server: StatusServer) { self.server = server }

        mutating func status() -> [UInt8]? {
            if let statusLine { return statusLine }
            statusLine = server.statusLine()
            return statusLine
        }
    }

    /// The reply to one request; nil when it is `status` or `watch` and the line is still
    /// being built.
    private func answer(_ line: String, on fd: Int32, shared: inout SharedReplies) -> [UInt8]? {
        guard let request = StatusRequest(line: line) else {
            return StatusReply.failure("unknown request \(line.debugDescription); use status, status NAME, watch or reload").encodedLine()
        }
        switch request {
        case .status:
            return shared.status()
        case .instance(let name):
            if let instance = daemon.instances.first(where: { $0.name == name }) {
                return StatusReply(instance: instance.snapshot(wallOffset: daemon.wallOffset), daemon: daemon.daemonInfo()).encodedLine()
            }
            return StatusReply.failure("no instance named \(name)").encodedLine()
        case .watch:
            guard let line = shared.status() else { return nil }
            watchers.insert(fd)
            return line
        case .reload:
            let result = daemon.reserve.whileReleased { daemon.reload(trigger: "status socket") }
            // What the reload changed is in the next snapshot, not in this slice's, nor in a
            // build begun before it.
            shared = SharedReplies(server: self)
            build = nil
            return StatusReply(ok: true, reload: result).encodedLine()
        }
    }

    /// Streams one event to every `watch` client.
    func publish(_ event: WatchEvent) {
        guard !watchers.isEmpty else { return }
        let line = StatusReply(event: event).encodedLine()
        for fd in watchers { clients[fd]?.connection.write(line) }
    }
}

/// The `status` line of one snapshot, built `count` instances per step (``SnapshotLineWriter``).
final class StatusLineBuild {
    private let instances: SnapshotBuild
    private var writer: SnapshotLineWriter

    init(daemon: Daemon) {
        instances = SnapshotBuild(daemon)
        writer = SnapshotLineWriter(daemon: daemon.daemonInfo())
    }

    /// Snapshots and encodes up to `count` more instances; the line once all are.
    func step(_ daemon: Daemon, count: Int) -> [UInt8]? {
        guard instances.step(daemon, count: count, { self.writer.append(instance: $0) }) else { return nil }
        return writer.finish(syncGroups: daemon.syncGroupSnapshots())
    }
}
