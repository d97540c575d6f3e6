#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import VRRPLinux
import VRRPStatus

extension Daemon {
    /// The one snapshot every view is rendered from.
    func snapshot() -> Snapshot {
        let now = EventLoop.now()
        let wall = wallClock()
        let lag = loop.timerLag
        return Snapshot(
            daemon: DaemonInfo(version: options.version, pid: pid, startedAt: startedAt,
                               configFile: options.configFile, lastReload: lastReload,
                               loopLagMax: lag.maximum.seconds, loopLagLastMinute: lag.lastMinute.seconds),
            instances: instances.map { $0.snapshot(now: now, wallNow: wall) },
            syncGroups: syncGroupSnapshots())
    }

    /// SIGUSR1: the snapshot as text (like keepalived's /tmp/keepalived.data) and as JSON,
    /// written to `vrrpd.data` and `vrrpd.json` in the dump directory (atomically renamed).
    func dumpSnapshot() {
        let s = snapshot()
        let text = s.renderDump(now: wallClock())
        let json = StatusReply(snapshot: s).encodedLine()
        let directory = options.dumpDirectory
        for (name, bytes) in [("vrrpd.data", Array(text.utf8)), ("vrrpd.json", json)] {
            let path = directory + "/" + name
            do {
                try writeAtomically(bytes, to: path)
                log.info("wrote \(path)")
            } catch {
                log.error("cannot write \(path): \(error)")
            }
        }
    }
}

/// Writes a file through a temporary name and rename(2), mode 0640.
func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    let temporary = path + ".tmp.\(getpid())"
    let fd = try syscall("open \(temporary)") { open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640) }
    defer { close(fd) }
    var offset = 0
    while offset < bytes.count {
        let n = try syscall("write \(temporary)") {
            bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        }
        offset += n
    }
    try syscall("rename \(temporary)") { rename(temporary, path) }
}
