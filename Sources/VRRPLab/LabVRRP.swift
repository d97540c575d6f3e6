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
    /// `global_defs` as written (e.g. "vrrp_mcast_group4 224.0.0.19").
    public static func configuration(routerID: String, _ instances: [LabVRRPInstance],
                                     globalLines: [String] = []) -> String {
        "global_defs {\n    router_id \(routerID)\n" + globalLines.map { "    \($0)\n" }.joined() + "}\n\n"
            + instances.map { $0.text + "\n" }.joined(separator: "\n")
    }

    static func format(_ seconds: Double) -> String {
        let centis = Int((seconds * 100).rounded())
        return centis % 100 == 0 ? "\(centis / 100)" : String(format: "%.2f", seconds)
    }
}

/// Which daemon runs a lab VRRP node.
public enum LabVRRPDaemon: String, Sendable, Hashable, CaseIterable {
    case vrrpd, keepalived
}

/// A running VRRP daemon in a lab host, with every path it writes inside the host's directory.
public struct LabVRRPNode: Sendable, Hashable {
    public let daemon: LabVRRPDaemon
    public let host: LabHost
    public let process: LabProcess
    public let configPath: String
    /// vrrpd's status socket (nil for keepalived).
    public let statusSocket: String?
    /// The run's own name, used for its files ("vrrpd-1", "keepalived-2", …).
    public let tag: String
}

extension Lab {
    /// Writes `config` to `host.directory/<tag>.conf` and starts vrrpd there with its own PID
    /// file, status socket (`<tag>.sock`) and dump directory; logs to `<tag>.log`.
    public func startVRRPD(_ host: LabHost, binary: String, config: String, tag: String = "vrrpd",
                           extraArguments: [String] = []) throws -> LabVRRPNode {
        let conf = "\(host.directory)/\(tag).conf"
        try config.write(toFile: conf, atomically: true, encoding: .utf8)
        let socket = "\(host.directory)/\(tag).sock"
        try? FileManager.default.removeItem(atPath: socket)
        let argv = [binary, "-f", conf, "-l", "-p", "\(host.directory)/\(tag).pid",
                    "--status-socket", socket, "--dump-dir", host.directory] + extraArguments
        let process = try spawn(host, argv, name: tag)
        return LabVRRPNode(daemon: .vrrpd, host: host, process: process, configPath: conf,
                           statusSocket: socket, tag: tag)
    }

    /// Writes `config` and starts Debian's keepalived in `host` (`ip netns exec`), VRRP only,
    /// in the foreground, logging to the console only (`-l -D -G`: never to the machine's
    /// syslog), every PID file its own inside `host.directory` so instances never collide
    /// with each other or with a keepalived of the machine.
    public func startKeepalived(_ host: LabHost, config: String, tag: String = "keepalived",
                                binary: String = Lab.keepalivedPath ?? "keepalived") throws -> LabVRRPNode {
        let conf = "\(host.directory)/\(tag).conf"
        try config.write(toFile: conf, atomically: true, encoding: .utf8)
        let d = host.directory
        let argv = [binary, "-n", "-l", "-D", "-G", "-P", "-f", conf,
                    "-p", "\(d)/\(tag).pid", "-r", "\(d)/\(tag)-vrrp.pid",
                    "-c", "\(d)/\(tag)-checkers.pid", "-b", "\(d)/\(tag)-bfd.pid"]
        let process = try spawn(host, argv, name: tag)
        return LabVRRPNode(daemon: .keepalived, host: host, process: process, configPath: conf,
                           statusSocket: nil, tag: tag)
    }

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

    static func lastLoggedState(_ log: String, instance: String) -> String? {
        for line in log.split(separator: "\n").reversed() {
            guard let range = line.range(of: "(\(instance)) Entering ") else { continue }
            let word = line[range.upperBound...].prefix { $0.isLetter }
            if !word.isEmpty { return String(word) }
        }
        return nil
    }
}
