#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif
import CVRRPLinux
import Synchronization

/// keepalived `track_process`: counts the processes matching each `ProcessSpec` and reports
/// `HealthEvent`s (status OK while the count is within quorum).
///
/// Fed by the kernel's process connector (NETLINK_CONNECTOR, CN_IDX_PROC,
/// PROC_CN_MCAST_LISTEN): fork, exec, comm and exit events re-check just that PID, so an exit
/// is seen within milliseconds and nothing polls. The initial counts, and a resync after a
/// receive-buffer overflow (ENOBUFS), come from a /proc scan. Where the connector is not
/// available (no CAP_NET_ADMIN, kernel without CONFIG_PROC_EVENTS), the tracker falls back
/// to scanning /proc every second and says so through `notice` and `mode`.
public final class ProcessTracker: Sendable {
    public enum Mode: Sendable, Equatable {
        case notStarted
        case connector
        case polling(reason: String)
    }

    public let specs: [ProcessSpec]
    private let sink: HealthSink
    private let notice: @Sendable (String) -> Void
    private let state: Mutex<Shared> = Mutex(Shared())
    private let pollInterval: Int

    private struct Shared {
        var mode: Mode = .notStarted
        var counts: [String: Int] = [:]
        var statuses: [String: HealthStatus] = [:]
        var pipe: WakePipe?
        var thread: JoinableThread?
    }

    /// - notice: one-line messages for the daemon's log (connector unavailable, resyncs).
    public init(specs: [ProcessSpec], sink: @escaping @Sendable (HealthEvent) -> Void,
                notice: @escaping @Sendable (String) -> Void = { _ in },
                pollInterval: Duration = .seconds(1)) {
        self.specs = specs
        self.sink = sink
        self.notice = notice
        self.pollInterval = max(10, pollInterval.wholeMilliseconds)
    }

    public var mode: Mode { state.withLock { $0.mode } }

    /// The current count of matching processes for the spec named `name`.
    public func count(of name: String) -> Int? { state.withLock { $0.counts[name] } }

    public func status(of name: String) -> HealthStatus? { state.withLock { $0.statuses[name] } }

    /// Opens the connector, scans /proc, reports the initial status of every spec (always an
    /// event, `changed == true` when it is failing), then follows events on a thread.
    public func start() {
        let pipe = WakePipe()
        let fresh = state.withLock { s -> Bool in
            if s.pipe != nil { return false }
            s.pipe = pipe
            return true
        }
        guard fresh else { return }
        let socket = ProcConnector.open()
        var engine = TrackerEngine(specs: specs)
        switch socket {
        case .success: state.withLock { $0.mode = .connector }
        case .failure(let why):
            let reason = "process connector unavailable (\(why)); scanning /proc every \(pollInterval) ms"
            state.withLock { $0.mode = .polling(reason: reason) }
            notice(reason)
        }
        // Subscribe before the scan so no exit between the two is lost.
        engine.rescan()
        publish(&engine, now: monotonicMilliseconds(), initial: true)
        let initialEngine = engine
        let fd = try? socket.get()
        let thread = JoinableThread { [self] in
            self.run(engine: initialEngine, socket: fd, stop: pipe)
        }
        state.withLock { $0.thread = thread }
    }

    public func stop() {
        guard let (pipe, thread) = state.withLock({ s -> (WakePipe, JoinableThread?)? in
            guard let p = s.pipe else { return nil }
            let t = s.thread
            s.thread = nil
            return (p, t)
        }) else { return }
        pipe.wake()
        thread?.join()
        state.withLock { $0.pipe = nil; $0.mode = .notStarted }
    }

    private func run(engine: TrackerEngine, socket: Int32?, stop: WakePipe) {
        var engine = engine
        defer { if let socket { close(socket) } }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var nextPoll = monotonicMilliseconds() + Int64(pollInterval)
        while true {
            let now = monotonicMilliseconds()
            var timeout: Int64 = socket == nil ? max(0, nextPoll - now) : -1
            if let due = engine.nextDeadline {
                let wait = max(0, due - now)
                timeout = timeout < 0 ? wait : min(timeout, wait)
            }
            var fds = [pollfd(fd: stop.readFD, events: Int16(POLLIN), revents: 0)]
            if let socket { fds.append(pollfd(fd: socket, events: Int16(POLLIN), revents: 0)) }
            let rc = poll(&fds, nfds_t(fds.count), Int32(clamping: timeout))
            if rc == -1 && errno != EINTR { sleepMilliseconds(100) }
            if fds[0].revents != 0 { return }
            if let socket, fds.count > 1, fds[1].revents != 0 {
                drain(socket: socket, buffer: &buffer, engine: &engine)
            }
            if socket == nil && monotonicMilliseconds() >= nextPoll {
                engine.rescan()
                nextPoll = monotonicMilliseconds() + Int64(pollInterval)
            }
            publish(&engine, now: monotonicMilliseconds(), initial: false)
        }
    }

