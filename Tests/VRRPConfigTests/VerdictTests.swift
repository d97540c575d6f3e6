import Testing
import VRRPConfig
import VRRPCore

/// keepalived 2.2.7 runs these files after correcting them (errors logged); vrrpd applies the
/// same correction, `-t` exits 5, and `--strict` refuses them (issue #13).
@Suite("keepalived's corrections and -t exit codes")
struct VerdictTests {
    let main = "/etc/keepalived/keepalived.conf"

    func strict(_ text: String) -> LoadResult {
        ConfigurationLoader(fileSystem: InMemoryFileSystem(files: [main: text]), strict: true).load(path: main)
    }

    /// The file runs after corrections; each correction an error at `line:column`.
    func expectCorrected(_ r: LoadResult, at spots: [(Int, Int)], _ comment: Comment? = nil,
                         sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        #expect(r.configuration != nil, "\(r.diagnostics)", sourceLocation: sourceLocation)
        #expect(r.exitCode == 5, "\(r.diagnostics)", sourceLocation: sourceLocation)
        let found = r.corrections.map { ($0.location.line, $0.location.column) }
        #expect(found.elementsEqual(spots, by: ==), "\(r.corrections)", sourceLocation: sourceLocation)
    }

    @Test("a clean file exits 0, a refused one 4, an unknown keyword 5 as in keepalived")
    func exitCodes() {
        #expect(load(instance("")).exitCode == 0)
        #expect(load("vrrp_instance VI_1 {\n priority 100\n}\n").exitCode == 4)
        let unknown = load(instance("no_such_keyword 1"))
        #expect(unknown.exitCode == 5 && unknown.configuration != nil)
    }

    @Test("track_script naming an undefined script: dropped, error at the name's line")
    func undefinedTrackScript() throws {
        let text = instance("track_script {\n  nothere weight 5\n}")
        let r = load(text)
        expectCorrected(r, at: [(8, 3)])
        #expect(try #require(r.configuration?.instances.first).trackScripts.isEmpty)
        #expect(strict(text).configuration == nil && strict(text).exitCode == 4)
    }

    @Test("track_process naming an undefined process: dropped, error at the name")
    func undefinedTrackProcess() throws {
        let r = load(instance("track_process {\n  nope\n}"))
        expectCorrected(r, at: [(8, 3)])
        #expect(try #require(r.configuration?.instances.first).trackProcesses.isEmpty)
    }

    @Test("a file ending without its closing `}`: closed, error at the opening")
    func missingClosingBrace() throws {
        let text = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 5\n virtual_ipaddress {\n  198.18.0.10\n }\n"
        let r = load(text)
        expectCorrected(r, at: [(1, 20)])
        #expect(r.configuration?.instances.first?.virtualAddresses.count == 1)
        #expect(strict(text).configuration == nil)
    }

    @Test("`track_interface IF` without braces: IF not tracked, error at IF")
    func trackInterfaceWithoutBraces() throws {
        let r = load(instance("track_interface eth1"))
        expectCorrected(r, at: [(7, 17)])
        #expect(try #require(r.configuration?.instances.first).trackInterfaces.isEmpty)
    }

    @Test("a VRRPv2 instance with an IPv6 address among IPv4 ones: that address dropped")
    func mixedFamilies() throws {
        let r = load(instance("", vips: "198.18.0.10\n 2001:db8::10\n 198.18.0.11"))
        expectCorrected(r, at: [(6, 2)])
        let i = try #require(r.configuration?.instances.first)
        #expect(i.virtualAddresses.map(\.address.description) == ["198.18.0.10", "198.18.0.11"])
        #expect(i.excludedVirtualAddresses.isEmpty)
    }

    @Test("`vrrp_sync_group NAME` without `{`: the lines below are its block, as keepalived reads them")
    func syncGroupWithoutBrace() throws {
        let text = instance("", name: "VI_1", vrid: 1) + instance("", name: "VI_2", vrid: 2)
            + "vrrp_sync_group G\n  group {\n    VI_1\n    VI_2\n  }\n}\n"
        let r = load(text)
        expectCorrected(r, at: [(17, 1)])
        #expect(r.configuration?.syncGroups.first?.instances == ["VI_1", "VI_2"])
    }

    @Test("`vrrp_sync_group` without `group { }`: the group is removed")
    func syncGroupWithoutGroup() throws {
        let r = load(instance("") + "vrrp_sync_group G {\n  VI_1\n}\n")
        #expect(r.configuration?.syncGroups.isEmpty == true, "\(r.diagnostics)")
        #expect(r.exitCode == 5)
        #expect(r.corrections.contains { $0.location.line == 9 && $0.message.contains("removed") })
    }

    @Test("a vrrp_script whose `script` is only under another `@name`: removed, and so is its tracking")
    func scriptOnlyUnderConditional() throws {
        let text = "vrrp_script chk {\n@high script /bin/true\n interval 1\n}\n" + instance("track_script {\n chk\n}")
        let r = load(text)
        #expect(r.configuration?.scripts.isEmpty == true, "\(r.diagnostics)")
        #expect(r.configuration?.instances.first?.trackScripts.isEmpty == true)
        #expect(r.exitCode == 5)
        #expect(r.corrections.contains { $0.location.line == 1 })
        #expect(r.corrections.contains { $0.location.line == 12 && $0.location.column == 2 })
        let high = ConfigurationLoader(fileSystem: InMemoryFileSystem(files: [main: text]), configID: "high").load(path: main)
        #expect(high.exitCode == 0 && high.configuration?.scripts.count == 1)
    }
}
