// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore
@testable import VRRPConfig

/// virtual_routes / virtual_rules / static_* read into the configuration with keepalived 2.2.7's
/// verdicts (keepalived/vrrp/vrrp_iproute.c, vrrp_iprule.c, vrrp_ipaddress.c), issue 13.
@Suite("virtual_routes, virtual_rules and static_* in the configuration")
struct RoutesAndRulesConfigTests {
    @Test("virtual_routes lines are typed into the instance; dev stays unset when not written (keepalived sets no oif)")
    func routesStored() throws {
        let r = load(instance("virtual_routes {\n 198.18.5.0/24 via 198.18.0.254 dev eth0 table 100\n blackhole 198.18.6.0/24 no_track\n}"))
        #expect(r.exitCode == 0, "\(r.diagnostics)")
        let routes = try #require(r.configuration?.instances.first?.virtualRoutes)
        #expect(routes.count == 2)
        #expect(routes[0].gateway == IPAddress("198.18.0.254") && routes[0].device == "eth0" && routes[0].table == 100)
        #expect(routes[1].blackhole && routes[1].device == nil && routes[1].noTrack)
    }

    @Test("a route keepalived cannot read is dropped with file:line:col at the offending word; the others stay")
    func badRouteDropped() throws {
        let r = load(instance("virtual_routes {\n 198.18.5.0/24 via 198.18.0.254 dev eth0\n 198.18.7.0/24 dev eth0 table nosuch\n}"))
        #expect(r.exitCode == 5, "\(r.diagnostics)")
        let e = try #require(r.corrections.first)
        #expect(e.location.line == 9 && e.location.column == 31, "\(e)")
        #expect(e.description.hasPrefix("/etc/keepalived/keepalived.conf:9:31: error: table 'nosuch'"), "\(e)")
        #expect(r.configuration?.instances.first?.virtualRoutes.count == 1)
        let family = load(instance("virtual_routes {\n 198.18.5.0/24 via 2001:db8::1 dev eth0\n}"))
        #expect(family.corrections.map(\.location.column) == [20], "\(family.diagnostics)")
    }

    @Test("virtual_rules: typed, table names, fwmark/mask, iif/oif, not; automatic preferences count down per family")
    func rulesStored() throws {
        let r = load(instance("""
            virtual_rules {
             from 198.18.0.0/24 table 100 preference 50
             not to 2001:db8:1::/48 iif eth0 oif eth1 fwmark 0x10/0xff lookup main priority 60
             from all to 198.18.9.0/24 blackhole
             to 198.18.10.0/24 prohibit
            }
            """))
        let rules = try #require(r.configuration?.instances.first?.virtualRules)
        #expect(rules.count == 4, "\(r.diagnostics)")
        #expect(rules[0].from == IPAddress("198.18.0.0") && rules[0].fromPrefix == 24 && rules[0].action == .table(100))
        #expect(rules[0].preference == 50 && rules[0].family == .ipv4)
        #expect(rules[1].family == .ipv6 && rules[1].invert && rules[1].inputInterface == "eth0" && rules[1].outputInterface == "eth1")
        #expect(rules[1].fwmark == 16 && rules[1].fwmask == 255 && rules[1].action == .table(254) && rules[1].preference == 60)
        #expect(rules[2].from == nil && rules[2].action == .blackhole && rules[2].preference == 16384)
        #expect(rules[3].action == .prohibit && rules[3].preference == 16383)
        #expect(r.exitCode == 5, "two rules without preference are reported")
    }

    @Test("bad rules are dropped at the offending word: no action, two actions, bad fwmark, mixed families, unknown option")
    func badRules() {
        for (line, column) in [("from 198.18.0.0/24", 2), ("to 198.18.0.0/24 table 1 blackhole preference 1", 27),
                               ("fwmark 0xzz table 1 preference 1", 9), ("from 198.18.0.0/24 to 2001:db8::/32 table 1 preference 1", 24),
                               ("from 198.18.0.0/24 iproto tcp table 1 preference 1", 21)] {
            let r = load(instance("virtual_rules {\n \(line)\n}"))
            #expect(r.corrections.map(\.location.column) == [column], "\(line): \(r.diagnostics)")
            #expect(r.configuration?.instances.first?.virtualRules == [], "\(line)")
        }
    }

    @Test("a route or rule option keepalived applies and vrrpd does not: a located warning, the line not applied, -t as keepalived (0)")
    func unsupported() {
        let r = load(instance("virtual_routes {\n 198.18.5.0/24 dev eth0 mtu 1400\n 198.18.6.0/24 dev eth0\n}\nvirtual_rules {\n from all ipproto tcp table 1 preference 5\n}"))
        #expect(r.exitCode == 0, "\(r.diagnostics)")
        #expect(r.warnings.map { "\($0.location.line):\($0.location.column)" } == ["8:25", "12:11"], "\(r.diagnostics)")
        #expect(r.warnings.first?.message.contains("route option 'mtu' is not supported by vrrpd") == true)
        #expect(r.configuration?.instances.first?.virtualRoutes.count == 1)
        #expect(r.configuration?.instances.first?.virtualRules.isEmpty == true)
    }

    @Test("static_ipaddress, static_routes and static_rules go to the configuration; a static address without dev goes on eth0")
    func statics() throws {
        let r = load("""
            static_ipaddress {
             198.18.1.1/24 dev eth0
             198.18.1.2/24
            }
            static_routes {
             198.18.5.0/24 via 198.18.1.254 dev eth0
            }
            static_rules {
             from 198.18.1.0/24 table 7 preference 70
            }

            """ + instance(""))
        let c = try #require(r.configuration)
        // Without dev: keepalived's default_interface, eth0.
        #expect(c.staticAddresses == [VirtualAddress(address: IPAddress("198.18.1.1")!, prefix: 24, dev: "eth0"),
                                      VirtualAddress(address: IPAddress("198.18.1.2")!, prefix: 24, dev: "eth0")])
        #expect(c.staticRoutes.count == 1 && c.staticRules.count == 1 && c.staticRules[0].action == .table(7))
        #expect(r.exitCode == 0, "\(r.diagnostics)")
        #expect(!r.diagnostics.contains { $0.message.contains("not applied") }, "\(r.diagnostics)")
    }

    @Test("the routes fixture (the fuzzer's seed) loads: every form read, the unsupported ones warned at their word")
    func fixture() throws {
        let r = ConfigurationLoader(fileSystem: LocalFileSystem()).load(path: Fixture.path("routes-keepalived.conf"))
        let c = try #require(r.configuration, "\(r.diagnostics)")
        #expect(c.staticAddresses.count == 2 && c.staticRoutes.count == 4 && c.staticRules.count == 3)
        #expect(c.staticRoutes[3].destination == IPAddress("::")! && c.staticRoutes[3].table == 254)
        let i = try #require(c.instances.first)
        #expect(i.virtualRoutes.count == 4 && i.virtualRules.count == 3)
        #expect(i.virtualRules[2].preference == 16384 && i.virtualRules[2].action == .table(255))
        #expect(r.corrections.isEmpty, "\(r.corrections)")
        #expect(r.warnings.contains { $0.location.line == 31 && $0.message.contains("'mtu'") }, "\(r.warnings)")
        #expect(r.warnings.contains { $0.location.line == 37 && $0.message.contains("'ipproto'") }, "\(r.warnings)")
    }
}
