// SPDX-License-Identifier: Apache-2.0
import VRRPCore

/// Checks across blocks, each a small named rule over the built configuration.
/// Rules may adjust the configuration where keepalived does (moving other-family addresses).
enum ConfigurationValidator {
    static func validate(_ configuration: inout Configuration, diagnostics: inout [Diagnostic]) {
        uniqueInstanceNames(configuration, &diagnostics)
        addressFamilies(&configuration, &diagnostics)
        uniqueRouterIDs(configuration, &diagnostics)
        trackedNamesExist(&configuration, &diagnostics)
        ownInterfaceNotTracked(&configuration, &diagnostics)
        syncGroupMembers(configuration, &diagnostics)
        unicast(configuration, &diagnostics)
        virtualAddressesPresent(configuration, &diagnostics)
    }

    /// keepalived 2.2.7 (vrrp.c `vrrp_complete_instance`): a track_interface entry naming the
    /// instance's own interface is removed with a config error; the own interface is tracked
    /// anyway (unless dont_track_primary), so a weight given to it is not used.
    static func ownInterfaceNotTracked(_ c: inout Configuration, _ d: inout [Diagnostic]) {
        for index in c.instances.indices {
            let i = c.instances[index]
            for t in i.trackInterfaces where t.name == i.interface {
                d.append(.correction(t.location ?? i.location, "track_interface \(t.name) is the instance's own interface; ignored, as keepalived ignores it (the own interface is tracked anyway): remove the line"))
            }
            c.instances[index].trackInterfaces.removeAll { $0.name == i.interface }
        }
    }

    static func uniqueInstanceNames(_ c: Configuration, _ d: inout [Diagnostic]) {
        var seen: [String: SourceLocation] = [:]
        for i in c.instances {
            if let first = seen[i.name] {
                d.append(.error(i.location, "vrrp_instance \(i.name) is already defined at \(first): rename one of them"))
            } else {
                seen[i.name] = i.location
            }
        }
    }

    /// RFC 5798 §5.2.9 / RFC 3768 §5.3.9: one advertisement carries one family.
    /// v2 (IPv4 only in RFC 3768) refuses a mix; for v3 keepalived moves the other family's
    /// addresses to virtual_ipaddress_excluded, and so do we.
    static func addressFamilies(_ c: inout Configuration, _ d: inout [Diagnostic]) {
        for index in c.instances.indices {
            let i = c.instances[index]
            guard let family = i.virtualAddresses.first?.address.family else { continue }
            let others = i.virtualAddresses.filter { $0.address.family != family }
            guard !others.isEmpty else { continue }
            let list = others.map(\.description).joined(separator: ", ")
            if i.version == .v2 {
                // The builder drops them (with a located correction), as keepalived does.
                continue
            } else {
                d.append(.warning(i.location, "vrrp_instance \(i.name): \(list) are not \(family) like the first address; moved to virtual_ipaddress_excluded (not advertised). Put them in a separate instance to advertise them"))
                c.instances[index].virtualAddresses.removeAll { $0.address.family != family }
                c.instances[index].excludedVirtualAddresses += others
            }
        }
    }

    /// Two instances on one interface and family cannot share a VRID (RFC 5798 §7.3: the VRID
    /// selects the virtual MAC 00-00-5E-00-01-{VRID}).
    static func uniqueRouterIDs(_ c: Configuration, _ d: inout [Diagnostic]) {
        struct Key: Hashable { var interface: String; var family: AddressFamily; var vrid: UInt8 }
        var seen: [Key: InstanceConfiguration] = [:]
        for i in c.instances where !i.interface.isEmpty && i.virtualRouterID != 0 {
            let key = Key(interface: i.interface, family: i.family, vrid: i.virtualRouterID)
            if let first = seen[key] {
                d.append(.error(i.location, "virtual_router_id \(i.virtualRouterID) is already used on \(i.interface) for \(i.family) by \(first.name) at \(first.location): give \(i.name) another virtual_router_id"))
            } else {
                seen[key] = i
            }
        }
    }

