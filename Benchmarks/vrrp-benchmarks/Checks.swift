// SPDX-License-Identifier: Apache-2.0
import Foundation
import VRRPLab

/// CPU per check per second, vrrpd's native checks vs the equivalent `vrrp_script` (method of
/// scripts/bench-checks): one host with a local nginx; vrrpd runs N checks every `interval`
/// seconds; CPU = utime+stime of vrrpd plus cutime+cstime of its reaped children.
/// AMQP is not measured here (it needs a RabbitMQ broker; see docs/health-checks.md).
struct ChecksBench {
    let lab: Lab
    let host: LabHost
    let vrrpd: String
    let log: (String) -> Void
    let count = 20
    let interval = 0.1

    init(lab: Lab, vrrpd: String, log: @escaping (String) -> Void) throws {
        let lan = try lab.addLAN("chk")
        host = try lab.addHost("h", on: [lan], ipv4: ["198.18.9.1/24"])
        self.lab = lab
        self.vrrpd = vrrpd
        self.log = log
    }

    func measure(window: Double) throws -> [CheckComparison] {
        let nginx = try startNginx()
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
        instance.virtualAddresses = ["198.18.9.100/24"]
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

    private func startNginx() throws -> LabProcess {
        let d = "\(host.directory)/nginx"
        for sub in ["tmp", "logs"] { try FileManager.default.createDirectory(atPath: "\(d)/\(sub)", withIntermediateDirectories: true) }
        let conf = """
        daemon off;
        worker_processes 1;
        pid \(d)/nginx.pid;
        error_log \(d)/logs/error.log;
        events { worker_connections 256; }
        http {
            access_log off;
            client_body_temp_path \(d)/tmp/body; proxy_temp_path \(d)/tmp/proxy;
            fastcgi_temp_path \(d)/tmp/fastcgi; uwsgi_temp_path \(d)/tmp/uwsgi; scgi_temp_path \(d)/tmp/scgi;
            server { listen 80; location = /health { return 200 "ok\\n"; } }
        }

        """
        try conf.write(toFile: "\(d)/nginx.conf", atomically: true, encoding: .utf8)
        let process = try lab.spawn(host, ["/usr/sbin/nginx", "-p", "\(d)/", "-e", "\(d)/logs/error.log", "-c", "\(d)/nginx.conf"], name: "nginx")
        try waitUntil("nginx on \(host.name)", timeout: .seconds(10), poll: .milliseconds(100)) {
            try lab.run(host, ["curl", "-fs", "-m1", "-o", "/dev/null", "http://127.0.0.1/health"]).succeeded
        }
        return process
    }
}
