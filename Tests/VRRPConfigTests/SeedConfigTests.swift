// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPConfig
import VRRPCore

@Suite("The seed tutorial configurations")
struct SeedConfigTests {
    @Test("all three seed configs load, with the LVS blocks reported once as a warning", arguments: Fixture.seeds)
    func seedLoads(name: String) throws {
        let result = ConfigurationLoader(fileSystem: LocalFileSystem()).load(path: Fixture.path(name))
        #expect(result.errors.isEmpty, "\(result.errors)")
        let lvs = result.warnings.filter { $0.message.contains("LVS is not handled by vrrpd; ignored") }
        #expect(lvs.count == 1)
        #expect(lvs.first?.location.line == 15)
        let configuration = try #require(result.configuration)
        #expect(configuration.ignoredLVSBlocks == 2)
        let vi = try #require(configuration.instance(named: "VI_1"))
        #expect(vi.location.line == 1 && vi.location.column == 1)
        #expect(vi.initialState == .master)
        #expect(vi.interface == "eth0")
        #expect(vi.virtualRouterID == 51)
        #expect(vi.priority == 100)
        #expect(vi.advertisementInterval == Centiseconds(100))
        #expect(vi.version == .v2)
        #expect(vi.authentication == .password("123456"))
        #expect(vi.virtualAddresses.count == 1)
        #expect(vi.virtualAddresses[0].prefix == 32)
        let expected = name.hasPrefix("proxy1") ? "114.67.117.227" : "114.67.117.228"
        #expect(vi.virtualAddresses[0].address == IPAddress(expected))
        // keepalived defaults.
        #expect(vi.preempt && vi.acceptMode)
        #expect(vi.garpMasterDelay == 5 && vi.garpMasterRepeat == 5 && vi.garpMasterRefresh == nil)
        #expect(configuration.globals.multicastGroup4 == IPv4Address(224, 0, 0, 18))
    }

    @Test("config-test on a seed prints the LVS warning and a summary line and exits 0")
    func configTestSeed() {
        let path = Fixture.path("proxy1-keepalived.conf")
        let (lines, exitCode) = ConfigTest.run(path: path)
        #expect(exitCode == 0)
        #expect(lines.contains { $0.hasPrefix("\(path):15:1: warning: LVS is not handled") })
        #expect(lines.contains("VI_1: interface eth0, VRID 51, VRRPv2, priority 100, 1 virtual address, state MASTER"))
        #expect(lines.last?.contains("configuration OK (1 instance, 1 warning)") == true)
    }

    @Test("lint on the three seeds reports the README's mistakes")
    func lintSeeds() {
        let paths = Fixture.seeds.map(Fixture.path)
        let (lines, exitCode) = ClusterLintRun.run(paths: paths)
        #expect(exitCode == 1)
        let mismatch = lines.first { $0.contains("different virtual addresses") }
        #expect(mismatch != nil)
        // proxy1 has .227; proxy2 and host both claim .228 in the same VRID.
        #expect(mismatch?.contains("VRID 51") == true)
        #expect(mismatch?.contains("proxy1-keepalived.conf VI_1 has 114.67.117.227") == true)
        #expect(mismatch?.contains("proxy2-keepalived.conf VI_1 and host-keepalived.conf VI_1 have 114.67.117.228") == true)
        let tie = lines.first { $0.contains("all start as MASTER with priority 100") }
        #expect(tie?.contains("proxy1-keepalived.conf VI_1, proxy2-keepalived.conf VI_1 and host-keepalived.conf VI_1") == true)
        #expect(lines.filter { $0.contains("LVS is not handled") }.count == 3)
        #expect(!lines.contains { $0.contains("auth") || $0.contains("advert_int differs") })
    }
}