    /// keepalived: "(VI_1) track script NAME not found, ignoring..." and runs without it; so
    /// does vrrpd, with the error at the name's own line.
    static func trackedNamesExist(_ c: inout Configuration, _ d: inout [Diagnostic]) {
        let checks = Set(c.scripts.map(\.name) + c.nativeChecks.map(\.name))
        let files = Set(c.trackFiles.map(\.name))
        let processes = Set(c.trackProcesses.map(\.name))
        func check(_ owner: String, _ at: SourceLocation, _ tracked: inout [TrackedObject], _ known: Set<String>, _ kind: String, _ block: String) {
            for t in tracked where !known.contains(t.name) {
                d.append(.correction(t.location ?? at, "\(owner) tracks \(kind) \(t.name), which is not defined; not tracked, as keepalived ignores it: add `\(block) \(t.name) { ... }` or fix the name\(known.isEmpty ? "" : " (defined: \(known.sorted().joined(separator: ", ")))")"))
            }
            tracked.removeAll { !known.contains($0.name) }
        }
        for k in c.instances.indices {
            let owner = "vrrp_instance \(c.instances[k].name)"
            let at = c.instances[k].location
            check(owner, at, &c.instances[k].trackScripts, checks, "script", "vrrp_script")
            check(owner, at, &c.instances[k].trackFiles, files, "file", "vrrp_track_file")
            check(owner, at, &c.instances[k].trackProcesses, processes, "process", "vrrp_track_process")
        }
        for k in c.syncGroups.indices {
            let owner = "vrrp_sync_group \(c.syncGroups[k].name)"
            let at = c.syncGroups[k].location
            check(owner, at, &c.syncGroups[k].trackScripts, checks, "script", "vrrp_script")
            check(owner, at, &c.syncGroups[k].trackFiles, files, "file", "vrrp_track_file")
        }
    }

    static func syncGroupMembers(_ c: Configuration, _ d: inout [Diagnostic]) {
        let names = Set(c.instances.map(\.name))
        var owner: [String: String] = [:]
        for g in c.syncGroups {
            for member in g.instances {
                if !names.contains(member) {
                    d.append(.error(g.location, "vrrp_sync_group \(g.name) names \(member), which is not a vrrp_instance: fix the name or define the instance"))
                } else if let other = owner[member] {
                    d.append(.error(g.location, "vrrp_instance \(member) is in both vrrp_sync_group \(other) and \(g.name): keep it in one group"))
                } else {
                    owner[member] = g.name
                }
            }
            if g.instances.count == 1 {
                d.append(.warning(g.location, "vrrp_sync_group \(g.name) has a single instance; a group needs two to synchronise anything"))
            }
        }
    }

    static func unicast(_ c: Configuration, _ d: inout [Diagnostic]) {
        for i in c.instances {
            if c.globals.vrrpStrict, !i.unicastPeers.isEmpty {
                d.append(.error(i.location, "vrrp_instance \(i.name) uses unicast_peer, which vrrp_strict forbids (RFC 5798 sends to the multicast group): remove vrrp_strict or unicast_peer"))
            }
            for peer in i.unicastPeers where peer.family != i.family {
                d.append(.error(i.location, "vrrp_instance \(i.name): unicast peer \(peer) is \(peer.family) but the instance is \(i.family): list peers of the instance's family"))
            }
            if let src = i.unicastSourceAddress, src.family != i.family {
                d.append(.error(i.location, "vrrp_instance \(i.name): unicast_src_ip \(src) is \(src.family) but the instance is \(i.family)"))
            }
        }
    }

    static func virtualAddressesPresent(_ c: Configuration, _ d: inout [Diagnostic]) {
        for i in c.instances where i.virtualAddresses.isEmpty {
            d.append(.warning(i.location, "vrrp_instance \(i.name) has no virtual_ipaddress: it will elect a master but move no address"))
        }
    }
}
