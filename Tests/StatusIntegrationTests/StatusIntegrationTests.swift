// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import VRRPLab
import VRRPTestSupport
import VRRPStatus

/// Real `vrrpd` processes in network namespaces, observed through the status socket, `vrrpctl`,
/// SIGUSR1 dumps and the metrics endpoint (issue 6). Root only, as CI runs; each test builds and
/// removes its own lab. Serialized: daemons share two cores with everything else, and VRRP
/// timers should not starve.
@Suite("vrrpd status, control and reload in namespaces", .serialized)
struct StatusIntegrationTests {}

/// p1 (priority 150) elected MASTER first, then p2 (priority 100) started as its BACKUP,
/// one instance VI_1 (VRID 51, VIP 198.18.0.100) on eth0.
func electedPair(_ lab: Lab) throws -> (master: LabVRRPNode, backup: LabVRRPNode) {
    let topology = try LabTopology(in: lab, proxies: 2)
    let master = try startDaemon(lab, on: topology.proxies[0],
                                      config: LabVRRPInstance.configuration(routerID: "p1", [vrrpInstance(priority: 150)]))
    try master.waitForState("MASTER")
    let backup = try startDaemon(lab, on: topology.proxies[1],
                                      config: LabVRRPInstance.configuration(routerID: "p2", [vrrpInstance(priority: 100)]))
    try backup.waitUntil("p2 to follow p1 as BACKUP") {
        guard let i = try? backup.instance() else { return false }
        return i.state == "BACKUP" && i.master?.address == "198.18.0.11"
    }
    return (master, backup)
}

/// One node, p1, MASTER of VI_1.
func singleMaster(_ lab: Lab, metricsPort: Int? = nil) throws -> LabVRRPNode {
    let topology = try LabTopology(in: lab, proxies: 1)
    let node = try startDaemon(lab, on: topology.proxies[0],
                                    config: LabVRRPInstance.configuration(routerID: "p1", [vrrpInstance(priority: 150)]),
                                    metricsPort: metricsPort)
    try node.waitForState("MASTER")
    try node.waitUntil("the VIP on p1") { try node.addresses().contains("198.18.0.100") }
    return node
}

