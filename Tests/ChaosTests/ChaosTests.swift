import Foundation
import Testing
import VRRPChaos
import VRRPLab

@Suite("Chaos", .serialized, .enabled(if: Lab.isSupported && locateVRRPD() != nil, "needs root, iproute2 and a built vrrpd"))
struct ChaosTests {
    /// The short version of `vrrp-chaos run`: three rounds with a fixed seed (set
    /// VRRP_CHAOS_SEED to replay another), every invariant checked by the observer.
    @Test("three chaos rounds keep every invariant: one master after heals, the VIP reachable, clean exits")
    func threeRounds() async throws {
        let seed = ProcessInfo.processInfo.environment["VRRP_CHAOS_SEED"].flatMap { UInt64($0) } ?? 20_251_125
        var options = ChaosOptions(seed: seed, rounds: 3)
        options.verbose = true
        let report = try await runChaos(options, vrrpd: locateVRRPD()!)
        print(report)
        #expect(report.faults.values.reduce(0, +) == 3)
        #expect(report.polls > 20, "the observer barely ran")
        #expect(report.violations.isEmpty, "\(report.violations)")
    }
}
