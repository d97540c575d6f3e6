// SPDX-License-Identifier: Apache-2.0
import VRRPConfig
import VRRPCore
import VRRPHealth
import VRRPLinux

/// Runs the checkers the configuration declares (scripts, native TCP/HTTP/AMQP checks, tracked
/// processes and files) and feeds their verdicts to the instances on the loop thread. The
/// checkers run on their own threads, so a hanging check never delays an advert.
///
/// Nothing here waits on the loop thread: a check that a reload changes or removes is asked to
/// stop (`HealthMonitor.stop()` returns at once; its thread kills the script and ends on its
/// own), a replaced process tracker or file monitor is stopped on a detached thread, and
/// whatever a retired checker still reports is ignored (each carries a generation, checked on
/// the loop thread). A changed check keeps its last verdict until its first new result.
final class HealthRuntime {
    private unowned let daemon: Daemon
    private struct RunningCheck {
        var spec: CheckSpec
        var monitor: HealthMonitor
        var generation: Int
    }
    /// One monitor per check, so a reload restarts only the checks it changes.
    private var checks: [String: RunningCheck] = [:]
    /// The last verdict of each check as the loop thread saw it (no lock read of a monitor).
    private var verdicts: [String: HealthStatus] = [:]
    private var processes: ProcessTracker?
    private var files: TrackFileMonitor?
    private var processSpecs: [ProcessSpec] = []
    private var fileSpecs: [TrackFileSpec] = []
    private var generation = 0
    private var processGeneration = 0
    private var fileGeneration = 0
    /// Checkers being stopped off the loop thread (waited for, with a bound, at exit only).
    private var retired: [HealthMonitor] = []
    private let retiring = Retirements()

    init(daemon: Daemon) {
        self.daemon = daemon
    }

