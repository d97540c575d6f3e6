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

/// keepalived's `notify_fifo_script` / `vrrp_notify_fifo_script` (global_defs): the daemon starts
/// the script once, with the FIFO's path as its last argument, under the usual script user and
/// script security (lib/notify.c `fifo_open`, keepalived/vrrp/vrrp.c `add_script_param`); at
/// exit the FIFO is closed (the reader sees EOF) and the script is ended (issue #13).
@Suite("notify_fifo_script", .serialized)
struct NotifyFifoScriptTests {
    @Test("the FIFO script reads the state lines back in order and is ended at exit")
    func scriptReadsLines() async throws {
        try await withDaemonLab(proxies: 1) { lab in
            let p1 = lab.proxies[0]
            let fifo = "\(p1.directory)/vrrp.fifo"
            let out = "\(p1.directory)/fifo-script.out"
            let pidFile = "\(p1.directory)/fifo-script.pid"
            let script = "\(p1.directory)/fifo-reader.sh"
            // The FIFO is the last argument ("$2" after the extra word "tag").
            let body = "#!/bin/sh\necho $$ > \(pidFile)\nwhile read -r line; do echo \"$1 $line\" >> \(out); done < \"$2\"\necho EOF >> \(out)\n"
            #expect(FileManager.default.createFile(atPath: script, contents: Data(body.utf8),
                                                   attributes: [.posixPermissions: 0o755]))
            let text = "global_defs {\n    vrrp_notify_fifo \(fifo)\n    vrrp_notify_fifo_script \"\(script) tag\"\n}\n"
                + config(for: p1, priority: 150) { $0.initialState = "MASTER" }
            let daemon = try await lab.startDaemon(on: p1, config: text)
            try await lab.waitForState(daemon, "MASTER")
            func lines() -> [String] {
                ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
            }
            try await lab.wait("the script's copy of the MASTER line") { lines().contains("tag INSTANCE \"VI_1\" MASTER 150") }
            let pid = try #require(Int32(((try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(kill(pid, 0) == 0, "the FIFO script is not running")
            _ = daemon.terminate()
            try await lab.wait("the script to end after the daemon") { access("/proc/\(pid)", F_OK) != 0 }
            let got = lines()
            // In order: BACKUP (start-up) or straight MASTER, then MASTER, then STOP, then EOF.
            let master = got.firstIndex(of: "tag INSTANCE \"VI_1\" MASTER 150")
            let stop = got.firstIndex { $0.hasPrefix("tag INSTANCE \"VI_1\" STOP") }
            #expect(master != nil && stop != nil && master! < stop!, "\(got)")
            #expect(got.last == "EOF", "the script did not see the FIFO's end: \(got)")
        }
    }

    /// enable_script_security applies to the FIFO script as to every script (keepalived
    /// `check_vrrp_script_security` counts it): a world-writable one is not started as root.
    @Test("a world-writable FIFO script is refused under enable_script_security")
    func insecureScriptRefused() async throws {
        try await withDaemonLab(proxies: 1) { lab in
            let p1 = lab.proxies[0]
            let fifo = "\(p1.directory)/vrrp.fifo"
            let marker = "\(p1.directory)/insecure-ran"
            let script = "\(p1.directory)/insecure-reader.sh"
            #expect(FileManager.default.createFile(atPath: script, contents: Data("#!/bin/sh\ntouch \(marker)\n".utf8),
                                                   attributes: [.posixPermissions: 0o777]))
            chmod(script, 0o777)
            let text = "global_defs {\n    enable_script_security\n    script_user root\n    vrrp_notify_fifo \(fifo)\n    vrrp_notify_fifo_script \(script)\n}\n"
                + config(for: p1, priority: 150) { $0.initialState = "MASTER" }
            let daemon = try await lab.startDaemon(on: p1, config: text)
            try await lab.waitForState(daemon, "MASTER")
            try await lab.wait("the refusal in the log") { lab.lab.log(daemon.process).contains("SECURITY VIOLATION") }
            #expect(access(marker, F_OK) != 0, "the insecure FIFO script ran")
            #expect(daemon.terminate() == 0)
        }
    }
}
