// SPDX-License-Identifier: Apache-2.0
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

extension VerdictTests {
    @Test("keepalived's instance corrections: AH with state MASTER, vrrp_strict state and accept")
    func instanceCorrections() throws {
        let ah = load(instance("state MASTER\nauthentication {\n auth_type AH\n}"))
        expectCorrected(ah, at: [(8, 1)])
        #expect(ah.configuration?.instances.first?.initialState == .backup)
        let strictMaster = load("global_defs {\n vrrp_strict\n}\n" + instance("state MASTER\naccept"))
        expectCorrected(strictMaster, at: [(10, 1), (11, 1)])
        let i = try #require(strictMaster.configuration?.instances.first)
        #expect(i.initialState == .backup && !i.acceptMode)
    }

    @Test("remarks keepalived prints make -t exit 5: garp interval 0, routes without dev, gw, rules without preference")
    func reportedRemarks() {
        #expect(load("global_defs {\n vrrp_garp_interval 0\n}\n" + instance("")).exitCode == 5)
        #expect(load("global_defs {\n vrrp_garp_interval 0.001\n}\n" + instance("")).exitCode == 0)
        let routes = load(instance("virtual_routes {\n 198.18.5.0/24 via 198.18.0.254 dev eth0\n 0.0.0.0/0 gw 198.18.0.1\n}"))
        #expect(routes.exitCode == 5)
        #expect(routes.warnings.filter { $0.location.line == 9 }.count == 2, "\(routes.diagnostics)")
        #expect(load(instance("virtual_routes {\n 198.18.5.0/24 via 198.18.0.254 dev eth0\n}")).exitCode == 0)
        #expect(load(instance("virtual_rules {\n from 198.18.0.0/24 table 2 preference 100\n}")).exitCode == 0)
        let rules = load(instance("virtual_rules {\n to 198.18.200./24 table 2\n}"))
        #expect(rules.exitCode == 5 && rules.warnings.count == 3, "\(rules.diagnostics)")
    }
}

/// Keywords keepalived 2.2.7 accepts and applies are never called unknown; the ones vrrpd does
/// not apply get a warning that says so and what is lost (issue #13).
@Suite("Keyword honesty")
struct KeywordHonestyTests {
    @Test("keepalived keywords vrrpd does not apply: a plain warning, -t exit 0 as keepalived's",
          arguments: [
              ("global_defs", "vrrp_garp_lower_prio_delay 5"),
              ("global_defs", "max_auto_priority 10"), ("global_defs", "notify_fifo_script /bin/true"),
              ("global_defs", "vrrp_notify_fifo_script /bin/true"), ("global_defs", "vrrp_notify_priority_changes"),
              ("global_defs", "min_auto_priority_delay 5"), ("global_defs", "vrrp_cpu_affinity 1"), ("global_defs", "vrrp_iptables"),
              ("global_defs", "dynamic_interfaces"), ("global_defs", "vrrp_ipsets"), ("global_defs", "vrrp_check_unicast_src"),
              ("global_defs", "process_names"), ("global_defs", "enable_snmp_vrrp"),
          ])
    func globalNotApplied(block: String, line: String) {
        let r = load("\(block) {\n \(line)\n}\n" + instance(""))
        #expect(!r.diagnostics.contains { $0.message.contains("unknown keyword") }, "\(r.diagnostics)")
        #expect(r.warnings.contains { $0.message.contains("not applied by vrrpd") && $0.location.line == 2 }, "\(r.diagnostics)")
        #expect(r.exitCode == 0, "\(r.diagnostics)")
    }

    @Test("top-level and instance keywords keepalived applies are not unknown")
    func otherBlocks() {
        let r = load("static_ipaddress {\n 198.18.1.1/24 dev eth0\n}\n" + instance("use_ipvlan\nnotify_deleted /bin/true\nstrict_mode"))
        #expect(!r.diagnostics.contains { $0.message.contains("unknown keyword") }, "\(r.diagnostics)")
        #expect(r.warnings.filter { $0.message.contains("not applied by vrrpd") }.count == 4, "\(r.diagnostics)")
    }

    @Test("parsed keywords the runtime does not use are reported as not applied",
          arguments: ["unicast_ttl 5", "check_unicast_src", "track_src_ip", "promote_secondaries",
                      "virtual_routes {\n 198.18.5.0/24 dev eth0\n}"])
    func parsedButUnused(line: String) {
        let r = load(instance(line))
        #expect(r.warnings.contains { $0.message.contains("not applied by vrrpd") && $0.location.line == 7 }, "\(r.diagnostics)")
    }

    @Test("every table entry says applied, how it differs, or what is lost")
    func tableIsExplicit() {
        for k in KeywordTable.all {
            switch k.support {
            case .applied: break
            case .differs(let how): #expect(!how.isEmpty, "\(k.name)")
            case .notApplied(let lost): #expect(!lost.isEmpty, "\(k.name)")
            }
        }
        #expect(KeywordTable.markdownReference().contains("not applied"))
    }
}

/// keepalived 2.2.7's global defaults for per-instance advert rules (global_parser.c): applied.
@Suite("Global defaults of instance keywords")
struct GlobalInstanceDefaultsTests {
    @Test("vrrp_higher_prio_send_advert / vrrp_lower_prio_no_advert / vrrp_garp_lower_prio_repeat set every instance's default")
    func globalDefaults() throws {
        let g = "global_defs {\n vrrp_higher_prio_send_advert\n vrrp_lower_prio_no_advert true\n vrrp_garp_lower_prio_repeat 3\n}\n"
        let r = load(g + instance("") + instance("higher_prio_send_advert false\nlower_prio_no_advert false\ngarp_lower_prio_repeat 1", name: "VI_2", vrid: 11))
        #expect(!r.warnings.contains { $0.message.contains("not applied") }, "\(r.diagnostics)")
        let a = try #require(r.configuration?.instances.first)
        #expect(a.higherPrioritySendAdvert && a.lowerPriorityNoAdvert && a.garpLowerPriorityRepeat == 3)
        let b = try #require(r.configuration?.instances.last)
        #expect(!b.higherPrioritySendAdvert && !b.lowerPriorityNoAdvert && b.garpLowerPriorityRepeat == 1)
    }
}
