// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import VRRPChaos
import VRRPCore
import VRRPLab
import VRRPTestSupport
import VRRPStatus

/// One class of bad advertisement: how to build it and the RFC 6527 / RFC 2787 counter it
/// must increment on every daemon that hears it.
struct HostileCase: CustomStringConvertible, Sendable {
    let name: String
    let counter: String
    let packet: @Sendable (_ priority: UInt8) throws -> OutgoingPacket

    var description: String { name }
}

/// VRRPv2 with PASS authentication, so that the auth checks have something to check.
let vrid: UInt8 = 51
let password = "hostile"
let vip = IPv4Address(198, 18, 0, 100)
let attacker = IPv4Address(198, 18, 0, 2)
let vrrpOffset = 20   // our encoder's IPv4 header has no options

func base(_ priority: UInt8, vrid: UInt8 = vrid, password: String? = password, addresses: [IPv4Address] = [vip],
          ttl: UInt8 = 255, version: VRRPVersion = .v2) throws -> [UInt8] {
    try PacketFactory.advert(version: version, vrid: vrid, priority: priority, interval: Centiseconds(100),
                             addresses: addresses, password: password, source: attacker, ttl: ttl)
}

func mutated(_ priority: UInt8, _ change: (inout [UInt8]) -> Void) throws -> OutgoingPacket {
    var bytes = try base(priority)
    change(&bytes)
    return .ip(bytes)
}

let hostileCases: [HostileCase] = [
    HostileCase(name: "TTL 64", counter: "ipTtlErrors") { .ip(try base($0, ttl: 64)) },
    HostileCase(name: "version 15", counter: "versionErrors") { p in
        try mutated(p) { b in b[vrrpOffset] = 0xF1; PacketFactory.fixV2Checksum(&b) }
    },
    HostileCase(name: "a valid VRRPv3 advert at a VRRPv2 router", counter: "versionErrors") {
        .ip(try base($0, password: nil, version: .v3))
    },
    HostileCase(name: "bad checksum", counter: "checksumErrors") { p in
        try mutated(p) { b in b[vrrpOffset + 7] ^= 0x5A }
    },
    HostileCase(name: "VRID 52 (not configured)", counter: "vrIdErrors") { .ip(try base($0, vrid: 52)) },
    HostileCase(name: "truncated (half the auth data)", counter: "packetLengthErrors") { p in
        try mutated(p) { b in b.removeLast(4) }
    },
    HostileCase(name: "address count 5 beyond the length", counter: "packetLengthErrors") { p in
        try mutated(p) { b in b[vrrpOffset + 3] = 5; PacketFactory.fixV2Checksum(&b) }
    },
    HostileCase(name: "another address list", counter: "addressListErrors") {
        .ip(try base($0, addresses: [IPv4Address(198, 18, 0, 200)]))
    },
    HostileCase(name: "wrong password", counter: "authFailures") { .ip(try base($0, password: "intruder")) },
    HostileCase(name: "auth type 0 against PASS", counter: "authTypeMismatch") { .ip(try base($0, password: nil)) },
    HostileCase(name: "type 2", counter: "invalidTypePktsRcvd") { p in
        try mutated(p) { b in b[vrrpOffset] = 0x22; PacketFactory.fixV2Checksum(&b) }
    },
    // Longer than a receive slot (4 KiB, the longest legal advert fits): the kernel truncates
    // it and it is counted as a length error without being decoded (VRRPSocket+Batch).
    HostileCase(name: "64 KiB of garbage (fragmented)", counter: "packetLengthErrors") { p in
        var random = SplitMix64(seed: 6527)
        var bytes = (0..<65_515).map { _ in UInt8.random(in: 0...255, using: &random) }
        bytes[0] = 0xF1   // version 15: the first check that can see it is garbage
        bytes[2] = p
        return .payload(bytes)
    },
]

func counters(_ cluster: ChaosCluster, _ node: ChaosNode) throws -> [String: Int] {
    Dictionary(uniqueKeysWithValues: try cluster.status(node).counters.all.map { ($0.name, $0.value) })
}

/// Counters that only bad packets move.
let errorCounters: Set<String> = ["advertiseIntervalErrors", "authFailures", "ipTtlErrors", "invalidTypePktsRcvd",
                                  "addressListErrors", "invalidAuthType", "authTypeMismatch", "packetLengthErrors",
                                  "checksumErrors", "versionErrors", "vrIdErrors"]

@Suite("Hostile packets", .serialized, .requires(all: LabRequirement.namespaceLab + [.tool("python3")]))
struct HostileTests {
    @Test("every class of bad advert, at priority 255 and 0, is counted and changes no state on master and backup")
    func badAdverts() async throws {
        try await withLab { lab in
            var settings = ClusterSettings()
            settings.version = 2
            settings.advertInterval = 1
            settings.priorities = [150, 100]
            settings.password = password
            let cluster = try ChaosCluster(lab: lab, settings: settings, vrrpd: try LabBinaries.vrrpd)
            let (master, backup) = (cluster.nodes[0], cluster.nodes[1])
            try cluster.start(master)
            try cluster.start(backup)
            try waitUntil("p1 MASTER, p2 BACKUP", timeout: .seconds(20)) {
                try cluster.status(master).state == "MASTER" && cluster.status(backup).state == "BACKUP"
            }
            let sender = RawSender(lab: lab, host: cluster.client)
            let becameMaster = try [master, backup].map { try cluster.status($0).counters.becomeMaster }

            for hostile in hostileCases {
                let before = try [master, backup].map { try counters(cluster, $0) }
                // 255 would make the master step down, 0 would hand the backup the role at once.
                try sender.send([try hostile.packet(255), try hostile.packet(0)])
                for (node, old) in zip([master, backup], before) {
                    try waitUntil("\(hostile) counted on \(node.name)", timeout: .seconds(10)) {
                        try counters(cluster, node)[hostile.counter]! >= old[hostile.counter]! + 2
                    }
                    let new = try counters(cluster, node)
                    for name in errorCounters {
                        let expected = old[name]! + (name == hostile.counter ? 2 : 0)
                        #expect(new[name] == expected, "\(hostile) on \(node.name): \(name) \(old[name]!) → \(new[name]!), expected \(expected)")
                    }
                    #expect(lab.isRunning(node.process!), "\(node.name) exited after \(hostile)")
                }
            }
            // Wait longer than Master_Down_Interval: an accepted priority-0 advert would have
            // made the backup master by now, an accepted 255 the master a backup.
            try await Task.sleep(for: .seconds(4))
            #expect(try cluster.status(master).state == "MASTER")
            #expect(try cluster.status(backup).state == "BACKUP")
            #expect(try [master, backup].map { try cluster.status($0).counters.becomeMaster } == becameMaster)
            #expect(try cluster.hasVIP(master))
            #expect(try !cluster.hasVIP(backup))
            // Control: the same sender with a valid priority-255 advert does move the master,
            // so the silence above comes from the checks, not from packets that never arrived.
            try sender.send([.ip(try base(255))])
            try waitUntil("the master yields to a valid priority-255 advert", timeout: .seconds(10)) {
                try cluster.status(master).state == "BACKUP"
            }
            for node in [master, backup] {
                #expect(cluster.terminate(node) == 0, "\(node.name) did not exit cleanly on SIGTERM")
            }
        }
    }
}
