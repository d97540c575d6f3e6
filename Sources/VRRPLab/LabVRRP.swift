// SPDX-License-Identifier: Apache-2.0
import Foundation

/// One VRRP instance as both vrrpd and keepalived read it: the same keepalived.conf text
/// works for either daemon, so interop tests and `vrrp-lab` render it once.
public struct LabVRRPInstance: Sendable, Hashable {
    public var name = "VI_1"
    public var interface = "eth0"
    public var vrid = 51
    public var priority = 100
    /// Seconds (0.01 steps for v3; whole seconds for v2).
    public var advertInterval = 1.0
    /// nil: no `version` line (the daemon's default, 2 as in keepalived).
    public var version: Int? = 3
    /// PASS authentication (VRRPv2 only, RFC 2338 §5.3.6.1); nil: none.
    public var password: String?
    /// CIDR, e.g. "198.18.0.100/24" or "2001:db8::100/64".
    public var virtualAddresses: [String] = ["198.18.0.100/24"]
    /// Non-empty: unicast to these peers (from `unicastSource`) instead of multicast.
    public var unicastPeers: [String] = []
    public var unicastSource: String?
    public var preempt = true
    /// keepalived's `state` keyword: the initial wish, "BACKUP" or "MASTER".
    public var initialState = "BACKUP"
    /// false: the virtual addresses without `dev` (the daemon puts them on `interface`).
    public var addressDevice = true
    /// `track_script`, `track_file`, `track_interface` and `track_process` entries, each as
    /// written ("chk_nginx", "chk_nginx weight -20"); the tracked items themselves are
    /// top-level blocks (`LabVRRPInstance.trackFile`, `.script`, or text of your own).
    public var trackScripts: [String] = []
    public var trackFiles: [String] = []
    public var trackInterfaces: [String] = []
    public var trackProcesses: [String] = []
    /// `notify_master`, `notify_backup`, `notify_fault`, `notify_stop` and `notify` scripts
    /// (a command line, quoted in the file); nil: none.
    public var notifyMaster: String?
    public var notifyBackup: String?
    public var notifyFault: String?
    public var notifyStop: String?
    public var notify: String?
    /// More keyword lines for the block, as written (e.g. "mcast_dst_ip 224.0.0.19", "no_accept").
    public var extraLines: [String] = []

    public init() {}

    /// The `vrrp_instance` block.
    public var text: String {
        var lines = ["vrrp_instance \(name) {",
                     "    state \(initialState)",
                     "    interface \(interface)",
                     "    virtual_router_id \(vrid)",
                     "    priority \(priority)",
                     "    advert_int \(LabVRRPInstance.format(advertInterval))"]
        if let version { lines.append("    version \(version)") }
        if !preempt { lines.append("    nopreempt") }
        if let password {
            lines += ["    authentication {", "        auth_type PASS", "        auth_pass \(password)", "    }"]
        }
        if let unicastSource { lines.append("    unicast_src_ip \(unicastSource)") }
        if !unicastPeers.isEmpty {
            lines.append("    unicast_peer {")
            lines += unicastPeers.map { "        \($0)" }
            lines.append("    }")
        }
        for (keyword, items) in [("track_script", trackScripts), ("track_file", trackFiles),
                                 ("track_interface", trackInterfaces), ("track_process", trackProcesses)]
        where !items.isEmpty {
            lines.append("    \(keyword) {")
            lines += items.map { "        \($0)" }
            lines.append("    }")
        }
        for (keyword, script) in [("notify_master", notifyMaster), ("notify_backup", notifyBackup),
                                  ("notify_fault", notifyFault), ("notify_stop", notifyStop), ("notify", notify)] {
            if let script { lines.append("    \(keyword) \"\(script)\"") }
        }
        lines += extraLines.map { "    " + $0 }
        lines.append("    virtual_ipaddress {")
        lines += virtualAddresses.map { addressDevice ? "        \($0) dev \(interface)" : "        \($0)" }
        lines += ["    }", "}"]
        return lines.joined(separator: "\n")
    }

    /// A whole keepalived.conf for `routerID` with this instance.
    public func configuration(routerID: String) -> String {
        LabVRRPInstance.configuration(routerID: routerID, [self])
    }

    /// A whole keepalived.conf for `routerID` with these instances; `globalLines` go into
    /// `global_defs` as written (e.g. "vrrp_mcast_group4 224.0.0.19"), `blocks` (tracked
    /// scripts, files and checks, sync groups) between `global_defs` and the instances.
    public static func configuration(routerID: String, _ instances: [LabVRRPInstance],
                                     globalLines: [String] = [], blocks: [String] = []) -> String {
        "global_defs {\n    router_id \(routerID)\n" + globalLines.map { "    \($0)\n" }.joined() + "}\n\n"
            + blocks.map { $0 + "\n\n" }.joined()
            + instances.map { $0.text + "\n" }.joined(separator: "\n")
    }

