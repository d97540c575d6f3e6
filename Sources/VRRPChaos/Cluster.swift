// SPDX-License-Identifier: Apache-2.0
import Foundation
import VRRPLab
import VRRPStatus

/// One VRRP node of a chaos cluster: a lab host running `vrrpd` with its own config, status
/// socket and track files.
public final class ChaosNode: @unchecked Sendable {
    public let host: LabHost
    public let priority: Int
    /// The track file whose value flips this node's priority (weight -120).
    public let flapFile: String
    /// The track file that puts this node in FAULT when non-zero (weight 0).
    public let faultFile: String
    public let configPath: String
    public let socketPath: String
    /// The running daemon (VRRPLab's node), nil while stopped. Only the chaos driver changes it.
    public internal(set) var daemon: LabVRRPNode?
    /// The running daemon's process, nil while stopped.
    public var process: LabProcess? { daemon?.process }
    /// How many daemons this node has run (log names).
    var generation = 0

    init(host: LabHost, priority: Int) {
        self.host = host
        self.priority = priority
        flapFile = "\(host.directory)/flap"
        faultFile = "\(host.directory)/fault"
        configPath = "\(host.directory)/keepalived.conf"
        socketPath = "\(host.directory)/vrrpd.sock"
    }

    public var name: String { host.name }
}

/// The cluster settings shared by every node.
public struct ClusterSettings: Sendable {
    public var vip = "198.18.0.100"
    public var vrid = 51
    /// VRRP version and advertisement interval in seconds (v3 allows fractions).
    public var version = 3
    public var advertInterval = 0.2
    public var priorities = [150, 100, 50]
    /// v2 only: the PASS password, nil for none.
    public var password: String?
    /// `higher_prio_send_advert`: a Master yielding to a better one first sends one advert, so
    /// the winner learns there were two masters and re-announces the VIP (gratuitous ARP,
    /// `garp_lower_prio_repeat`). Without it, a healed partition can leave clients on the
    /// loser's MAC until their ARP entry expires (seconds).
    public var higherPrioritySendAdvert = true

    public init() {}

    /// RFC 5798 §6.1: Master_Down_Interval = 3 × Advertisement_Interval + Skew_Time, with
    /// Skew_Time = ((256 − priority) × Advertisement_Interval) / 256; the lowest priority's.
    public var masterDownInterval: Double {
        let lowest = Double(priorities.min() ?? 1)
        return 3 * advertInterval + (256 - lowest) * advertInterval / 256
    }
}

/// Three (or N) `vrrpd` daemons on one lab LAN with a client host, started and stopped by PID.
public final class ChaosCluster: @unchecked Sendable {
    public let lab: Lab
    public let topology: LabTopology
    public let settings: ClusterSettings
    public let nodes: [ChaosNode]
    public let vrrpd: String
    /// Extra argv put in front of vrrpd for one node (e.g. valgrind), by node name.
    public var wrappers: [String: [String]] = [:]
    /// Another vrrpd executable for one node, by node name.
    public var binaries: [String: String] = [:]

    public init(lab: Lab, settings: ClusterSettings, vrrpd: String) throws {
        self.lab = lab
        self.settings = settings
        self.vrrpd = vrrpd
        topology = try LabTopology(in: lab, proxies: settings.priorities.count)
        nodes = zip(topology.proxies, settings.priorities).map { ChaosNode(host: $0, priority: $1) }
        for node in nodes {
            try "0\n".write(toFile: node.flapFile, atomically: true, encoding: .utf8)
            try "0\n".write(toFile: node.faultFile, atomically: true, encoding: .utf8)
            try config(for: node).write(toFile: node.configPath, atomically: true, encoding: .utf8)
        }
    }

    public var client: LabHost { topology.client }

    /// The keepalived.conf of `node`: VI_1 tracking its flap file (weight -120) and fault
    /// file (weight 0).
    public func config(for node: ChaosNode) -> String {
        let s = settings
        var instance = LabVRRPInstance()
        instance.vrid = s.vrid
        instance.version = s.version
        instance.priority = node.priority
        // VRRPv2 advertises whole seconds (RFC 3768 §5.3.7).
        instance.advertInterval = s.version == 2 ? s.advertInterval.rounded(.up) : s.advertInterval
        instance.password = s.password
        instance.virtualAddresses = ["\(s.vip)/32"]
        instance.trackFiles = ["flap", "fault"]
        instance.extraLines = s.higherPrioritySendAdvert ? ["higher_prio_send_advert"] : []
        return LabVRRPInstance.configuration(routerID: node.name, [instance], blocks: [
            LabVRRPInstance.trackFile("flap", path: node.flapFile, weight: -120),
            LabVRRPInstance.trackFile("fault", path: node.faultFile, weight: 0),
        ])
    }

    /// Starts the node's daemon through VRRPLab and waits (up to `timeout`) until its status
    /// socket answers.
    public func start(_ node: ChaosNode, timeout: Duration = .seconds(60)) throws {
        precondition(node.daemon == nil, "\(node.name) already runs a daemon")
        node.generation += 1
        var options = LabVRRPDOptions(tag: "vrrpd-\(node.generation)", arguments: ["-l", "-n"], waitForStatus: timeout)
        options.binary = binaries[node.name] ?? vrrpd
        options.wrapper = wrappers[node.name] ?? []
        options.configPath = node.configPath
        options.statusSocket = node.socketPath
        options.pidPath = "\(node.host.directory)/vrrpd.pid"
        node.daemon = try lab.startVRRPD(node.host, config: config(for: node), options: options)
    }

    /// SIGTERM (graceful) and wait for the exit status (SIGKILL after 10 s).
    @discardableResult
    public func terminate(_ node: ChaosNode) -> Int32? {
        let status = node.daemon?.stop(grace: .seconds(10))
        node.daemon = nil
        return status
    }

    /// SIGKILL: the daemon gets no chance to clean up.
    public func kill(_ node: ChaosNode) {
        try? node.daemon?.crash()
        node.daemon = nil
    }

    /// The node's instance as its status socket reports it.
    public func status(_ node: ChaosNode) throws -> InstanceSnapshot {
        guard let daemon = node.daemon else { throw ChaosError.unexpected("\(node.name) runs no daemon") }
        guard let instance = try daemon.snapshot().instances.first else {
            throw ChaosError.unexpected("\(node.name): status without an instance")
        }
        return instance
    }

    /// True when the VIP is configured on the node's eth0 (the kernel's view).
    public func hasVIP(_ node: ChaosNode) throws -> Bool {
        try lab.addresses(node.host, ifname: "eth0").contains { $0.hasPrefix(settings.vip + "/") }
    }

    /// Writes a track file atomically (rename), so the daemon never reads half a value.
    public static func write(_ value: Int, to path: String) throws {
        try "\(value)\n".write(toFile: path, atomically: true, encoding: .utf8)
    }
}

public enum ChaosError: Error, CustomStringConvertible {
    case daemonExited(String, log: String)
    case unexpected(String)
    case notSupported(String)

    public var description: String {
        switch self {
        case .daemonExited(let node, let log):
            "the daemon on \(node) exited; its log ends with:\n\(log.split(separator: "\n").suffix(15).joined(separator: "\n"))"
        case .unexpected(let what): what
        case .notSupported(let why): why
        }
    }
}
