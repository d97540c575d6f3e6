// SPDX-License-Identifier: Apache-2.0
import VRRPConfig
import VRRPCore

extension Daemon {
    /// Derives what the runtime needs from the validated configuration.
    func buildSettings(_ c: Configuration) throws -> [InstanceSettings] {
        InstanceSettings.uniqueVirtualMACNames(zip(c.instances, c.instances.map { InstanceSettings(c, $0) }).map { $0 })
    }
}

extension InstanceSettings {
    init(_ c: Configuration, _ i: InstanceConfiguration) {
        let g = c.globals
        let family = i.family
        let unicast = !i.unicastPeers.isEmpty
        func spec(_ v: VirtualAddress) -> VirtualAddressSpec {
            VirtualAddressSpec(address: v.address, prefix: v.prefix, device: v.dev ?? i.interface, label: v.label,
                               scope: Self.scope(v.scope, address: v.address), broadcast: v.broadcast)
        }
        // RFC 5798 §5.1.1.2, §5.1.2.2: 224.0.0.18 / ff02::12, unless the configuration names
        // another group (keepalived `mcast_dst_ip`, else `vrrp_mcast_group4|6`): that one is
        // joined and sent to, as keepalived does.
        let globalGroup: IPAddress = family == .ipv4 ? .v4(g.multicastGroup4) : .v6(g.multicastGroup6)
        let group = i.multicastDestination.flatMap { $0.family == family ? $0 : nil } ?? globalGroup
        var router = VirtualRouter.Configuration(
            name: i.name, vrid: i.virtualRouterID, version: i.version, family: family, priority: i.priority,
            advertisementInterval: i.advertisementInterval, virtualAddresses: i.virtualAddresses.map(\.address),
            preempt: i.preempt, preemptDelay: i.preemptDelay, acceptMode: i.acceptMode,
            authentication: i.authentication, initialState: i.initialState == .master ? .master : .backup,
            // keepalived skips the TTL check in unicast mode (checklist 1.6).
            checkTTL: !unicast,
            checkAddressList: !g.skipCheckAdvertisementAddresses,
            lowerPriorityAnswer: !i.lowerPriorityNoAdvert,
            higherPrioritySendAdvert: i.higherPrioritySendAdvert,
            garpMasterRepeat: i.garpMasterRepeat, garpMasterDelay: .seconds(Int64(i.garpMasterDelay)),
            garpMasterRefresh: i.garpMasterRefresh.map { .seconds(Int64($0)) },
            garpMasterRefreshRepeat: i.garpMasterRefreshRepeat,
            // keepalived: unset means the garp_master_repeat count, and none in strict mode.
            garpLowerPriorityRepeat: g.vrrpStrict ? 0 : (i.garpLowerPriorityRepeat ?? i.garpMasterRepeat),
            unicastPeers: i.unicastPeers, multicastGroup: group, fastPreempt: i.fastPreempt)
        // keepalived (vrrp.c `vrrp_complete_instance`): unset means vrrp_garp_lower_prio_delay,
        // whose default is the global vrrp_garp_master_delay; none in strict mode.
        router.garpLowerPriorityDelay = g.vrrpStrict ? .zero
            : .seconds(Int64(i.garpLowerPriorityDelay ?? g.garpLowerPriorityDelay ?? g.garpMasterDelay))
        var tracked: [TrackReference] = []
        for t in i.trackInterfaces {
            tracked.append(TrackReference(name: t.name, kind: .interface, weight: t.weight ?? 0, reverse: t.weightReverse))
        }
        for t in i.trackScripts {
            if let s = c.script(named: t.name) {
                tracked.append(TrackReference(name: t.name, kind: .script, weight: t.weight ?? s.weight,
                                              reverse: t.weight == nil ? s.weightReverse : t.weightReverse))
            } else if let n = c.nativeCheck(named: t.name) {
                let kind: TrackReference.Kind
                switch n.kind {
                case .tcp: kind = .tcp
                case .http: kind = .http
                case .amqp: kind = .amqp
                }
                tracked.append(TrackReference(name: t.name, kind: kind, weight: t.weight ?? n.weight,
                                              reverse: t.weight == nil ? n.weightReverse : t.weightReverse))
            }
        }
        for t in i.trackFiles {
            if let f = c.trackFile(named: t.name) {
                tracked.append(TrackReference(name: t.name, kind: .file, weight: t.weight ?? f.weight,
                                              reverse: t.weight == nil ? f.weightReverse : t.weightReverse))
            }
        }
        for t in i.trackProcesses {
            if let p = c.trackProcess(named: t.name) {
                tracked.append(TrackReference(name: t.name, kind: .process, weight: t.weight ?? p.weight,
                                              reverse: t.weight == nil ? p.weightReverse : t.weightReverse))
            }
        }
        // A sync group's own track_* lines apply to every member.
        if let group = c.syncGroup(containing: i.name) {
            for t in group.trackInterfaces where !tracked.contains(where: { $0.name == t.name }) {
                tracked.append(TrackReference(name: t.name, kind: .interface, weight: t.weight ?? 0, reverse: t.weightReverse))
            }
            for t in group.trackScripts where !tracked.contains(where: { $0.name == t.name }) {
                let kind: TrackReference.Kind
                switch c.nativeCheck(named: t.name)?.kind {
                case .tcp?: kind = .tcp
                case .http?: kind = .http
                case .amqp?: kind = .amqp
                case nil: kind = .script
                }
                tracked.append(TrackReference(name: t.name, kind: kind, weight: t.weight ?? 0, reverse: t.weightReverse))
            }
            // keepalived: a sync group's track_file applies to every member (weight 0 unless given).
            for t in group.trackFiles where !tracked.contains(where: { $0.name == t.name }) && c.trackFile(named: t.name) != nil {
                tracked.append(TrackReference(name: t.name, kind: .file, weight: t.weight ?? 0, reverse: t.weightReverse))
            }
        }
        // keepalived: the interface of a virtual route (`dev`) or rule (`iif`/`oif`) without
        // `no_track` is tracked as with `track_interface` weight 0 (down: FAULT).
        let routeInterfaces = i.virtualRoutes.filter { !$0.noTrack }.compactMap(\.device)
            + i.virtualRules.filter { !$0.noTrack }.flatMap { [$0.inputInterface, $0.outputInterface].compactMap { $0 } }
        for name in routeInterfaces where name != i.interface && !tracked.contains(where: { $0.kind == .interface && $0.name == name }) {
            tracked.append(TrackReference(name: name, kind: .interface, weight: 0, reverse: false, implicit: true))
        }
        self.init(router: router, interface: i.interface,
                  virtualAddresses: i.virtualAddresses.map(spec),
                  excludedAddresses: i.excludedVirtualAddresses.map(spec),
                  sourceAddress: unicast ? (i.unicastSourceAddress ?? i.multicastSourceAddress) : i.multicastSourceAddress,
                  v3ChecksumAsV2: i.v3ChecksumAsV2, tracked: tracked, notify: i.notify,
                  dontTrackPrimary: i.dontTrackPrimary, virtualRoutes: i.virtualRoutes, virtualRules: i.virtualRules)
        if i.useVirtualMAC { useVirtualMAC(i) }
        useAddressVirtualMACs(i)
    }

