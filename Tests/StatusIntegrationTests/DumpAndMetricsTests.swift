// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import VRRPLab
import VRRPTestSupport
import VRRPStatus

extension StatusIntegrationTests {
    @Test("SIGUSR1 writes vrrpd.data (text) and vrrpd.json (a StatusReply with the snapshot) to the dump directory")
    func sigusr1Dump() async throws {
        try requireLab(statusRequirements)
        try await withLab { lab in
            let node = try singleMaster(lab)
            let dataPath = "\(node.dumpDir)/vrrpd.data"
            let jsonPath = "\(node.dumpDir)/vrrpd.json"
            #expect(!FileManager.default.fileExists(atPath: dataPath))

            lab.signal(node.process, SIGUSR1)
            try node.waitUntil("both dump files") {
                FileManager.default.fileExists(atPath: dataPath) && FileManager.default.fileExists(atPath: jsonPath)
            }
            // Written whole (or renamed into place): wait until both parse, then check them.
            var reply: StatusReply?
            try node.waitUntil("vrrpd.json to decode") {
                reply = try? StatusReply.decode(line: Array(FileManager.default.contents(atPath: jsonPath) ?? Data()))
                return reply != nil
            }
            let snapshot = try #require(reply?.snapshot)
            #expect(reply?.ok == true)
            let instance = try #require(snapshot.instance(named: "VI_1"))
            #expect(instance.state == "MASTER" && instance.vrid == 51)
            #expect(snapshot.daemon.pid == node.process.pid)

            let text = try String(contentsOfFile: dataPath, encoding: .utf8)
            #expect(text.contains("VRRP Instance = VI_1"), "vrrpd.data:\n\(text)")
            #expect(text.contains("State = MASTER"), "vrrpd.data:\n\(text)")
            #expect(text.contains("198.18.0.100"), "vrrpd.data:\n\(text)")
            #expect(lab.isRunning(node.process), "SIGUSR1 must not end the daemon")
        }
    }

    @Test("the metrics endpoint serves Prometheus text with the MASTER state and the snapshot's counters")
    func metricsScrape() async throws {
        try requireLab(statusRequirements)
        try await withLab { lab in
            // A fresh namespace has its own loopback: any port is free there.
            let port = Int.random(in: 20000...60000)
            let node = try singleMaster(lab, metricsPort: port)
            let curl = ["/usr/bin/curl", "-sS", "--fail", "--max-time", "5", "http://127.0.0.1:\(port)/metrics"]
            var body = ""
            try node.waitUntil("a metrics scrape") {
                let result = try lab.run(node.host, curl, timeout: .seconds(15))
                body = result.stdout
                return result.succeeded
            }
            let samples = try parsePrometheus(body)
            let labels = #"instance="VI_1",vrid="51",interface="eth0",family="IPv4""#
            #expect(samples["vrrp_instance_state{\(labels),state=\"MASTER\"}"] == 1, "scrape:\n\(body)")
            #expect(samples["vrrp_instance_state{\(labels),state=\"BACKUP\"}"] == 0)
            #expect(samples["vrrp_instance_priority_configured{\(labels)}"] == 150)
            #expect(samples["vrrp_instance_vips_installed{\(labels)}"] == 1)
            let becomeMaster = try node.instance().counters.becomeMaster
            #expect(samples["vrrp_become_master_total{\(labels)}"] == Double(becomeMaster))
            #expect(becomeMaster == 1)
        }
    }
}