extension StatusIntegrationTests {
    @Test("the socket is 0660 root:GROUP; a group member connects, an outsider is refused with exit 2, root works")
    func socketPermissions() async throws {
        try requireLab(statusRequirements)
        let user = try ThrowawayUser.create()
        defer { user.remove() }
        try await withLab { lab in
            let topology = try LabTopology(in: lab, proxies: 1)
            let node = try startDaemon(lab, on: topology.proxies[0],
                                            config: LabVRRPInstance.configuration(routerID: "p1", [vrrpInstance(priority: 150)]),
                                            statusGroup: user.name)
            let info = try FileManager.default.attributesOfItem(atPath: node.socketPath)
            #expect(info[.type] as? FileAttributeType == .typeSocket)
            #expect((info[.posixPermissions] as? Int).map { $0 & 0o7777 } == 0o660)
            #expect(info[.ownerAccountID] as? Int == 0)
            #expect(info[.groupOwnerAccountName] as? String == user.name)

            let setpriv = "/usr/bin/setpriv"
            let outsider = try node.vrrpctl(["status"], prefix: [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups"])
            #expect(outsider.status == 2, "stdout: \(outsider.stdout) stderr: \(outsider.stderr)")
            #expect(outsider.stderr.contains("permission denied"), "stderr: \(outsider.stderr)")
            #expect(!outsider.stdout.contains("VI_1"))

            let member = try node.vrrpctl(["status"], prefix: [setpriv, "--reuid=\(user.name)", "--regid=\(user.name)", "--init-groups"])
            #expect(member.status == 0, "stderr: \(member.stderr)")
            #expect(member.stdout.contains("VI_1"))

            let root = try node.vrrpctl(["status"])
            #expect(root.status == 0, "stderr: \(root.stderr)")
            #expect(root.stdout.contains("VI_1"))
        }
    }

    @Test("status after the election and after a failover: states, priorities, master seen, VIPs, counters, last advert")
    func statusContent() async throws {
        try requireLab(statusRequirements)
        try await withLab { lab in
            let (master, backup) = try electedPair(lab)

            let m = try master.instance()
            #expect(m.state == "MASTER")
            #expect(m.vrid == 51 && m.interface == "eth0" && m.family == "IPv4")
            #expect(m.configuredPriority == 150 && m.effectivePriority == 150)
            #expect(m.virtualAddresses.map(\.bareAddress) == ["198.18.0.100"])
            #expect(m.virtualAddresses.allSatisfy { $0.installed })
            #expect(m.counters.becomeMaster == 1)
            #expect(try master.addresses().contains("198.18.0.100"))

            let b = try backup.instance()
            #expect(b.state == "BACKUP")
            #expect(b.configuredPriority == 100 && b.effectivePriority == 100)
            #expect(b.master == MasterInfo(address: "198.18.0.11", priority: 150))
            #expect(b.virtualAddresses.map(\.bareAddress) == ["198.18.0.100"])
            #expect(b.virtualAddresses.allSatisfy { !$0.installed })
            #expect(b.counters.becomeMaster == 0)
            #expect(b.lastAdvertisement?.from == "198.18.0.11")
            #expect(b.lastAdvertisement?.priority == 150)
            #expect(try !backup.addresses().contains("198.18.0.100"))
            // The backup keeps hearing the master: advertiseRcvd rises.
            try backup.waitUntil("advertiseRcvd to rise on p2") {
                try backup.instance().counters.advertiseRcvd > b.counters.advertiseRcvd
            }

            // Crash the master (no priority-0 release): p2 takes over after Master_Down_Interval.
            lab.signal(master.process, SIGKILL, group: true)
            try backup.waitForState("MASTER")
            try backup.waitUntil("the VIP on p2") { try backup.addresses().contains("198.18.0.100") }
            let after = try backup.instance()
            #expect(after.state == "MASTER")
            #expect(after.counters.becomeMaster == 1)
            #expect(after.counters.advertiseRcvd >= b.counters.advertiseRcvd)
            #expect(after.virtualAddresses.allSatisfy { $0.installed })
        }
    }

    @Test("watch streams the snapshot, then transitions in order through BACKUP → MASTER; vrrpctl watch --json parses")
    func watchStreamsTransitions() async throws {
        try requireLab(statusRequirements)
        try await withLab { lab in
            let (master, backup) = try electedPair(lab)
            let recorder = WatchRecorder(socket: backup.socketPath)
            let ctlWatch = try lab.spawn(backup.host, [try LabBinaries.vrrpctl, "watch", "--json",
                                                      "--socket", backup.socketPath], name: "vrrpctl-watch")
            try backup.waitUntil("the watch snapshots") {
                recorder.received.first?.snapshot != nil && lab.log(ctlWatch).contains("\n")
            }
            let start = try #require(recorder.received.first?.snapshot?.instance(named: "VI_1"))
            #expect(start.state == "BACKUP")

            lab.signal(master.process, SIGKILL, group: true)
            try backup.waitUntil("a BACKUP → MASTER event on the watch connection") {
                if let error = recorder.error { throw HarnessError(description: "watch ended: \(error)") }
                return recorder.received.contains { $0.event?.to == "MASTER" && $0.event?.instance == "VI_1" }
            }
            let replies = recorder.received
            #expect(replies.allSatisfy { $0.ok })
            #expect(replies.dropFirst().allSatisfy { $0.event != nil && $0.snapshot == nil },
                    "only the first line carries a snapshot")
            let events = replies.compactMap(\.event)
            let transitions = events.filter { $0.kind == .transition && $0.instance == "VI_1" }
            // In order: each transition starts where the previous one (or the snapshot) ended.
            var state = start.state
            for t in transitions {
                #expect(t.from == state, "transition \(t) after state \(state)")
                state = t.to ?? "?"
            }
            #expect(state == "MASTER")
            #expect(transitions.last?.from == "BACKUP")
            #expect(zip(events, events.dropFirst()).allSatisfy { $0.at <= $1.at }, "event times never go back")

            // vrrpctl watch --json: every line is a StatusReply; first a snapshot, then the transition.
            try backup.waitUntil("vrrpctl watch to print the transition") {
                lab.log(ctlWatch).contains("\"MASTER\"") && lab.log(ctlWatch).split(separator: "\n").count >= 2
            }
            let lines = lab.log(ctlWatch).split(separator: "\n")
            let decoded = try lines.map { try StatusReply.decode(line: Array($0.utf8)) }
            #expect(decoded.first?.snapshot?.instance(named: "VI_1")?.state == "BACKUP")
            #expect(decoded.contains { $0.event?.from == "BACKUP" && $0.event?.to == "MASTER" })
            #expect(lab.isRunning(ctlWatch))
        }
    }

    @Test("vrrpctl is-master exits 0 on the master and 1 on the backup; status prints the table and the JSON snapshot")
    func vrrpctlCommands() async throws {
        try requireLab(statusRequirements)
        try await withLab { lab in
            let (master, backup) = try electedPair(lab)

            let onMaster = try master.vrrpctl(["is-master", "VI_1"])
            #expect(onMaster.status == 0, "stderr: \(onMaster.stderr)")
            #expect(onMaster.stdout.contains("MASTER"))
            let onBackup = try backup.vrrpctl(["is-master", "VI_1"])
            #expect(onBackup.status == 1, "stderr: \(onBackup.stderr)")
            #expect(onBackup.stdout.contains("BACKUP"))
            let quiet = try backup.vrrpctl(["is-master", "--quiet", "VI_1"])
            #expect(quiet.status == 1 && quiet.stdout.isEmpty)
            let unknown = try master.vrrpctl(["is-master", "NO_SUCH"])
            #expect(unknown.status == 2, "an unknown instance is an error, not 'not master'")

            let table = try master.vrrpctl(["status"])
            #expect(table.status == 0, "stderr: \(table.stderr)")
            let row = try #require(table.stdout.split(separator: "\n").first { $0.hasPrefix("VI_1 ") },
                                   "no VI_1 row in:\n\(table.stdout)")
            #expect(row.contains("MASTER") && row.contains("51") && row.contains("eth0") && row.contains("198.18.0.100"))
            let backupTable = try backup.vrrpctl(["status"])
            #expect(backupTable.stdout.contains("198.18.0.11 (150)"), "the backup's table names the master:\n\(backupTable.stdout)")

            let json = try backup.vrrpctl(["status", "--json"])
            #expect(json.status == 0, "stderr: \(json.stderr)")
            let snapshot = try JSONDecoder().decode(Snapshot.self, from: Data(json.stdout.utf8))
            #expect(snapshot.instance(named: "VI_1")?.state == "BACKUP")
            #expect(snapshot.instance(named: "VI_1")?.master?.address == "198.18.0.11")
            #expect(snapshot.daemon.configFile == backup.configPath)
            #expect(snapshot.daemon.pid == backup.process.pid)

            let one = try master.vrrpctl(["status", "--json", "VI_1"])
            #expect(one.status == 0, "stderr: \(one.stderr)")
            let instance = try JSONDecoder().decode(InstanceSnapshot.self, from: Data(one.stdout.utf8))
            #expect(instance.name == "VI_1" && instance.state == "MASTER")

            // One connection serves several requests; an unknown name is an error reply, not a hang-up.
            let client = try StatusClient(path: master.socketPath)
            #expect(try client.request(.status).snapshot?.instances.map(\.name) == ["VI_1"])
            #expect(throws: StatusClientError.daemon("no instance named NO_SUCH")) { try client.request(.instance("NO_SUCH")) }
            #expect(try client.request(.instance("VI_1")).instance?.state == "MASTER")
        }
    }
}
