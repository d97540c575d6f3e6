// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Foundation
import Testing
import VRRPLab
import VRRPTestSupport
import VRRPStatus

/// #17 measurement, not a test of timing: "nginx killed → VIP on the backup" for vrrpd with
/// the shipped example and for keepalived with the nearest configurations, in one run, in
/// network namespaces (scripts/bench-nginx runs it; CI does not). Prints a Markdown table.
///
/// Two proxies (p1 150, p2 100, advert_int 1), each with its own nginx (a renamed copy of
/// Debian's, so process tracking on one host does not count the other's: the lab's hosts
/// share one PID namespace) and, when rabbitmq-server is installed, one RabbitMQ host behind
/// nginx's stream proxy so the AMQP check passes. The fault: SIGKILL to p1's nginx master and
/// workers by PID. The figure: until `ip addr` shows the VIP on p2 and no longer on p1.
@Suite("nginx killed → VIP on the backup: vrrpd vs keepalived (measurement)", .serialized,
       .enabled(if: ProcessInfo.processInfo.environment["VRRP_BENCH_NGINX"] != nil, "a measurement: set VRRP_BENCH_NGINX=1 (scripts/bench-nginx)"),
       .requires(all: Services.nginxLab + [.keepalived]))
struct NginxKillBenchmark {
    enum Variant: String, CaseIterable {
        case vrrpdExample = "vrrpd, shipped example (track_process + HTTP + AMQP, fast_preempt)"
        case vrrpdNoFast = "vrrpd, shipped example without fast_preempt"
        case keepalivedPidof = "keepalived, vrrp_script pidof + curl (interval 1, fall 2)"
        case keepalivedTrackProcess = "keepalived, vrrp_track_process + curl (interval 1, fall 2)"

        var code: String {
            switch self {
            case .vrrpdExample: "vf"
            case .vrrpdNoFast: "vn"
            case .keepalivedPidof: "kp"
            case .keepalivedTrackProcess: "kt"
            }
        }
        var isKeepalived: Bool { self == .keepalivedPidof || self == .keepalivedTrackProcess }
    }

