// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import VRRPLinux
import VRRPStatus

extension Daemon {
    /// The one snapshot every view is rendered from.
    func snapshot() -> Snapshot {
        let lag = loop.timerLag
        return Snapshot(
            daemon: DaemonInfo(version: options.version, pid: pid, startedAt: startedAt,
                               configFile: options.configFile, lastReload: lastReload,
                               processTracking: health?.processTrackingSummary,
                               loopLagMax: lag.maximum.seconds, loopLagLastMinute: lag.lastMinute.seconds),
            instances: instances.map { $0.snapshot(wallOffset: wallOffset) },
            syncGroups: syncGroupSnapshots())
    }

    /// SIGUSR1: the snapshot as text (like keepalived's /tmp/keepalived.data) and as JSON,
    /// written to `vrrpd.data` and `vrrpd.json` in the dump directory (atomically renamed).
    ///
    /// Issue 19, case 6: the directory is private (created 0750 root:status-group; one that
    /// others may write to is refused), each file is created under a fresh random name with
    /// O_EXCL|O_NOFOLLOW relative to the directory's descriptor and renamed into place, so a
    /// planted symlink is never followed (keepalived's fopen_safe, after CVE-2018-19044, does
    /// the same with mkstemp). Files are 0600, or 0640 owned by the status group.
    func dumpSnapshot() {
        let s = snapshot()
        let text = s.renderDump(now: wallClock())
        let json = StatusReply(snapshot: s).encodedLine()
        let directory = options.dumpDirectory
        var gid: gid_t?
        if let group = options.statusGroup, let entry = getgrnam(group) { gid = entry.pointee.gr_gid }
        reserve.whileReleased {
            let dirfd: Int32
            do {
                dirfd = try openPrivateDirectory(directory, group: gid)
            } catch {
                log.error("cannot write dumps to \(directory): \(error)")
                return
            }
            defer { close(dirfd) }
            for (name, bytes) in [("vrrpd.data", Array(text.utf8)), ("vrrpd.json", json)] {
                do {
                    try writeAtomically(bytes, in: dirfd, name: name, group: gid)
                    log.info("wrote \(directory)/\(name)")
                } catch {
                    log.error("cannot write \(directory)/\(name): \(error)")
                }
            }
        }
    }
}

/// Opens the dump directory (O_DIRECTORY|O_NOFOLLOW), creating it 0750 when missing. Refuses
/// one that is not ours or that group or others may write to: anyone who can create names in
/// it could race the rename.
func openPrivateDirectory(_ path: String, group: gid_t?) throws -> Int32 {
    if mkdir(path, 0o750) == 0 {
        _ = chown(path, geteuid(), group ?? getegid())
        _ = chmod(path, 0o750)
    } else if errno != EEXIST {
        throw SystemError("mkdir \(path)", errno: errno)
    }
    let fd = try syscall("open \(path)") { open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
    var st = stat()
    guard fstat(fd, &st) == 0 else {
        close(fd)
        throw SystemError("fstat \(path)", errno: errno)
    }
    if st.st_uid != geteuid() || st.st_mode & 0o022 != 0 {
        close(fd)
        throw DaemonError.startup("\(path) is writable by others or not owned by the daemon's user (mode \(String(st.st_mode & 0o7777, radix: 8)), uid \(st.st_uid)); use a private directory such as /run/vrrpd")
    }
    return fd
}

/// Writes `name` in the directory `dirfd` through a fresh temporary name (O_CREAT|O_EXCL|
/// O_NOFOLLOW, so nothing planted is followed or reused) and renameat(2): mode 0600, or 0640
/// owned by `group`.
func writeAtomically(_ bytes: [UInt8], in dirfd: Int32, name: String, group: gid_t?) throws {
    var temporary = ""
    var fd: Int32 = -1
    for _ in 0..<8 {
        temporary = ".\(name).\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
        fd = openat(dirfd, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, group == nil ? 0o600 : 0o640)
        if fd >= 0 || errno != EEXIST { break }
    }
    guard fd >= 0 else { throw SystemError("open \(temporary)", errno: errno) }
    var renamed = false
    defer {
        close(fd)
        if !renamed { unlinkat(dirfd, temporary, 0) }
    }
    if let group {
        try syscall("fchown \(temporary)") { fchown(fd, geteuid(), group) }
        try syscall("fchmod \(temporary)") { fchmod(fd, 0o640) }
    }
    var offset = 0
    while offset < bytes.count {
        let n = try syscall("write \(temporary)") {
            bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        }
        offset += n
    }
    try syscall("rename \(temporary) \(name)") { renameat(dirfd, temporary, dirfd, name) }
    renamed = true
}
