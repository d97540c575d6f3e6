// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import VRRPLab
import VRRPTestSupport

/// Runs `vrrp-benchmarks --quick` (a few seconds) and checks that it wrote a well-formed JSON
/// report. Measures nothing: timings are never asserted.
@Suite("Benchmark harness smoke run")
struct BenchmarkSmokeTests {
    @Test("the quick mode runs every section and writes a JSON report with codec, failover and scale results",
          .requires(all: LabRequirement.namespaceLab + [.binary("vrrp-benchmarks")]),
          .timeLimit(.minutes(2)))
    func quickRun() throws {
        let json = NSTemporaryDirectory() + "bench-smoke-\(getpid()).json"
        defer { try? FileManager.default.removeItem(atPath: json) }
        let run = try Lab.runHostCommand([try LabBinaries.path("vrrp-benchmarks"), "--quick", "--json", json,
                                          "--vrrpd", try LabBinaries.vrrpd, "--sections", "micro,failover,scale"],
                                         timeout: .seconds(120))
        let text = run.output
        #expect(run.succeeded, "vrrp-benchmarks --quick failed:\n\(text)")

        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json)))
        let report = try #require(object as? [String: Any])
        #expect(report["quick"] as? Bool == true)
        let micro = try #require(report["micro"] as? [[String: Any]])
        // decode, encode, handle, decode + handle, handle into a reused buffer, encode into a
        // reused buffer (issue 16).
        #expect(micro.count == 6)
        #expect(micro.suffix(2).compactMap { $0["name"] as? String }
                == ["handle into a reused action buffer (as vrrpd does)", "encode into a reused buffer (as vrrpd does)"])
        // (Its 0 allocations/op hold in the release build that scripts/bench runs; this smoke run
        // uses the debug harness, where the unoptimized core allocates.)
        for row in micro {
            let ns = try #require(row["nanosecondsPerOperation"] as? [String: Any])
            #expect((ns["median"] as? Double ?? 0) > 0)
        }
        let failover = try #require(report["failover"] as? [[String: Any]])
        #expect(failover.count == 1)
        let vip = try #require(failover.first?["vipAfterLastAdvertMs"] as? [String: Any])
        #expect(vip["vrrpd"] != nil, "no vrrpd failover sample:\n\(text)")
        let scale = try #require(report["scale"] as? [[String: Any]])
        let runs = try #require(scale.first?["runs"] as? [String: Any])
        let vrrpd = try #require(runs["vrrpd"] as? [String: Any])
        #expect(vrrpd["keptUp"] as? Bool == true, "the 1-instance scale run did not hold:\n\(text)")
        #expect(text.contains("| operation |"))
    }

    @Test("--sections ceiling alone runs the ceiling sweep (one size, one short window)",
          .requires(all: LabRequirement.namespaceLab + [.binary("vrrp-benchmarks")]),
          .timeLimit(.minutes(3)))
    func ceilingAlone() throws {
        let json = NSTemporaryDirectory() + "bench-ceiling-\(getpid()).json"
        defer { try? FileManager.default.removeItem(atPath: json) }
        let run = try Lab.runHostCommand([try LabBinaries.path("vrrp-benchmarks"), "--json", json,
                                          "--vrrpd", try LabBinaries.vrrpd, "--keepalived", "/nonexistent",
                                          "--sections", "ceiling", "--ceiling-intervals", "0.1",
                                          "--ceiling-window", "1", "--ceiling-start", "1", "--ceiling-max", "1"],
                                         timeout: .seconds(170))
        let text = run.output
        #expect(run.succeeded, "vrrp-benchmarks --sections ceiling failed:\n\(text)")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json)))
        let report = try #require(object as? [String: Any])
        let ceiling = try #require(report["ceiling"] as? [[String: Any]])
        #expect(ceiling.count == 1, "no ceiling result:\n\(text)")
        let ceilings = try #require(ceiling.first?["ceilings"] as? [String: Any])
        #expect(ceilings["vrrpd"] as? Int == 1, "one instance did not hold:\n\(text)")
    }
}