    /// A `vrrp_track_file NAME { file PATH; weight W }` block.
    public static func trackFile(_ name: String, path: String, weight: Int? = nil) -> String {
        "vrrp_track_file \(name) {\n    file \(path)\n" + (weight.map { "    weight \($0)\n" } ?? "") + "}"
    }

    /// A `vrrp_sync_group NAME { group { MEMBERS } }` block.
    public static func syncGroup(_ name: String, _ members: [String]) -> String {
        "vrrp_sync_group \(name) {\n    group {\n" + members.map { "        \($0)\n" }.joined() + "    }\n}"
    }

    /// A `vrrp_script NAME { script "…"; interval; timeout; fall; rise; weight }` block; nil
    /// settings are left out (keepalived's defaults).
    public static func script(_ name: String, _ command: String, interval: Double? = nil, timeout: Double? = nil,
                              fall: Int? = nil, rise: Int? = nil, weight: Int? = nil,
                              extraLines: [String] = []) -> String {
        var lines = ["vrrp_script \(name) {", "    script \"\(command)\""]
        if let interval { lines.append("    interval \(format(interval))") }
        if let timeout { lines.append("    timeout \(format(timeout))") }
        if let fall { lines.append("    fall \(fall)") }
        if let rise { lines.append("    rise \(rise)") }
        if let weight { lines.append("    weight \(weight)") }
        lines += extraLines.map { "    " + $0 }
        lines.append("}")
        return lines.joined(separator: "\n")
    }

    static func format(_ seconds: Double) -> String {
        let centis = Int((seconds * 100).rounded())
        return centis % 100 == 0 ? "\(centis / 100)" : String(format: "%.2f", seconds)
    }
}

/// Which daemon runs a lab VRRP node.
public enum LabVRRPDaemon: String, Sendable, Hashable, CaseIterable, Codable {
    case vrrpd, keepalived
}

/// A running VRRP daemon in a lab host, with every path it writes (settable at start,
/// `LabVRRPDOptions`). Its methods (status, waits, crash, stop) live in LabVRRPNode+Control.swift.
public struct LabVRRPNode: Sendable, Hashable, CustomStringConvertible {
    public let lab: Lab
    public let daemon: LabVRRPDaemon
    public let host: LabHost
    public let process: LabProcess
    public let configPath: String
    /// vrrpd's status socket (nil for keepalived).
    public let statusSocket: String?
    public let pidPath: String
    /// keepalived's VRRP child's PID file (nil for vrrpd, which is one process).
    public let childPIDPath: String?
    /// vrrpd's `--dump-dir` (nil for keepalived).
    public let dumpDirectory: String?
    /// The run's own name, used for its files ("vrrpd-1", "keepalived-2", …).
    public let tag: String

    public var description: String { "\(tag) (pid \(process.pid)) on \(host.name)" }

    public static func == (a: LabVRRPNode, b: LabVRRPNode) -> Bool {
        a.process == b.process && a.tag == b.tag && a.lab === b.lab
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(process)
        hasher.combine(tag)
    }
}

extension Lab {
    /// Where keepalived is installed, if it is.
    public static var keepalivedPath: String? {
        ["/usr/sbin/keepalived", "/usr/local/sbin/keepalived", "/sbin/keepalived"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// The state keepalived (or vrrpd, which logs the same words) last logged for `instance`:
    /// "MASTER", "BACKUP", "FAULT", "INIT", or nil before the first transition.
    public func loggedState(_ node: LabVRRPNode, instance: String = "VI_1") -> String? {
        Lab.lastLoggedState(log(node.process), instance: instance)
    }

    /// How many times `instance` logged "Entering STATE STATE".
    public func loggedTransitions(_ node: LabVRRPNode, to state: String, instance: String = "VI_1") -> Int {
        log(node.process).split(separator: "\n").filter {
            $0.contains("(\(instance)) Entering \(state) STATE")
        }.count
    }

    /// The state a keepalived (or vrrpd) log last reports for `instance` ("… (VI_1) Entering
    /// MASTER STATE"), nil before the first transition.
    public static func lastLoggedState(_ log: String, instance: String) -> String? {
        for line in log.split(separator: "\n").reversed() {
            guard let range = line.range(of: "(\(instance)) Entering ") else { continue }
            let word = line[range.upperBound...].prefix { $0.isLetter }
            if !word.isEmpty { return String(word) }
        }
        return nil
    }
}
