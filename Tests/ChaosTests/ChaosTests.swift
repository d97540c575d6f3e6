// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import VRRPChaos
import VRRPLab
import VRRPTestSupport

@Suite("Chaos", .serialized, .requires())
struct ChaosTests {
    /// The short version of `vrrp-lab chaos run`: the three faults that hurt most, all on the
    /// master (p1, priority 150), with the observer checking every invariant throughout.
    /// VRRP_CHAOS_SEED replays other hold times.
    @Test("SIGKILL, partition and SIGTERM of the master keep every invariant: one master after heals, VIP reachable and cleaned up")
    func masterFaults() async throws {
        let seed = ProcessInfo.processInfo.environment["VRRP_CHAOS_SEED"].flatMap { UInt64($0) } ?? 20_251_125
        let options = ChaosOptions(seed: seed, script: [(.kill, 0), (.partition, 0), (.terminate, 0)])
        let report = try await runChaos(options, vrrpd: try LabBinaries.vrrpd)
        print(report)
        #expect(report.faults == [.kill: 1, .partition: 1, .terminate: 1])
        #expect(report.polls > 20, "the observer barely ran")
        #expect(report.violations.isEmpty, "\(report.violations)")
    }
}
