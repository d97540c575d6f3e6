// SPDX-License-Identifier: Apache-2.0
import VRRPLinux
import VRRPStatus

extension Daemon {
    /// The one snapshot every view is rendered from.
    func snapshot() -> Snapshot {
        Snapshot(daemon: daemonInfo(), instances: instances.map { $0.snapshot(wallOffset: wallOffset) },
                 syncGroups: syncGroupSnapshots())
    }

    /// The daemon record of a snapshot.
    func daemonInfo() -> DaemonInfo {
        let lag = loop.timerLag
        return DaemonInfo(version: options.version, pid: pid, startedAt: startedAt,
                          configFile: options.configFile, lastReload: lastReload,
                          processTracking: health?.processTrackingSummary,
                          loopLagMax: lag.maximum.seconds, loopLagLastMinute: lag.lastMinute.seconds)
    }

    /// SIGUSR1: the snapshot as text (like keepalived's /tmp/keepalived.data) and as JSON,
    /// written to `vrrpd.data` and `vrrpd.json` in the dump directory, a `PrivateDirectory`
    /// (issue 19, case 6: private, files created O_EXCL|O_NOFOLLOW and renamed into place).
    func dumpSnapshot() {
        let s = snapshot()
        let text = s.renderDump(now: wallClock())
        let json = StatusReply(snapshot: s).encodedLine()
        let path = options.dumpDirectory
        let gid = options.statusGroup.flatMap { groupID(named: $0) }
        reserve.whileReleased {
            let directory: PrivateDirectory
            do {
                directory = try PrivateDirectory.open(path, group: gid)
            } catch {
                log.error("cannot write dumps to \(path): \(error)")
                return
            }
            for (name, bytes) in [("vrrpd.data", Array(text.utf8)), ("vrrpd.json", json)] {
                do {
                    try directory.writeAtomically(bytes, name: name)
                    log.info("wrote \(path)/\(name)")
                } catch {
                    log.error("cannot write \(path)/\(name): \(error)")
                }
            }
        }
    }
}
