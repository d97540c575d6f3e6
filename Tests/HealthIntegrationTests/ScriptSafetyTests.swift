// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Foundation
import Testing
import VRRPLab
import VRRPTestSupport
import VRRPStatus

/// Issue 19, the script cases: a reload while a check running as `script_user` hangs (case 1),
/// scripts as their user under NoNewPrivileges (case 3), script security for notify scripts
/// (case 7) and capabilities dropped before any thread starts.
@Suite("vrrpd scripts: reload, users, security, capabilities", .serialized,
       .requires(all: Services.nginxLab))
struct ScriptSafetyTests {
    /// The seconds-of-day of each captured packet (`tcpdump -r -n -e` lines start HH:MM:SS.ffffff).
    static func times(_ lines: [String]) -> [Double] {
        var out: [Double] = []
        for line in lines {
            let parts = line.split(separator: " ", maxSplits: 1).first?.split(separator: ":") ?? []
            guard parts.count == 3, let h = Double(parts[0]), let m = Double(parts[1]), let s = Double(parts[2]) else { continue }
            var t = h * 3600 + m * 60 + s
            if let last = out.last, t < last { t += 86_400 }
            out.append(t)
        }
        return out
    }

    static func hangConfig(interval: Int) -> String {
        Configs.proxy(routerID: "p1", priority: 150, globals: """
                script_user nobody
        """, checks: """
            vrrp_script chk_hang {
                script "/bin/sh -c 'exec sleep 1000'"
                interval \(interval)
                timeout 2
                weight -10
            }
            """, tracks: ["chk_hang"])
    }

