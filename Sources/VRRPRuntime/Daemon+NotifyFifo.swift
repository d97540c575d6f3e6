// SPDX-License-Identifier: Apache-2.0
import VRRPConfig
import VRRPCore
import VRRPLinux

/// One open notify FIFO (`notify_fifo`, `vrrp_notify_fifo`); removed at exit when the daemon
/// created it (keepalived's `fifo_close`).
typealias NotifyFifo = FIFOWriter

extension Daemon {
    /// Opens (creating when missing, mode 0644) the FIFOs of global_defs, as keepalived's
    /// `fifo_open` (lib/notify.c; see `FIFOWriter.open`): a full FIFO drops a line instead of
    /// blocking the loop.
    func openNotifyFifos() {
        let g = configuration.globals
        for path in [g.notifyFifo, g.vrrpNotifyFifo].compactMap({ $0 }) where !notifyFifos.contains(where: { $0.path == path }) {
            do {
                notifyFifos.append(try FIFOWriter.open(path))
            } catch let error as SystemError {
                log.error("cannot \(error.operation) notify FIFO \(path): \(error.reason)")
            } catch {
                log.error("cannot open notify FIFO \(path): \(error)")
            }
        }
    }

    /// `INSTANCE "VI_1" MASTER 100` or `GROUP "G" BACKUP 0` (keepalived/vrrp/vrrp_notify.c
    /// `notify_fifo`), one write per line so lines never interleave (PIPE_BUF); a line that does
    /// not fit in a full FIFO is dropped, as keepalived drops it.
    func writeNotifyFifos(type: String, name: String, state: String, priority: Int) {
        guard !notifyFifos.isEmpty else { return }
        let bytes = Array("\(type) \"\(name)\" \(state) \(priority)\n".utf8)
        for fifo in notifyFifos {
            if !fifo.write(bytes) { log.warning("notify FIFO \(fifo.path): line dropped (no reader, or the FIFO is full)") }
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

    func closeNotifyFifos() {
        for fifo in notifyFifos { fifo.close() }
        notifyFifos.removeAll()
    }
}
