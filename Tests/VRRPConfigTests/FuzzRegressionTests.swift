// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPConfig

/// Inputs the config fuzz target (`scripts/fuzz run config`) found to crash the loader, kept so
/// the fixes stay fixed. The same files are in Fuzz/regressions/config/.
@Suite("Configuration: fuzz regressions")
struct ConfigFuzzRegressionTests {
    @Test("an advert_int of 10 or 11 digits is an error, not an Int64 overflow trap",
          arguments: ["9999999999", "99999999999", "99999999999.99"])
    func hugeAdvertInterval(_ value: String) {
        let result = load(instance("advert_int \(value)"))
        #expect(result.configuration == nil)
        #expect(result.errors.contains { $0.message.contains("advert_int") })
    }

    @Test("a huge number for another seconds keyword is an error too")
    func hugeSeconds() {
        let result = load(instance("preempt_delay 99999999999"))
        #expect(result.errors.contains { $0.message.contains("preempt_delay") })
    }

    @Test("nine whole digits still parse as seconds (the range check reports them)")
    func nineDigits() {
        let result = load(instance("advert_int 999999999"))
        #expect(result.errors.contains { $0.message.contains("advert_int") })
        #expect(load(instance("advert_int 2")).configuration?.instances.first?.advertisementInterval.value == 200)
    }
}
