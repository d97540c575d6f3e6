// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore
import VRRPLab

/// RFC 5798 §7.2 and keepalived `use_vmac`: the VIP answers with the virtual router MAC from
/// whichever router is master, so a client's neighbour entry never changes on failover.
@Suite("vrrpd use_vmac", .serialized)
struct VirtualMACTests {
    static let mac4 = "00:00:5e:00:01:33"   // VRID 51
    static let mac6 = "00:00:5e:00:02:3d"   // VRID 61

    static func instances(priority: Int) -> String {
        var v4 = LabVRRPInstance()
        v4.priority = priority
        v4.addressDevice = false
        v4.extraLines = ["use_vmac"]
        var v6 = v4
        v6.name = "VI_6"
        v6.vrid = 61
        v6.virtualAddresses = ["2001:db8::100/64"]
        return LabVRRPInstance.configuration(routerID: "r\(priority)", [v4, v6])
    }

    /// The client's neighbour entry for `address` ("" if none).
    static func neighbour(_ lab: DaemonLab, _ address: String) throws -> String {
        try lab.lab.run(lab.client, ["ip", "neigh", "show", address]).stdout
    }

    /// `ip -d link show NAME` in `host` (nil when it does not exist).
    static func link(_ lab: DaemonLab, _ host: LabHost, _ name: String) throws -> String? {
        let r = try lab.lab.run(host, ["ip", "-d", "link", "show", name])
        return r.succeeded ? r.stdout : nil
    }

    @Test("the client's neighbour entry for the VIP is the virtual MAC (IPv4 and IPv6) and stays it across failover both ways; the macvlans go with SIGTERM")
    func neighbourEntryFollowsWithoutChange() async throws {
        try await withDaemonLab { lab in
            let (p1, p2) = (lab.proxies[0], lab.proxies[1])
            let high = try await lab.startDaemon(on: p1, config: Self.instances(priority: 150))
            let low = try await lab.startDaemon(on: p2, config: Self.instances(priority: 100))
            try await lab.waitForStates([(high, "MASTER"), (low, "BACKUP")])
            try await lab.waitForStates([(high, "MASTER"), (low, "BACKUP")], instance: "VI_6")
            for host in [p1, p2] {
                // Made at start on both, up, in BACKUP too (keepalived).
                let shown = try #require(try Self.link(lab, host, "vrrp.51"), "no vrrp.51 on \(host)")
                #expect(shown.contains("vrrp.51@eth0") && shown.contains("link/ether \(Self.mac4)") && shown.contains("macvlan mode private"))
                #expect(shown.contains("state UP") || shown.contains(",UP"), "\(shown)")
                let shown6 = try #require(try Self.link(lab, host, "vrrp.61"), "no vrrp.61 on \(host)")
                #expect(shown6.contains("link/ether \(Self.mac6)"))
            }
            try await lab.wait("the VIPs on p1's macvlans") {
                try lab.hasVIP(p1, "198.18.0.100/24", ifname: "vrrp.51") && lab.hasVIP(p1, "2001:db8::100/64", ifname: "vrrp.61")
            }
            #expect(try !lab.hasVIP(p1, "198.18.0.100/24") && !lab.hasVIP(p2, "198.18.0.100/24", ifname: "vrrp.51"))
            try await lab.waitForPing("198.18.0.100")
            try await lab.waitForPing("2001:db8::100")
            let p1MAC = try lab.mac(p1).description
            let entry = try Self.neighbour(lab, "198.18.0.100")
            #expect(entry.contains(Self.mac4), "\(entry)")
            #expect(try Self.neighbour(lab, "2001:db8::100").contains(Self.mac6))
            #expect(try !Self.neighbour(lab, "198.18.0.100").contains(p1MAC))

            // p1 → p2.
            #expect(lab.terminate(high) == 0)
            try await lab.waitForState(low, "MASTER")
            try await lab.waitForState(low, "MASTER", instance: "VI_6")
            #expect(try Self.link(lab, p1, "vrrp.51") == nil && Self.link(lab, p1, "vrrp.61") == nil, "the macvlans outlived SIGTERM")
            try await lab.wait("the VIPs on p2's macvlans") {
                try lab.hasVIP(p2, "198.18.0.100/24", ifname: "vrrp.51") && lab.hasVIP(p2, "2001:db8::100/64", ifname: "vrrp.61")
            }
            try await lab.waitForPing("198.18.0.100")
            try await lab.waitForPing("2001:db8::100")
            #expect(try Self.neighbour(lab, "198.18.0.100").contains(Self.mac4))
            #expect(try Self.neighbour(lab, "2001:db8::100").contains(Self.mac6))

            // p2 → p1: p1 comes back with the higher priority and preempts.
            let again = try await lab.startDaemon(on: p1, config: Self.instances(priority: 150))
            try await lab.waitForStates([(again, "MASTER"), (low, "BACKUP")])
            try await lab.wait("the VIP back on p1's macvlan") { try lab.hasVIP(p1, "198.18.0.100/24", ifname: "vrrp.51") }
            try await lab.waitForPing("198.18.0.100")
            #expect(try Self.neighbour(lab, "198.18.0.100").contains(Self.mac4))
            #expect(try !Self.neighbour(lab, "198.18.0.100").contains(lab.mac(p2).description))

            #expect(lab.terminate(again) == 0 && lab.terminate(low) == 0)
            for host in [p1, p2] {
                #expect(try Self.link(lab, host, "vrrp.51") == nil && Self.link(lab, host, "vrrp.61") == nil)
            }
        }
    }

    @Test("an operator's interface called vrrp.51 is never removed: vrrpd runs on eth0 and leaves it")
    func foreignInterfaceKept() async throws {
        try await withDaemonLab(proxies: 1) { lab in
            let p1 = lab.proxies[0]
            _ = try lab.lab.runChecked(p1, ["ip", "link", "add", "vrrp.51", "type", "veth", "peer", "name", "vrrp51peer"])
            let d = try await lab.startDaemon(on: p1, config: config(for: p1, priority: 150) { $0.extraLines = ["use_vmac"] })
            try await lab.waitForState(d, "MASTER")
            try await lab.wait("the VIP on eth0") { try lab.hasVIP(p1, "198.18.0.100/24") }
            #expect(lab.log(d).contains("cannot use_vmac vrrp.51: vrrp.51 exists and is a veth"))
            #expect(lab.terminate(d) == 0)
            #expect(try Self.link(lab, p1, "vrrp.51") != nil, "vrrpd removed an interface it did not create")
        }
    }
}
