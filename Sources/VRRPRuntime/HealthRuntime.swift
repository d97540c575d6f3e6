import VRRPConfig
import VRRPCore
import VRRPHealth
import VRRPLinux

/// Runs the checkers the configuration declares (scripts, native TCP/HTTP/AMQP checks, tracked
/// processes and files) and feeds their verdicts to the instances on the loop thread. The
/// checkers run on their own threads, so a hanging check never delays an advert.
final class HealthRuntime {
    private unowned let daemon: Daemon
    private var monitor: HealthMonitor?
    private var processes: ProcessTracker?
    private var files: TrackFileMonitor?
    private var specs: [CheckSpec] = []
    private var processSpecs: [ProcessSpec] = []
    private var fileSpecs: [TrackFileSpec] = []

    init(daemon: Daemon) {
        self.daemon = daemon
    }

    /// (Re)starts the checkers for a configuration. Checkers whose settings did not change keep
    /// running and keep their verdicts, so a reload does not flap tracked priorities.
    func configure(_ c: Configuration, instances: [InstanceDriver]) {
        let used = Set(instances.flatMap { $0.settings.tracked.map(\.name) })
        let newSpecs = Self.checkSpecs(c).filter { used.contains($0.name) }
        let newProcesses = Self.processSpecs(c).filter { used.contains($0.name) }
        let newFiles = c.trackFiles.filter { used.contains($0.name) }
            .map { TrackFileSpec(name: $0.name, path: $0.path, weight: $0.weight, reverse: $0.weightReverse) }
        let loop = daemon.loop
        if newSpecs != specs {
            monitor?.stop()
            specs = newSpecs
            monitor = newSpecs.isEmpty ? nil : HealthMonitor(specs: newSpecs) { [unowned daemon] event in
                loop.execute {
                    daemon.healthEvent(name: event.name, ok: event.status == .ok, reason: event.reason, progress: event.progress)
                }
            }
            monitor?.start()
        }
        if newProcesses != processSpecs {
            processes?.stop()
            processSpecs = newProcesses
            let log = daemon.log
            processes = newProcesses.isEmpty ? nil : ProcessTracker(specs: newProcesses, sink: { [unowned daemon] event in
                loop.execute { daemon.healthEvent(name: event.name, ok: event.status == .ok, reason: event.reason) }
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
            files?.stop()
            fileSpecs = newFiles
            files = newFiles.isEmpty ? nil : TrackFileMonitor(specs: newFiles) { [unowned daemon] event in
                loop.execute { daemon.trackFileEvent(name: event.name, value: event.value) }
            }
            files?.start()
        }
        // Seed every instance with the verdicts known now (a new instance tracking a running check).
        for d in instances {
            for t in d.settings.tracked {
                if let status = monitor?.status(of: t.name) ?? processes?.status(of: t.name) {
                    d.trackStatus[t.name] = status == .ok
                }
                if let value = files?.value(of: t.name) { d.fileValues[t.name] = value }
            }
        }
    }

    /// How `track_process` sees exits and new processes (nil: nothing tracked), for the status;
    /// set from the tracker's "mode: …" notices.
    var processTrackingSummary: String?

    func stop() {
        monitor?.stop()
        processes?.stop()
        files?.stop()
    }

    static func checkSpecs(_ c: Configuration) -> [CheckSpec] {
        var out: [CheckSpec] = []
        let g = c.globals
        for s in c.scripts {
            out.append(CheckSpec(
                name: s.name,
                kind: .script(ScriptCheck(command: s.script, user: s.user ?? g.scriptUser, group: s.group ?? g.scriptGroup,
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
                let range = codes.isEmpty ? 200...299 : codes.min()!...codes.max()!
                kind = .http(HTTPCheck(host: host, port: n.port, path: path, hostHeader: hostHeader, expectedStatus: range))
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
