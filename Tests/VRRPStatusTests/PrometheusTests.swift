// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import VRRPStatus

@Suite("Prometheus exposition")
struct PrometheusTests {
    /// A strict reader of the text format's lines: HELP/TYPE comments, then
    /// `name{label="value",...} number` samples of a declared family.
    static func parse(_ text: String) throws -> [String: Double] {
        struct Bad: Error { var line: String }
        var declared: Set<String> = []
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
            if line.hasPrefix("# HELP ") { continue }
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                guard parts.count == 4, ["counter", "gauge"].contains(parts[3]) else { throw Bad(line: String(line)) }
                declared.insert(String(parts[2]))
                continue
            }
            guard let brace = line.firstIndex(of: "{"), let close = line.lastIndex(of: "}") else { throw Bad(line: String(line)) }
            let name = String(line[..<brace])
            guard declared.contains(name), name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw Bad(line: String(line))
            }
            let labelText = line[line.index(after: brace)..<close]
            for pair in labelText.split(separator: ",") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                guard kv.count == 2, kv[1].hasPrefix("\""), kv[1].hasSuffix("\"") else { throw Bad(line: String(line)) }
            }
            let value = line[line.index(after: close)...].trimmingPrefix(" ")
            guard let number = Double(value) else { throw Bad(line: String(line)) }
            samples[String(line[..<close]) + "}"] = number
        }
        return samples
    }

    @Test("a scrape parses as Prometheus text and carries the state and counters")
    func scrape() throws {
        var counters = Counters()
        counters.becomeMaster = 3
        counters.authFailures = 7
        let snapshot = Snapshot(
            daemon: DaemonInfo(version: "0.1.0", pid: 1, startedAt: 0, configFile: "k.conf"),
            instances: [InstanceSnapshot(
                name: "VI \"1\"", vrid: 51, interface: "eth0", version: 2, family: "IPv4", state: "BACKUP",
                stateSince: 0, lastTransitionReason: "", configuredPriority: 100, effectivePriority: 90,
                advertIntervalConfigured: 100, advertIntervalLearned: 100,
                virtualAddresses: [], counters: counters)])
        let samples = try Self.parse(snapshot.renderPrometheus())
        let l = #"instance="VI \"1\"",vrid="51",interface="eth0",family="IPv4""#
        #expect(samples["vrrp_instance_state{\(l),state=\"BACKUP\"}"] == 1)
        #expect(samples["vrrp_instance_state{\(l),state=\"MASTER\"}"] == 0)
        #expect(samples["vrrp_become_master_total{\(l)}"] == 3)
        #expect(samples["vrrp_auth_failures_total{\(l)}"] == 7)
        #expect(samples["vrrp_instance_priority_effective{\(l)}"] == 90)
    }
}

