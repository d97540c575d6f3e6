// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import VRRPLab
import VRRPTestSupport
import VRRPStatus

/// What the interop tests need on the machine (the one skip policy, `.requires(all:)`).
enum Interop {
    static let requirements = LabRequirement.namespaceLab + [.keepalived, .tool("tshark"), .tool("tcpdump")]
}

/// Two proxies on one LAN: vrrpd on p1 (198.18.0.11), keepalived on p2 (198.18.0.12), and a
/// capture of everything p2 receives (only p1 sends on this LAN, so: every packet vrrpd's host sends).
final class InteropPair: @unchecked Sendable {
    let lab: Lab
    let topology: LabTopology
    let vrrpd: String
    let capture: LabProcess
    let capturePath: String
    private var counter = 0

    init(lab: Lab, proxies: Int = 2) throws {
        self.lab = lab
        topology = try LabTopology(in: lab, proxies: proxies)
        vrrpd = try LabBinaries.vrrpd
        let receiver = topology.proxies[1]
        capturePath = "\(receiver.directory)/incoming.pcap"
        // -Q in: only what arrives at p2, i.e. what p1 (vrrpd's host) sends.
        capture = try lab.spawn(receiver, ["tcpdump", "-i", "eth0", "-Q", "in", "--immediate-mode", "-U", "-n",
                                           "-Z", "root", "-w", capturePath], name: "capture")
        try waitUntil("tcpdump listening on p2", timeout: .seconds(10)) {
            lab.log(capture).contains("listening on")
        }
    }

    var ours: LabHost { topology.proxies[0] }
    var theirs: LabHost { topology.proxies[1] }

    func startOurs(_ instance: LabVRRPInstance, on host: LabHost? = nil) throws -> LabVRRPNode {
        counter += 1
        let host = host ?? ours
        return try lab.startVRRPD(host, binary: vrrpd, config: instance.configuration(routerID: host.name),
                                  tag: "vrrpd-\(counter)")
    }

    func startKeepalived(_ instance: LabVRRPInstance, on host: LabHost? = nil) throws -> LabVRRPNode {
        counter += 1
        let host = host ?? theirs
        return try lab.startKeepalived(host, config: instance.configuration(routerID: host.name),
                                       tag: "keepalived-\(counter)")
    }

    func hasVIP(_ host: LabHost, _ vip: String) -> Bool {
        let plain = vip.split(separator: "/").first.map(String.init) ?? vip
        return ((try? lab.addresses(host, ifname: "eth0")) ?? []).contains { $0.hasPrefix(plain + "/") }
    }

    /// Waits until `master` is MASTER holding the VIP, `backup` is BACKUP without it.
    func expectRoles(master: LabVRRPNode, backup: LabVRRPNode, vip: String, timeout: Duration = .seconds(15),
                     _ what: String, line: Int = #line) throws {
        try waitUntil("\(what): \(master.tag) MASTER with the VIP, \(backup.tag) BACKUP without",
                      timeout: timeout, line: line) {
            master.state() == "MASTER" && backup.state() == "BACKUP"
                && hasVIP(master.host, vip) && !hasVIP(backup.host, vip)
        }
    }

    func expectMaster(_ node: LabVRRPNode, vip: String, timeout: Duration = .seconds(15), _ what: String,
                      line: Int = #line) throws {
        try waitUntil("\(what): \(node.tag) MASTER with the VIP", timeout: timeout, line: line) {
            node.state() == "MASTER" && hasVIP(node.host, vip)
        }
    }

    /// Decodes every captured packet from vrrpd's host with tshark and returns the problems:
    /// malformed packets, bad checksums and every expert warning or error.
    func tsharkProblems() throws -> (packets: Int, vrrp: Int, priorityZero: Int, problems: [String]) {
        lab.signal(capture, SIGINT)
        _ = lab.waitExit(capture, timeout: .seconds(5))
        let tshark = LabRequirement.which("tshark") ?? "tshark"
        let prefs = ["-o", "ip.check_checksum:TRUE", "-o", "vrrp.v3_checksum_as_in_v2:FALSE"]
        func count(_ filter: String) throws -> Int {
            let r = try lab.run(theirs, [tshark, "-n", "-r", capturePath] + prefs + ["-Y", filter, "-T", "fields", "-e", "frame.number"],
                                timeout: .seconds(60))
            return r.stdout.split(separator: "\n").count
        }
        let bad = try lab.run(theirs, [tshark, "-n", "-r", capturePath] + prefs + [
            "-Y", "_ws.malformed || _ws.expert.severity >= \"Warning\" || vrrp.checksum.status == \"Bad\" || ip.checksum.status == \"Bad\" || icmpv6.checksum.status == \"Bad\"",
            "-V"], timeout: .seconds(60))
        var problems: [String] = []
        if !bad.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { problems.append(bad.stdout) }
        if !bad.succeeded { problems.append("tshark failed: \(bad.stderr)") }
        let text = try lab.run(theirs, [tshark, "-n", "-r", capturePath] + prefs, timeout: .seconds(60)).stdout
        for line in text.split(separator: "\n") {
            let lower = line.lowercased()
            if lower.contains("malformed") || lower.contains("incorrect") || lower.contains("bad checksum") {
                problems.append(String(line))
            }
        }
        return (try count("frame"), try count("vrrp"), try count("vrrp.prio == 0"), problems)
    }
}
