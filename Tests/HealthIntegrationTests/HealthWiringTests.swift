// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import VRRPLab
import VRRPTestSupport
import VRRPStatus

/// vrrpd's health wiring with real processes in namespaces: script vs native verdicts, a
/// hanging script, notify ordering, sync groups.
@Suite("vrrpd health wiring in namespaces", .serialized,
       .requires(all: Services.nginxLab))
struct HealthWiringTests {
    @Test("a vrrp_script running curl and the native HTTP/TCP checks reach the same verdicts on nginx")
    func scriptAndNativeAgree() async throws {
        try await withLab { lab in
            let lan = try lab.addLAN("lan")
            let p1 = try lab.addHost("p1", on: [lan], ipv4: ["198.18.0.11/24"])
            var nginx = try lab.startNginx(p1, upstream: nil)
            let checks = """
                vrrp_http_check chk_http {
                    port 80
                    path /health
                    interval 0.3
                    timeout 1
                }
                vrrp_tcp_check chk_tcp {
                    port 80
                    interval 0.3
                    timeout 1
                }
                vrrp_script chk_curl {
                    script "/usr/bin/curl -fsS -o /dev/null -m 1 http://127.0.0.1/health"
                    interval 0.3
                    timeout 2
                }
                """
            let names = ["chk_http", "chk_tcp", "chk_curl"]
            // Weights keep the instance out of FAULT, so only the verdicts change.
            let tracks = names.map { "\($0) weight -10" }
            let d = try startDaemon(lab, on: p1, config: Configs.proxy(routerID: "p1", priority: 100,
                                                                         checks: checks, tracks: tracks))
            func verdicts() throws -> [String?] { try names.map { try d.tracked($0) } }

            try waitUntil("every check to pass with nginx up", timeout: .seconds(10)) {
                try verdicts() == ["ok", "ok", "ok"]
            }
            lab.stop(nginx)
            try waitUntil("every check to fail with nginx stopped", timeout: .seconds(10)) {
                try verdicts() == ["failing", "failing", "failing"]
            }
            #expect(try d.instance().effectivePriority == 70)
            nginx = try lab.startNginx(p1, upstream: nil, name: "nginx-restarted")
            try waitUntil("every check to pass again", timeout: .seconds(10)) {
                try verdicts() == ["ok", "ok", "ok"]
            }
            #expect(try d.instance().effectivePriority == 100)
        }
    }

