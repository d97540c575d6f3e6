// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore
import VRRPLab

/// RFC 5798 §6.4.3 Accept_Mode: a non-owner master without it does not accept packets
/// addressed to the virtual addresses (ARP and ND still answered); keepalived's `accept`
/// (its default) and `no_accept`, beside keepalived 2.2.7 doing the same.
@Suite("vrrpd Accept_Mode", .serialized)
struct AcceptModeTests {
    /// Pings `address` from the client `tries` times; true if any reply came.
    static func anyReply(_ lab: DaemonLab, _ address: String, tries: Int = 3) throws -> Bool {
        for _ in 0..<tries where try lab.lab.ping(from: lab.client, address) { return true }
        return false
    }

    @Test("no_accept: the master holds the VIP and answers ARP for it but drops pings to it; accept: pings answered; keepalived 2.2.7 alike")
    func noAcceptDropsTraffic() async throws {
        try await withDaemonLab { lab in
            let (p1, p2) = (lab.proxies[0], lab.proxies[1])
            var v4 = LabVRRPInstance()
            v4.priority = 150
            v4.addressDevice = false
            v4.extraLines = ["no_accept"]
            var v6 = v4
            v6.name = "VI_6"
            v6.vrid = 61
            v6.virtualAddresses = ["2001:db8::100/64"]
            let strict = try await lab.startDaemon(on: p1, config: LabVRRPInstance.configuration(routerID: "p1", [v4, v6]))
            let open = try await lab.startDaemon(on: p2, config: config(for: p2, priority: 150) {
                $0.version = 3
                $0.vrid = 52
                $0.virtualAddresses = ["198.18.0.101/24"]
                $0.extraLines = ["accept"]
            })
            try await lab.waitForStates([(strict, "MASTER"), (open, "MASTER")])
            try await lab.wait("the VIPs on p1 and p2") {
                try lab.hasVIP(p1, "198.18.0.100/24") && lab.hasVIP(p2, "198.18.0.101/24")
            }
            // accept: the VIP answers.
            try await lab.waitForPing("198.18.0.101")
            // no_accept: the host itself still answers on its own address …
            try await lab.waitForPing(p1.ipv4Address!)
            // … and ARP for the VIP (RFC 5798 §6.4.3 keeps ARP), but no ping reply.
            #expect(try !Self.anyReply(lab, "198.18.0.100"), "p1 answered a ping to its no_accept VIP")
            let neighbour = try lab.lab.run(lab.client, ["ip", "neigh", "show", "198.18.0.100"]).stdout
            #expect(neighbour.contains(try lab.mac(p1).description), "ARP for the VIP: \(neighbour)")
            // IPv6: no echo reply, but neighbour discovery for the VIP still works.
            try await lab.waitForState(strict, "MASTER", instance: "VI_6")
            try await lab.wait("2001:db8::100/64 on p1") { try lab.hasVIP(p1, "2001:db8::100/64") }
            try await lab.waitForPing(p1.ipv6Address!)
            #expect(try !Self.anyReply(lab, "2001:db8::100"), "p1 answered a ping to its no_accept IPv6 VIP")
            let neighbour6 = try lab.lab.run(lab.client, ["ip", "-6", "neigh", "show", "2001:db8::100"]).stdout
            #expect(neighbour6.contains(try lab.mac(p1).description), "ND for the VIP: \(neighbour6)")

            // On exit the drop rules go with the VIP: the next master answers at once.
            #expect(strict.terminate() == 0)
            let takeover = try await lab.startDaemon(on: p2, config: config(for: p2, priority: 100) {
                $0.version = 3
                $0.virtualAddresses = ["198.18.0.100/24"]
            })
            try await lab.waitForState(takeover, "MASTER")
            try await lab.waitForPing("198.18.0.100")

            if let _ = Lab.keepalivedPath {
                // keepalived 2.2.7 with no_accept on p1, VRID 53, VIP 198.18.0.102: the same drop.
                var k = LabVRRPInstance()
                k.vrid = 53
                k.priority = 150
                k.virtualAddresses = ["198.18.0.102/24"]
                k.extraLines = ["no_accept"]
                let keepalived = try lab.lab.startKeepalived(p1, config: k.configuration(routerID: "p1"))
                try await lab.wait("keepalived MASTER with 198.18.0.102 on p1") {
                    try lab.lab.loggedState(keepalived) == "MASTER" && lab.hasVIP(p1, "198.18.0.102/24")
                }
                #expect(try !Self.anyReply(lab, "198.18.0.102"), "keepalived's no_accept VIP answered")
            }
        }
    }
}

extension AcceptModeTests {
    @Test("a restart after SIGKILL without no_accept removes the drop rules the crashed run left")
    func leftoverRulesRemoved() async throws {
        try await withDaemonLab(proxies: 1) { lab in
            let p1 = lab.proxies[0]
            let crashed = try await lab.startDaemon(on: p1, config: config(for: p1, priority: 150) {
                $0.extraLines = ["no_accept"]
            })
            try await lab.waitForState(crashed, "MASTER")
            try await lab.wait("the VIP on p1") { try lab.hasVIP(p1, VIP.v4) }
            #expect(try !Self.anyReply(lab, VIP.v4Address))
            try crashed.crash()
            let restarted = try await lab.startDaemon(on: p1, config: config(for: p1, priority: 150))
            try await lab.waitForState(restarted, "MASTER")
            try await lab.waitForPing(VIP.v4Address)
            #expect(restarted.log.contains("removed the nftables tables vrrpd"))
        }
    }
}
