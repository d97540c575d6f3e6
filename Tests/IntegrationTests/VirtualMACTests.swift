// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import VRRPCore
import VRRPLab
import VRRPTestSupport

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
            let capture = try lab.lab.startCapture(lab.client, ifname: "eth0", filter: "vrrp or ip6 proto 112 or arp")
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
            #expect(high.terminate() == 0)
            try await lab.waitForState(low, "MASTER")
            try await lab.waitForState(low, "MASTER", instance: "VI_6")
            #expect(try Self.link(lab, p1, "vrrp.51") == nil && Self.link(lab, p1, "vrrp.61") == nil, "the macvlans outlived SIGTERM")
            // The macvlans go after the VIP deletes queued before them (Daemon+VirtualMAC.swift
            // `deleteVirtualMACLink`), so none of those fails on a link already gone.
            #expect(!high.log.contains("cannot remove"), "\(high.log.split(separator: "\n").filter { $0.contains("cannot remove") })")
            #expect(high.log.contains("removed VMAC interface vrrp.51"))
            try await lab.wait("the VIPs on p2's macvlans") {
                try lab.hasVIP(p2, "198.18.0.100/24", ifname: "vrrp.51") && lab.hasVIP(p2, "2001:db8::100/64", ifname: "vrrp.61")
            }
            try await lab.waitForPing("198.18.0.100")
            try await lab.waitForPing("2001:db8::100")
            #expect(try Self.neighbour(lab, "198.18.0.100").contains(Self.mac4))
            #expect(try Self.neighbour(lab, "2001:db8::100").contains(Self.mac6))

            // On the wire (RFC 5798 §7.2): every advert of either master, IPv4 and IPv6, and the
            // gratuitous ARPs leave with the virtual MAC as Ethernet source.
            let frames = try capture.packets()
            for (vrid, mac) in [(51, Self.mac4), (61, Self.mac6)] {
                let adverts = frames.filter { $0.contains("VRRP") && $0.contains("vrid \(vrid),") }
                #expect(adverts.count >= 2, "adverts for VRID \(vrid): \(frames.filter { $0.contains("VRRP") }.prefix(4))")
                // `tcpdump -e`: "TIME SRC-MAC > DST-MAC, …".
                let wrong = adverts.filter { $0.split(separator: " ").dropFirst().first.map(String.init) != mac }
                #expect(wrong.isEmpty, "\(wrong.prefix(3))")
            }
            #expect(frames.contains { $0.contains("VRRP") && $0.contains("198.18.0.12 >") }, "p2's adverts after the failover")
            let vmacMAC = try #require(MACAddress(Self.mac4))
            #expect(try capture.sawGratuitousARP(for: IPv4Address("198.18.0.100")!, from: vmacMAC))

            // p2 → p1: p1 comes back with the higher priority and preempts.
            let again = try await lab.startDaemon(on: p1, config: Self.instances(priority: 150))
            try await lab.waitForStates([(again, "MASTER"), (low, "BACKUP")])
            try await lab.wait("the VIP back on p1's macvlan") { try lab.hasVIP(p1, "198.18.0.100/24", ifname: "vrrp.51") }
            try await lab.waitForPing("198.18.0.100")
            #expect(try Self.neighbour(lab, "198.18.0.100").contains(Self.mac4))
            #expect(try !Self.neighbour(lab, "198.18.0.100").contains(lab.mac(p2).description))

            #expect(again.terminate() == 0 && low.terminate() == 0)
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
            let d = try await lab.startDaemon(on: p1, config: config(for: p1, priority: 150) { $0.version = 3; $0.extraLines = ["use_vmac"] })
            try await lab.waitForState(d, "MASTER")
            try await lab.wait("the VIP on eth0") { try lab.hasVIP(p1, "198.18.0.100/24") }
            #expect(d.log.contains("cannot use_vmac vrrp.51: vrrp.51 exists and is a veth"))
            #expect(d.terminate() == 0)
            #expect(try Self.link(lab, p1, "vrrp.51") != nil, "vrrpd removed an interface it did not create")
        }
    }

    @Test("keepalived 2.2.7 with use_vmac makes the same macvlan (name, MAC, private mode, up) with the same sysctls, and elects with vrrpd both ways")
    func sameAsKeepalived() async throws {
        guard Lab.keepalivedPath != nil else { return }
        try await withDaemonLab { lab in
            let (p1, p2) = (lab.proxies[0], lab.proxies[1])
            var k = LabVRRPInstance()
            k.version = 3
            k.priority = 100
            k.addressDevice = false
            k.extraLines = ["use_vmac"]
            let keepalived = try lab.lab.startKeepalived(p2, config: k.configuration(routerID: "p2"))
            let ours = try await lab.startDaemon(on: p1, config: config(for: p1, priority: 150) { $0.version = 3; $0.extraLines = ["use_vmac"] })
            try await lab.waitForState(ours, "MASTER")
            try await lab.wait("keepalived BACKUP with its vrrp.51") {
                let made = try Self.link(lab, p2, "vrrp.51") != nil
                return lab.lab.loggedState(keepalived) == "BACKUP" && made
            }
            // Two Master_Down_Intervals (3.6 s each) later keepalived is still BACKUP: it hears vrrpd.
            try await Task.sleep(for: .seconds(8))
            #expect(lab.lab.loggedState(keepalived) == "BACKUP", "keepalived did not hear vrrpd's adverts")
            func shape(_ host: LabHost) throws -> [String] {
                let shown = try #require(try Self.link(lab, host, "vrrp.51"))
                let sysctls = ["vrrp.51/arp_ignore", "vrrp.51/accept_local", "vrrp.51/rp_filter", "vrrp.51/promote_secondaries",
                               "eth0/arp_ignore", "eth0/arp_filter"].map { key in
                    key + "=" + ((try? lab.lab.run(host, ["cat", "/proc/sys/net/ipv4/conf/\(key)"]).stdout
                        .trimmingCharacters(in: .whitespacesAndNewlines)) ?? "?")
                }
                return [shown.contains("vrrp.51@eth0") ? "on eth0" : "not on eth0",
                        shown.contains("link/ether \(Self.mac4)") ? "virtual MAC" : "other MAC",
                        shown.contains("macvlan mode private") ? "private" : "not private",
                        shown.contains(",UP") || shown.contains("<UP") ? "up" : "down"] + sysctls
            }
            #expect(try shape(p1) == shape(p2), "vrrpd's macvlan (p1) differs from keepalived's (p2)")
            // The same IGMP rule and map element, in its table `keepalived` and ours `vrrpd`.
            if LabRequirement.tool("nft").isMet {
                let theirs = try Self.outRules(lab, p2, "ip", "keepalived")
                let ours = try Self.outRules(lab, p1, "ip", "vrrpd")
                #expect(!theirs.isEmpty && ours == theirs, "keepalived: \(theirs), vrrpd: \(ours)")
            }
            #expect(try shape(p1).prefix(4) == ["on eth0", "virtual MAC", "private", "up"])

            // vrrpd leaves (priority 0): keepalived takes over on its macvlan; vrrpd's is gone.
            #expect(ours.terminate() == 0)
            try await lab.wait("keepalived MASTER with the VIP on its vrrp.51") {
                let held = try lab.hasVIP(p2, "198.18.0.100/24", ifname: "vrrp.51")
                return lab.lab.loggedState(keepalived) == "MASTER" && held
            }
            #expect(try Self.link(lab, p1, "vrrp.51") == nil)
            try await lab.waitForPing("198.18.0.100")
            // vrrpd comes back at 150 and preempts keepalived.
            let again = try await lab.startDaemon(on: p1, config: config(for: p1, priority: 150) { $0.version = 3; $0.extraLines = ["use_vmac"] })
            try await lab.waitForState(again, "MASTER")
            try await lab.wait("keepalived BACKUP, the VIP on p1's vrrp.51 only") {
                let ours = try lab.hasVIP(p1, "198.18.0.100/24", ifname: "vrrp.51")
                let theirs = try lab.hasVIP(p2, "198.18.0.100/24", ifname: "vrrp.51")
                return lab.lab.loggedState(keepalived) == "BACKUP" && ours && !theirs
            }
            try await lab.waitForPing("198.18.0.100")
            #expect(again.terminate() == 0)
            _ = lab.lab.stop(keepalived.process)
        }
    }

    // MARK: use_vmac_addr (keepalived 2.2.7 vrrp.c `vrrp_complete_instance`)

    static let mac6of51 = "00:00:5e:00:02:33"

    /// VIP 198.18.0.100 on eth0 (no use_vmac: stays there), 198.18.1.100 on eth1 (a second LAN,
    /// `dev eth1`) and the IPv6 eVIP 2001:db8::100 on eth0: with `use_vmac_addr` the last two go
    /// on macvlans of their own, vrrp.51 on eth1 (00:00:5e:00:01:33) and vrrp6.51 on eth0
    /// (00:00:5e:00:02:33).
    static func addressMACInstance(priority: Int) -> LabVRRPInstance {
        var i = LabVRRPInstance()
        i.priority = priority
        i.addressDevice = false
        i.virtualAddresses = ["198.18.0.100/24", "198.18.1.100/24 dev eth1"]
        i.extraLines = ["use_vmac_addr", "virtual_ipaddress_excluded {", "    2001:db8::100/64", "}"]
        return i
    }

    /// A second LAN 198.18.1.0/24: p1 .11, p2 .12, the client .2, each on its eth1.
    static func secondLAN(_ lab: DaemonLab) throws {
        let lan2 = try lab.lab.addLAN("lan2")
        for (host, n) in zip(lab.proxies, [11, 12]) { try lab.lab.cable(host, to: lan2, ifname: "eth1", ipv4: ["198.18.1.\(n)/24"]) }
        try lab.lab.cable(lab.client, to: lan2, ifname: "eth1", ipv4: ["198.18.1.2/24"])
    }

    /// What `ip -d link` shows of the two extra macvlans (parent, MAC, mode, up), for comparing hosts.
    static func addressMACShape(_ lab: DaemonLab, _ host: LabHost) throws -> [String] {
        [("vrrp.51", "eth1", mac4), ("vrrp6.51", "eth0", mac6of51)].map { name, parent, mac in
            guard let shown = try? link(lab, host, name) else { return "\(name) missing" }
            return "\(name)" + (shown.contains("\(name)@\(parent)") ? " on \(parent)" : " not on \(parent)")
                + (shown.contains("link/ether \(mac)") ? " \(mac)" : " other MAC")
                + (shown.contains("macvlan mode private") ? " private" : " not private")
                + (shown.contains(",UP") || shown.contains("<UP") ? " up" : " down")
        }
    }

    @Test("use_vmac_addr: the VIP on a second interface and the IPv6 eVIP go on their own macvlans with the virtual MAC of their family; the client's neighbour entries are those MACs across failover; removed at exit")
    func addressMACs() async throws {
        try await withDaemonLab { lab in
            let (p1, p2) = (lab.proxies[0], lab.proxies[1])
            try Self.secondLAN(lab)
            let high = try await lab.startDaemon(on: p1, config: Self.addressMACInstance(priority: 150).configuration(routerID: "p1"))
            let low = try await lab.startDaemon(on: p2, config: Self.addressMACInstance(priority: 100).configuration(routerID: "p2"))
            try await lab.waitForStates([(high, "MASTER"), (low, "BACKUP")])
            for host in [p1, p2] {
                #expect(try Self.addressMACShape(lab, host) == ["vrrp.51 on eth1 \(Self.mac4) private up",
                                                                 "vrrp6.51 on eth0 \(Self.mac6of51) private up"])
            }
            try await lab.wait("the VIPs on p1: eth0, vrrp.51, vrrp6.51") {
                try lab.hasVIP(p1, "198.18.0.100/24") && lab.hasVIP(p1, "198.18.1.100/24", ifname: "vrrp.51")
                    && lab.hasVIP(p1, "2001:db8::100/64", ifname: "vrrp6.51")
            }
            try await lab.waitForPing("198.18.1.100")
            try await lab.waitForPing("2001:db8::100")
            let entry4 = try Self.neighbour(lab, "198.18.1.100")
            let entry6 = try Self.neighbour(lab, "2001:db8::100")
            #expect(entry4.contains(Self.mac4), "\(entry4)")
            #expect(entry6.contains(Self.mac6of51), "\(entry6)")

            #expect(high.terminate() == 0)
            try await lab.waitForState(low, "MASTER")
            #expect(try Self.addressMACShape(lab, p1) == ["vrrp.51 missing", "vrrp6.51 missing"], "the macvlans outlived SIGTERM")
            try await lab.wait("the VIPs on p2's macvlans") {
                try lab.hasVIP(p2, "198.18.1.100/24", ifname: "vrrp.51") && lab.hasVIP(p2, "2001:db8::100/64", ifname: "vrrp6.51")
            }
            try await lab.waitForPing("198.18.1.100")
            try await lab.waitForPing("2001:db8::100")
            #expect(try Self.neighbour(lab, "198.18.1.100").contains(Self.mac4))
            #expect(try Self.neighbour(lab, "2001:db8::100").contains(Self.mac6of51))
            #expect(try !Self.neighbour(lab, "198.18.1.100").contains(lab.mac(p2, ifname: "eth1").description))
            #expect(low.terminate() == 0)
            #expect(try Self.addressMACShape(lab, p2) == ["vrrp.51 missing", "vrrp6.51 missing"])
        }
    }

    @Test("use_vmac_addr: keepalived 2.2.7 makes the same two macvlans (names, parents, MACs, private, up) for the same configuration and takes over on them; its clients learn the base MAC (arp_announce 0)")
    func addressMACsSameAsKeepalived() async throws {
        guard Lab.keepalivedPath != nil else { return }
        try await withDaemonLab { lab in
            let (p1, p2) = (lab.proxies[0], lab.proxies[1])
            try Self.secondLAN(lab)
            let keepalived = try lab.lab.startKeepalived(p2, config: Self.addressMACInstance(priority: 100).configuration(routerID: "p2"))
            let ours = try await lab.startDaemon(on: p1, config: Self.addressMACInstance(priority: 150).configuration(routerID: "p1"))
            try await lab.waitForState(ours, "MASTER")
            try await lab.wait("keepalived BACKUP with its macvlans") {
                let made = try Self.link(lab, p2, "vrrp6.51") != nil
                return lab.lab.loggedState(keepalived) == "BACKUP" && made
            }
            #expect(try Self.addressMACShape(lab, p1) == Self.addressMACShape(lab, p2), "vrrpd's macvlans (p1) differ from keepalived's (p2)")
            #expect(ours.terminate() == 0)
            try await lab.wait("keepalived MASTER with the VIPs on its macvlans") {
                let held = try lab.hasVIP(p2, "198.18.1.100/24", ifname: "vrrp.51") && lab.hasVIP(p2, "2001:db8::100/64", ifname: "vrrp6.51")
                return lab.lab.loggedState(keepalived) == "MASTER" && held
            }
            #expect(try Self.addressMACShape(lab, p1) == ["vrrp.51 missing", "vrrp6.51 missing"])
            try await lab.waitForPing("198.18.1.100")
            // The one difference, documented (docs/configuration.md, use_vmac): keepalived 2.2.7
            // leaves arp_announce 0 on the base, so p2 ARPs for the client from eth1 with the VIP
            // as sender and the client learns eth1's MAC for the VIP; vrrpd sets arp_announce 2
            // (the test above: the virtual MAC).
            let entry = try Self.neighbour(lab, "198.18.1.100")
            let announce = try lab.lab.run(p2, ["cat", "/proc/sys/net/ipv4/conf/eth1/arp_announce"]).stdout
            let eth1 = try lab.mac(p2, ifname: "eth1").description
            #expect(entry.contains(eth1) && announce.hasPrefix("0"), "\(entry) (p2 eth1 \(eth1), arp_announce \(announce))")
            _ = lab.lab.stop(keepalived.process)
        }
    }

    // MARK: IGMP/MLD reports (keepalived 2.2.7 vrrp_nftables.c `nft_add_vmac`)

    /// The rules of `chain out` in `table FAMILY NAME` as `nft` lists them (empty if none).
    static func outRules(_ lab: DaemonLab, _ host: LabHost, _ family: String, _ table: String) throws -> [String] {
        let r = try lab.lab.run(host, ["nft", "list", "table", family, table])
        guard r.succeeded else { return [] }
        return r.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.contains("oifkind") || $0.hasPrefix("elements") }
    }

    @Test("IGMP/MLD: on BACKUP and MASTER the macvlans are in vrrpd's nftables table with keepalived's rules; no membership report ever leaves with a virtual MAC (they leave by eth0); the table goes at exit")
    func membershipReports() async throws {
        try requireLab([.tool("nft"), .tool("tcpdump")])
        try await withDaemonLab { lab in
            let (p1, p2) = (lab.proxies[0], lab.proxies[1])
            let capture = try lab.lab.startCapture(lab.client, ifname: "eth0", filter: "igmp or (ip6 and ip6[6] == 0)")  // MLD: hop-by-hop first
            let high = try await lab.startDaemon(on: p1, config: Self.instances(priority: 150))
            let low = try await lab.startDaemon(on: p2, config: Self.instances(priority: 100))
            try await lab.waitForStates([(high, "MASTER"), (low, "BACKUP")])
            try await lab.waitForStates([(high, "MASTER"), (low, "BACKUP")], instance: "VI_6")
            for host in [p1, p2] {
                try await lab.wait("vrrpd's rules on \(host)") {
                    try Self.outRules(lab, host, "ip", "vrrpd").count == 2 && Self.outRules(lab, host, "ip6", "vrrpd").count == 4
                }
                #expect(try Self.outRules(lab, host, "ip", "vrrpd") == [
                    "elements = { \"vrrp.51\" : \"eth0\" }",
                    "ip protocol igmp meta oifkind \"macvlan\" dup to ip daddr device oif map @vmac_map drop",
                ])
                let six = try Self.outRules(lab, host, "ip6", "vrrpd")
                #expect(six == [
                    "elements = { \"vrrp.61\" : \"eth0\" }",
                    "elements = { \"vrrp.61\" }",
                    "icmpv6 type mld2-listener-report meta oifkind \"macvlan\" dup to ip6 daddr device oif map @vmac_map drop",
                    "icmpv6 type nd-router-solicit meta oifkind \"macvlan\" oif @vmac_set drop",
                ], "\(six)")
            }
            // A group joined on the macvlans now (as vrrpd's socket did before the rules were in
            // place) is reported from eth0's MAC, never the virtual one.
            let p2MAC = try lab.mac(p2).description
            for (group, dev) in [("224.0.0.77", "vrrp.51"), ("ff02::77", "vrrp.61")] {
                _ = try lab.lab.runChecked(p2, ["ip", "addr", "add", group.contains(":") ? "\(group)/128" : "\(group)/32",
                                                "dev", dev, "autojoin"])
            }
            // `tcpdump -v` continues a packet on indented lines: one string per packet.
            func reports() throws -> [String] {
                var out: [String] = []
                for line in try capture.packets(verbose: true) {
                    if line.first?.isWhitespace == true, !out.isEmpty { out[out.count - 1] += " " + line } else { out.append(line) }
                }
                return out
            }
            try await lab.wait("p2's reports for the joined groups") {
                let frames = try reports()
                return frames.contains { $0.contains(" \(p2MAC) >") && $0.contains("224.0.0.77") }
                    && frames.contains { $0.contains(" \(p2MAC) >") && $0.contains("ff02::77") }
            }
            let frames = try reports()
            let virtual = frames.filter { $0.contains(" \(Self.mac4) >") || $0.contains(" \(Self.mac6) >") }
            #expect(virtual.isEmpty, "membership reports with a virtual MAC: \(virtual.prefix(3))")

            #expect(high.terminate() == 0 && low.terminate() == 0)
            for host in [p1, p2] {
                #expect(try lab.lab.run(host, ["nft", "list", "tables"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
                        "vrrpd's table outlived SIGTERM on \(host)")
            }
        }
    }

    @Test("reload that restarts a use_vmac instance (vmac_xmit_base added): the old macvlan is deleted behind its VIP, the new one made once it is gone; MASTER with the VIP on it, no errors")
    func reloadRestartKeepsMacvlan() async throws {
        try await withDaemonLab(proxies: 1) { lab in
            let p1 = lab.proxies[0]
            let text = config(for: p1, priority: 150) { $0.version = 3; $0.extraLines = ["use_vmac"] }
            let daemon = try await lab.startDaemon(on: p1, config: text)
            try await lab.waitForState(daemon, "MASTER")
            try await lab.wait("the VIP on vrrp.51") { try lab.hasVIP(p1, "198.18.0.100/24", ifname: "vrrp.51") }
            let old = try #require(try Self.link(lab, p1, "vrrp.51"))
            try text.replacingOccurrences(of: "use_vmac", with: "use_vmac\n    vmac_xmit_base")
                .write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
            let before = try daemon.snapshot().daemon.lastReload?.at
            lab.lab.signal(daemon.process, SIGHUP)
            try await lab.wait("the reload", daemon: daemon) { try daemon.snapshot().daemon.lastReload?.at != before }
            #expect(try daemon.snapshot().daemon.lastReload?.changed == ["VI_1"])
            try await lab.waitForState(daemon, "MASTER")
            try await lab.wait("the VIP on a new vrrp.51") {
                let now = try Self.link(lab, p1, "vrrp.51")
                return try now != nil && now?.split(separator: ":").first != old.split(separator: ":").first
                    && lab.hasVIP(p1, "198.18.0.100/24", ifname: "vrrp.51")
            }
            try await lab.waitForPing("198.18.0.100")
            #expect(try Self.neighbour(lab, "198.18.0.100").contains(Self.mac4))
            #expect(!daemon.log.contains("[error]"), "\(daemon.log.split(separator: "\n").filter { $0.contains("[error]") })")
            #expect(!daemon.log.contains("removed by someone else"))
            #expect(daemon.terminate() == 0)
            #expect(try Self.link(lab, p1, "vrrp.51") == nil)
        }
    }
}

