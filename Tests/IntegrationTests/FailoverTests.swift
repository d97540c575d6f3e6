// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore
import VRRPLab

/// Real `vrrpd` processes in network namespaces: the master goes away (crash, stop, link
/// down) and the backup takes over.
@Suite("vrrpd failover", .serialized)
struct FailoverTests {
    /// p1 MASTER (150) and p2 BACKUP (100), VIP on p1.
    private func startPair(_ lab: DaemonLab,
                           _ adjust: @escaping (inout LabVRRPInstance) -> Void = { _ in }) async throws -> (master: LabVRRPNode, backup: LabVRRPNode) {
        let (p1, p2) = (lab.proxies[0], lab.proxies[1])
        let master = try await lab.startDaemon(on: p1, config: config(for: p1, priority: 150, adjust))
        let backup = try await lab.startDaemon(on: p2, config: config(for: p2, priority: 100, adjust))
        try await lab.waitForStates([(master, "MASTER"), (backup, "BACKUP")])
        try await lab.waitForVIP(VIP.v4, on: [p1])
        return (master, backup)
    }

    @Test("after the master host crashes (SIGKILL, cable pulled) the backup owns the VIP and announces it by gratuitous ARP")
    func hostCrash() async throws {
        try await withDaemonLab { lab in
            let (p1, p2) = (lab.proxies[0], lab.proxies[1])
            let (master, backup) = try await startPair(lab)
            let capture = try lab.lab.startCapture(lab.client, ifname: "eth0", filter: "arp", name: "garp")
            let newMasterMAC = try lab.mac(p2)

            try master.crash()
            try lab.lab.setCable(p1, on: lab.topology.lan, plugged: false)
            #expect(try lab.hasVIP(p1, VIP.v4), "SIGKILL leaves the VIP behind")

            try await lab.waitForState(backup, "MASTER")
            try await lab.waitForVIP(VIP.v4, on: [p2], among: [p2])
            // RFC 5798 §6.4.1: the new master broadcasts a gratuitous ARP for each IPv4 VIP.
            let vip = try #require(IPv4Address(VIP.v4Address))
            try await lab.wait("a gratuitous ARP for \(vip) from p2 (\(newMasterMAC)) at the client") {
                try capture.sawGratuitousARP(for: vip, from: newMasterMAC)
            }
            capture.stop()
            #expect(try backup.instance().counters.becomeMaster >= 1)
            try await lab.waitForPing(VIP.v4Address)
        }
    }

    @Test("SIGTERM on the master: it exits 0 and removes its VIP, the backup takes over at once")
    func gracefulStop() async throws {
        try await withDaemonLab { lab in
            let (p1, p2) = (lab.proxies[0], lab.proxies[1])
            let (master, backup) = try await startPair(lab)

            #expect(master.terminate() == 0)
            #expect(try !lab.hasVIP(p1, VIP.v4), "the stopped node removed its VIP before exiting")
            try await lab.waitForState(backup, "MASTER")
            try await lab.waitForVIP(VIP.v4, on: [p2])
            // RFC 5798 §6.4.2: the stopping master sends priority 0.
            #expect(try backup.instance().counters.priorityZeroPktsRcvd >= 1)
        }
    }

    @Test("interface down on the master: it goes FAULT and releases the VIP, the backup takes over; link up: it preempts back")
    func interfaceDown() async throws {
        try await withDaemonLab { lab in
            let (p1, p2) = (lab.proxies[0], lab.proxies[1])
            let (master, backup) = try await startPair(lab)

            try lab.lab.setLink(p1, "eth0", up: false)
            try await lab.waitForStates([(master, "FAULT"), (backup, "MASTER")])
            try await lab.waitForVIP(VIP.v4, on: [p2])

            try lab.lab.setLink(p1, "eth0", up: true)
            try await lab.waitForStates([(master, "MASTER"), (backup, "BACKUP")])
            try await lab.waitForVIP(VIP.v4, on: [p1])
        }
    }

    @Test("a daemon restarted after SIGKILL removes the VIP its crashed run left behind")
    func restartCleansStaleVIP() async throws {
        try await withDaemonLab { lab in
            let (p1, p2) = (lab.proxies[0], lab.proxies[1])
            let (master, backup) = try await startPair(lab)

            try master.crash()
            try await lab.waitForState(backup, "MASTER")
            // The crashed run could not clean up: both hosts carry the VIP now.
            try await lab.waitForVIP(VIP.v4, on: [p1, p2])

            // Back with a lower priority: p1 must come up BACKUP and drop the stale VIP.
            let restarted = try await lab.startDaemon(on: p1, config: config(for: p1, priority: 50))
            try await lab.waitForStates([(restarted, "BACKUP"), (backup, "MASTER")])
            try await lab.waitForVIP(VIP.v4, on: [p2])
        }
    }
}
