// SPDX-License-Identifier: Apache-2.0
import Foundation
import Synchronization
import VRRPCore

/// A network-namespace lab: LANs (a bridge in its own "switch" namespace), hosts (a namespace
/// each, with `eth0`, `eth1`, … cabled to LANs by veth pairs), and the processes run in them.
///
/// Everything the lab creates carries its per-run `prefix` (by default `vl<pid>-<hex>`, so a
/// later run can tell whether the owner is dead, see `cleanupStale`). The lab never touches the
/// root namespace's interfaces or routes, signals only the PIDs it started (and, in teardown,
/// the PIDs still inside its own namespaces), and `teardown()` undoes everything.
/// Needs root (`Lab.isSupported`). Thread-safe: state sits behind a lock.
public final class Lab: Sendable {
    /// The per-run prefix of every namespace name.
    public let prefix: String
    /// The lab directory; each host gets `directory/<host>/`.
    public let directory: String
    /// Leave `directory` (logs, captures) in place after teardown. Also on when the
    /// environment variable `VRRPLAB_KEEP=1` is set.
    public let keepDirectory: Bool
    /// How long teardown waits after SIGTERM before SIGKILL.
    public let terminationGrace: Duration

    let commands: Commands
    let state = Mutex(State())

    struct State: Sendable {
        var namespaces: [String] = []
        var lans: [String: LabLAN] = [:]
        var hosts: [String: LabHost] = [:]
        /// Spawned and not yet reaped.
        var running: [Int32: LabProcess] = [:]
        /// Reaped: pid → shell-style status.
        var exited: [Int32: Int32] = [:]
        var tornDown = false
    }

    /// The prefix of generated lab prefixes; `cleanupStale` looks for it.
    public static let generatedPrefixStart = "vl"

    /// True when this process can build labs: root, with `ip` installed.
    public static var isSupported: Bool { geteuid() == 0 && Commands.findIP() != nil }

    /// Creates the lab directory. With `prefix` nil a unique one is generated
    /// (`vl<pid>-<4 hex>`) and namespaces left by dead earlier runs are removed first.
    public init(prefix: String? = nil, root: String = "/tmp", keepDirectory: Bool = false,
                terminationGrace: Duration = .seconds(2)) throws {
        guard let ip = Commands.findIP() else {
            throw LabError.unexpectedOutput("the `ip` command (iproute2) is not installed")
        }
        if let prefix {
            try Lab.validate(prefix, what: "prefix", maxLength: 24)
            self.prefix = prefix
        } else {
            self.prefix = "\(Lab.generatedPrefixStart)\(getpid())-\(String(UInt16.random(in: 0x1000...0xffff), radix: 16))"
        }
        self.directory = "\(root)/vrrplab-\(self.prefix)"
        self.keepDirectory = keepDirectory || ProcessInfo.processInfo.environment["VRRPLAB_KEEP"] == "1"
        self.terminationGrace = terminationGrace
        self.commands = Commands(ip: ip, scratch: "\(directory)/.cmd")
        if prefix == nil { Lab.cleanupStale() }
        try FileManager.default.createDirectory(atPath: commands.scratch, withIntermediateDirectories: true)
    }

    deinit { teardown() }

    // MARK: Topology

    /// Adds a LAN: a new namespace `<prefix>-s-<name>` holding bridge `br0` (no STP, no
    /// forward delay, no multicast snooping, no IPv6 on the switch itself).
    @discardableResult
    public func addLAN(_ name: String) throws -> LabLAN {
        try Lab.validate(name, what: "LAN name", maxLength: 15)
        let lan = LabLAN(name: name, namespace: "\(prefix)-s-\(name)", bridge: "br0")
        try claim(namespace: lan.namespace) { state in
            guard state.lans[name] == nil else { throw LabError.duplicate("LAN \(name)") }
            state.lans[name] = lan
        }
        try commands.ip("netns", "add", lan.namespace)
        try commands.sysctl(in: lan.namespace, [
            "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1",
        ])
        try commands.ip("-n", lan.namespace, "link", "set", "dev", "lo", "up")
        try commands.ip("-n", lan.namespace, "link", "add", lan.bridge, "type", "bridge",
                        "stp_state", "0", "forward_delay", "0", "mcast_snooping", "0")
        try commands.ip("-n", lan.namespace, "link", "set", "dev", lan.bridge, "up")
        return lan
    }

