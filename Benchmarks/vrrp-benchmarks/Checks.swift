// SPDX-License-Identifier: Apache-2.0
import Foundation
import VRRPLab

/// The `checks` section (`scripts/bench-checks` runs it alone). CPU per check per second,
/// vrrpd's native checks vs the equivalent `vrrp_script`: one host with a local nginx; vrrpd
/// runs N checks every `interval` seconds; CPU = utime+stime of vrrpd plus cutime+cstime of its
/// reaped children. Then detection latency (`latency`) on a master/backup pair.
/// AMQP is not measured here (it needs a RabbitMQ broker; see docs/health-checks.md).
struct ChecksBench {
    let lab: Lab
    let host: LabHost
    let vrrpd: String
    let log: (String) -> Void
    let count = 20
    let interval = 0.1

    /// The backup of the detection-latency runs.
    let backup: LabHost
    static let vip = "198.18.9.100"

    init(lab: Lab, vrrpd: String, log: @escaping (String) -> Void) throws {
        let lan = try lab.addLAN("chk")
        host = try lab.addHost("h", on: [lan], ipv4: ["198.18.9.1/24"])
        backup = try lab.addHost("h2", on: [lan], ipv4: ["198.18.9.2/24"])
        self.lab = lab
        self.vrrpd = vrrpd
        self.log = log
    }

    func measure(window: Double) throws -> [CheckComparison] {
        let nginx = try lab.startNginx(host)
        defer { lab.stop(nginx) }
        let interval = intervalText(self.interval)
        let http = try compare("HTTP",
            native: { "vrrp_http_check chk\($0) {\n port 80\n path /health\n interval \(interval)\n timeout 1\n}\n" },
            script: { "vrrp_script chk\($0) {\n script \"/usr/bin/curl -fsS -o /dev/null -m 1 http://127.0.0.1/health\"\n interval \(interval)\n timeout 1\n}\n" },
            window: window)
        let tcp = try compare("TCP",
            native: { "vrrp_tcp_check chk\($0) {\n port 80\n interval \(interval)\n timeout 1\n}\n" },
            script: { "vrrp_script chk\($0) {\n script \"/bin/bash -c 'exec 3<>/dev/tcp/127.0.0.1/80'\"\n interval \(interval)\n timeout 1\n}\n" },
            window: window)
        return [http, tcp]
    }

    private func compare(_ name: String, native: (Int) -> String, script: (Int) -> String, window: Double) throws -> CheckComparison {
        let n = try run("native \(name)", checks: native, window: window)
        let s = try run("script \(name)", checks: script, window: window)
        let ratio = n.cpuMsPerCheckPerSecond / s.cpuMsPerCheckPerSecond
        return CheckComparison(protocolName: name, native: n, script: s, ratio: ratio, targetMet: ratio <= 0.1)
    }

    private func run(_ name: String, checks: (Int) -> String, window: Double) throws -> CheckResult {
        var instance = LabVRRPInstance()
        instance.version = nil
        instance.virtualAddresses = ["\(Self.vip)/24"]
        instance.trackScripts = (1...count).map { "chk\($0) weight -1" }
        let config = LabVRRPInstance.configuration(routerID: host.name, [instance], blocks: (1...count).map(checks))
        let tag = name.replacingOccurrences(of: " ", with: "-").lowercased()
        let daemon = try startDaemon(.vrrpd, lab, on: host, config: config,
                                             binaries: Binaries(vrrpd: vrrpd, keepalived: ""), tag: tag)
        defer { daemon.stop() }
        sleepSeconds(1.5)
        guard lab.isRunning(daemon.process) else { throw LabError.unexpectedOutput("vrrpd exited: \(lab.log(daemon.process).suffix(600))") }
        let c0 = daemon.cpuSecondsWithChildren()
        let t0 = ContinuousClock.now
        sleepSeconds(window)
        let cpu = daemon.cpuSecondsWithChildren() - c0
        let elapsed = seconds(ContinuousClock.now - t0)
        let perCheck = cpu * 1000 / (Double(count) * elapsed)
        log("  \(name): \(fmt(cpu, 2)) s CPU in \(fmt(elapsed, 1)) s → \(fmt(perCheck, 3)) ms per check per second")
        return CheckResult(name: name, checks: count, intervalSeconds: self.interval, windowSeconds: elapsed,
                           cpuMsPerCheckPerSecond: perCheck)
    }

