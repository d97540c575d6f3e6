// SPDX-License-Identifier: Apache-2.0
import VRRPSystem
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
/// Two jobs, two mechanisms (#17):
/// - **Exit of a known process**: every matching PID is held as a pidfd (`pidfd_open`, Linux
///   5.3) in the tracker's `poll` set; it becomes readable the moment the process exits (a
///   zombie counts as exited), in any network or PID namespace, so an exit is seen within
///   milliseconds and nothing polls.
/// - **Discovery of new processes**: the kernel's process connector (NETLINK_CONNECTOR,
///   CN_IDX_PROC) where it is allowed (fork, exec and comm events re-check that PID; its exit
///   events are a second exit signal); inside a network namespace (every container) the
///   kernel refuses it, and the tracker scans /proc every `pollInterval` instead.
///
/// The initial counts, and a resync after a connector overflow (ENOBUFS), come from a /proc
/// scan. Without pidfd support (kernel < 5.3, seccomp), exits are seen by the connector or,
/// failing that, by the next scan. The mode in use is in `mode`, `exitWatch` and `summary`,
/// and every fallback is said once through `notice`.
public final class ProcessTracker: Sendable {
    /// How new processes are discovered.
    public enum Mode: Sendable, Equatable {
        case notStarted
        case connector
        case polling(reason: String)
    }

    /// How the exit of a known process is seen.
    public enum ExitWatch: Sendable, Equatable {
        case notStarted
        case pidfd
        /// pidfd_open is unavailable: exits come from the connector or the next scan.
        case none(reason: String)
    }

    public let specs: [ProcessSpec]
    private let sink: HealthSink
    private let notice: @Sendable (String) -> Void
    private let state: Mutex<Shared> = Mutex(Shared())
    private let workers = WorkerThreads()
    private let pollInterval: Int
    private let useConnector: Bool

    private struct Shared {
        var mode: Mode = .notStarted
        var exitWatch: ExitWatch = .notStarted
        var counts: [String: Int] = [:]
        var statuses: [String: HealthStatus] = [:]
    }

    /// - notice: one-line messages for the daemon's log (mode in use, fallbacks, resyncs).
    /// - useConnector: false skips the process connector (discovery by /proc scan only), as
    ///   inside a network namespace; for tests.
    public init(specs: [ProcessSpec], sink: @escaping @Sendable (HealthEvent) -> Void,
                notice: @escaping @Sendable (String) -> Void = { _ in },
                pollInterval: Duration = .seconds(1), useConnector: Bool = true) {
        self.specs = specs
        self.sink = sink
        self.notice = notice
        self.pollInterval = max(10, pollInterval.wholeMilliseconds)
        self.useConnector = useConnector
    }

    public var mode: Mode { state.withLock { $0.mode } }
    public var exitWatch: ExitWatch { state.withLock { $0.exitWatch } }

    /// One line for logs and `vrrpctl status`, e.g. "pidfd exit watch, connector discovery".
    public var summary: String {
        let (mode, watch) = state.withLock { ($0.mode, $0.exitWatch) }
        let exits: String
        switch watch {
        case .notStarted: return "not started"
        case .pidfd: exits = "exits by pidfd"
        case .none: exits = "no pidfd (exits by \(mode == .connector ? "connector" : "/proc scan"))"
        }
        switch mode {
        case .notStarted: return "not started"
        case .connector: return "\(exits), new processes by connector"
        case .polling: return "\(exits), new processes by /proc scan every \(pollInterval) ms"
        }
    }

    /// The current count of matching processes for the spec named `name`.
    public func count(of name: String) -> Int? { state.withLock { $0.counts[name] } }

    public func status(of name: String) -> HealthStatus? { state.withLock { $0.statuses[name] } }

    /// Opens the connector, scans /proc, opens a pidfd per matching process, reports the
    /// initial status of every spec (always an event, `changed == true` when it is failing),
    /// then follows events on a thread.
    public func start() {
        guard let pipe = workers.begin() else { return }
        let socket: Result<Int32, ProcessStartErrorText> = useConnector
            ? ProcConnector.open() : .failure(ProcessStartErrorText("not used"))
        var engine = TrackerEngine(specs: specs)
        switch socket {
        case .success: state.withLock { $0.mode = .connector }
        case .failure(let why):
            let reason = "process connector unavailable (\(why)); scanning /proc every \(pollInterval) ms for new processes"
            state.withLock { $0.mode = .polling(reason: reason) }
        }
        // Subscribe before the scan so no exit between the two is lost.
        engine.rescan()
        var watcher = PidfdWatcher()
        watcher.sync(&engine)
        state.withLock { $0.exitWatch = watcher.unsupported.map { .none(reason: $0) } ?? .pidfd }
        if case .polling(let reason) = mode { notice(reason) }
        if let why = watcher.unsupported { notice("pidfd_open unavailable (\(why)); exits are seen by the \(useConnector ? "connector or next scan" : "next scan")") }
        notice("mode: \(summary)")
        publish(&engine, now: monotonicMilliseconds(), initial: true)
        let initial = Box(engine: engine, watcher: watcher)
        let fd = try? socket.get()
        workers.spawn(pipe) { [self] stop in self.run(initial, socket: fd, stop: stop) }
    }

