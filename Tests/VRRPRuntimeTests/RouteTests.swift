// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPConfig
import VRRPCore
import VRRPLinux
@testable import VRRPRuntime
import VRRPTestSupport

/// virtual_routes / virtual_rules follow MASTER; static_* are there from start-up whatever the
/// state (keepalived 2.2.7 vrrp.c, vrrp_daemon.c), at simulated time on a FakeHost (issue 13).
@Suite("Runtime: virtual and static routes and rules")
struct RouteTests {
    static let routes = """
        virtual_routes {
                198.18.5.0/24 via 198.18.0.254 dev eth0 table 100
                blackhole 198.18.6.0/24
            }
            virtual_rules {
                from 198.18.0.100/32 table 100 preference 50
            }
        """

    func ours(_ node: SimNode) -> [String] {
        node.host.routeTable.filter(\.ours).map { FakeHost.text($0.route) }
            + node.host.ruleTable.filter(\.ours).map { FakeHost.text($0.rule) }
    }

    @Test("added after the VIP on becoming MASTER, removed before it on leaving MASTER (preempted), and on stop")
    func followMaster() throws {
        let lan = FakeLAN()
        let p2 = try SimNode(lan, "p2", addresses: [["198.18.0.12/24"]], config: instanceBlock(priority: 100, extra: Self.routes))
        #expect(p2.state() == "BACKUP" && ours(p2).isEmpty)
        // Start-up: each configured entry is deleted once with our protocol (a crashed run's leftovers).
        #expect(p2.host.routeLog == ["delete rule from 198.18.0.100/32 table 100 pref 50",
                                     "delete route 198.18.5.0/24 via 198.18.0.254 dev 2 table 100",
                                     "delete route blackhole 198.18.6.0/24 table 254"])
        let started = p2.host.routeLog.count
        lan.loop.advance(by: .s(5))
        #expect(p2.state() == "MASTER")
        #expect(ours(p2) == ["198.18.5.0/24 via 198.18.0.254 dev 2 table 100", "blackhole 198.18.6.0/24 table 254",
                             "from 198.18.0.100/32 table 100 pref 50"])
        // keepalived's order: address, routes, rules.
        #expect(p2.host.addressLog.first == "add 198.18.0.100/24 eth0")
        #expect(p2.host.routeLog[started...].prefix(3) == ["add route 198.18.5.0/24 via 198.18.0.254 dev 2 table 100",
                                               "add route blackhole 198.18.6.0/24 table 254",
                                               "add rule from 198.18.0.100/32 table 100 pref 50"])

        // A higher priority router preempts: p2 goes BACKUP and takes its routes and rules away.
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: instanceBlock(priority: 150, extra: Self.routes))
        lan.loop.advance(by: .s(5))
        #expect(p1.state() == "MASTER" && p2.state() == "BACKUP")
        #expect(ours(p2).isEmpty && !p2.host.has("198.18.0.100"))
        #expect(Array(p2.host.routeLog.suffix(3)) == ["delete rule from 198.18.0.100/32 table 100 pref 50",
                                                      "delete route blackhole 198.18.6.0/24 table 254",
                                                      "delete route 198.18.5.0/24 via 198.18.0.254 dev 2 table 100"])
        #expect(ours(p1).count == 3)
        p1.terminate()
        #expect(ours(p1).isEmpty)
    }

    @Test("FAULT (interface down) removes them; a route or rule that was already there is used and never deleted")
    func faultAndOperatorEntries() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: instanceBlock(priority: 100, extra: Self.routes))
        // The operator's own identical blackhole route, added before vrrpd takes over.
        p1.host.operatorAdds(route: RouteSpec(destination: IPAddress("198.18.6.0")!, prefix: 24, blackhole: true))
        let started = p1.host.routeLog.count
        lan.loop.advance(by: .s(5))
        #expect(p1.state() == "MASTER")
        p1.host.setLink("eth0", up: false)
        lan.loop.advance(by: .s(1))
        #expect(p1.state() == "FAULT")
        #expect(ours(p1).isEmpty)
        #expect(p1.host.routeTable.map { FakeHost.text($0.route) } == ["blackhole 198.18.6.0/24 table 254"])
        #expect(!p1.host.routeLog[started...].contains("delete route blackhole 198.18.6.0/24 table 254"))
    }

    @Test("reload: an unchanged instance's routes are not touched; a changed route list is applied in place")
    func reload() throws {
        let lan = FakeLAN()
        let config = instanceBlock(priority: 100, extra: Self.routes)
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: config)
        lan.loop.advance(by: .s(5))
        let before = p1.host.routeLog.count
        #expect(p1.reload(config).unchanged == ["VI_1"])
        #expect(p1.host.routeLog.count == before)
        let changed = instanceBlock(priority: 100, extra: """
            virtual_routes {
                    198.18.5.0/24 via 198.18.0.254 dev eth0 table 100
                    198.18.8.0/24 dev eth0
                }
            """)
        let result = p1.reload(changed)
        #expect(result.changed == ["VI_1"] && p1.state() == "MASTER")
        #expect(Array(p1.host.routeLog[before...]) == ["delete rule from 198.18.0.100/32 table 100 pref 50",
                                                       "delete route blackhole 198.18.6.0/24 table 254",
                                                       "add route 198.18.8.0/24 dev 2 table 254"])
        #expect(ours(p1) == ["198.18.5.0/24 via 198.18.0.254 dev 2 table 100", "198.18.8.0/24 dev 2 table 254"])
    }

    @Test("static_* are added at start-up in BACKUP, stay through MASTER and BACKUP, follow reload, and go at exit")
    func statics() throws {
        let lan = FakeLAN()
        let statics = """
            static_ipaddress {
                198.18.1.1/24 dev eth0
            }
            static_routes {
                198.18.9.0/24 via 198.18.0.254 dev eth0
            }
            static_rules {
                to 198.18.9.0/24 table 9 preference 90
            }

            """
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: statics + instanceBlock(priority: 100))
        #expect(p1.state() == "BACKUP")
        #expect(p1.host.has("198.18.1.1"))
        #expect(ours(p1) == ["198.18.9.0/24 via 198.18.0.254 dev 2 table 254", "to 198.18.9.0/24 table 9 pref 90"])
        lan.loop.advance(by: .s(5))
        #expect(p1.state() == "MASTER" && ours(p1).count == 2)
        let logged = p1.host.routeLog.count
        #expect(p1.reload(statics + instanceBlock(priority: 100)).unchanged == ["VI_1"])
        #expect(p1.host.routeLog.count == logged, "an unchanged static entry is not touched by reload")
        let moved = statics.split(separator: "198.18.9.0/24 via", omittingEmptySubsequences: false).joined(separator: "198.18.10.0/24 via")
        p1.reload(moved + instanceBlock(priority: 100))
        #expect(ours(p1) == ["198.18.10.0/24 via 198.18.0.254 dev 2 table 254", "to 198.18.9.0/24 table 9 pref 90"])
        p1.terminate()
        #expect(ours(p1).isEmpty && !p1.host.has("198.18.1.1"))
    }

    @Test("a route's dev (and a rule's iif/oif) is tracked as keepalived tracks it: down is FAULT; no_track or a missing interface is not")
    func routeInterfaceTracked() throws {
        let lan = FakeLAN()
        let extra = """
            virtual_routes {
                    198.18.5.0/24 via 198.18.2.254 dev eth1
                    198.18.6.0/24 dev eth2 no_track
                    198.18.7.0/24 dev eth9
                }
            """
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"], ["198.18.2.11/24"], ["198.18.3.11/24"]],
                             config: instanceBlock(priority: 100, extra: extra))
        lan.loop.advance(by: .s(5))
        #expect(p1.state() == "MASTER", "eth9 does not exist: that route is left out, no fault")
        #expect(p1.logs.contains("route 198.18.7.0/24 left out: interface eth9 does not exist"))
        #expect(ours(p1) == ["198.18.5.0/24 via 198.18.2.254 dev 3 table 254", "198.18.6.0/24 dev 4 table 254"])
        p1.host.setLink("eth2", up: false)
        lan.loop.advance(by: .s(1))
        #expect(p1.state() == "MASTER", "no_track")
        p1.host.setLink("eth1", up: false)
        lan.loop.advance(by: .s(1))
        #expect(p1.state() == "FAULT")
        #expect(ours(p1).isEmpty)
        p1.host.setLink("eth1", up: true)
        lan.loop.advance(by: .s(5))
        #expect(p1.state() == "MASTER")
        #expect(ours(p1).count == 2)
    }
}