    @Test("case 1: SIGHUP twice while a script_user check hangs: adverts keep their pace, no second master, SIGTERM exits")
    func reloadWithHangingUserCheck() async throws {
        try await withLab { lab in
            let lan = try lab.addLAN("lan")
            let p1 = try lab.addHost("p1", on: [lan], ipv4: ["198.18.0.11/24"])
            let p2 = try lab.addHost("p2", on: [lan], ipv4: ["198.18.0.12/24"])
            let d1 = try startDaemon(lab, on: p1, config: Self.hangConfig(interval: 1))
            let d2 = try startDaemon(lab, on: p2, config: Configs.proxy(routerID: "p2", priority: 100, checks: "", tracks: []))
            try waitUntil("p1 MASTER, p2 BACKUP", timeout: .seconds(20)) {
                try d1.instance().state == "MASTER" && d2.instance().state == "BACKUP"
            }
            // The first run times out after 2 s: failing, priority 140 (still above p2).
            try waitUntil("chk_hang to time out", timeout: .seconds(10)) { try d1.tracked("chk_hang") == "failing" }
            let capture = try lab.startCapture(p2, ifname: "eth0", filter: "vrrp and src host 198.18.0.11")
            let conf = "\(p1.directory)/vrrpd.conf"

            // Reload 1 (interval 2): the reconfigured check keeps its verdict until its first new result.
            try Self.hangConfig(interval: 2).write(toFile: conf, atomically: true, encoding: .utf8)
            lab.signal(d1.process, SIGHUP)
            var readings: [String?] = []
            let until = ContinuousClock.now + .milliseconds(1500)
            while ContinuousClock.now < until {
                readings.append(try d1.tracked("chk_hang"))
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(readings.allSatisfy { $0 == "failing" }, "chk_hang right after the reload: \(readings)")

            // Reload 2 (interval 3) while the reconfigured check's script hangs as nobody.
            try Self.hangConfig(interval: 3).write(toFile: conf, atomically: true, encoding: .utf8)
            lab.signal(d1.process, SIGHUP)
            // p1's status socket is not asked from here on: a blocked loop would hang the client.
            var p2States: Set<String> = []
            let end = ContinuousClock.now + .seconds(9)
            while ContinuousClock.now < end {
                p2States.insert(try d2.instance().state)
                try await Task.sleep(for: .milliseconds(200))
            }
            let times = Self.times(try lab.readCapture(capture.stop()))
            let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
            let maxGap = gaps.max() ?? .infinity
            print("case 1: \(times.count) adverts from p1 seen by p2, longest gap \(String(format: "%.3f", maxGap)) s; gaps: "
                  + gaps.map { String(format: "%.2f", $0) }.joined(separator: " "))
            #expect(times.count >= 8, "p2 heard \(times.count) adverts from p1 in about 10.5 s")
            #expect(maxGap <= 1.5, "longest advert gap seen by p2: \(maxGap) s (advert_int 1)")
            #expect(p2States == ["BACKUP"], "p2 states while p1 reloaded: \(p2States)")
            lab.signal(d1.process, SIGTERM)
            let status = lab.waitExit(d1.process, timeout: .seconds(10))
            #expect(status == 0, "vrrpd exit status after SIGTERM: \(String(describing: status))")
            if status == nil { lab.stop(d1.process) }
        }
    }

    @Test("case 3: under NoNewPrivileges and the unit's bounding set, check and notify scripts run as script_user")
    func scriptsRunAsUserUnderNoNewPrivileges() async throws {
        try await withLab { lab in
            let lan = try lab.addLAN("lan")
            let p1 = try lab.addHost("p1", on: [lan], ipv4: ["198.18.0.11/24"])
            let out = "\(p1.directory)/out"
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o777])
            chmod(p1.directory, 0o755)
            let config = Configs.proxy(routerID: "p1", priority: 100, globals: """
                    script_user nobody
            """, checks: """
                vrrp_script chk_uid {
                    script "/bin/sh -c 'id -u > \(out)/check.uid'"
                    interval 1
                    timeout 2
                }
                """, tracks: ["chk_uid"], extra: "    notify_master \"/bin/sh -c 'id -u > \(out)/notify.uid'\"")
            // packaging/vrrpd.service: NoNewPrivileges=yes and its CapabilityBoundingSet.
            let unit = ["setpriv", "--no-new-privs", "--bounding-set", "-all,+net_admin,+net_raw,+kill,+setuid,+setgid"]
            let d = try startDaemon(lab, on: p1, config: config, wrapper: unit)
            try waitUntil("p1 MASTER", timeout: .seconds(20)) { try d.instance().state == "MASTER" }
            for file in ["check.uid", "notify.uid"] {
                let path = "\(out)/\(file)"
                // The shell creates the file before `id` writes to it: wait for the line, not the file.
                try? waitUntil("\(file) written", timeout: .seconds(10)) {
                    (try? String(contentsOfFile: path, encoding: .utf8))?.hasSuffix("\n") == true
                }
                let uid = try? String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(uid == "65534", "\(file): \(String(describing: uid)); log:\n\(lab.log(d.process).suffix(1500))")
            }
            #expect(try d.tracked("chk_uid") == "ok")
        }
    }

    @Test("case 7: a world-writable notify_master is refused under enable_script_security (SECURITY VIOLATION)")
    func insecureNotifyRefused() async throws {
        try await withLab { lab in
            let lan = try lab.addLAN("lan")
            let p1 = try lab.addHost("p1", on: [lan], ipv4: ["198.18.0.11/24"])
            let marker = "\(p1.directory)/notify.ran"
            let script = "\(p1.directory)/notify.sh"
            try "#!/bin/sh\ntouch \(marker)\n".write(toFile: script, atomically: true, encoding: .utf8)
            chmod(script, 0o777)
            let config = Configs.proxy(routerID: "p1", priority: 100, globals: """
                    enable_script_security
                    script_user root
            """, checks: """
                """, tracks: [], extra: "    notify_master \(script)")
            let d = try startDaemon(lab, on: p1, config: config)
            try waitUntil("p1 MASTER", timeout: .seconds(20)) { try d.instance().state == "MASTER" }
            try waitUntil("the refusal to be logged", timeout: .seconds(10)) {
                lab.log(d.process).contains("SECURITY VIOLATION")
            }
            try await Task.sleep(for: .seconds(1))
            #expect(!FileManager.default.fileExists(atPath: marker), "the insecure notify_master ran")
        }
    }

    /// CapEff and CapBnd of every thread of `pid`.
    static func capabilities(_ pid: Int32) throws -> [(eff: String, bnd: String)] {
        let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")
        return try tasks.map { tid in
            let status = try String(contentsOfFile: "/proc/\(pid)/task/\(tid)/status", encoding: .utf8)
            func field(_ name: String) -> String {
                status.split(separator: "\n").first { $0.hasPrefix(name + ":") }
                    .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) } ?? "?"
            }
            return (field("CapEff"), field("CapBnd"))
        }
    }

    @Test("capabilities are dropped before any thread starts: every thread holds only what operations.md lists",
          arguments: [(nil, "0000000000003000"), ("nobody", "00000000000030e0")] as [(String?, String)])
    func capabilitiesBeforeThreads(user: String?, expected: String) async throws {
        try await withLab { lab in
            let lan = try lab.addLAN("lan")
            let p1 = try lab.addHost("p1", on: [lan], ipv4: ["198.18.0.11/24"])
            // A check started at boot (its thread exists from the start) and a native check.
            let config = Configs.proxy(routerID: "p1", priority: 100, globals: """
                \(user.map { "    script_user \($0)" } ?? "")
            """, checks: """
                vrrp_script chk_true {
                    script "/bin/true"
                    interval 1
                }
                vrrp_tcp_check chk_tcp {
                    host 127.0.0.1
                    port 9
                    interval 1
                    timeout 1
                }
                """, tracks: ["chk_true weight -10", "chk_tcp weight -10"])
            let d = try startDaemon(lab, on: p1, config: config)
            try waitUntil("both checks reported", timeout: .seconds(10)) {
                try d.tracked("chk_true") == "ok" && d.tracked("chk_tcp") == "failing"
            }
            let caps = try Self.capabilities(d.process.pid)
            #expect(caps.count >= 3, "threads: \(caps.count)")
            for (i, c) in caps.enumerated() {
                #expect(c.eff == expected, "thread \(i): CapEff \(c.eff), expected \(expected)")
                #expect(c.bnd == expected, "thread \(i): CapBnd \(c.bnd), expected \(expected)")
            }
        }
    }
}

