// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import VRRPLab
import VRRPTestSupport
import VRRPStatus

/// vrrpd with `use_vmac` against FRRouting's vrrpd (Debian `frr`), VRRPv3, IPv4 and IPv6, in
/// private namespaces. FRR's VRRP works only on a macvlan with the VRRP MAC (FRR
/// doc/user/vrrp.rst), so both present the same MAC: the client never sees it change.
@Suite("Interop with FRRouting vrrpd", .serialized,
       .requires(all: LabRequirement.namespaceLab + LabRequirement.frr))
struct FRRInteropTests {
    struct Family: Sendable, CustomTestStringConvertible {
        let family: Int
        let vrid: Int
        let vip: String
        var address: String { String(vip.split(separator: "/")[0]) }
        var mac: String { String(format: "00:00:5e:00:%02x:%02x", family == 6 ? 2 : 1, vrid) }
        var testDescription: String { "VRRPv3 IPv\(family)" }
    }

    static let families = [Family(family: 4, vrid: 51, vip: "198.18.0.100/24"),
                           Family(family: 6, vrid: 61, vip: "2001:db8::100/64")]

    static func ours(_ f: Family, priority: Int) -> LabVRRPInstance {
        var i = LabVRRPInstance()
        i.version = 3
        i.vrid = f.vrid
        i.priority = priority
        i.virtualAddresses = [f.vip]
        i.addressDevice = false
        i.extraLines = ["use_vmac"]
        return i
    }

    static func frrConfig(_ f: Family, priority: Int) -> String {
        """
        interface eth0
         vrrp \(f.vrid) version 3
         vrrp \(f.vrid) priority \(priority)
         vrrp \(f.vrid) advertisement-interval 1000
         vrrp \(f.vrid) \(f.family == 6 ? "ipv6" : "ip") \(f.address)
        """
    }

