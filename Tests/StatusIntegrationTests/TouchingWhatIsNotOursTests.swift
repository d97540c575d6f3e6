// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import VRRPLab
import VRRPTestSupport
import VRRPStatus

/// Issue 19, cases 5 and 6: a second daemon on the same files, and SIGUSR1 dumps through a
/// planted symlink.
extension StatusIntegrationTests {
    @Test("a second vrrpd with the same pid file and socket says 'already running', exits, and touches nothing")
    func secondDaemonRefused() async throws {
        try requireLab(statusRequirements)
        try await withLab { lab in
            let first = try singleMaster(lab)
            let second = try lab.spawn(first.host, try daemonOptions(first.host).commandLine(on: first.host), name: "vrrpd-second")
            let status = lab.waitExit(second, timeout: .seconds(15))
            if status == nil { _ = lab.stop(second) }
            // keepalived (main.c): "daemon is already running", exit status 0 (KEEPALIVED_EXIT_OK).
            #expect(status == 0, "the second vrrpd did not exit 0 by itself (\(status.map(String.init) ?? "still running")); log:\n\(lab.log(second))")
            #expect(lab.log(second).contains("already running"), "log of the second vrrpd:\n\(lab.log(second))")

            // The first keeps everything: its VIP, its pid file, its socket.
            for _ in 0..<3 {
                #expect(try first.addresses().contains("198.18.0.100"), "the first master lost its VIP")
                try await Task.sleep(for: .seconds(1))
            }
            let pidText = try String(contentsOfFile: first.pidPath, encoding: .utf8)
            #expect(pidText.trimmingCharacters(in: .whitespacesAndNewlines) == "\(first.process.pid)", "pid file: \(pidText)")
            #expect(try first.instance().state == "MASTER")
            let ctl = try first.vrrpctl(["status"])
            #expect(ctl.status == 0 && ctl.stdout.contains("MASTER"), "vrrpctl: \(ctl.stdout) \(ctl.stderr)")
            #expect(try first.snapshot().daemon.pid == first.process.pid, "the socket answers for another process")
            #expect(lab.isRunning(first.process))
        }
    }

    @Test("SIGUSR1 with symlinks planted at the dump's temporary names overwrites nothing; dumps are 0600 regular files")
    func dumpThroughPlantedSymlink() async throws {
        try requireLab(statusRequirements)
        try await withLab { lab in
            let node = try singleMaster(lab)
            let victim = "\(lab.directory)/victim"
            try "precious\n".write(toFile: victim, atomically: true, encoding: .utf8)
            let pid = node.process.pid
            for name in ["vrrpd.data", "vrrpd.json"] {
                // The names the daemon used to write through, and the final names themselves.
                for planted in ["\(name).tmp.\(pid)", name] {
                    try FileManager.default.createSymbolicLink(atPath: "\(node.dumpDir)/\(planted)",
                                                               withDestinationPath: victim)
                }
            }
            lab.signal(node.process, SIGUSR1)
            let jsonPath = "\(node.dumpDir)/vrrpd.json"
            let dataPath = "\(node.dumpDir)/vrrpd.data"
            var reply: StatusReply?
            try node.waitUntil("a vrrpd.json that decodes, written in place of the planted link") {
                reply = try? StatusReply.decode(line: Array(FileManager.default.contents(atPath: jsonPath) ?? Data()))
                return reply != nil
            }
            #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n", "the symlink's target was overwritten")
            for path in [jsonPath, dataPath] {
                var st = stat()
                #expect(lstat(path, &st) == 0, "\(path) missing")
                #expect(st.st_mode & S_IFMT == S_IFREG, "\(path) is not a regular file")
                // 0600, or 0640 for the status group (root here): never writable or readable by others.
                #expect([0o600, 0o640].contains(st.st_mode & 0o777), "\(path) mode \(String(st.st_mode & 0o777, radix: 8))")
            }
            #expect(reply?.snapshot?.instance(named: "VI_1")?.state == "MASTER")
            #expect(lab.isRunning(node.process))
        }
    }
}