    /// Adds a host: namespace `<prefix>-h-<name>`, directory `directory/<name>/`, `lo` up, and
    /// per LAN `i` an interface `eth<i>` whose veth peer (named after the host) is a port of
    /// that LAN's bridge. `ipv4[i]` / `ipv6[i]` (CIDR, lab ranges only) go on `eth<i>`.
    /// IPv6 DAD is off and addresses survive a link down, so they are usable at once; returns
    /// after every interface has its link-local address.
    @discardableResult
    public func addHost(_ name: String, on lans: [LabLAN], ipv4: [String], ipv6: [String] = []) throws -> LabHost {
        try Lab.validate(name, what: "host name", maxLength: 15)
        guard !["br0", "lo"].contains(name) else {
            throw LabError.invalidName(name, reason: "reserved interface name")
        }
        guard ipv4.count <= lans.count, ipv6.count <= lans.count else {
            throw LabError.invalidName(name, reason: "more addresses than LANs (one per LAN, in LAN order)")
        }
        for cidr in ipv4 { try Lab.checkLabAddress(cidr, family: .ipv4) }
        for cidr in ipv6 { try Lab.checkLabAddress(cidr, family: .ipv6) }

        let namespace = "\(prefix)-h-\(name)"
        let interfaces = lans.enumerated().map { i, lan in
            LabInterface(name: "eth\(i)", lan: lan, port: name,
                         ipv4: i < ipv4.count ? [ipv4[i]] : [], ipv6: i < ipv6.count ? [ipv6[i]] : [])
        }
        let host = LabHost(name: name, namespace: namespace, directory: "\(directory)/\(name)",
                           interfaces: interfaces)
        try claim(namespace: namespace) { state in
            guard state.hosts[name] == nil else { throw LabError.duplicate("host \(name)") }
            state.hosts[name] = host
        }
        try FileManager.default.createDirectory(atPath: host.directory, withIntermediateDirectories: true)
        try commands.ip("netns", "add", namespace)
        try commands.sysctl(in: namespace, [
            "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
            "net.ipv6.conf.all.keep_addr_on_down=1", "net.ipv6.conf.default.keep_addr_on_down=1",
        ])
        try commands.ip("-n", namespace, "link", "set", "dev", "lo", "up")
        for interface in interfaces {
            let lan = interface.lan
            try commands.ip("-n", namespace, "link", "add", interface.name, "type", "veth",
                            "peer", "name", interface.port, "netns", lan.namespace)
            try commands.ip("-n", lan.namespace, "link", "set", "dev", interface.port,
                            "master", lan.bridge, "up")
            for cidr in interface.ipv4 {
                try commands.ip("-n", namespace, "addr", "add", cidr, "dev", interface.name)
            }
            for cidr in interface.ipv6 {
                try commands.ip("-n", namespace, "addr", "add", cidr, "dev", interface.name, "nodad")
            }
            try commands.ip("-n", namespace, "link", "set", "dev", interface.name, "up")
        }
        for interface in interfaces {
            try waitUntil("link-local address on \(name) \(interface.name)", timeout: .seconds(10)) {
                try addresses(host, ifname: interface.name).contains { $0.hasPrefix("fe80:") }
            }
        }
        return host
    }

    /// The hosts and LANs added so far.
    public var hosts: [LabHost] { state.withLock { Array($0.hosts.values) }.sorted { $0.name < $1.name } }
    public var lans: [LabLAN] { state.withLock { Array($0.lans.values) }.sorted { $0.name < $1.name } }

    /// Records `namespace` before creating it, so teardown removes it even if creation fails halfway.
    private func claim(namespace: String, _ update: (inout State) throws -> Void) throws {
        try state.withLock { state in
            guard !state.tornDown else { throw LabError.tornDown }
            try update(&state)
            state.namespaces.append(namespace)
        }
    }

    static func validate(_ name: String, what: String, maxLength: Int) throws {
        guard !name.isEmpty, name.count <= maxLength else {
            throw LabError.invalidName(name, reason: "\(what) must have 1 to \(maxLength) characters")
        }
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first),
              name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" })
        else {
            throw LabError.invalidName(name, reason: "\(what) must be lower-case letters, digits and '-', starting with a letter")
        }
    }

    /// Lab addresses come only from 198.18.0.0/15 and 2001:db8::/32.
    static func checkLabAddress(_ cidr: String, family: AddressFamily) throws {
        let parts = cidr.split(separator: "/")
        guard parts.count == 2, let length = Int(parts[1]), let address = IPAddress(parts[0]),
              address.family == family else {
            throw LabError.invalidName(cidr, reason: "expected an \(family) address in CIDR form")
        }
        let inRange: Bool
        switch address {
        case .v4(let a): inRange = a.value >> 17 == IPv4Address(198, 18, 0, 0).value >> 17 && length <= 32
        case .v6(let a): inRange = a.high >> 32 == 0x2001_0db8 && length <= 128
        }
        guard inRange else {
            throw LabError.invalidName(cidr, reason: "lab addresses must be in 198.18.0.0/15 or 2001:db8::/32")
        }
    }
}