    /// keepalived 2.2.7 vrrp.c `vrrp_complete_instance`: a VIP/eVIP goes on a macvlan of its
    /// own when it names another interface (`dev`) and has `use_vmac` or the instance has
    /// `use_vmac_addr`, or when it is of the other family on the instance's interface and has
    /// either. One macvlan per base interface and family, MAC 00:00:5e:00:01:VRID (IPv4) or
    /// 00:00:5e:00:02:VRID (IPv6), or the MAC given to `use_vmac`.
    mutating func useAddressVirtualMACs(_ i: InstanceConfiguration) {
        let vrid = router.vrid
        func base(_ v: VirtualAddress) -> String? {
            if v.dev == nil || v.dev == i.interface {
                if i.useVirtualMAC, v.address.family == family { return nil }
                return v.useVirtualMAC || (i.virtualMACForAddresses && v.address.family != family) ? i.interface : nil
            }
            return v.useVirtualMAC || i.virtualMACForAddresses ? v.dev : nil
        }
        var macs: [AddressVirtualMACSpec] = []
        func place(_ configured: [VirtualAddress], _ given: [VirtualAddressSpec]) -> [VirtualAddressSpec] {
            var specs = given
            for (k, v) in zip(specs.indices, configured) {
                guard let base = base(v) else { continue }
                let family = v.address.family
                if let m = macs.first(where: { $0.base == base && $0.family == family }) {
                    specs[k].device = m.name
                    continue
                }
                var mac = i.virtualMACAddress ?? [0x00, 0x00, 0x5e, 0x00, family == .ipv4 ? 0x01 : 0x02, vrid]
                if mac.count == 5 { mac.append(vrid) }
                // Named for real in `uniqueVirtualMACNames`, once every instance's macvlan name is known.
                let name = "\u{0}vmac\(macs.count)"
                macs.append(AddressVirtualMACSpec(name: name, base: base, family: family, mac: mac))
                specs[k].device = name
            }
            return specs
        }
        virtualAddresses = place(i.virtualAddresses, virtualAddresses)
        excludedAddresses = place(i.excludedVirtualAddresses, excludedAddresses)
        addressVirtualMACs = macs
    }

