// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import VRRPLab
import VRRPTestSupport
import VRRPStatus

/// One protocol flavour of the matrix.
struct Variant: Sendable, CustomTestStringConvertible {
    let name: String
    let version: Int
    let advertInterval: Double
    let vip: String
    let password: String?
    let unicast: Bool

    var testDescription: String { name }

    func instance(priority: Int, source: String, peer: String) -> LabVRRPInstance {
        var i = LabVRRPInstance()
        i.version = version
        i.advertInterval = advertInterval
        i.virtualAddresses = [vip]
        i.password = password
        i.priority = priority
        if unicast {
            i.unicastSource = source
            i.unicastPeers = [peer]
        }
        return i
    }

    static let all: [Variant] = [
        Variant(name: "VRRPv2 IPv4 with PASS authentication", version: 2, advertInterval: 1,
                vip: "198.18.0.100/24", password: "s3cret", unicast: false),
        Variant(name: "VRRPv3 IPv4, advert_int 1", version: 3, advertInterval: 1,
                vip: "198.18.0.100/24", password: nil, unicast: false),
        Variant(name: "VRRPv3 IPv4, advert_int 0.1", version: 3, advertInterval: 0.1,
                vip: "198.18.0.100/24", password: nil, unicast: false),
        Variant(name: "VRRPv3 IPv6", version: 3, advertInterval: 0.5,
                vip: "2001:db8::100/64", password: nil, unicast: false),
        Variant(name: "VRRPv3 IPv4 unicast peers", version: 3, advertInterval: 0.5,
                vip: "198.18.0.100/24", password: nil, unicast: true),
    ]
}

/// vrrpd against Debian's keepalived on one LAN, in private network namespaces.
@Suite("Interop with keepalived", .serialized,
       .requires(all: Interop.requirements))
struct KeepalivedInteropTests {
    @Test("both directions: master/backup, priority-0 release, preemption back, crash takeover; tshark-clean packets",
          arguments: Variant.all)
    func roles(_ v: Variant) async throws {
        try await withLab { lab in
            let pair = try InteropPair(lab: lab)
            let ip4 = (ours: "198.18.0.11", theirs: "198.18.0.12")
            func ourConfig(_ priority: Int) -> LabVRRPInstance { v.instance(priority: priority, source: ip4.ours, peer: ip4.theirs) }
            func theirConfig(_ priority: Int) -> LabVRRPInstance { v.instance(priority: priority, source: ip4.theirs, peer: ip4.ours) }

            // A. vrrpd master (200), keepalived backup (100).
            let ka1 = try pair.startKeepalived(theirConfig(100))
            var ours = try pair.startOurs(ourConfig(200))
            try pair.expectRoles(master: ours, backup: ka1, vip: v.vip, "start: vrrpd 200 vs keepalived 100")
            #expect((try? ours.instance())?.effectivePriority == 200)

            // Graceful stop of vrrpd: its priority-0 advert hands over to keepalived.
            #expect(ours.stop(grace: .seconds(5)) == 0, "vrrpd exits 0 on SIGTERM")
            try pair.expectMaster(ka1, vip: v.vip, "keepalived takes over after vrrpd's priority 0")
            #expect(!pair.hasVIP(pair.ours, v.vip), "vrrpd removed its VIP on stop")

            // Preemption back: vrrpd restarts with the higher priority.
            ours = try pair.startOurs(ourConfig(200))
            try pair.expectRoles(master: ours, backup: ka1, vip: v.vip, "vrrpd preempts keepalived")

            // Crash of vrrpd: keepalived takes over after Master_Down_Interval.
            let kaMasters = lab.loggedTransitions(ka1, to: "MASTER")
            try ours.crash()
            try waitUntil("keepalived MASTER again after vrrpd's crash", timeout: .seconds(15)) {
                lab.loggedTransitions(ka1, to: "MASTER") > kaMasters && pair.hasVIP(pair.theirs, v.vip)
            }

            // B. keepalived master (100), vrrpd backup (50). The crashed run left its VIP
            // behind; the new vrrpd removes it on start-up.
            ours = try pair.startOurs(ourConfig(50))
            try pair.expectRoles(master: ka1, backup: ours, vip: v.vip, "vrrpd 50 joins as backup")
            try waitUntil("vrrpd names keepalived (priority 100) as its master", timeout: .seconds(10)) {
                (try? ours.instance())?.master?.priority == 100
            }

            // Graceful stop of keepalived: vrrpd hears priority 0 and takes over.
            ka1.stop(grace: .seconds(5))
            try pair.expectMaster(ours, vip: v.vip, "vrrpd takes over after keepalived's priority 0")
            #expect(((try? ours.instance())?.counters.priorityZeroPktsRcvd ?? 0) >= 1)
            #expect(!pair.hasVIP(pair.theirs, v.vip))

            // Preemption back by keepalived.
            let ka2 = try pair.startKeepalived(theirConfig(100))
            try pair.expectRoles(master: ka2, backup: ours, vip: v.vip, "keepalived preempts vrrpd")

            // Crash of keepalived (its parent and VRRP child): vrrpd takes over.
            try ka2.crash()
            try pair.expectMaster(ours, vip: v.vip, "vrrpd takes over after keepalived's crash")
            #expect(ours.stop(grace: .seconds(5)) == 0)

            // Everything vrrpd's host sent decodes cleanly.
            let decoded = try pair.tsharkProblems()
            #expect(decoded.vrrp > 0, "tshark saw vrrpd's adverts")
            #expect(decoded.priorityZero >= 1, "tshark saw vrrpd's priority-0 adverts")
            #expect(decoded.problems.isEmpty, "tshark: \(decoded.problems.joined(separator: "\n"))")
        }
    }

