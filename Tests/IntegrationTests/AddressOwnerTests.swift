// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Foundation
import Testing
import VRRPCore
import VRRPLab

/// The IPvX address owner (RFC 5798 §5.2.4, §6.1, §6.4.1): priority 255 and a virtual address
/// that is the interface's own address. The operator configured that address; vrrpd must never
/// remove it (start-up sweep, reload, FAULT, exit), and the owner is Master at once.
@Suite("vrrpd address owner", .serialized)
struct AddressOwnerTests {
    /// p1's own address (LabTopology).
    static let ownAddress = "198.18.0.11"
    static let ownCIDR = "198.18.0.11/24"

    @Test("owner with VIP = the interface address: MASTER at once, advertises 255, the operator's address survives reload, FAULT and SIGTERM (priority 0 sent)",
          arguments: ["198.18.0.11/24", "198.18.0.11/32"])
    func ownerKeepsOperatorAddress(vip: String) async throws {
        try await withDaemonLab { lab in
            let (p1, p2) = (lab.proxies[0], lab.proxies[1])
            let ownerConfig = { (interval: Double) in
                config(for: p1, priority: 255) {
                    $0.virtualAddresses = [vip]
                    $0.advertInterval = interval
                }
            }
            let owner = try await lab.startDaemon(on: p1, config: ownerConfig(1))
            try await lab.waitForState(owner, "MASTER")
            let started = try owner.instance()
            // RFC 5798 §6.4.1: the owner skips Backup (no Master_Down_Timer wait).
            #expect(started.lastTransitionReason == "address owner (priority 255)")
            #expect(started.counters.becomeMaster == 1)
            #expect(try lab.hasVIP(p1, Self.ownCIDR), "the operator's address was removed at start-up")
            #expect(!owner.log.contains("removed leftover address"), "\(owner.log)")
            #expect(started.sourceAddress == Self.ownAddress)

            let backup = try await lab.startDaemon(on: p2, config: config(for: p2, priority: 100) {
                $0.virtualAddresses = [vip]
            })
            try await lab.waitForState(backup, "BACKUP")
            try await lab.wait("p2 to hear the owner's priority 255") {
                try backup.instance().lastAdvertisement?.priority == 255
            }

            // Reload both with a changed interval: the instances are stopped and started again.
            let previousReload = try owner.snapshot().daemon.lastReload?.at
            try ownerConfig(2).write(toFile: owner.configPath, atomically: true, encoding: .utf8)
            try config(for: p2, priority: 100) {
                $0.virtualAddresses = [vip]
                $0.advertInterval = 2
            }.write(toFile: backup.configPath, atomically: true, encoding: .utf8)
            lab.lab.signal(owner.process, SIGHUP)
            lab.lab.signal(backup.process, SIGHUP)
            try await lab.wait("the owner's reload", daemon: owner) {
                guard let r = try owner.snapshot().daemon.lastReload else { return false }
                return r.at != previousReload
            }
            #expect(try owner.snapshot().daemon.lastReload?.changed == ["VI_1"])
            try await lab.waitForStates([(owner, "MASTER"), (backup, "BACKUP")])
            #expect(try lab.hasVIP(p1, Self.ownCIDR), "the reload removed the operator's address")

            // FAULT (interface down) releases the virtual addresses, but not the operator's.
            try lab.lab.setLink(p1, "eth0", up: false)
            try await lab.waitForState(owner, "FAULT")
            #expect(try lab.hasVIP(p1, Self.ownCIDR), "FAULT removed the operator's address")
            try lab.lab.setLink(p1, "eth0", up: true)
            try await lab.waitForState(owner, "MASTER")
            #expect(try lab.hasVIP(p1, Self.ownCIDR))

            let zeroBefore = try backup.instance().counters.priorityZeroPktsRcvd
            #expect(owner.terminate() == 0)
            #expect(try lab.hasVIP(p1, Self.ownCIDR), "SIGTERM removed the operator's address")
            if vip.hasSuffix("/32") {
                #expect(try !lab.hasVIP(p1, vip), "the /32 vrrpd added stays behind")
            }
            // RFC 5798 §6.4.3: the leaving master sends priority 0.
            try await lab.wait("p2 to receive priority 0", daemon: backup) {
                try backup.instance().counters.priorityZeroPktsRcvd > zeroBefore
            }
            try await lab.waitForState(backup, "MASTER")
        }
    }

    @Test("the start-up sweep removes only addresses carrying vrrpd's tag, not an operator's copy of a VIP")
    func sweepRemovesOnlyTaggedAddresses() async throws {
        try await withDaemonLab(proxies: 1) { lab in
            let p1 = lab.proxies[0]
            // A leftover of a crashed run (carrying vrrpd's IFA_PROTO tag) on 198.18.0.101 …
            let crashed = try await lab.startDaemon(on: p1, config: config(for: p1, priority: 100) {
                $0.virtualAddresses = ["198.18.0.101/24"]
            })
            try await lab.waitForState(crashed, "MASTER")
            try await lab.wait("198.18.0.101/24 on p1") { try lab.hasVIP(p1, "198.18.0.101/24") }
            try crashed.crash()
            // … and an operator's address equal to the next run's VIP (no tag).
            try lab.lab.runChecked(p1, ["ip", "addr", "add", "198.18.0.100/24", "dev", "eth0"])
            let daemon = try await lab.startDaemon(on: p1, config: config(for: p1, priority: 100) {
                $0.virtualAddresses = ["198.18.0.100/24"]
            })
            try await lab.waitForState(daemon, "MASTER")
            #expect(try !lab.hasVIP(p1, "198.18.0.101/24"), "the tagged leftover stays")
            #expect(try lab.hasVIP(p1, "198.18.0.100/24"))
            #expect(daemon.terminate() == 0)
            #expect(try lab.hasVIP(p1, "198.18.0.100/24"), "the operator's copy of the VIP was removed")
        }
    }
}
