// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Foundation
import Testing
import VRRPLab
import VRRPTestSupport
import VRRPStatus

/// #17: nginx killed on the master → the VIP on the backup, with the shipped example config
/// (examples/nginx-rabbitmq), vrrpd inside network namespaces (where the kernel refuses the
/// process connector), a real Debian nginx and a real SIGKILL by PID.
@Suite("nginx killed → VIP on the backup (shipped example)", .serialized,
       .requires(all: Services.nginxLab))
struct NginxKillTests {
    /// The shipped example (it uses `eth0` and the documentation VIP, as the lab hosts have
    /// them). One change: `process nginx` becomes this host's nginx copy, because the lab's
    /// hosts share one PID namespace and would otherwise count each other's nginx.
    static func example(_ file: String, processName: String) throws -> String {
        let text = try String(contentsOfFile: "\(LabBinaries.packageRoot)/examples/nginx-rabbitmq/\(file)", encoding: .utf8)
        #expect(text.contains("interface eth0") && text.contains("\(Configs.vip)/24 dev eth0"))
        #expect(text.contains("    process nginx\n"))
        return text.replacingOccurrences(of: "    process nginx\n", with: "    process \(processName)\n")
    }

    /// A copy of Debian's nginx named `name` in the host directory (its comm is then `name`).
    static func nginxCopy(_ host: LabHost, _ name: String) throws -> String {
        let path = "\(host.directory)/\(name)"
        try FileManager.default.copyItem(atPath: Services.nginx, toPath: path)
        chmod(path, 0o755)
        return path
    }

    @Test("the VIP is on the backup within 2 s (a hang bound) of nginx's death on the master")
    func nginxKillMovesVIP() async throws {
        try await withLab { lab in
            let lan = try lab.addLAN("lan")
            let p1 = try lab.addHost("p1", on: [lan], ipv4: ["198.18.0.11/24"])
            let p2 = try lab.addHost("p2", on: [lan], ipv4: ["198.18.0.12/24"])
            let vip = Configs.vip
            // No RabbitMQ host: chk_amqp fails on both proxies alike (both lose 60: 90 vs 40),
            // which is the example's "both lose the same, nothing flaps" case.
            let tag = String(UInt32.random(in: 0...0xFFFFF), radix: 16)
            let name1 = "ngx1-\(tag)", name2 = "ngx2-\(tag)"
            let nginx1 = try lab.startNginx(p1, upstream: "198.18.0.20:5672", binary: try Self.nginxCopy(p1, name1))
            _ = try lab.startNginx(p2, upstream: "198.18.0.20:5672", binary: try Self.nginxCopy(p2, name2))
            let d1 = try startDaemon(lab, on: p1, config: try Self.example("proxy1.conf", processName: name1))
            let d2 = try startDaemon(lab, on: p2, config: try Self.example("proxy2.conf", processName: name2))

            try waitUntil("p1 MASTER with the VIP, p2 BACKUP, checks settled", timeout: .seconds(30)) {
                try d1.instance("VI_RABBIT").state == "MASTER" && d2.instance("VI_RABBIT").state == "BACKUP" && lab.hasAddress(p1, vip)
                    && d1.tracked("chk_nginx_process", instance: "VI_RABBIT") == "ok"
                    && d1.tracked("chk_nginx", instance: "VI_RABBIT") == "ok"
                    && d1.tracked("chk_amqp", instance: "VI_RABBIT") == "failing"
                    && d2.tracked("chk_amqp", instance: "VI_RABBIT") == "failing"
            }
            #expect(try d1.instance("VI_RABBIT").effectivePriority == 90)
            // In a network namespace: exits by pidfd, discovery by /proc scan.
            let mode = try d1.snapshot().daemon.processTracking
            #expect(mode == "exits by pidfd, new processes by /proc scan every 1000 ms", "mode: \(mode ?? "nil")")

            // nginx dies: SIGKILL to its master and workers, by PID (not reaped here).
            let killed = ContinuousClock.now
            lab.signal(nginx1, SIGKILL, group: true)
            do {
                try waitUntil("the VIP on p2 only", timeout: .seconds(2), poll: .milliseconds(20)) {
                    try lab.hasAddress(p2, vip) && !lab.hasAddress(p1, vip)
                }
            } catch {
                Issue.record("p1 log:\n\(lab.log(d1.process))\np2 log:\n\(lab.log(d2.process))")
                throw error
            }
            let took = ContinuousClock.now - killed
            print("nginx killed → VIP on the backup: \(took) (shipped example, advert_int 1)")
            #expect(try d2.instance("VI_RABBIT").state == "MASTER")
            try waitUntil("p1 BACKUP", timeout: .seconds(5)) { try d1.instance("VI_RABBIT").state == "BACKUP" }
            #expect(try d1.tracked("chk_nginx_process", instance: "VI_RABBIT") == "failing")
            #expect(lab.log(d1.process).contains("track_process mode: exits by pidfd"))
        }
    }
}