    @Test("a hanging script does not stop the master's adverts: the backup never takes over")
    func hangingScriptKeepsAdverts() async throws {
        try await withLab { lab in
            let lan = try lab.addLAN("lan")
            let p1 = try lab.addHost("p1", on: [lan], ipv4: ["198.18.0.11/24"])
            let p2 = try lab.addHost("p2", on: [lan], ipv4: ["198.18.0.12/24"])
            let started = "\(p1.directory)/hang.started"
            // Every run records that it started, then hangs far beyond the observation window.
            let hang = """
                vrrp_script chk_hang {
                    script "/bin/sh -c 'echo run >> \(started); exec sleep 600'"
                    interval 1
                    timeout 120
                    weight -100
                }
                """
            let d1 = try startDaemon(lab, on: p1, config: Configs.proxy(routerID: "p1", priority: 150,
                                                                          checks: hang, tracks: ["chk_hang"]))
            let d2 = try startDaemon(lab, on: p2, config: Configs.proxy(routerID: "p2", priority: 100,
                                                                          checks: "", tracks: []))
            try waitUntil("p1 MASTER, p2 BACKUP", timeout: .seconds(20)) {
                try d1.instance().state == "MASTER" && d2.instance().state == "BACKUP"
            }
            try waitUntil("the script to have started (and hung)", timeout: .seconds(10)) {
                FileManager.default.fileExists(atPath: started)
            }
            let heard = try d2.instance().counters.advertiseRcvd
            // Three Master_Down_Intervals (≈3.6 s each): any gap in adverts would let p2 take over.
            let end = ContinuousClock.now + .seconds(11)
            while ContinuousClock.now < end {
                #expect(try d2.instance().state == "BACKUP")
                #expect(try d1.instance().state == "MASTER")
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(try d2.instance().counters.advertiseRcvd >= heard + 8)
            // The hung run was never replaced by a second one, and its verdict is still the initial one.
            let runs = try String(contentsOfFile: started, encoding: .utf8).split(separator: "\n").count
            #expect(runs == 1)
            #expect(try d1.instance().effectivePriority == 150)
        }
    }

    @Test("a BACKUP→MASTER→BACKUP burst runs the notify scripts in that order")
    func notifyOrdering() async throws {
        try await withLab { lab in
            let lan = try lab.addLAN("lan")
            let p1 = try lab.addHost("p1", on: [lan], ipv4: ["198.18.0.11/24"])
            let p2 = try lab.addHost("p2", on: [lan], ipv4: ["198.18.0.12/24"])
            let out = "\(p2.directory)/notify.out"
            let script = "\(p2.directory)/notify.sh"
            // The MASTER notification is slow: the BACKUP one queued behind it must still come after it.
            try """
                #!/bin/sh
                # notify INSTANCE NAME STATE PRIORITY
                [ "$3" = MASTER ] && sleep 2
                echo "$3" >> \(out)

                """.write(toFile: script, atomically: true, encoding: .utf8)
            chmod(script, 0o755)
            let d2 = try startDaemon(lab, on: p2, config: Configs.proxy(
                routerID: "p2", priority: 100, checks: "", tracks: [], extra: "    notify \(script)"))
            try waitUntil("p2 alone to become MASTER", timeout: .seconds(20)) { try d2.instance().state == "MASTER" }
            // p1 (150) appears: p2 falls back to BACKUP while its MASTER notify still sleeps.
            let d1 = try startDaemon(lab, on: p1, config: Configs.proxy(routerID: "p1", priority: 150,
                                                                          checks: "", tracks: []))
            try waitUntil("p1 MASTER, p2 BACKUP", timeout: .seconds(20)) {
                try d1.instance().state == "MASTER" && d2.instance().state == "BACKUP"
            }
            try waitUntil("three notifications", timeout: .seconds(15)) {
                ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n").count >= 3
            }
            let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map(String.init)
            #expect(lines == ["BACKUP", "MASTER", "BACKUP"])
        }
    }

    @Test("in a vrrp_sync_group one member's interface failure takes both members to FAULT, and both recover")
    func syncGroupFollowsInterface() async throws {
        try await withLab { lab in
            let a = try lab.addLAN("a")
            let b = try lab.addLAN("b")
            let p1 = try lab.addHost("p1", on: [a, b], ipv4: ["198.18.0.11/24", "198.18.1.11/24"])
            let p2 = try lab.addHost("p2", on: [a, b], ipv4: ["198.18.0.12/24", "198.18.1.12/24"])
            func config(_ id: String, _ priority: Int) -> String {
                let instances = [("VI_A", "eth0", 51, "198.18.0.100/24"), ("VI_B", "eth1", 52, "198.18.1.100/24")].map {
                    var instance = LabVRRPInstance()
                    (instance.name, instance.interface, instance.vrid, instance.virtualAddresses) = ($0.0, $0.1, $0.2, [$0.3])
                    instance.priority = priority
                    instance.version = nil
                    return instance
                }
                return LabVRRPInstance.configuration(routerID: id, instances,
                                                     blocks: [LabVRRPInstance.syncGroup("G", ["VI_A", "VI_B"])])
            }
            let d1 = try startDaemon(lab, on: p1, config: config("p1", 150))
            let d2 = try startDaemon(lab, on: p2, config: config("p2", 100))
            func states(_ d: LabVRRPNode) throws -> [String] { [try d.instance("VI_A").state, try d.instance("VI_B").state] }
            try waitUntil("p1 MASTER for both, p2 BACKUP for both", timeout: .seconds(20)) {
                try states(d1) == ["MASTER", "MASTER"] && states(d2) == ["BACKUP", "BACKUP"]
            }

            // eth1 fails on p1: VI_B goes FAULT and VI_A follows it; p2 takes both addresses.
            try lab.runChecked(p1, ["ip", "link", "set", "dev", "eth1", "down"])
            try waitUntil("both p1 members in FAULT", timeout: .seconds(10)) {
                try states(d1) == ["FAULT", "FAULT"]
            }
            #expect(try !lab.hasAddress(p1, "198.18.0.100"))
            try waitUntil("p2 MASTER for both", timeout: .seconds(15)) {
                try states(d2) == ["MASTER", "MASTER"]
            }
            #expect(try d1.snapshot().syncGroups.first?.state == "FAULT")

            // eth1 returns: both members leave FAULT together and p1 (150) preempts both back.
            try lab.runChecked(p1, ["ip", "link", "set", "dev", "eth1", "up"])
            try waitUntil("p1 MASTER for both again", timeout: .seconds(20)) {
                try states(d1) == ["MASTER", "MASTER"] && states(d2) == ["BACKUP", "BACKUP"]
            }
            #expect(try lab.hasAddress(p1, "198.18.0.100") && lab.hasAddress(p1, "198.18.1.100"))
        }
    }
}
