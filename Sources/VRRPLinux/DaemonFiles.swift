// SPDX-License-Identifier: Apache-2.0
import VRRPSystem
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif
import CVRRPLinux

/// The daemon's dump directory (SIGUSR1), opened O_DIRECTORY|O_NOFOLLOW.
///
/// Issue 19, case 6: the directory is private (created 0750 owned by the daemon's user and
/// `group`; one that is not ours or that group or others may write to is refused: anyone who
/// can create names in it could race the rename). Each file is created under a fresh random
/// name with O_EXCL|O_NOFOLLOW relative to the directory's descriptor and renamed into place,
/// so a planted symlink is never followed (keepalived's fopen_safe, after CVE-2018-19044, does
/// the same with mkstemp). Files are 0600, or 0640 owned by `group`.
public final class PrivateDirectory {
    public let path: String
    private let fd: Int32
    private let group: UInt32?

    private init(path: String, fd: Int32, group: UInt32?) {
        self.path = path
        self.fd = fd
        self.group = group
    }

    deinit { Glibc.close(fd) }

    /// Opens `path`, creating it 0750 when missing (see the type's comment).
    public static func open(_ path: String, group: UInt32?) throws -> PrivateDirectory {
        if mkdir(path, 0o750) == 0 {
            _ = chown(path, geteuid(), group ?? getegid())
            _ = chmod(path, 0o750)
        } else if errno != EEXIST {
            throw SystemError("mkdir \(path)", errno: errno)
        }
        let fd = try syscall("open \(path)") { Glibc.open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let err = errno
            Glibc.close(fd)
            throw SystemError("fstat \(path)", errno: err)
        }
        if st.st_uid != geteuid() || st.st_mode & 0o022 != 0 {
            Glibc.close(fd)
            throw SetupError("\(path) is writable by others or not owned by the daemon's user (mode \(String(st.st_mode & 0o7777, radix: 8)), uid \(st.st_uid)); use a private directory such as /run/vrrpd")
        }
        return PrivateDirectory(path: path, fd: fd, group: group)
    }

    /// Writes `name` through a fresh temporary name (O_CREAT|O_EXCL|O_NOFOLLOW, so nothing
    /// planted is followed or reused) and renameat(2).
    public func writeAtomically(_ bytes: [UInt8], name: String) throws {
        var temporary = ""
        var file: Int32 = -1
        for _ in 0..<8 {
            temporary = ".\(name).\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
            file = openat(fd, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, group == nil ? 0o600 : 0o640)
            if file >= 0 || errno != EEXIST { break }
        }
        guard file >= 0 else { throw SystemError("open \(temporary)", errno: errno) }
        var renamed = false
        defer {
            Glibc.close(file)
            if !renamed { unlinkat(fd, temporary, 0) }
        }
        if let group {
            try syscall("fchown \(temporary)") { fchown(file, geteuid(), group) }
            try syscall("fchmod \(temporary)") { fchmod(file, 0o640) }
        }
        var offset = 0
        while offset < bytes.count {
            let n = try syscall("write \(temporary)") {
                bytes[offset...].withUnsafeBytes { Glibc.write(file, $0.baseAddress, $0.count) }
            }
            offset += n
        }
        try syscall("rename \(temporary) \(name)") { renameat(fd, temporary, fd, name) }
        renamed = true
    }
}

/// The write end of a notify FIFO (`notify_fifo`, `vrrp_notify_fifo`).
public final class FIFOWriter {
    public let path: String
    /// Created by us, so removed by `close()` (keepalived's `fifo_close`).
    public let created: Bool
    private let fd: Int32
    private var closed = false

    private init(path: String, fd: Int32, created: Bool) {
        self.path = path
        self.fd = fd
        self.created = created
    }

    deinit { close() }

    /// Opens (creating when missing, mode 0644) the FIFO at `path`, as keepalived's
    /// `fifo_open` (lib/notify.c): O_RDWR so that the daemon is its own reader and never gets
    /// SIGPIPE or ENXIO, O_NONBLOCK so that a full FIFO drops a line instead of blocking.
    /// Throws `SystemError` with operation "create" or "open".
    public static func open(_ path: String) throws -> FIFOWriter {
        let created = mkfifo(path, 0o644) == 0
        if !created && errno != EEXIST { throw SystemError("create", errno: errno) }
        let fd = Glibc.open(path, O_RDWR | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let err = errno
            if created { unlink(path) }
            throw SystemError("open", errno: err)
        }
        return FIFOWriter(path: path, fd: fd, created: created)
    }

    /// One write(2) (a line up to PIPE_BUF never interleaves); false when not all of it was taken.
    public func write(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } == bytes.count
    }

    /// Closes the FIFO, removing it when we created it. Idempotent.
    public func close() {
        guard !closed else { return }
        closed = true
        if created { unlink(path) }
        Glibc.close(fd)
    }
}

/// syslog(3), facility daemon.
public enum SystemLog {
    public enum Priority {
        case debug, info, notice, warning, error, critical

        var value: Int32 {
            switch self {
            case .debug: LOG_DEBUG
            case .info: LOG_INFO
            case .notice: LOG_NOTICE
            case .warning: LOG_WARNING
            case .error: LOG_ERR
            case .critical: LOG_CRIT
            }
        }
    }

    /// openlog(3) with `ident` (kept for the life of the process, as openlog requires).
    public static func open(ident: String) {
        cvrrp_openlog(strdup(ident))
    }

    public static func send(_ priority: Priority, _ message: String) {
        cvrrp_syslog(priority.value, message)
    }
}

/// Process-wide facts and small calls the runtime needs.
public enum ProcessEnvironment {
    public static var processID: Int32 { getpid() }

    /// Seconds since the epoch (CLOCK_REALTIME).
    public static func wallClock() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Local time as keepalived prints it: `Wed Nov 25 09:45:13 2026`.
    public static func localTimestamp() -> String {
        var now = time(nil)
        var tm = tm()
        localtime_r(&now, &tm)
        var buffer = [CChar](repeating: 0, count: 64)
        strftime(&buffer, buffer.count, "%a %b %e %H:%M:%S %Y", &tm)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// One write(2) to standard error.
    public static func writeStandardError(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }

    /// Removes a file; a missing one is not an error.
    public static func removeFile(_ path: String) {
        unlink(path)
    }
}

/// The signals the daemon handles, for `EventLoop.blockSignals` and `onSignal`.
public enum ProcessSignal {
    public static let terminate = SIGTERM
    public static let interrupt = SIGINT
    public static let hangup = SIGHUP
    public static let user1 = SIGUSR1
    public static let brokenPipe = SIGPIPE
}