    @Test("elect, fail over both ways (priority 0 and preemption), the VIP follows the master, never two masters, the client's neighbour entry stays the virtual MAC",
          arguments: families)
    func failover(_ f: Family) async throws {
        try await withLab { lab in
            let topology = try LabTopology(in: lab, proxies: 2)
            let (p1, p2, client) = (topology.proxies[0], topology.proxies[1], topology.client)
            let vrrpd = try LabBinaries.vrrpd
            var runs = 0
            func startOurs(_ priority: Int) throws -> LabVRRPNode {
                runs += 1
                return try lab.startVRRPD(p1, binary: vrrpd, config: Self.ours(f, priority: priority).configuration(routerID: "p1"),
                                          tag: "vrrpd-\(runs)")
            }
            func ourState(_ node: LabVRRPNode) -> String? {
                guard let socket = node.statusSocket, let c = try? StatusClient(path: socket) else { return nil }
                return (try? c.request(.instance("VI_1")))?.instance?.state
            }
            func ourVIP() -> Bool {
                ((try? lab.addresses(p1, ifname: "vrrp.\(f.vrid)")) ?? []).contains(f.vip)
            }
            func frrMaster(_ node: LabFRRNode) -> Bool { lab.frrState(node, vrid: f.vrid, family: f.family) == "Master" }
            func frrBackup(_ node: LabFRRNode) -> Bool { lab.frrState(node, vrid: f.vrid, family: f.family) == "Backup" }
            func neighbour() throws -> String {
                try lab.run(client, ["ip", "neigh", "show", f.address]).stdout
            }
            func clientReaches() throws {
                try waitUntil("the client pings \(f.address)", timeout: .seconds(15)) {
                    try lab.ping(from: client, f.address)
                }
                let entry = try neighbour()
                #expect(entry.contains(f.mac),
                        "client's neighbour entry: \(entry) (p1 eth0 \((try? lab.mac(p1, ifname: "eth0")) ?? "?"), p2 eth0 \((try? lab.mac(p2, ifname: "eth0")) ?? "?"))")
            }
            /// One master at a time, checked over a few adverts.
            func neverTwoMasters(_ ours: LabVRRPNode, _ frr: LabFRRNode) {
                for _ in 0..<6 {
                    let both = ourState(ours) == "MASTER" && frrMaster(frr)
                    #expect(!both, "vrrpd and FRR are both master")
                    usleep(250_000)
                }
            }

            let macvlan = f.family == 6 ? "vrrp6-\(f.vrid)" : "vrrp4-\(f.vrid)"
            try lab.addFRRMacvlan(p2, name: macvlan, vrid: f.vrid, family: f.family, address: f.vip)
            // FRR keeps the VIP on its macvlan in Backup too (protodown) and sets no sysctls: with
            // the defaults p2's eth0 answers ARP for the VIP with its own MAC (seen here). The
            // FRR host gets what vrrpd sets on its own base interface for use_vmac.
            for (key, value) in [("arp_ignore", "1"), ("arp_filter", "1"), ("arp_announce", "2")] {
                _ = try lab.runChecked(p2, ["sysctl", "-qw", "net.ipv4.conf.eth0.\(key)=\(value)"])
            }
            let frr = try lab.startFRR(p2, vrrpConfig: Self.frrConfig(f, priority: 100))
            defer { lab.stopFRR(frr) }

            do {
                // vrrpd 200 elected over FRR 100.
                var ours = try startOurs(200)
                try waitUntil("vrrpd MASTER with the VIP on vrrp.\(f.vrid), FRR Backup", timeout: .seconds(20)) {
                    ourState(ours) == "MASTER" && ourVIP() && frrBackup(frr)
                }
                neverTwoMasters(ours, frr)
                try clientReaches()

                // vrrpd stops: priority 0, FRR takes over, the VIP leaves p1.
                #expect(lab.stop(ours.process, grace: .seconds(5)) == 0)
                try waitUntil("FRR Master after vrrpd's priority 0", timeout: .seconds(10)) { frrMaster(frr) }
                #expect(!ourVIP() && (try? lab.addresses(p1, ifname: "vrrp.\(f.vrid)")) == nil, "vrrpd's macvlan outlived it")
                try clientReaches()

                // vrrpd comes back at 200 and preempts FRR.
                ours = try startOurs(200)
                try waitUntil("vrrpd preempts FRR", timeout: .seconds(20)) {
                    ourState(ours) == "MASTER" && ourVIP() && frrBackup(frr)
                }
                neverTwoMasters(ours, frr)
                try clientReaches()

                // vrrpd at 50 under FRR 100: backup; FRR stops (priority 0): vrrpd takes over.
                #expect(lab.stop(ours.process, grace: .seconds(5)) == 0)
                ours = try startOurs(50)
                try waitUntil("FRR Master, vrrpd 50 BACKUP", timeout: .seconds(20)) {
                    frrMaster(frr) && ourState(ours) == "BACKUP" && !ourVIP()
                }
                neverTwoMasters(ours, frr)
                try clientReaches()
                let stopped = lab.stopFRR(frr)
                #expect(stopped.vrrpd == 0, "FRR vrrpd exit status")
                try waitUntil("vrrpd MASTER after FRR's priority 0", timeout: .seconds(10)) {
                    ourState(ours) == "MASTER" && ourVIP()
                }
                try clientReaches()
                #expect(lab.stop(ours.process, grace: .seconds(5)) == 0)
            } catch {
                print("FRR interop failed: \(error)\n── FRR vrrpd ──\n\(lab.log(frr.vrrpd))\n── FRR zebra ──\n\(lab.log(frr.zebra))")
                for r in 1...max(1, runs) { print("── vrrpd-\(r) ──\n\((try? String(contentsOfFile: "\(p1.directory)/vrrpd-\(r).log", encoding: .utf8)) ?? "")") }
                throw error
            }
        }
    }
}
