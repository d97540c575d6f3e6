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
    /// Rendered `SnapshotBuild.instancesPerTurn` instances per loop turn (issue 16: in one
    /// turn, 1 000 instances stalled the adverts long enough for a backup at advert_int 0.01 s
    /// to take over); a SIGUSR1 while one is being rendered is answered by it.
    func dumpSnapshot() {
        guard !dumping else { return }
        dumping = true
        let now = wallClock()
        let info = daemonInfo()
        var text = Snapshot.renderDumpHeader(info, now: now)
        var json = SnapshotLineWriter(daemon: info)
        let build = SnapshotBuild(self)
        runOverTurns { [unowned self] in
            let done = build.step(self, count: SnapshotBuild.instancesPerTurn) { instance in
                text += Snapshot.renderDump(instance, now: now)
                json.append(instance: instance)
            }
            guard done else { return false }
            let groups = syncGroupSnapshots()
            text += Snapshot.renderDumpSyncGroups(groups)
            writeDump(text: Array(text.utf8), json: json.finish(syncGroups: groups))
            dumping = false
            return true
        }
    }

    /// Runs `step` now, then once per loop turn until it returns true: work bounded per turn.
    func runOverTurns(_ step: @escaping () -> Bool) {
        guard !step() else { return }
        loop.runNextTurn { [weak self] in self?.runOverTurns(step) }
    }

    private func writeDump(text: [UInt8], json: [UInt8]) {
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
            for (name, bytes) in [("vrrpd.data", text), ("vrrpd.json", json)] {
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

/// One snapshot taken over several loop turns (issue 16): up to `count` instances per step,
/// each handed on as it is taken. The instances are the daemon's when it began.
final class SnapshotBuild {
    /// ≈ 0.1 ms each to snapshot and encode: about 3 ms of a turn.
    static let instancesPerTurn = 32
    private let drivers: [InstanceDriver]
    private var next = 0

    init(_ daemon: Daemon) { drivers = daemon.instances }

    /// True once every instance was handed on.
    func step(_ daemon: Daemon, count: Int, _ each: (InstanceSnapshot) -> Void) -> Bool {
        let end = min(drivers.count, next + max(1, count))
        for d in drivers[next..<end] { each(d.snapshot(wallOffset: daemon.wallOffset)) }
        next = end
        return next == drivers.count
    }
}