    private func drain(socket: Int32, buffer: inout [UInt8], engine: inout TrackerEngine) {
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n > 0 {
                for event in ProcEvent.decode(datagram: Array(buffer[0..<n])) {
                    engine.handle(event)
                }
                continue
            }
            let err = errno
            if n == -1 && err == ENOBUFS {
                // Events were lost: the counts can no longer be trusted, rebuild them.
                notice("process connector overflow (ENOBUFS); rescanning /proc")
                engine.rescan()
                continue
            }
            return
        }
    }

    private func publish(_ engine: inout TrackerEngine, now: Int64, initial: Bool) {
        let events = engine.events(now: now, initial: initial)
        let counts = engine.counts
        state.withLock { s in
            for spec in specs { s.counts[spec.name] = counts[spec.name] ?? 0 }
            for e in events { s.statuses[e.name] = e.status }
        }
        for e in events { sink(e) }
    }
}

/// The tracker's bookkeeping: which PIDs match which spec, and the reported status.
struct TrackerEngine {
    let specs: [ProcessSpec]
    /// pid → indexes of matching specs.
    private(set) var matches: [Int32: [Int]] = [:]
    private var reported: [HealthStatus?]
    private var lastReason: [String?]
    /// When a spec went out of quorum and its `delay` has not yet elapsed.
    private var failingSince: [Int64?]

    init(specs: [ProcessSpec]) {
        self.specs = specs
        reported = Array(repeating: nil, count: specs.count)
        lastReason = Array(repeating: nil, count: specs.count)
        failingSince = Array(repeating: nil, count: specs.count)
    }

    var counts: [String: Int] {
        var c: [String: Int] = [:]
        for spec in specs { c[spec.name] = 0 }
        for indexes in matches.values { for i in indexes { c[specs[i].name, default: 0] += 1 } }
        return c
    }

    private func count(_ index: Int) -> Int {
        matches.values.reduce(0) { $0 + ($1.contains(index) ? 1 : 0) }
    }

    mutating func rescan() {
        matches = [:]
        for pid in ProcFS.pids() { recheck(pid) }
    }

    mutating func recheck(_ pid: Int32) {
        let needCmdline = specs.contains { $0.needsCommandLine }
        // A zombie (Z: exited, not yet reaped) or dying (X) process keeps its /proc entry and
        // its comm; it is not running (#17: a container whose PID 1 does not reap).
        guard let comm = ProcFS.comm(pid), !ProcFS.isExited(pid) else { matches[pid] = nil; return }
        let cmdline = needCmdline ? ProcFS.commandLine(pid) : []
        let hits = specs.indices.filter { specs[$0].matches(comm: comm, commandLine: cmdline) }
        matches[pid] = hits.isEmpty ? nil : hits
    }

    mutating func handle(_ event: ProcEvent) {
        switch event {
        case .fork(let pid, let tgid) where pid == tgid: recheck(pid)
        case .exec(_, let tgid): recheck(tgid)
        case .comm(_, let tgid): recheck(tgid)
        case .exit(let pid, let tgid) where pid == tgid: matches[pid] = nil
        default: break
        }
    }

    var nextDeadline: Int64? {
        specs.indices.compactMap { i in failingSince[i].map { $0 + Int64(specs[i].delay.wholeMilliseconds) } }.min()
    }

    /// Events to publish now. Loss of quorum is reported after the spec's `delay`.
    mutating func events(now: Int64, initial: Bool) -> [HealthEvent] {
        var out: [HealthEvent] = []
        for (i, spec) in specs.enumerated() {
            let n = count(i)
            let raw = spec.status(count: n)
            var status = raw
            if raw == .failing && reported[i] == .ok && !initial {
                let since = failingSince[i] ?? now
                if now - since < Int64(spec.delay.wholeMilliseconds) {
                    failingSince[i] = since
                    status = .ok   // `delay`: not failing yet
                } else {
                    failingSince[i] = nil
                }
            } else {
                failingSince[i] = nil
            }
            let reason = spec.reason(count: n)
            let changed = reported[i] != nil && reported[i] != status
            if initial || changed || (status == raw && reason != lastReason[i]) {
                out.append(HealthEvent(name: spec.name, status: status, reason: reason,
                                       changed: changed || (initial && status == .failing)))
                reported[i] = status
                lastReason[i] = reason
            }
        }
        return out
    }
}