    static func keepalivedConfig(_ variant: Variant, routerID: String, priority: Int, process: String) -> String {
        let pidof = ["/usr/bin/pidof", "/bin/pidof", "/usr/sbin/pidof", "/sbin/pidof"]
            .first { FileManager.default.isExecutableFile(atPath: $0) } ?? "pidof"
        let curl = ["/usr/bin/curl", "/bin/curl"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "curl"
        let processCheck = variant == .keepalivedPidof
            ? LabVRRPInstance.script("chk_nginx_process", "\(pidof) \(process)", interval: 1, timeout: 1, fall: 2, rise: 2, weight: -60)
            : "vrrp_track_process chk_nginx_process {\n    process \(process)\n    weight -60\n}"
        var instance = LabVRRPInstance()
        instance.name = "VI_RABBIT"
        instance.priority = priority
        instance.version = nil
        instance.password = "rabbit51"
        instance.virtualAddresses = ["\(Configs.vip)/24"]
        if variant == .keepalivedPidof {
            instance.trackScripts = ["chk_nginx_process", "chk_nginx"]
        } else {
            instance.trackScripts = ["chk_nginx"]
            instance.trackProcesses = ["chk_nginx_process"]
        }
        return LabVRRPInstance.configuration(routerID: routerID, [instance], globalLines: ["script_user root"], blocks: [
            processCheck,
            LabVRRPInstance.script("chk_nginx", "\(curl) -fs -o /dev/null -m 0.8 http://127.0.0.1/health",
                                   interval: 1, timeout: 1, fall: 2, rise: 2, weight: -60),
        ])
    }

    /// One trial: fresh nginx pair and daemons, settle, kill p1's nginx, time the VIP's move.
    static func trial(_ lab: Lab, _ variant: Variant, _ n: Int, p1: LabHost, p2: LabHost) throws -> Double? {
        let vip = Configs.vip
        let name1 = "n1\(variant.code)\(n)", name2 = "n2\(variant.code)\(n)"
        let nginx1 = try lab.startNginx(p1, upstream: "198.18.0.20:5672", name: "nginx-\(name1)",
                                        binary: try NginxKillTests.nginxCopy(p1, name1))
        let nginx2 = try lab.startNginx(p2, upstream: "198.18.0.20:5672", name: "nginx-\(name2)",
                                        binary: try NginxKillTests.nginxCopy(p2, name2))
        var daemons: [LabProcess] = []
        defer {
            for d in daemons { _ = lab.stop(d) }
            _ = lab.stop(nginx2)
            _ = lab.stop(nginx1)
        }
        for (host, file, priority, process) in [(p1, "proxy1.conf", 150, name1), (p2, "proxy2.conf", 100, name2)] {
            if variant.isKeepalived {
                let config = keepalivedConfig(variant, routerID: host.name, priority: priority, process: process)
                daemons.append(try lab.startKeepalived(host, config: config, tag: "keepalived-\(variant.code)\(n)").process)
            } else {
                var config = try NginxKillTests.example(file, processName: process)
                if variant == .vrrpdNoFast { config = config.replacingOccurrences(of: "    fast_preempt\n", with: "") }
                daemons.append(try startDaemon(lab, on: host, config: config, name: "vrrpd-\(variant.code)\(n)").process)
            }
        }
        // Settled: the VIP on p1 only for 3 s in a row (checks have run, p2 is a quiet backup).
        var since: ContinuousClock.Instant?
        try waitUntil("\(variant.code)\(n): the VIP on p1 only, for 3 s", timeout: .seconds(60), poll: .milliseconds(100)) {
            if try lab.hasAddress(p1, vip) && !lab.hasAddress(p2, vip) {
                since = since ?? ContinuousClock.now
                return ContinuousClock.now - since! >= .seconds(3)
            }
            since = nil
            return false
        }
        let killed = ContinuousClock.now
        lab.signal(nginx1, SIGKILL, group: true)
        do {
            try waitUntil("\(variant.code)\(n): the VIP on p2 only", timeout: .seconds(20), poll: .milliseconds(10)) {
                try lab.hasAddress(p2, vip) && !lab.hasAddress(p1, vip)
            }
        } catch {
            return nil
        }
        let took = ContinuousClock.now - killed
        return Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18
    }

    @Test("nginx killed → VIP on the backup, vrrpd and keepalived, side by side")
    func measure() async throws {
        let trials = Int(ProcessInfo.processInfo.environment["VRRP_BENCH_NGINX_TRIALS"] ?? "") ?? 5
        let variants = Variant.allCases.filter { !$0.isKeepalived || Lab.keepalivedPath != nil }
        try await withLab { lab in
            let lan = try lab.addLAN("lan")
            let p1 = try lab.addHost("p1", on: [lan], ipv4: ["198.18.0.11/24"])
            let p2 = try lab.addHost("p2", on: [lan], ipv4: ["198.18.0.12/24"])
            let mq = try lab.addHost("mq", on: [lan], ipv4: ["198.18.0.20/24"])
            let withRabbit = Services.haveRabbitMQ
            if withRabbit { _ = try lab.startRabbitMQ(mq) }
            var rows: [String] = []
            // Interleaved (round-robin over variants) so machine load hits all alike.
            var results: [Variant: [Double?]] = [:]
            for n in 1...trials {
                for v in variants {
                    let r = try Self.trial(lab, v, n, p1: p1, p2: p2)
                    print("trial \(n) \(v.code): \(r.map { String(format: "%.3f s", $0) } ?? "no move in 20 s")")
                    results[v, default: []].append(r)
                }
            }
            for v in variants {
                let all = results[v] ?? []
                let moved = all.compactMap { $0 }.sorted()
                func f(_ x: Double) -> String { String(format: "%.2f", x) }
                let median = moved.isEmpty ? "-" : f(moved[moved.count / 2])
                let range = moved.isEmpty ? "-" : "\(f(moved.first!))–\(f(moved.last!))"
                rows.append("| \(v.rawValue) | \(median) | \(range) | \(moved.count)/\(all.count) |")
            }
            print("""

                nginx killed → VIP on the backup (s), advert_int 1, p1 150 / p2 100, \(trials) trials each, \
                RabbitMQ \(withRabbit ? "up (AMQP check passes)" : "absent (AMQP check fails on both)")
                | configuration | median | range | moved |
                | --- | --- | --- | --- |
                \(rows.joined(separator: "\n"))
                """)
        }
    }
}
