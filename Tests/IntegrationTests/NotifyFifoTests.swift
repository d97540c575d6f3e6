// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import VRRPLab

/// keepalived's `notify_fifo` / `vrrp_notify_fifo` (global_defs): every state change of an
/// instance as a line `INSTANCE "VI_1" MASTER 150`, in order, on a FIFO the daemon creates when
/// it is missing (keepalived/vrrp/vrrp_notify.c, lib/notify.c `fifo_open`) (issue #13).
@Suite("notify_fifo", .serialized)
struct NotifyFifoTests {
    @Test("state lines read back from both FIFOs, in order; created FIFOs removed at exit")
    func linesInOrder() async throws {
        try await withDaemonLab(proxies: 1) { lab in
            let p1 = lab.proxies[0]
            let all = "\(p1.directory)/all.fifo"
            let vrrp = "\(p1.directory)/vrrp.fifo"
            let text = "global_defs {\n    notify_fifo \(all)\n    vrrp_notify_fifo \(vrrp)\n}\n"
                + config(for: p1, priority: 150) { $0.initialState = "MASTER" }
            let daemon = try await lab.startDaemon(on: p1, config: text)
            try await lab.waitForState(daemon, "MASTER")
            var st = stat()
            #expect(stat(vrrp, &st) == 0 && (st.st_mode & S_IFMT) == S_IFIFO, "vrrp_notify_fifo was not created as a FIFO")
            // Lines written before a reader opens stay in the FIFO (the daemon holds it open).
            let readers = try [all, vrrp].map { try lab.lab.spawn(p1, ["cat", $0], name: "cat-\(($0 as NSString).lastPathComponent)") }
            try await lab.wait("the MASTER line on both FIFOs") {
                readers.allSatisfy { lab.lab.log($0).contains("INSTANCE \"VI_1\" MASTER 150\n") }
            }
            _ = daemon.terminate()
            for reader in readers {
                try await lab.wait("the STOP line and EOF") { !lab.lab.isRunning(reader) }
                let lines = lab.lab.log(reader).split(separator: "\n").filter { $0.hasPrefix("INSTANCE") }
                #expect(lines.last == "INSTANCE \"VI_1\" STOP 150" || lines.last == "INSTANCE \"VI_1\" STOP 0", "\(lines)")
                let master = lines.firstIndex(of: "INSTANCE \"VI_1\" MASTER 150")
                #expect(master != nil && master! < lines.count - 1, "\(lines)")
            }
            #expect(access(all, F_OK) != 0 && access(vrrp, F_OK) != 0, "the FIFOs the daemon created are left behind")
        }
    }
}