    // MARK: Detection latency

    /// nginx stopped on the master (priority 150) → VIP on the backup (priority 100), each
    /// tracking its own nginx with a native HTTP check every `interval` s, `fall` failures,
    /// `weight` (0: the instance goes to FAULT). Expected: interval × fall plus the takeover
    /// wait: RFC 5798 §6.1 Master_Down_Interval = 3 × Advertisement_Interval + Skew_Time when
    /// the master lowers its priority (the backup waits for its timer), Skew_Time = (256 −
    /// Priority) × Advertisement_Interval / 256 when it goes to FAULT (it sends priority 0).
    func latency(interval: Double, fall: Int, weight: Int) throws -> CheckLatency {
        let label = weight == 0 ? "fault (weight 0)" : "weight \(weight)"
        var nginx = [try lab.startNginx(host, name: "nginx-lat"), try lab.startNginx(backup, name: "nginx-lat")]
        var daemons: [LabVRRPNode] = []
        defer {
            for d in daemons { d.stop() }
            for n in nginx { lab.stop(n) }
            for h in [host, backup] { _ = try? lab.run(h, ["ip", "addr", "del", "\(Self.vip)/24", "dev", "eth0"]) }
        }
        let tag = "lat-\(Int(interval * 1000))-\(fall)-\(-weight)"
        for (h, priority) in [(host, 150), (backup, 100)] {
            var instance = LabVRRPInstance()
            instance.priority = priority
            instance.version = nil
            instance.virtualAddresses = ["\(Self.vip)/24"]
            instance.trackScripts = ["chk_nginx"]
            let check = "vrrp_http_check chk_nginx {\n    port 80\n    path /health\n    interval \(intervalText(interval))\n"
                + "    timeout 0.5\n    fall \(fall)\n    rise 1\n    weight \(weight)\n}"
            daemons.append(try startDaemon(.vrrpd, lab, on: h, config: LabVRRPInstance.configuration(routerID: h.name, [instance], blocks: [check]),
                                           binaries: Binaries(vrrpd: vrrpd, keepalived: ""), tag: tag))
        }
        try waitUntil("the VIP on the master only", timeout: .seconds(20), poll: .milliseconds(50)) {
            guard daemons.allSatisfy(\.isRunning) else { throw LabError.unexpectedOutput("vrrpd exited") }
            return try countAddresses(lab, host, prefix: "\(Self.vip)/") == 1 && countAddresses(lab, backup, prefix: "\(Self.vip)/") == 0
        }
        sleepSeconds(2)
        let t0 = ContinuousClock.now
        lab.stop(nginx.removeFirst(), grace: .seconds(5))
        try waitUntil("the VIP on the backup", timeout: .seconds(30), poll: .milliseconds(20)) {
            try countAddresses(lab, backup, prefix: "\(Self.vip)/") == 1
        }
        let measured = seconds(ContinuousClock.now - t0)
        let skew = (256 - 100) * 1.0 / 256   // advert_int 1, backup priority 100
        let expected = interval * Double(fall) + (weight == 0 ? skew : 3 + skew)
        log("  detection, \(label), interval \(interval), fall \(fall): \(fmt(measured, 2)) s (expected \(fmt(expected, 2)) s)")
        return CheckLatency(tracking: label, intervalSeconds: interval, fall: fall, weight: weight,
                            measuredSeconds: measured, expectedSeconds: expected)
    }
}

/// One detection-latency run of `ChecksBench.latency`.
struct CheckLatency: Codable, Sendable {
    var tracking: String
    var intervalSeconds: Double
    var fall: Int
    var weight: Int
    var measuredSeconds: Double
    /// interval × fall + Master_Down_Interval (a weight) or Skew_Time (FAULT).
    var expectedSeconds: Double
}
