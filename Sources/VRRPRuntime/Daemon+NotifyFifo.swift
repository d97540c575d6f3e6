// SPDX-License-Identifier: Apache-2.0
import VRRPConfig
import VRRPCore
import VRRPHealth
import VRRPLinux

/// One open notify FIFO (`notify_fifo`, `vrrp_notify_fifo`).
struct NotifyFifo {
    /// The open FIFO; removed at exit when the daemon created it (keepalived's `fifo_close`).
    let writer: FIFOWriter
    /// The `notify_fifo_script` reading it, while it runs.
    var scriptPID: Int32?
    var path: String { writer.path }
}

extension Daemon {
    /// Opens (creating when missing, mode 0644) the FIFOs of global_defs, as keepalived's
    /// `fifo_open` (lib/notify.c; see `FIFOWriter.open`): a full FIFO drops a line instead of
    /// blocking the loop.
    func openNotifyFifos() {
        let g = configuration.globals
        let pairs = [(g.notifyFifo, g.notifyFifoScript), (g.vrrpNotifyFifo, g.vrrpNotifyFifoScript)]
        for (name, script) in pairs {
            guard let path = name else {
                if let script { log.error("\(script.location): notify_fifo_script without its FIFO: not started (add notify_fifo / vrrp_notify_fifo)") }
                continue
            }
            guard !notifyFifos.contains(where: { $0.path == path }) else { continue }
            let writer: FIFOWriter
            do {
                writer = try FIFOWriter.open(path)
            } catch let error as SystemError {
                log.error("cannot \(error.operation) notify FIFO \(path): \(error.reason)")
                continue
            } catch {
                log.error("cannot open notify FIFO \(path): \(error)")
                continue
            }
            notifyFifos.append(NotifyFifo(writer: writer, scriptPID: script.flatMap { startFifoScript($0, fifo: path) }))
        }
        pollFifoScripts()
    }

    /// keepalived `notify_fifo_script`: the command with the FIFO's path as last argument
    /// (vrrp.c `add_script_param`), under script_user and enable_script_security.
    func startFifoScript(_ script: FifoScript, fifo: String) -> Int32? {
        let argv: [String]
        do {
            argv = try ScriptLine.split(script.command) + [fifo]
        } catch {
            log.error("\(script.location): notify FIFO script \(script.command.debugDescription): \(error)")
            return nil
        }
        let g = configuration.globals
        let policy = ScriptPolicy(user: g.scriptUser, group: g.scriptGroup, enforceSecurity: g.enableScriptSecurity)
        switch LongRunningScript.start(argv, policy: policy) {
        case .success(let pid):
            log.info("notify FIFO script \(argv.joined(separator: " ")) started (pid \(pid))")
            return pid
        case .failure(let error):
            log.error("notify FIFO script \(argv.joined(separator: " ")): cannot start: \(error)")
            return nil
        }
    }

    /// Reaps a FIFO script that ended (waitpid WNOHANG, never blocking), once a second while
    /// one runs; keepalived logs it and does not restart it (vrrp.c `vrrp_notify_fifo_script_exit`).
    func pollFifoScripts() {
        guard notifyFifos.contains(where: { $0.scriptPID != nil }) else { return }
        _ = loop.schedule(after: .seconds(1)) { [weak self] in
            guard let self else { return }
            for index in self.notifyFifos.indices {
                guard let pid = self.notifyFifos[index].scriptPID, let outcome = LongRunningScript.poll(pid) else { continue }
                self.notifyFifos[index].scriptPID = nil
                self.log.warning("notify FIFO script for \(self.notifyFifos[index].path) terminated (\(outcome)); not restarted")
            }
            self.pollFifoScripts()
        }
    }

    /// `INSTANCE "VI_1" MASTER 100` or `GROUP "G" BACKUP 0` (keepalived/vrrp/vrrp_notify.c
    /// `notify_fifo`), one write per line so lines never interleave (PIPE_BUF); a line that does
    /// not fit in a full FIFO is dropped, as keepalived drops it.
    func writeNotifyFifos(type: String, name: String, state: String, priority: Int) {
        guard !notifyFifos.isEmpty else { return }
        let bytes = Array("\(type) \"\(name)\" \(state) \(priority)\n".utf8)
        for fifo in notifyFifos {
            if !fifo.writer.write(bytes) { log.warning("notify FIFO \(fifo.path): line dropped (no reader, or the FIFO is full)") }
        }
    }

    func notifyFifoTransition(_ d: InstanceDriver, state: VirtualRouter.State?) {
        let word: String
        switch state {
        case .master?: word = "MASTER"
        case .backup?: word = "BACKUP"
        case .fault?: word = "FAULT"
        case nil: word = "STOP"
        case .initialize?: return
        }
        writeNotifyFifos(type: "INSTANCE", name: d.name, state: word, priority: Int(d.router.effectivePriority))
    }

    /// After the loop stopped: unlinks the FIFOs the daemon created (first, so a reader that
    /// reopens cannot find them, as keepalived's `fifo_close`), closes them (a reader sees EOF),
    /// then ends the FIFO scripts: 2 s to finish reading, then SIGTERM (LongRunningScript.end).
    func closeNotifyFifos() {
        for fifo in notifyFifos { fifo.writer.close() }
        for fifo in notifyFifos {
            guard let pid = fifo.scriptPID else { continue }
            let outcome = LongRunningScript.end(pid, graceMilliseconds: 2000)
            log.info("notify FIFO script for \(fifo.path) ended (\(outcome))")
        }
        notifyFifos.removeAll()
    }
}
