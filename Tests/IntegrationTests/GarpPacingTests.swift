// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore
import VRRPLab

/// keepalived's `vrrp_garp_interval` (global_defs): the gap between two successive gratuitous
/// ARPs on one interface (keepalived/vrrp/vrrp_arp.c `send_gratuitous_arp`, issue #13). Measured
/// from a capture at the client: the only timing check is that no two GARPs of the new master
/// are closer than the configured gap (a lower bound, generous for a loaded machine).
@Suite("vrrp_garp_interval", .serialized)
struct GarpPacingTests {
    @Test("the gratuitous ARPs of a burst are at least vrrp_garp_interval apart in a capture")
    func spacedBurst() async throws {
        try await withDaemonLab(proxies: 1) { lab in
            let p1 = lab.proxies[0]
            let gap = 0.2
            let capture = try lab.lab.startCapture(lab.client, ifname: "eth0", filter: "arp", name: "garp-pacing")
            defer { capture.stop() }
            // Two VIPs, 3 rounds: 6 GARPs in one burst, then the garp_master_delay burst (1 s).
            let text = "global_defs {\n    vrrp_garp_interval \(gap)\n    vrrp_garp_master_repeat 3\n    vrrp_garp_master_delay 1\n}\n"
                + config(for: p1, priority: 150) {
                    $0.initialState = "MASTER"
                    $0.virtualAddresses = [VIP.v4, "198.18.0.101/24"]
                }
            let daemon = try await lab.startDaemon(on: p1, config: text)
            try await lab.waitForState(daemon, "MASTER")
            let mac = try lab.mac(p1)
            func garps() throws -> [(Double, IPv4Address)] {
                try capture.frames().compactMap { f in f.gratuitousARP(from: mac).map { (f.timestamp, $0) } }
            }
            try await lab.wait("12 gratuitous ARPs from p1 (two bursts of 3 rounds over 2 VIPs)") { try garps().count >= 12 }
            let seen = try garps()
            let vips = Set(seen.map(\.1).map { "\($0)" })
            #expect(vips == [VIP.v4Address, "198.18.0.101"], "\(vips)")
            // Lower bound only: 90% of the gap (capture timestamps are taken at the client).
            let gaps = zip(seen, seen.dropFirst()).map { $1.0 - $0.0 }
            #expect(gaps.allSatisfy { $0 >= gap * 0.9 }, "gratuitous ARPs closer than vrrp_garp_interval \(gap) s: \(gaps)")
            #expect(daemon.terminate() == 0)
        }
    }

    /// keepalived `garp_lower_prio_delay`: a Master that hears a lower-priority advert (a healed
    /// partition) sends garp_lower_prio_repeat GARPs at once and the same again that long after
    /// (vrrp.c `vrrp_lower_prio_gratuitous_arp_thread`). The other node sends one advert before
    /// stepping down (higher_prio_send_advert), so the Master surely hears it.
    @Test("after a healed partition the Master re-announces at once and again garp_lower_prio_delay later")
    func lowerPriorityDelay() async throws {
        try await withDaemonLab(proxies: 2) { lab in
            let (p1, p2) = (lab.proxies[0], lab.proxies[1])
            let delay = 4.0
            let globals = "global_defs {\n    vrrp_garp_master_delay 0\n    vrrp_garp_master_repeat 1\n    vrrp_garp_lower_prio_repeat 1\n"
                + "    vrrp_garp_lower_prio_delay \(Int(delay))\n    vrrp_higher_prio_send_advert true\n}\n"
            let master = try await lab.startDaemon(on: p1, config: globals + config(for: p1, priority: 150))
            let other = try await lab.startDaemon(on: p2, config: globals + config(for: p2, priority: 100))
            try await lab.waitForStates([(master, "MASTER"), (other, "BACKUP")])
            try lab.lab.isolate(p2, on: lab.topology.lan, true)
            try await lab.waitForState(other, "MASTER")
            let capture = try lab.lab.startCapture(lab.client, ifname: "eth0", filter: "arp", name: "garp-lower-prio")
            defer { capture.stop() }
            try lab.lab.isolate(p2, on: lab.topology.lan, false)
            try await lab.waitForStates([(master, "MASTER"), (other, "BACKUP")])
            let mac = try lab.mac(p1)
            func garps() throws -> [Double] { try capture.frames().compactMap { f in f.gratuitousARP(from: mac).map { _ in f.timestamp } } }
            // Generous hang catcher: the delayed burst comes about `delay` after the first.
            try await lab.wait("p1's delayed lower-priority GARP") {
                let t = try garps()
                return t.count >= 2 && t.last! - t.first! >= delay * 0.9
            }
            let t = try garps()
            #expect(t.last! - t.first! >= delay * 0.9, "\(t)")
        }
    }

    /// `vrrp_gna_interval`: the same gap for unsolicited neighbour advertisements (IPv6),
    /// measured from a capture (ICMPv6 type 136 from the master's MAC). Checked to fail when
    /// the gap is given to ARPs (`vrrp_garp_interval`) instead.
    @Test("the unsolicited NAs of a burst are at least vrrp_gna_interval apart in a capture")
    func spacedNABurst() async throws {
        try await withDaemonLab(proxies: 1) { lab in
            let p1 = lab.proxies[0]
            let gap = 0.2
            let capture = try lab.lab.startCapture(lab.client, ifname: "eth0", filter: "icmp6", name: "gna-pacing")
            defer { capture.stop() }
            let text = "global_defs {\n    vrrp_gna_interval \(gap)\n    vrrp_garp_master_repeat 3\n    vrrp_garp_master_delay 0\n}\n"
                + config(for: p1, priority: 150) {
                    $0.initialState = "MASTER"
                    $0.version = 3
                    $0.virtualAddresses = [VIP.v6, "2001:db8::101/64"]
                }
            let daemon = try await lab.startDaemon(on: p1, config: text)
            try await lab.waitForState(daemon, "MASTER")
            let mac = try lab.mac(p1)
            // Ethernet (14) + IPv6 header (40): next header 58 (ICMPv6) at 14 + 6, type 136 at 54.
            func nas() throws -> [Double] {
                try capture.frames().filter { f in
                    f.ethernet?.source == mac && f.bytes.count > 54 && f.bytes[12] == 0x86 && f.bytes[13] == 0xdd
                        && f.bytes[20] == 58 && f.bytes[54] == 136
                }.map(\.timestamp)
            }
            try await lab.wait("6 unsolicited NAs from p1 (3 rounds over 2 VIPs)") { try nas().count >= 6 }
            let t = try nas()
            let gaps = zip(t, t.dropFirst()).map { $1 - $0 }
            #expect(gaps.allSatisfy { $0 >= gap * 0.9 }, "unsolicited NAs closer than vrrp_gna_interval \(gap) s: \(gaps)")
            #expect(daemon.terminate() == 0)
        }
    }
}