    /// (Re)starts the checkers for a configuration. Checkers whose settings did not change keep
    /// running and keep their verdicts, so a reload does not flap tracked priorities.
    func configure(_ c: Configuration, instances: [InstanceDriver]) {
        if let warning = Self.securityWarning(c) { daemon.log.warning("\(warning)") }
        let used = Set(instances.flatMap { $0.settings.tracked.map(\.name) })
        let newSpecs = Self.checkSpecs(c).filter { used.contains($0.name) }
        let newProcesses = Self.processSpecs(c).filter { used.contains($0.name) }
        let newFiles = c.trackFiles.filter { used.contains($0.name) }
            .map { TrackFileSpec(name: $0.name, path: $0.path, weight: $0.weight, reverse: $0.weightReverse) }
        let loop = daemon.loop
        let wanted = Dictionary(newSpecs.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for (name, running) in checks where wanted[name] != running.spec {
            running.monitor.stop()
            retired.append(running.monitor)
            checks[name] = nil
            if wanted[name] == nil { verdicts[name] = nil }
        }
        retired.removeAll { $0.isStopped }
        for spec in newSpecs where checks[spec.name] == nil {
            generation += 1
            let gen = generation
            let carried = verdicts[spec.name].map { [spec.name: $0] } ?? [:]
            let monitor = HealthMonitor(specs: [spec], initialStatuses: carried) { [unowned daemon] event in
                loop.execute { daemon.health?.checkEvent(event, generation: gen) }
            }
            checks[spec.name] = RunningCheck(spec: spec, monitor: monitor, generation: gen)
            if verdicts[spec.name] == nil { verdicts[spec.name] = monitor.status(of: spec.name) }
            monitor.start()
        }
        if newProcesses != processSpecs {
            if let old = processes { retiring.stop { old.stop() } }
            processSpecs = newProcesses
            processGeneration += 1
            let gen = processGeneration
            let log = daemon.log
            processes = newProcesses.isEmpty ? nil : ProcessTracker(specs: newProcesses, sink: { [unowned daemon] event in
                loop.execute {
                    guard daemon.health?.processGeneration == gen else { return }
                    daemon.healthEvent(name: event.name, ok: event.status == .ok, reason: event.reason)
                }
            }, notice: { [unowned daemon] message in
                if message.hasPrefix("mode: ") {
                    log.info("track_process \(message)")
                    // Kept on the loop thread, so the snapshot never takes the tracker's lock.
                    let summary = String(message.dropFirst(6))
                    loop.execute { daemon.health?.processTrackingSummary = summary }
                } else {
                    log.warning("track_process: \(message)")
                }
            })
            if newProcesses.isEmpty { processTrackingSummary = nil }
            processes?.start()
        }
        if newFiles != fileSpecs {
            if let old = files { retiring.stop { old.stop() } }
            fileSpecs = newFiles
            fileGeneration += 1
            let gen = fileGeneration
            files = newFiles.isEmpty ? nil : TrackFileMonitor(specs: newFiles) { [unowned daemon] event in
                loop.execute {
                    guard daemon.health?.fileGeneration == gen else { return }
                    daemon.trackFileEvent(name: event.name, value: event.value)
                }
            }
            files?.start()
        }
        // Seed every instance with the verdicts known now (a new instance tracking a running check).
        for d in instances {
            for t in d.settings.tracked {
                if let status = verdicts[t.name] ?? processes?.status(of: t.name) {
                    d.trackStatus[t.name] = status == .ok
                }
                if let value = files?.value(of: t.name) { d.fileValues[t.name] = value }
            }
        }
    }

    /// A check's event, on the loop thread; dropped when it comes from a retired monitor.
    func checkEvent(_ event: HealthEvent, generation gen: Int) {
        guard checks[event.name]?.generation == gen else { return }
        verdicts[event.name] = event.status
        daemon.healthEvent(name: event.name, ok: event.status == .ok, reason: event.reason, progress: event.progress)
    }

    /// How `track_process` sees exits and new processes (nil: nothing tracked), for the status;
    /// set from the tracker's "mode: …" notices.
    var processTrackingSummary: String?

    /// Stops everything. Called after the loop has ended: waits for the checkers, 3 s at most.
    func stop() {
        let monitors = checks.values.map(\.monitor) + retired
        checks.removeAll()
        for m in monitors { m.stop() }
        if let old = processes { retiring.stop { old.stop() } }
        if let old = files { retiring.stop { old.stop() } }
        processes = nil
        files = nil
        // One bound for everything (a script that cannot be killed must not delay the exit long).
        let deadline = ContinuousClock.now + .seconds(3)
        for m in monitors { m.waitUntilStopped(limit: max(.zero, deadline - ContinuousClock.now)) }
        retiring.wait(limit: max(.zero, deadline - ContinuousClock.now))
    }

    // MARK: Capabilities and script users

    /// Whether CAP_SETUID/CAP_SETGID/CAP_KILL were kept at start-up (see `dropCapabilities`).
    private(set) var keptScriptUserCapabilities = true
    /// A configured script user and group (nil user: keepalived's default).
    struct ScriptUser: Hashable {
        var user: String?
        var group: String?
    }
    /// The script users seen at start-up or since, and whether each runs as another uid or gid.
    private var knownScriptUsers: [ScriptUser: Bool] = [:]

    /// Drops every capability the daemon does not need before any thread starts (the kept set
    /// is per thread and inherited by threads created later). CAP_SETUID, CAP_SETGID and
    /// CAP_KILL are kept only when some script runs as another user: they let the child switch
    /// user before exec (no setuid helper, which NoNewPrivileges would defeat) and let the
    /// daemon kill that script's process group at its timeout.
    func dropCapabilities(_ c: Configuration) {
        let users = Self.scriptUsers(c)
        for user in users { knownScriptUsers[user] = Self.runsAsOtherUser(user) }
        keptScriptUserCapabilities = knownScriptUsers.values.contains(true)
        let autoPriority = (c.globals.maxAutoPriority ?? 0) > 0
        let keep = Capabilities.network + (keptScriptUserCapabilities ? Capabilities.scriptUser : [])
            + (autoPriority ? Capabilities.realtimeScheduling : []) + (c.globals.lockMemory ? Capabilities.memoryLock : [])
        do {
            try Capabilities.keepOnly(keep)
            let kept = "CAP_NET_ADMIN CAP_NET_RAW" + (keptScriptUserCapabilities ? " CAP_SETUID CAP_SETGID CAP_KILL (scripts run as another user)" : "")
                + (autoPriority ? " CAP_SYS_NICE CAP_SYS_RESOURCE (max_auto_priority)" : "")
                + (c.globals.lockMemory ? " CAP_IPC_LOCK (vrrp_no_swap)" : "")
            daemon.log.info("capabilities kept: \(kept)")
        } catch {
            keptScriptUserCapabilities = true
            daemon.log.warning("could not drop capabilities: \(error)")
        }
    }

    /// Why `c` cannot be applied by a reload: a script now runs as another user, but the
    /// capabilities for that were dropped at start-up (a restart keeps them). Looks up only
    /// users not seen before.
    func capabilityProblem(_ c: Configuration) -> String? {
        guard !keptScriptUserCapabilities else { return nil }
        for user in Self.scriptUsers(c) {
            if knownScriptUsers[user] == nil {
                knownScriptUsers[user] = Self.runsAsOtherUser(user)
            }
            if knownScriptUsers[user] == true {
                return "scripts now run as user \(user.user ?? ScriptPolicy.defaultUser), which needs CAP_SETUID, CAP_SETGID "
                    + "and CAP_KILL, dropped at start-up when no script ran as another user: restart vrrpd to apply this"
            }
        }
        return nil
    }

    /// The configured users of every script (checks and notify scripts); nil: keepalived's default.
    static func scriptUsers(_ c: Configuration) -> Set<ScriptUser> {
        let g = c.globals
        let global = ScriptUser(user: g.scriptUser, group: g.scriptUser == nil ? nil : g.scriptGroup)
        var users = Set(c.scripts.map { s in s.user.map { ScriptUser(user: $0, group: s.group) } ?? global })
        if c.instances.contains(where: { !$0.notify.isEmpty }) || c.syncGroups.contains(where: { !$0.notify.isEmpty })
            || g.notifyFifoScript != nil || g.vrrpNotifyFifoScript != nil {
            users.insert(global)
        }
        return users
    }

    static func runsAsOtherUser(_ u: ScriptUser) -> Bool {
        switch RunIdentity.lookup(user: u.user ?? ScriptPolicy.defaultUser, group: u.group) {
        case .success(let id): return !id.isRoot
        case .failure: return u.user != nil && u.user != "root"
        }
    }

    /// keepalived's warning when scripts run without `enable_script_security`.
    static func securityWarning(_ c: Configuration) -> String? {
        guard !c.globals.enableScriptSecurity, !scriptUsers(c).isEmpty else { return nil }
        return "SECURITY VIOLATION - scripts are being executed but script_security not enabled."
    }

    static func checkSpecs(_ c: Configuration) -> [CheckSpec] {
        var out: [CheckSpec] = []
        let g = c.globals
        for s in c.scripts {
            out.append(CheckSpec(
                name: s.name,
                kind: .script(ScriptCheck(command: s.script, user: s.user ?? g.scriptUser,
                                          group: s.user != nil ? s.group : g.scriptGroup,
                                          enforceScriptSecurity: g.enableScriptSecurity)),
                interval: s.interval.duration, timeout: s.effectiveTimeout.duration, rise: s.rise, fall: s.fall,
                weight: s.weight, reverse: s.weightReverse, initFail: s.initFail))
        }
        for n in c.nativeChecks {
            let host = n.host.description
            let kind: CheckKind
            switch n.kind {
            case .tcp:
                kind = .tcp(TCPCheck(host: host, port: n.port))
            case .http(let path, let hostHeader, let codes):
                kind = .http(HTTPCheck(host: host, port: n.port, path: path, hostHeader: hostHeader,
                                       expectedStatus: HTTPCheck.ranges(codes)))
            case .amqp:
                kind = .amqp(AMQPCheck(host: host, port: n.port))
            }
            out.append(CheckSpec(name: n.name, kind: kind, interval: n.interval.duration,
                                 timeout: n.effectiveConnectTimeout.duration, rise: n.rise, fall: n.fall,
                                 weight: n.weight, reverse: n.weightReverse, initFail: n.initFail))
        }
        return out
    }

    static func processSpecs(_ c: Configuration) -> [ProcessSpec] {
        c.trackProcesses.map { p in
            let match: ProcessSpec.ParameterMatch
            switch p.parameterMatch {
            case .exact: match = .full
            case .partial: match = .partial
            case .initial: match = .initial
            }
            return ProcessSpec(name: p.name, processName: p.process, parameters: p.parameters.isEmpty ? nil : p.parameters,
                               parameterMatch: match, quorum: p.quorum, quorumMax: p.quorumMax ?? .max,
                               delay: (p.delay ?? .zero).duration, weight: p.weight, reverse: p.weightReverse)
        }
    }
}

extension Interval {
    var duration: Duration { .nanoseconds(nanoseconds) }
}

extension Daemon {
    /// A checker's verdict changed: update every instance that tracks it.
    /// `progress`: rise/fall still counting against the status ("failing 1/2"), shown as the
    /// item's status in the snapshot.
    func healthEvent(name: String, ok: Bool, reason: String, progress: String? = nil) {
        for d in instances where d.settings.tracked.contains(where: { $0.name == name }) {
            guard d.trackStatus[name] != ok || d.trackReason[name] != reason || d.trackProgress[name] != progress else { continue }
            let changed = d.trackStatus[name] != ok
            d.trackStatus[name] = ok
            d.trackReason[name] = reason
            d.trackProgress[name] = progress
            if changed {
                log.info("(\(d.name)) tracked \(name) is now \(ok ? "OK" : "FAILING") (\(reason))", metadata: meta(d))
                statusServer?.publish(.init(at: wallClock(), kind: .check, instance: d.name,
                                            reason: "\(name) \(ok ? "ok" : "failing"): \(reason)"))
            }
            applyTracking(d)
        }
    }

    func trackFileEvent(name: String, value: Int) {
        for d in instances where d.settings.tracked.contains(where: { $0.name == name }) {
            guard d.fileValues[name] != value else { continue }
            d.fileValues[name] = value
            log.info("(\(d.name)) track file \(name) now reads \(value)", metadata: meta(d))
            statusServer?.publish(.init(at: wallClock(), kind: .check, instance: d.name, reason: "file \(name) = \(value)"))
            applyTracking(d)
        }
    }
}
