// SPDX-License-Identifier: Apache-2.0
/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators",
/// OOPSLA 2014): a small deterministic generator, so a simulation, a fuzz run or a chaos run
/// replays from its printed seed. Not for anything that needs unpredictability.
///
/// The one copy in the package: the simulations (`VRRPTestSupport.InMemoryLAN`), the chaos
/// driver (`VRRPChaos`) and the fuzz-style tests all use this one.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