extension ScriptSafetyTests {
    @Test("a reload that makes a script run as another user after those capabilities were dropped is refused, not applied")
    func reloadNeedingDroppedCapabilitiesIsRefused() async throws {
        try await withLab { lab in
            let lan = try lab.addLAN("lan")
            let p1 = try lab.addHost("p1", on: [lan], ipv4: ["198.18.0.11/24"])
            func config(_ user: String?) -> String {
                Configs.proxy(routerID: "p1", priority: 100, globals: user.map { "    script_user \($0)" } ?? "", checks: """
                    vrrp_script chk_true {
                        script "/bin/true"
                        interval 1
                    }
                    """, tracks: ["chk_true weight -10"])
            }
            let d = try startDaemon(lab, on: p1, config: config(nil))
            try waitUntil("chk_true ok", timeout: .seconds(10)) { try d.tracked("chk_true") == "ok" }
            try config("nobody").write(toFile: "\(p1.directory)/vrrpd.conf", atomically: true, encoding: .utf8)
            lab.signal(d.process, SIGHUP)
            try waitUntil("the reload to be refused", timeout: .seconds(10)) {
                lab.log(d.process).contains("restart vrrpd to apply this")
            }
            #expect(try d.snapshot().daemon.lastReload?.ok == false)
            #expect(try d.tracked("chk_true") == "ok")
            #expect(try d.instance().state == "MASTER" || d.instance().state == "BACKUP")
        }
    }
}
