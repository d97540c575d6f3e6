// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore
import VRRPLab

/// virtual_routes / virtual_rules follow MASTER and static_* are there from start-up, as the
/// kernel shows them (`ip route show table all`, `ip rule show`) in the lab's namespaces (issue 13).
@Suite("vrrpd routes and rules", .serialized)
struct RouteTests {
    static let routeLines = ["virtual_routes {",
                             "    198.18.5.0/24 via 198.18.0.254 dev eth0 table 100",
                             "    blackhole 2001:db8:5::/48",
                             "}",
                             "virtual_rules {",
                             "    from 198.18.0.100 table 100 preference 100",
                             "}"]

    /// Our routes and rules (proto 86) on the host, one line each.
    func ours(_ lab: DaemonLab, _ host: LabHost) throws -> [String] {
        let commands = [["ip", "-4", "route", "show", "table", "all"], ["ip", "-6", "route", "show", "table", "all"],
                        ["ip", "rule", "show"]]
        return try commands.flatMap { argv in
            try lab.lab.run(host, argv).stdout.split(separator: "\n").map(String.init).filter { $0.contains("proto 86") }
        }
    }

    func waitForOurs(_ lab: DaemonLab, _ host: LabHost, count: Int) async throws {
        do {
            try await lab.wait("\(count) routes and rules with proto 86 on \(host.name)") { try ours(lab, host).count == count }
        } catch {
            print("proto 86 on \(host.name): \((try? ours(lab, host)) ?? [])")
            throw error
        }
    }

    @Test("routes and rules appear on the MASTER only, move with failover, and leave with the last daemon")
    func followMaster() async throws {
        try await withDaemonLab { lab in
            let (p1, p2) = (lab.proxies[0], lab.proxies[1])
            let master = try await lab.startDaemon(on: p1, config: config(for: p1, priority: 150) { $0.extraLines = Self.routeLines })
            let backup = try await lab.startDaemon(on: p2, config: config(for: p2, priority: 100) { $0.extraLines = Self.routeLines })
            try await lab.waitForStates([(master, "MASTER"), (backup, "BACKUP")])
            try await waitForOurs(lab, p1, count: 3)
            let shown = try ours(lab, p1).joined(separator: "\n")
            #expect(shown.contains("198.18.5.0/24 via 198.18.0.254 dev eth0 table 100 proto 86"), "\(shown)")
            #expect(shown.contains("blackhole 2001:db8:5::/48 dev lo proto 86"), "\(shown)")
            #expect(shown.contains("100:\tfrom 198.18.0.100 lookup 100 proto 86"), "\(shown)")
            #expect(try ours(lab, p2).isEmpty)

            // Failover by SIGTERM: p1 takes its routes and rules away before exiting, p2 adds them.
            #expect(master.terminate() == 0)
            #expect(try ours(lab, p1).isEmpty, "the stopped master removed its routes and rules")
            try await lab.waitForState(backup, "MASTER")
            try await waitForOurs(lab, p2, count: 3)

            // An interface going down puts p2 in FAULT: its routes and rules go.
            try lab.lab.setLink(p2, "eth0", up: false)
            try await lab.waitForState(backup, "FAULT")
            try await waitForOurs(lab, p2, count: 0)
            #expect(backup.terminate() == 0)
        }
    }

    @Test("static_ipaddress/routes/rules are added at start-up on a BACKUP and deleted at exit; the operator's route stays")
    func statics() async throws {
        try await withDaemonLab { lab in
            let (p1, p2) = (lab.proxies[0], lab.proxies[1])
            let statics = """
                static_ipaddress {
                    198.18.1.1/24 dev eth0
                }
                static_routes {
                    198.18.9.0/24 via 198.18.0.254 dev eth0
                    198.18.8.0/24 via 198.18.0.254 dev eth0
                }
                static_rules {
                    to 198.18.9.0/24 table 9 preference 90
                }

                """
            // The operator's own route, identical to the second static one: used, never deleted.
            _ = try lab.lab.run(p2, ["ip", "route", "add", "198.18.8.0/24", "via", "198.18.0.254", "dev", "eth0", "proto", "static"])
            let master = try await lab.startDaemon(on: p1, config: config(for: p1, priority: 150))
            let backup = try await lab.startDaemon(on: p2, config: statics + config(for: p2, priority: 100))
            try await lab.waitForStates([(master, "MASTER"), (backup, "BACKUP")])
            let shown = try ours(lab, p2).joined(separator: "\n")
            #expect(shown.contains("198.18.9.0/24 via 198.18.0.254 dev eth0 proto 86"), "\(shown)")
            #expect(!shown.contains("198.18.8.0/24"), "\(shown)")
            #expect(shown.contains("90:\tfrom all to 198.18.9.0/24 lookup 9 proto 86"), "\(shown)")
            #expect(try lab.hasVIP(p2, "198.18.1.1/24"))
            #expect(try !lab.hasVIP(p2, VIP.v4), "a BACKUP has no VIP, but it has the static address")

            #expect(backup.terminate() == 0)
            #expect(try ours(lab, p2).isEmpty, "keepalived 2.2.7 deletes its static entries at exit")
            #expect(try !lab.hasVIP(p2, "198.18.1.1/24"))
            #expect(try lab.lab.run(p2, ["ip", "route", "show"]).stdout.contains("198.18.8.0/24 via 198.18.0.254 dev eth0 proto static"))
            _ = master.terminate()
        }
    }
}
