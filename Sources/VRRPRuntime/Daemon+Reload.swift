// SPDX-License-Identifier: Apache-2.0
import VRRPConfig
import VRRPStatus
import VRRPCore

extension Daemon {
    /// Starts the instances and their checks, after keepalived's `vrrp_startup_delay` (start-up
    /// only; a reload during the delay starts them at once and the delay then does nothing).
    func startInstances(_ settings: [InstanceSettings], after delay: Interval) {
        guard delay.nanoseconds > 0 else {
            for s in settings { startInstance(s) }
            updateAcceptFilter()  // the table exists (replacing a crashed run's) while all are BACKUP
            health?.configure(configuration, instances: instances)
            warmUpTakeoverPath()
            return
        }
        log.info("vrrp_startup_delay: VRRP instances start in \(delay)")
        _ = loop.schedule(after: delay) { [unowned self] in
            guard !self.shuttingDown, self.instances.isEmpty else { return }
            self.log.info("vrrp_startup_delay over: starting VRRP instances")
            for s in settings { self.startInstance(s) }
            self.updateAcceptFilter()
            self.health?.configure(self.configuration, instances: self.instances)
            self.warmUpTakeoverPath()
        }
    }

    /// SIGHUP and `vrrpctl reload`: re-reads the configuration and applies only the difference.
    /// Unchanged instances keep their state and addresses (no flap, no gratuitous ARP storm);
    /// instances whose protocol settings changed restart; removed ones release; new ones start.
    /// An invalid file is refused with located errors and the running configuration stays.
    @discardableResult
    func reload(trigger: String) -> ReloadResult {
        log.info("Reloading configuration (\(trigger))")
        let loaded = ConfigurationLoader(fileSystem: LocalFileSystem(), strict: options.strictConfiguration).load(path: options.configFile)
        // Corrections keepalived applies are applied here too (logged at error level); only
        // refusals (all errors under --strict) keep the running configuration.
        for c in loaded.corrections where loaded.configuration != nil { log.error("reload: corrected: \(c)") }
        let warnings = (loaded.configuration == nil ? [] : loaded.corrections.map(\.description))
            + loaded.diagnostics.filter { $0.severity == .warning }.map(\.description)
        var errors = loaded.refusals.map(\.description)
        var newSettings: [InstanceSettings] = []
        if let newConfiguration = loaded.configuration {
            do {
                newSettings = try buildSettings(newConfiguration)
            } catch {
                errors.append("\(error)")
            }
            if let problem = health?.capabilityProblem(newConfiguration) { errors.append(problem) }
        } else if errors.isEmpty {
            errors.append("\(options.configFile): the configuration could not be loaded")
        }
        guard errors.isEmpty, let newConfiguration = loaded.configuration else {
            for e in errors { log.error("reload refused: \(e)") }
            let result = ReloadResult(at: wallClock(), ok: false, errors: errors, warnings: warnings)
            lastReload = result
            statusServer?.publish(.init(at: wallClock(), kind: .reload, reason: "refused: \(errors.first ?? "")"))
            return result
        }
        // What to keep, update, restart, add and remove is the configuration's diff alone
        // (VRRPConfig's ConfigurationDiff): one rule, tested there.
        let diff = ConfigurationDiff(old: configuration, new: newConfiguration)
        var result = ReloadResult(at: wallClock(), ok: true, warnings: warnings)
        for d in instances where diff.removed.contains(d.name) {
            log.info("(\(d.name)) removed by reload")
            stopInstance(d)
            result.removed.append(d.name)
        }
        instances.removeAll { diff.removed.contains($0.name) }
        configuration = newConfiguration
        syncStatics(newConfiguration)
        for s in newSettings {
            guard let d = instances.first(where: { $0.name == s.name }) else {
                startInstance(s)
                result.added.append(s.name)
                continue
            }
            if diff.unchanged.contains(s.name) {
                result.unchanged.append(s.name)
            } else if diff.restarts.contains(s.name) {
                log.info("(\(d.name)) changed by reload; restarting it")
                stopInstance(d)
                instances.removeAll { $0 === d }
                startInstance(s)
                result.changed.append(s.name)
            } else {
                // Priority, tracking, notify or sync group changed: updated in place, no restart
                // (keepalived keeps the instance's state across a reload). A new base priority
                // reaches the state machine as an effective-priority change, as a tracking
                // weight would (RFC 5798 §6.4.3: a master that drops below a backup is
                // preempted; a backup that now outranks the master preempts it).
                d.settings = s
                reconcileRoutesAndRules(d)
                d.trackStatus = d.trackStatus.filter { name, _ in s.tracked.contains { $0.name == name } }
                applyTracking(d)
                result.changed.append(s.name)
            }
        }
        // Keep the configuration's order.
        instances.sort { a, b in
            (newSettings.firstIndex { $0.name == a.name } ?? 0) < (newSettings.firstIndex { $0.name == b.name } ?? 0)
        }
        health?.configure(newConfiguration, instances: instances)
        for d in instances { reevaluateInterface(d) }
        // An instance changed in place (priority 255 or not) or removed while MASTER changes
        // what the Accept_Mode set should hold without a transition.
        updateAcceptFilter()
        lastReload = result
        log.info("Reload done: \(result.unchanged.count) unchanged, \(result.changed.count) changed, \(result.added.count) added, \(result.removed.count) removed")
        statusServer?.publish(.init(at: wallClock(), kind: .reload,
                                    reason: "ok: \(result.changed.count) changed, \(result.added.count) added, \(result.removed.count) removed"))
        return result
    }
}