/// /proc readers.
enum ProcFS {
    static func pids() -> [Int32] {
        guard let dir = opendir("/proc") else { return [] }
        defer { closedir(dir) }
        var result: [Int32] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if let pid = Int32(name) { result.append(pid) }
        }
        return result
    }

    static func read(_ path: String, limit: Int = 64 * 1024) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return nil }
        defer { close(fd) }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while data.count < limit {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 { data += buffer[0..<n]; continue }
            if n == -1 && errno == EINTR { continue }
            if n == -1 { return nil }
            break
        }
        return data
    }

    static func comm(_ pid: Int32) -> String? {
        guard var bytes = read("/proc/\(pid)/comm", limit: 64) else { return nil }
        if bytes.last == 0x0A { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The state letter of /proc/PID/stat (R, S, D, Z, X, ...): the field after the
    /// parenthesised comm, which may itself contain spaces and parentheses (proc(5)).
    static func state(_ pid: Int32) -> Character? {
        guard let bytes = read("/proc/\(pid)/stat", limit: 4096),
              let close = bytes.lastIndex(of: UInt8(ascii: ")")),
              close + 2 < bytes.count else { return nil }
        return Character(Unicode.Scalar(bytes[close + 2]))
    }

    /// True when the process has exited (zombie or dead) or is gone.
    static func isExited(_ pid: Int32) -> Bool {
        guard let state = state(pid) else { return true }
        return state == "Z" || state == "X" || state == "x"
    }

    static func commandLine(_ pid: Int32) -> [String] {
        guard let bytes = read("/proc/\(pid)/cmdline") else { return [] }
        var parts = bytes.split(separator: 0, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
        if parts.last == "" { parts.removeLast() }
        return parts
    }
}

/// The process connector socket.
enum ProcConnector {
    /// Opens, binds to CN_IDX_PROC and sends PROC_CN_MCAST_LISTEN; returns the fd.
    static func open() -> Result<Int32, ProcessStartErrorText> {
        let fd = socket(AF_NETLINK, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), NETLINK_CONNECTOR)
        if fd < 0 { return .failure(ProcessStartErrorText("socket(NETLINK_CONNECTOR): \(errnoText(errno))")) }
        var bufferSize: Int32 = 1 << 20
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufferSize, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_nl()
        address.nl_family = sa_family_t(AF_NETLINK)
        address.nl_groups = UInt32(CN_IDX_PROC)
        address.nl_pid = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_nl>.size))
            }
        }
        if bound != 0 {
            let err = errno
            close(fd)
            return .failure(ProcessStartErrorText("bind(CN_IDX_PROC): \(errnoText(err))"))
        }
        let message = subscribeMessage(listen: true)
        let sent = message.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
        if sent != message.count {
            let err = errno
            close(fd)
            return .failure(ProcessStartErrorText("PROC_CN_MCAST_LISTEN: \(errnoText(err))"))
        }
        return .success(fd)
    }

    /// nlmsghdr + cn_msg + enum proc_cn_mcast_op, in host byte order.
    static func subscribeMessage(listen: Bool) -> [UInt8] {
        var bytes: [UInt8] = []
        func put32(_ v: UInt32) { withUnsafeBytes(of: v) { bytes += $0 } }
        func put16(_ v: UInt16) { withUnsafeBytes(of: v) { bytes += $0 } }
        let total = 16 + 20 + 4
        put32(UInt32(total))            // nlmsg_len
        put16(UInt16(NLMSG_DONE))       // nlmsg_type
        put16(0)                        // nlmsg_flags
        put32(0)                        // nlmsg_seq
        put32(UInt32(bitPattern: getpid()))  // nlmsg_pid
        put32(UInt32(CN_IDX_PROC))      // cn_msg.id.idx
        put32(UInt32(CN_VAL_PROC))      // cn_msg.id.val
        put32(0)                        // seq
        put32(0)                        // ack
        put16(4)                        // len
        put16(0)                        // flags
        put32(listen ? 1 : 2)           // PROC_CN_MCAST_LISTEN / PROC_CN_MCAST_IGNORE
        return bytes
    }
}