    /// keepalived: the macvlan is `vrrp.VRID` unless named, its MAC 00:00:5e:00:01:VRID
    /// (IPv4) or 00:00:5e:00:02:VRID (IPv6) unless given (5 octets: the VRID is the sixth);
    /// the VIPs of its family without another `dev` move onto it (keepalived 2.2.7 leaves an
    /// eVIP of the other family on `interface`, or puts it on a macvlan of its own with
    /// `use_vmac_addr`).
    mutating func useVirtualMAC(_ i: InstanceConfiguration) {
        let vrid = router.vrid
        var mac = i.virtualMACAddress ?? [0x00, 0x00, 0x5e, 0x00, family == .ipv4 ? 0x01 : 0x02, vrid]
        if mac.count == 5 { mac.append(vrid) }
        let spec = VirtualMACSpec(name: i.virtualMACInterfaceName ?? "vrrp.\(vrid)", mac: mac,
                                  transmitOnBase: i.virtualMACTransmitBase)
        virtualMAC = spec
        for k in virtualAddresses.indices where virtualAddresses[k].device == interface && virtualAddresses[k].address.family == family {
            virtualAddresses[k].device = spec.name
        }
        for k in excludedAddresses.indices where excludedAddresses[k].device == interface && excludedAddresses[k].address.family == family {
            excludedAddresses[k].device = spec.name
        }
    }

    /// keepalived `create_vmac_name`: an unnamed vmac whose default `vrrp.VRID` an earlier
    /// instance already uses (an IPv4 and an IPv6 instance of one VRID) becomes `vrrp6.VRID`
    /// (IPv6 first), then `vrrp1.VRID`, `vrrp2.VRID`, … (6 skipped for IPv6).
    /// The extra macvlans of `use_vmac_addr` are named the same way after every instance's own
    /// (keepalived names them with `vmac_addr_prefix`, whose default is this `vrrp`).
    static func uniqueVirtualMACNames(_ pairs: [(InstanceConfiguration, InstanceSettings)]) -> [InstanceSettings] {
        var used = Set(pairs.compactMap { $0.0.useVirtualMAC ? $0.0.virtualMACInterfaceName : nil })
        var named = pairs.map { (i, settings) in
            var s = settings
            guard let spec = s.virtualMAC, i.virtualMACInterfaceName == nil else { return s }
            let name = virtualMACNameCandidates(vrid: s.router.vrid, family: s.family).first { !used.contains($0) } ?? spec.name
            used.insert(name)
            if name != spec.name {
                s.moveAddresses(from: spec.name, to: name)
                s.virtualMAC?.name = name
            }
            return s
        }
        for n in named.indices {
            for k in named[n].addressVirtualMACs.indices {
                let m = named[n].addressVirtualMACs[k]
                let name = virtualMACNameCandidates(vrid: named[n].router.vrid, family: m.family).first { !used.contains($0) } ?? m.name
                used.insert(name)
                named[n].moveAddresses(from: m.name, to: name)
                named[n].addressVirtualMACs[k].name = name
            }
        }
        return named
    }

    /// keepalived `create_vmac_name`: `vrrp.VRID`, for IPv6 then `vrrp6.VRID`, then
    /// `vrrp1.VRID`, `vrrp2.VRID`, … (6 skipped for IPv6); names of 16 bytes or more are out.
    static func virtualMACNameCandidates(vrid: UInt8, family: AddressFamily) -> [String] {
        var candidates = family == .ipv6 ? ["vrrp.\(vrid)", "vrrp6.\(vrid)"] : ["vrrp.\(vrid)"]
        candidates += (1...255).filter { family == .ipv4 || $0 != 6 }.map { "vrrp\($0).\(vrid)" }
        return candidates.filter { $0.utf8.count < 16 }
    }

    /// Renames the device of every VIP on `from` (the vmac is made, or could not be made).
    mutating func moveAddresses(from: String, to: String) {
        for k in virtualAddresses.indices where virtualAddresses[k].device == from { virtualAddresses[k].device = to }
        for k in excludedAddresses.indices where excludedAddresses[k].device == from { excludedAddresses[k].device = to }
    }

    /// keepalived's `scope` words as rtnetlink scopes; IPv6 link-local addresses get link scope.
    static func scope(_ word: String?, address: IPAddress) -> UInt8 {
        switch word {
        case "host"?: return 254
        case "link"?: return 253
        case "site"?: return 200
        case "nowhere"?: return 255
        case "global"?, "universe"?: return 0
        default:
            if case .v6(let a) = address, a.isLinkLocal { return 253 }
            return 0
        }
    }
}
