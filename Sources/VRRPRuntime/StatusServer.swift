#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import VRRPLinux
import VRRPStatus

/// The status socket: a Unix-domain stream socket (mode 0660, group configurable) speaking the
/// line protocol of docs/status-socket.md. Runs on the daemon's loop.
final class StatusServer {
    private unowned let daemon: Daemon
    let path: String
    private let listener: Int32
    private var clients: [Int32: (connection: StreamConnection, buffer: LineBuffer)] = [:]
    private var watchers: Set<Int32> = []

    init(daemon: Daemon, path: String, group: String?) throws {
        self.daemon = daemon
        self.path = path
        try Self.prepareDirectory(for: path)
        unlink(path)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw DaemonError.startup("status socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        // Created with no access at all, then opened to owner and group: no window in which
        // another user could connect.
        let oldMask = umask(0o777)
        defer { umask(oldMask) }
        listener = try withUnsafeBytes(of: &address) { try listenSocket(family: AF_UNIX, address: $0, what: path) }
        var gid: gid_t = getegid()
        if let group {
            guard let entry = getgrnam(group) else {
                Glibc.close(listener)
                unlink(path)
                throw DaemonError.startup("status socket group \(group) does not exist")
            }
            gid = entry.pointee.gr_gid
        }
        // The owner stays whoever runs the daemon (root in production; a test's own user).
        try syscall("chown \(path)") { chown(path, uid_t.max, gid) }
        try syscall("chmod \(path)") { chmod(path, 0o660) }
        try daemon.loop.register(fd: listener) { [unowned self] in self.acceptClients() }
    }

    static func prepareDirectory(for path: String) throws {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
        let directory = String(path[..<slash])
        var st = stat()
        if stat(directory, &st) == 0 { return }
        try syscall("mkdir \(directory)") { mkdir(directory, 0o755) }
    }

    func close() {
        for (_, c) in clients { c.connection.close() }
        clients.removeAll()
        daemon.loop.unregister(fd: listener)
        Glibc.close(listener)
        unlink(path)
    }

    private func acceptClients() {
        for fd in acceptAll(listener) {
            let connection = StreamConnection(fd: fd, loop: daemon.loop)
            clients[fd] = (connection, LineBuffer(maximumLineLength: 4096))
            connection.onClose = { [unowned self] in
                self.clients[fd] = nil
                self.watchers.remove(fd)
            }
            do {
                try daemon.loop.register(fd: fd) { [unowned self] in self.readable(fd) }
            } catch {
                Glibc.close(fd)
                clients[fd] = nil
            }
        }
    }

    private func readable(_ fd: Int32) {
        guard var client = clients[fd] else { return }
        guard let bytes = client.connection.readAvailable() else {
            client.connection.close()
            return
        }
        let lines = client.buffer.append(bytes)
        clients[fd]?.buffer = client.buffer
        for output in lines {
            switch output {
            case .overflow:
                client.connection.write(StatusReply.failure("request line too long").encodedLine())
                client.connection.finish()
                return
            case .line(let line):
                answer(String(decoding: line, as: UTF8.self), on: fd, connection: client.connection)
            }
        }
    }

    private func answer(_ line: String, on fd: Int32, connection: StreamConnection) {
        guard let request = StatusRequest(line: line) else {
            connection.write(StatusReply.failure("unknown request \(line.debugDescription); use status, status NAME, watch or reload").encodedLine())
            return
        }
        switch request {
        case .status:
            connection.write(StatusReply(snapshot: daemon.snapshot()).encodedLine())
        case .instance(let name):
            let snapshot = daemon.snapshot()
            if let instance = snapshot.instance(named: name) {
                connection.write(StatusReply(instance: instance, daemon: snapshot.daemon).encodedLine())
            } else {
                connection.write(StatusReply.failure("no instance named \(name)").encodedLine())
            }
        case .watch:
            watchers.insert(fd)
            connection.write(StatusReply(snapshot: daemon.snapshot()).encodedLine())
        case .reload:
            let result = daemon.reload(trigger: "status socket")
            connection.write(StatusReply(ok: true, reload: result).encodedLine())
        }
    }

    /// Streams one event to every `watch` client.
    func publish(_ event: WatchEvent) {
        guard !watchers.isEmpty else { return }
        let line = StatusReply(event: event).encodedLine()
        for fd in watchers { clients[fd]?.connection.write(line) }
    }
}
