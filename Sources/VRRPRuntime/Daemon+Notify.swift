// SPDX-License-Identifier: Apache-2.0
import VRRPConfig
import VRRPCore
import VRRPHealth

extension Daemon {
    /// keepalived's notify scripts: `notify_master|backup|fault|stop` as written, and the generic
    /// `notify` with "INSTANCE" NAME STATE PRIORITY appended. They run asynchronously but in
    /// order per instance (a BACKUP→MASTER→BACKUP burst runs its scripts in that order), with a
    /// timeout, and never delay adverts. `state` nil means STOP.
    func runNotify(_ d: InstanceDriver, state: VirtualRouter.State?) {
        let n = d.settings.notify
        guard !n.isEmpty else { return }
        let word: String
        let specific: String?
        switch state {
        case .master?: (word, specific) = ("MASTER", n.master)
        case .backup?: (word, specific) = ("BACKUP", n.backup)
        case .fault?: (word, specific) = ("FAULT", n.fault)
        case nil: (word, specific) = ("STOP", n.stop)
        case .initialize?: return
        }
        let priority = String(d.router.effectivePriority)
        if let specific { submitNotify(key: d.name, line: specific, extra: []) }
        if let generic = n.any { submitNotify(key: d.name, line: generic, extra: ["INSTANCE", d.name, word, priority]) }
    }

    func runGroupNotify(_ group: SyncGroupConfiguration, state: String) {
        let n = group.notify
        let specific: String?
        switch state {
        case "MASTER": specific = n.master
        case "BACKUP": specific = n.backup
        case "FAULT": specific = n.fault
        default: specific = n.stop
        }
        if let specific { submitNotify(key: "group:" + group.name, line: specific, extra: []) }
        if let generic = n.any {
            submitNotify(key: "group:" + group.name, line: generic, extra: ["GROUP", group.name, state, "0"])
        }
    }

    private func submitNotify(key: String, line: String, extra: [String]) {
        let log = self.log
        let argv: [String]
        do {
            argv = try ScriptLine.split(line) + extra
        } catch {
            log.error("notify script \(line.debugDescription): \(error)")
            return
        }
        guard !argv.isEmpty else { return }
        // The same user and script-security rules as the checks (ScriptPolicy), applied on the
        // notify worker thread before each run: an insecure script is refused, not run as root.
        let g = configuration.globals
        let policy = ScriptPolicy(user: g.scriptUser, group: g.scriptGroup, enforceSecurity: g.enableScriptSecurity)
        let command = argv.joined(separator: " ")
        notifier.submit(key: key, argv: argv, timeout: .seconds(30), policy: policy) { outcome in
            if case .exited(0) = outcome {
                log.debug("notify \(command): \(outcome)")
            } else {
                log.warning("notify \(command): \(outcome)")
            }
        }
    }
}
