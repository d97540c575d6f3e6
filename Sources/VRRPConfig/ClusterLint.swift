// SPDX-License-Identifier: Apache-2.0
import VRRPCore

/// Cross-node checks over the configurations of one cluster's nodes: the mistakes that no
/// single file shows. Nodes are assumed to share one LAN; instances are matched by VRID and
/// address family (and interface name, when one node has the VRID on several interfaces).
public enum ClusterLint {
    public struct Node: Hashable, Sendable {
        /// How messages name the node (the file name, usually).
        public var name: String
        public var configuration: Configuration
        public init(name: String, configuration: Configuration) {
            self.name = name
            self.configuration = configuration
        }
    }

    /// One node's instance of a virtual router.
    struct Member {
        var node: String
        var instance: InstanceConfiguration
        var label: String { "\(node) \(instance.name)" }
    }

    public static func check(_ nodes: [Node]) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for group in routers(nodes) where Set(group.map(\.node)).count > 1 {
            addressSets(group, &diagnostics)
            masterTies(group, &diagnostics)
            authentication(group, &diagnostics)
            timing(group, &diagnostics)
        }
        addressesAcrossRouters(nodes, &diagnostics)
        return diagnostics
    }

    /// Instances grouped into virtual routers.
    static func routers(_ nodes: [Node]) -> [[Member]] {
        struct Key: Hashable { var vrid: UInt8; var family: AddressFamily; var interface: String? }
        var byVRID: [Key: [Member]] = [:]
        var order: [Key] = []
        for node in nodes {
            for i in node.configuration.instances {
                let key = Key(vrid: i.virtualRouterID, family: i.family, interface: nil)
                if byVRID[key] == nil { order.append(key) }
                byVRID[key, default: []].append(Member(node: node.name, instance: i))
            }
        }
        var groups: [[Member]] = []
        for key in order {
            let members = byVRID[key]!
            let perNode = Dictionary(grouping: members, by: \.node)
            if perNode.values.contains(where: { $0.count > 1 }) {
                // One node has this VRID on several interfaces: those are different LANs.
                var byInterface: [String: [Member]] = [:]
                var interfaces: [String] = []
                for m in members {
                    if byInterface[m.instance.interface] == nil { interfaces.append(m.instance.interface) }
                    byInterface[m.instance.interface, default: []].append(m)
                }
                groups += interfaces.map { byInterface[$0]! }
            } else {
                groups.append(members)
            }
        }
        return groups
    }

    static func routerName(_ group: [Member]) -> String {
        "VRID \(group[0].instance.virtualRouterID) (\(group[0].instance.family))"
    }

    static func list(_ labels: [String]) -> String {
        switch labels.count {
        case 0: ""
        case 1: labels[0]
        default: labels.dropLast().joined(separator: ", ") + " and " + labels.last!
        }
    }

    /// RFC 5798 §5.2.9: every router of one VRID must advertise the same address set;
    /// a backup that sees another set logs it and (keepalived) drops the advertisement.
    static func addressSets(_ group: [Member], _ d: inout [Diagnostic]) {
        var sets: [[IPAddress]: [Member]] = [:]
        var order: [[IPAddress]] = []
        for m in group {
            let set = Array(Set(m.instance.virtualAddresses.map(\.address))).sorted()
            if sets[set] == nil { order.append(set) }
            sets[set, default: []].append(m)
        }
        guard order.count > 1 else { return }
        let parts = order.map { set -> String in
            let members = sets[set]!
            let addresses = set.isEmpty ? "no address" : set.map(\.description).joined(separator: " ")
            return "\(list(members.map(\.label))) \(members.count == 1 ? "has" : "have") \(addresses)"
        }
        d.append(.error(group[0].instance.location,
                        "\(routerName(group)) is configured on several nodes with different virtual addresses: \(parts.joined(separator: "; ")). Every node of one virtual router must list the same virtual_ipaddress; give a different address set its own virtual_router_id"))
    }

    static func masterTies(_ group: [Member], _ d: inout [Diagnostic]) {
        let masters = group.filter { $0.instance.initialState == .master }
        let byPriority = Dictionary(grouping: masters, by: \.instance.priority)
        for priority in byPriority.keys.sorted() {
            let tied = byPriority[priority]!
            guard Set(tied.map(\.node)).count > 1 else { continue }
            d.append(.warning(tied[0].instance.location,
                              "\(routerName(group)): \(list(tied.map(\.label))) all start as MASTER with priority \(priority), so no node is the designated backup: give the intended master a higher priority (e.g. `priority \(min(Int(priority) + 50, 254))`) and write `state BACKUP` on the others"))
        }
    }

    static func authentication(_ group: [Member], _ d: inout [Diagnostic]) {
        func kind(_ a: Authentication) -> String {
            switch a {
            case .none: "none"
            case .password: "PASS"
            case .ipAH: "AH"
            }
        }
        let kinds = Dictionary(grouping: group, by: { kind($0.instance.authentication) })
        if kinds.count > 1 {
            let parts = kinds.keys.sorted().map { "\(list(kinds[$0]!.map(\.label))): \($0)" }
            d.append(.error(group[0].instance.location,
                            "\(routerName(group)): authentication types differ (\(parts.joined(separator: "; "))), so the nodes drop each other's advertisements: use the same authentication block on every node"))
            return
        }
        let passwords = Set(group.map(\.instance.authentication))
        if passwords.count > 1 {
            d.append(.error(group[0].instance.location,
                            "\(routerName(group)): auth_pass differs between \(list(group.map(\.label))), so the nodes drop each other's advertisements: use the same auth_pass on every node"))
        }
    }

    static func timing(_ group: [Member], _ d: inout [Diagnostic]) {
        let versions = Dictionary(grouping: group, by: \.instance.version)
        if versions.count > 1 {
            let parts = versions.keys.sorted { $0.rawValue < $1.rawValue }.map { "\(list(versions[$0]!.map(\.label))): \($0)" }
            d.append(.error(group[0].instance.location,
                            "\(routerName(group)): VRRP versions differ (\(parts.joined(separator: "; "))): write the same `version` on every node"))
        }
        let intervals = Dictionary(grouping: group, by: \.instance.advertisementInterval)
        if intervals.count > 1 {
            let parts = intervals.keys.sorted().map { "\(list(intervals[$0]!.map(\.label))): \(Double($0.value) / 100) s" }
            d.append(.error(group[0].instance.location,
                            "\(routerName(group)): advert_int differs (\(parts.joined(separator: "; "))); RFC 3768 §7.1 drops advertisements with another interval: write the same advert_int on every node"))
        }
    }

    /// One address, two virtual routers: both masters would answer ARP for it.
    static func addressesAcrossRouters(_ nodes: [Node], _ d: inout [Diagnostic]) {
        var claims: [IPAddress: [Member]] = [:]
        var order: [IPAddress] = []
        for node in nodes {
            for i in node.configuration.instances {
                for a in Set(i.virtualAddresses.map(\.address)) {
                    if claims[a] == nil { order.append(a) }
                    claims[a, default: []].append(Member(node: node.name, instance: i))
                }
            }
        }
        for address in order {
            let members = claims[address]!
            let vrids = Set(members.map(\.instance.virtualRouterID))
            guard vrids.count > 1 else { continue }
            let parts = vrids.sorted().map { vrid in
                "VRID \(vrid) (\(list(members.filter { $0.instance.virtualRouterID == vrid }.map(\.label))))"
            }
            d.append(.error(members[0].instance.location,
                            "\(address) is claimed by \(list(parts)): two virtual routers would both own it; keep each address in one virtual router"))
        }
    }
}
