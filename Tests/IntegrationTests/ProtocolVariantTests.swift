// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore
import VRRPLab

/// Real `vrrpd` processes in network namespaces: VRRPv3, IPv6, sub-second adverts, unicast,
/// authentication.
@Suite("vrrpd protocol variants", .serialized)
struct ProtocolVariantTests {
    @Test("VRRPv3 with an IPv6 VIP: the master holds 2001:db8::100/64, the client reaches it, and it moves on a crash")
    func ipv6Version3() async throws {
        try await withDaemonLab { lab in
            let (p1, p2) = (lab.proxies[0], lab.proxies[1])
            let v6: (inout LabVRRPInstance) -> Void = {
                $0.version = 3
                $0.virtualAddresses = [VIP.v6]
            }
            let master = try await lab.startDaemon(on: p1, config: config(for: p1, priority: 150, v6))
            let backup = try await lab.startDaemon(on: p2, config: config(for: p2, priority: 100, v6))
            try await lab.waitForStates([(master, "MASTER"), (backup, "BACKUP")])
            try await lab.waitForVIP(VIP.v6, on: [p1])
            let instance = try master.instance()
            #expect(instance.version == 3)
            #expect(instance.family == "IPv6")
            try await lab.waitForPing(VIP.v6Address)

            try master.crash()
            try lab.lab.setCable(p1, on: lab.topology.lan, plugged: false)
            try await lab.waitForState(backup, "MASTER")
            try await lab.waitForVIP(VIP.v6, on: [p2], among: [p2])
            // The unsolicited neighbour advertisement points the client at p2.
            try await lab.waitForPing(VIP.v6Address)
        }
    }

    @Test("VRRPv3 with advert_int 0.1: election, learned interval and a crash takeover")
    func version3Centiseconds() async throws {
        try await withDaemonLab { lab in
            let (p1, p2) = (lab.proxies[0], lab.proxies[1])
            let fast: (inout LabVRRPInstance) -> Void = {
                $0.version = 3
                $0.advertInterval = 0.1
            }
            let master = try await lab.startDaemon(on: p1, config: config(for: p1, priority: 150, fast))
            let backup = try await lab.startDaemon(on: p2, config: config(for: p2, priority: 100, fast))
            try await lab.waitForStates([(master, "MASTER"), (backup, "BACKUP")])
            try await lab.waitForVIP(VIP.v4, on: [p1])
            // RFC 5798 §6.4.2: the backup learns Master_Adver_Interval from the adverts (10 cs).
            let learned = try backup.instance()
            #expect(learned.advertIntervalConfigured == 10)
            #expect(learned.advertIntervalLearned == 10)
            #expect(learned.version == 3)

            try master.crash()
            try lab.lab.setCable(p1, on: lab.topology.lan, plugged: false)
            try await lab.waitForState(backup, "MASTER")
            try await lab.waitForVIP(VIP.v4, on: [p2], among: [p2])
        }
    }

    @Test("unicast peers: adverts go from unicast_src_ip to the peer, not to 224.0.0.18, and failover works")
    func unicastPeers() async throws {
        try await withDaemonLab { lab in
            let (p1, p2) = (lab.proxies[0], lab.proxies[1])
            let (a1, a2) = (p1.ipv4Address!, p2.ipv4Address!)
            let capture = try lab.lab.startCapture(p2, ifname: "eth0", filter: "ip proto 112", name: "vrrp")
            let master = try await lab.startDaemon(on: p1, config: config(for: p1, priority: 150) {
                $0.unicastSource = a1
                $0.unicastPeers = [a2]
            })
            let backup = try await lab.startDaemon(on: p2, config: config(for: p2, priority: 100) {
                $0.unicastSource = a2
                $0.unicastPeers = [a1]
            })
            try await lab.waitForStates([(master, "MASTER"), (backup, "BACKUP")])
            try await lab.waitForVIP(VIP.v4, on: [p1])
            try await lab.wait("p2 to hear 3 unicast adverts", daemon: backup) {
                (try? backup.instance().counters.advertiseRcvd) ?? 0 >= 3
            }
            capture.stop()
            let vrrp = try capture.frames().compactMap(\.ipv4).filter { $0.protocol == 112 }
            let peer = try #require(IPv4Address(a2)), source = try #require(IPv4Address(a1))
            #expect(vrrp.contains { $0.source == source && $0.destination == peer })
            #expect(!vrrp.contains { $0.destination == .vrrpMulticast }, "unicast instances never multicast")
            #expect(try master.instance().unicastPeers == [a2])

            #expect(master.terminate() == 0)
            try await lab.waitForState(backup, "MASTER")
            try await lab.waitForVIP(VIP.v4, on: [p2])
        }
    }

    @Test("VRRPv2 PASS authentication with different passwords: neither accepts the other, both are MASTER, authFailures rise")
    func authenticationMismatch() async throws {
        try await withDaemonLab { lab in
            let (p1, p2) = (lab.proxies[0], lab.proxies[1])
            let d1 = try await lab.startDaemon(on: p1, config: config(for: p1, priority: 150) {
                $0.version = 2
                $0.password = "secret1"
            })
            let d2 = try await lab.startDaemon(on: p2, config: config(for: p2, priority: 100) {
                $0.version = 2
                $0.password = "secret2"
            })
            try await lab.waitForStates([(d1, "MASTER"), (d2, "MASTER")])
            try await lab.waitForVIP(VIP.v4, on: [p1, p2])
            // RFC 3768 §7.1 / RFC 2787 vrrpStatsAuthFailures: every advert of the other is refused.
            let before = try d1.instance().counters.authFailures
            try await lab.wait("authFailures to rise on both") {
                let c1 = (try? d1.instance().counters.authFailures) ?? 0
                let c2 = (try? d2.instance().counters.authFailures) ?? 0
                return c1 > before && c2 >= 1
            }
            #expect(try d1.instance().state == "MASTER")
            #expect(try d2.instance().state == "MASTER")
        }
    }
}
