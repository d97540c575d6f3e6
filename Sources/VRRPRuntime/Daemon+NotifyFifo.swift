// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import VRRPConfig
import VRRPCore

/// One open notify FIFO (`notify_fifo`, `vrrp_notify_fifo`).
struct NotifyFifo {
    let path: String
    let fd: Int32
    /// Created by the daemon, so removed at exit (keepalived's `fifo_close`).
    let created: Bool
}

extension Daemon {
    /// Opens (creating when missing, mode 0644) the FIFOs of global_defs, as keepalived's
    /// `fifo_open` (lib/notify.c): O_RDWR so the daemon is its own reader and never gets
    /// SIGPIPE or ENXIO, O_NONBLOCK so a full FIFO drops a line instead of blocking the loop.
    func openNotifyFifos() {
        let g = configuration.globals
        for path in [g.notifyFifo, g.vrrpNotifyFifo].compactMap({ $0 }) where !notifyFifos.contains(where: { $0.path == path }) {
            let created = mkfifo(path, 0o644) == 0
            if !created && errno != EEXIST {
                log.error("cannot create notify FIFO \(path): \(String(cString: strerror(errno)))")
                continue
            }
            let fd = open(path, O_RDWR | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else {
                log.error("cannot open notify FIFO \(path): \(String(cString: strerror(errno)))")
                if created { unlink(path) }
                continue
            }
            notifyFifos.append(NotifyFifo(path: path, fd: fd, created: created))
        }
    }

    /// `INSTANCE "VI_1" MASTER 100` or `GROUP "G" BACKUP 0` (keepalived/vrrp/vrrp_notify.c
    /// `notify_fifo`), one write per line so lines never interleave (PIPE_BUF); a line that does
    /// not fit in a full FIFO is dropped, as keepalived drops it.
    func writeNotifyFifos(type: String, name: String, state: String, priority: Int) {
        guard !notifyFifos.isEmpty else { return }
        let bytes = Array("\(type) \"\(name)\" \(state) \(priority)\n".utf8)
        for fifo in notifyFifos {
            let written = bytes.withUnsafeBytes { write(fifo.fd, $0.baseAddress, $0.count) }
            if written != bytes.count { log.warning("notify FIFO \(fifo.path): line dropped (no reader, or the FIFO is full)") }
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
        for fifo in notifyFifos {
            if fifo.created { unlink(fifo.path) }
            close(fifo.fd)
        }
        notifyFifos.removeAll()
    }
}
