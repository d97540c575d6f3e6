// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import VRRPLab

/// keepalived runs a file after correcting it; so does vrrpd, at start-up and on reload, with
/// the correction logged at error level; `--strict` refuses the same file (issue #13).
@Suite("keepalived's corrections at start-up and reload", .serialized)
struct CorrectionTests {
    @Test("an undefined track_script: dropped at start-up and on reload (instance runs); --strict refuses")
    func correctedAtStartupAndReload() async throws {
        try await withDaemonLab(proxies: 1) { lab in
            let p1 = lab.proxies[0]
            let text = config(for: p1, priority: 150) { $0.initialState = "MASTER" }
                .replacingOccurrences(of: "virtual_ipaddress {", with: "track_script {\n        nothere\n    }\n    virtual_ipaddress {")
            let strict = try lab.runDaemonToExit(on: p1, config: text, arguments: ["--strict"])
            #expect(strict.result.status == 1, "stderr: \(strict.result.stderr)")
            #expect(strict.result.stderr.contains("tracks script nothere"), "stderr: \(strict.result.stderr)")

            let daemon = try await lab.startDaemon(on: p1, config: text)
            try await lab.waitForState(daemon, "MASTER")
            #expect(lab.lab.log(daemon.process).contains("[error]"), "\(lab.lab.log(daemon.process))")
            #expect(lab.lab.log(daemon.process).contains("tracks script nothere"))
            #expect(try daemon.instance().tracked.isEmpty)

            // Reload with a second correction: a VRRPv2 instance with an IPv6 address among IPv4 ones.
            let reloaded = text.replacingOccurrences(of: "priority 150", with: "priority 140")
                .replacingOccurrences(of: "198.18.0.100/24", with: "198.18.0.100/24\n        2001:db8::100/64")
            try reloaded.write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
            let before = try daemon.snapshot().daemon.lastReload?.at
            lab.lab.signal(daemon.process, SIGHUP)
            try await lab.wait("the reload", daemon: daemon) { try daemon.snapshot().daemon.lastReload?.at != before }
            let reload = try #require(try daemon.snapshot().daemon.lastReload)
            #expect(reload.ok, "errors: \(reload.errors)")
            #expect(reload.warnings.contains { $0.contains("2001:db8::100/64 dropped") }, "\(reload.warnings)")
            let instance = try daemon.instance()
            #expect(instance.configuredPriority == 140 && instance.state == "MASTER")
            #expect(instance.virtualAddresses.map(\.address) == ["198.18.0.100/24"])
        }
    }
}