    /// Carries the start-up state into the thread.
    private struct Box: @unchecked Sendable {
        var engine: TrackerEngine
        var watcher: PidfdWatcher
    }

    /// Stops following events and returns once the thread has ended (it wakes from its poll at
    /// once; the daemon calls this off the loop thread, through `Retirements`).
    public func stop() {
        workers.stop()
        workers.waitUntilStopped(limit: .seconds(3600))
        state.withLock { $0.mode = .notStarted; $0.exitWatch = .notStarted }
    }

    private func run(_ initial: Box, socket: Int32?, stop: WakePipe) {
        var engine = initial.engine
        var watcher = initial.watcher
        defer {
            if let socket { close(socket) }
            watcher.closeAll()
        }
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
            let watchedFrom = fds.count
            let watched = watcher.watched
            for (_, fd) in watched { fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
            if case .failure = Syscall.retrying("poll", { poll(&fds, nfds_t(fds.count), Int32(clamping: timeout)) }) {
                sleepMilliseconds(100)
            }
            if fds[0].revents != 0 { return }
            // A readable pidfd: that process has exited (or is a zombie).
            for (offset, (pid, _)) in watched.enumerated() where fds[watchedFrom + offset].revents != 0 {
                engine.forget(pid)
            }
            if let socket, watchedFrom > 1, fds[1].revents != 0 {
                drain(socket: socket, buffer: &buffer, engine: &engine)
            }
            if socket == nil && monotonicMilliseconds() >= nextPoll {
                engine.rescan()
                nextPoll = monotonicMilliseconds() + Int64(pollInterval)
            }
            let hadPidfd = watcher.unsupported == nil
            watcher.sync(&engine)
            if hadPidfd, let why = watcher.unsupported {
                // pidfd_open failed later (EMFILE, ...): say so, exits now come from elsewhere.
                state.withLock { $0.exitWatch = .none(reason: why) }
                notice("pidfd_open failed (\(why)); exits are seen by the \(socket != nil ? "connector" : "next scan")")
                notice("mode: \(summary)")
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

/// One pidfd per matching PID (`pidfd_open(2)`, Linux 5.3): readable once that process exits.
struct PidfdWatcher {
    /// pid → pidfd.
    private(set) var fds: [Int32: Int32] = [:]
    /// Why pidfds cannot be used (nil: they can).
    private(set) var unsupported: String?

    var watched: [(Int32, Int32)] { fds.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }

    /// Opens pidfds for newly matching PIDs and closes those of PIDs no longer matching. A PID
    /// that is already gone (ESRCH), or a zombie by the time its pidfd is open, is forgotten.
    mutating func sync(_ engine: inout TrackerEngine) {
        let wanted = Set(engine.matches.keys)
        for (pid, fd) in fds where !wanted.contains(pid) {
            close(fd)
            fds[pid] = nil
        }
        guard unsupported == nil else { return }
        for pid in wanted.sorted() where fds[pid] == nil {
            let fd = cvrrp_pidfd_open(pid)
            if fd >= 0 {
                fds[pid] = fd
                // The pidfd pins this process: if it is still alive now, the PID cannot have
                // been reused for another process since the scan matched it.
                if ProcFS.isExited(pid) { engine.forget(pid) }
                continue
            }
            let err = errno
            if err == ESRCH {
                engine.forget(pid)
            } else {
                // ENOSYS (kernel < 5.3), EPERM (seccomp), EMFILE: fall back for all PIDs.
                unsupported = "pidfd_open: \(errnoText(err))"
                closeAll()
                return
            }
        }
    }

    mutating func closeAll() {
        for fd in fds.values { close(fd) }
        fds = [:]
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

    /// The process has exited (its pidfd became readable, or it was gone when opened).
    mutating func forget(_ pid: Int32) {
        matches[pid] = nil
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
            let result = Syscall.retrying("read") { buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }
            guard case .success(let n) = result else { return nil }
            if n == 0 { break }
            data += buffer[0..<n]
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