    @Test("mismatched PASS passwords: neither accepts the other's adverts, both say so")
    func authMismatch() async throws {
        try await withLab { lab in
            let pair = try InteropPair(lab: lab)
            let v = Variant.all[0]
            var mine = v.instance(priority: 100, source: "", peer: "")
            mine.password = "ours1"
            var theirs = v.instance(priority: 200, source: "", peer: "")
            theirs.password = "theirs2"
            let ka = try pair.startKeepalived(theirs)
            let ours = try pair.startOurs(mine)
            // Neither hears a valid advert, so both become master and hold the VIP.
            try pair.expectMaster(ours, vip: v.vip, "vrrpd ignores keepalived's adverts")
            try pair.expectMaster(ka, vip: v.vip, "keepalived ignores vrrpd's adverts")
            do {
                // A generous bound: twice in CI (never in 30 isolated runs) 10 s went by without a
                // count; the diagnostics below say which side went quiet if it happens again.
                try waitUntil("vrrpd counts authentication failures", timeout: .seconds(30)) {
                    ((try? ours.instance())?.counters.authFailures ?? 0) >= 2
                }
            } catch {
                // Say what vrrpd did count instead, and show both logs.
                print("vrrpd counters: \(String(describing: (try? ours.instance())?.counters))")
                print("--- vrrpd log ---\n\(lab.log(ours.process))\n--- keepalived log ---\n\(lab.log(ka.process))")
                throw error
            }
            try waitUntil("keepalived logs the bad password", timeout: .seconds(10)) {
                lab.log(ka.process).lowercased().contains("passw")
            }
            #expect((try? ours.instance())?.counters.advertiseRcvd == 0 || (try? ours.instance())?.state == "MASTER")
            #expect(lab.loggedTransitions(ka, to: "BACKUP") <= 1, "keepalived never fell back to backup")
            #expect(ours.state() == "MASTER" && ka.state() == "MASTER")
            ka.stop(grace: .seconds(5))
            ours.stop(grace: .seconds(5))
            let decoded = try pair.tsharkProblems()
            #expect(decoded.vrrp > 0)
            #expect(decoded.problems.isEmpty, "tshark: \(decoded.problems.joined(separator: "\n"))")
        }
    }

    @Test("equal priority: the higher primary address wins, on both sides")
    func equalPriority() async throws {
        try await withLab { lab in
            let pair = try InteropPair(lab: lab)
            let v = Variant.all[1]
            let config = v.instance(priority: 100, source: "", peer: "")
            // Both start cut off from the LAN, so both become master; on healing, the master
            // with the lower address must yield (RFC 5798 §6.4.3).
            for oursHigher in [false, true] {
                let (ourHost, theirHost) = oursHigher ? (pair.theirs, pair.ours) : (pair.ours, pair.theirs)
                try lab.isolate(ourHost, on: pair.topology.lan, true)
                try lab.isolate(theirHost, on: pair.topology.lan, true)
                let ka = try pair.startKeepalived(config, on: theirHost)
                let ours = try pair.startOurs(config, on: ourHost)
                try pair.expectMaster(ours, vip: v.vip, "vrrpd alone")
                try pair.expectMaster(ka, vip: v.vip, "keepalived alone")
                try lab.isolate(ourHost, on: pair.topology.lan, false)
                try lab.isolate(theirHost, on: pair.topology.lan, false)
                if oursHigher {
                    try pair.expectRoles(master: ours, backup: ka, vip: v.vip, "vrrpd on .12 beats keepalived on .11")
                } else {
                    try pair.expectRoles(master: ka, backup: ours, vip: v.vip, "keepalived on .12 beats vrrpd on .11")
                }
                ka.stop(grace: .seconds(5))
                ours.stop(grace: .seconds(5))
            }
        }
    }
}
