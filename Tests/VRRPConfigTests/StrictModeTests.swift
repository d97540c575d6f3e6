// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPConfig
import VRRPCore

/// `vrrp_strict` corrections with keepalived 2.2.7's messages (vrrp_complete_instance), and
/// Accept_Mode's defaults (RFC 5798 §6.1, §6.4.3).
@Suite("vrrp_strict and Accept_Mode")
struct StrictModeTests {
    static let strict = "global_defs {\n    vrrp_strict\n}\n"

    @Test("Accept_Mode: on by default; no_accept turns it off; vrrp_strict turns the default off except for the owner")
    func acceptDefaults() throws {
        #expect(try #require(load(instance("priority 100")).configuration?.instances.first).acceptMode)
        #expect(try !#require(load(instance("priority 100\nno_accept")).configuration?.instances.first).acceptMode)
        #expect(try !#require(load(Self.strict + instance("priority 100\nversion 3")).configuration?.instances.first).acceptMode)
        #expect(try #require(load(Self.strict + instance("priority 255\nstate MASTER\nversion 3")).configuration?.instances.first).acceptMode)
        // keepalived keeps an explicit `accept` under vrrp_strict for VRRPv3 …
        #expect(try #require(load(Self.strict + instance("priority 100\nversion 3\naccept")).configuration?.instances.first).acceptMode)
        // … and resets it for VRRPv2 (RFC 3768 has no Accept_Mode).
        let v2 = load(Self.strict + instance("priority 100\nversion 2\naccept"))
        #expect(v2.hasDiagnostic(containing: "(VI_1) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting"))
        #expect(try !#require(v2.configuration?.instances.first).acceptMode)
    }

    @Test("vrrp_strict: preempt_delay is reset, and `state MASTER` must match being the address owner")
    func strictCorrections() throws {
        let delay = load(Self.strict + instance("priority 100\nversion 3\npreempt_delay 10"))
        #expect(delay.hasDiagnostic(containing: "(VI_1) preempt_delay is incompatible with strict mode - resetting"), "\(delay.diagnostics)")
        #expect(try #require(delay.configuration?.instances.first).preemptDelay == .zero)
        let master = load(Self.strict + instance("priority 100\nversion 3\nstate MASTER"))
        #expect(master.hasDiagnostic(containing: "(VI_1) State MASTER must match being address owner"), "\(master.diagnostics)")
        #expect(try #require(master.configuration?.instances.first).initialState == .backup)
        // Without vrrp_strict both stay as written.
        let lax = load(instance("priority 100\nversion 3\nstate MASTER\npreempt_delay 10"))
        #expect(try #require(lax.configuration?.instances.first).initialState == .master)
        #expect(!lax.hasDiagnostic(containing: "strict mode"))
    }
}

private extension LoadResult {
    /// vrrp_strict's changes are corrections (error level, the file still runs).
    func hasDiagnostic(containing text: String) -> Bool { diagnostics.contains { $0.message.contains(text) } }
}
