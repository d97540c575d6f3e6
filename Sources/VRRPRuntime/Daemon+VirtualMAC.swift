// SPDX-License-Identifier: Apache-2.0
import VRRPCore
import VRRPLinux

/// The `use_vmac` macvlans of this run: which ones we made or adopted (only those are ever
/// deleted), and the base interfaces' arp_ignore/arp_filter values to put back when the last
/// macvlan on them goes.
struct VirtualMACRegistry {
    /// By macvlan name.
    var owned: [String: Int32] = [:]
    /// Base interface name: the macvlans on it and the saved values of `baseSettings`.
    var bases: [String: (users: Set<String>, saved: [String: String?])] = [:]
    /// The `use_vmac_addr` macvlans made or adopted, by name, with the instances using them
    /// (one macvlan per base and MAC serves every instance of that VRID, as keepalived's
    /// `if_get_by_vmac` finds it): deleted when the last one stops.
    var addressOwned: [String: (index: Int32, users: Set<ObjectIdentifier>)] = [:]
    /// Names whose delete is queued on the request worker and not answered yet.
    var deleting: Set<String> = []
    /// Macvlans whose creation is queued on the request worker and not answered yet, by name:
    /// the instance that asked, the base's ifindex and the MAC. Until the answer, the name is
    /// neither made nor adopted again, and the addresses on it wait (`installAddresses`).
    var creating: [String: (owner: ObjectIdentifier, base: Int32, mac: [UInt8])] = [:]
}

extension Daemon {
    /// Makes (or adopts) the instance's macvlan, as keepalived 2.2.7 does in
    /// `netlink_link_add_vmac` (vrrp_vmac.c): private mode on `interface`, the virtual MAC,
    /// no EUI-64 link-local (RFC 5798 §7.4), the IPv4 sysctls, then up, at start-up (not only
    /// when MASTER); an IPv6 instance sending from it gets the base's link-local address so
    /// its adverts keep their source (§5.1.2.1). If it cannot be made, the instance runs on
    /// `interface` with its own MAC, and says so.
    func setUpVirtualMAC(_ d: InstanceDriver) {
        guard let spec = d.settings.virtualMAC else { return }
        // Ours of that name is still being deleted (reload): made when the kernel has answered.
        guard !virtualMACs.deleting.contains(spec.name) else { return }
        let fallback = { (why: String) in
            self.log.error("(\(d.name)) cannot use_vmac \(spec.name): \(why); the virtual addresses go on \(d.settings.interface) with its own MAC",
                           metadata: self.meta(d))
            d.settings.moveAddresses(from: spec.name, to: d.settings.interface)
            d.settings.virtualMAC = nil
        }
        guard let configurator = io.virtualMAC else { return fallback("this platform cannot create macvlan interfaces") }
        // Not there yet (--wait-for-interfaces): made when it appears (reevaluateInterface).
        guard let base = d.ifindex else { return }
        if let existing = links.values.first(where: { $0.name == spec.name }) {
            // keepalived reuses a macvlan of the same name, MAC and parent (a crashed run's);
            // anything else of that name is not ours and is left alone.
            guard existing.kind == "macvlan", existing.mac == spec.mac, existing.parentIndex == base,
                  existing.macvlanMode.map({ $0 == RTNL.macvlanModePrivate }) ?? true else {
                let what = existing.kind.map { "a \($0)" + (existing.macvlanMode.map { $0 == RTNL.macvlanModePrivate ? "" : " (mode \($0))" } ?? "") } ?? "an interface"
                return fallback("\(spec.name) exists and is \(what) with MAC \(VirtualMACSpec.text(existing.mac)), not our macvlan on \(d.settings.interface)")
            }
            log.info("(\(d.name)) using the existing VMAC interface \(spec.name) (\(spec.macText) on \(d.settings.interface), left by an earlier run)",
                     metadata: meta(d))
            return useVirtualMAC(d, existing, configurator)
        }
        // RTM_NEWLINK and the dump wait for the kernel: on the request worker (issue 15). Until
        // the answer the instance runs as while its macvlan is being deleted: adverts from the
        // base, its addresses waiting.
        createVirtualMAC(spec.name, base: base, mac: spec.mac, family: d.settings.family, for: d, configurator,
                         fallback: fallback) { [unowned self] vmac in
            self.useVirtualMAC(d, vmac, configurator, macvlanSysctlsWritten: true)
        } afterward: { [unowned self] in
            if let ifindex = d.socketIfindex { self.ensureSocket(SocketKey(ifindex: ifindex, family: d.settings.family), for: d) }
            if d.router.state == .master {
                self.installAddresses(d)
                self.announce(d, count: d.settings.router.garpMasterRepeat)
            }
        }
    }

    /// Makes macvlan `name` on the request worker (RTM_NEWLINK, its own sysctls in the same job,
    /// then the link list; issue 15: the loop never waits for the kernel) and, back on the loop,
    /// hands the new link to `use` or the reason to `fallback`. `afterward` runs after either,
    /// only when the answer came after the submit returned (worker mode; in `.inline` mode the
    /// caller goes on itself) and the daemon is not stopping. Nothing happens if `d` stopped
    /// meanwhile: its delete is queued behind the creation.
    private func createVirtualMAC(_ name: String, base: Int32, mac: [UInt8], family: AddressFamily, for d: InstanceDriver,
                                  _ configurator: any VirtualMACConfigurator, fallback: @escaping (String) -> Void,
                                  use: @escaping (LinkInfo) -> Void, afterward: @escaping () -> Void) {
        virtualMACs.creating[name] = (ObjectIdentifier(d), base, mac)
        var answeredAtOnce = true
        addressRequests.submit({ _ in
            _ = try configurator.createMacvlan(name: name, parent: base, mac: mac)
            let warnings = Self.writeSysctls(Self.macvlanSysctls(name, family: family), configurator)
            return (try configurator.links(), warnings)
        }) { [weak self, weak d] result in
            guard let self, let d, self.virtualMACs.creating[name]?.owner == ObjectIdentifier(d) else { return }
            self.virtualMACs.creating[name] = nil
            switch result {
            case .success(let (list, warnings)):
                for warning in warnings { self.log.warning("\(warning)") }
                self.links = Dictionary(list.map { ($0.index, $0) }, uniquingKeysWith: { $1 })
                if let vmac = self.links.values.first(where: { $0.name == name }) {
                    use(vmac)
                } else {
                    fallback("the kernel does not list \(name) after creating it")
                }
            case .failure(let error):
                fallback("\(error)")
            }
            guard !answeredAtOnce, !self.shuttingDown else { return }
            afterward()
        }
        answeredAtOnce = false
    }

    /// The instance's macvlan exists (made or adopted): the instance sends from it, the
    /// sysctls are set, and it goes up behind its membership-report rules.
    private func useVirtualMAC(_ d: InstanceDriver, _ vmac: LinkInfo, _ configurator: any VirtualMACConfigurator,
                               macvlanSysctlsWritten: Bool = false) {
        guard let spec = d.settings.virtualMAC else { return }
        virtualMACs.owned[spec.name] = vmac.index
        d.virtualMACIndex = vmac.index
        demux = nil
        if !macvlanSysctlsWritten {
            for warning in Self.writeSysctls(Self.macvlanSysctls(spec.name, family: d.settings.family), configurator) {
                log.warning("\(warning)")
            }
        }
        if d.settings.family == .ipv4 { setBaseSysctls(spec.name, base: d.settings.interface, configurator) }
        // Up only once the membership-report rules are in (keepalived: `firewall_add_vmac`
        // before `netlink_link_up`): the reports the kernel sends as the link comes up and its
        // link-local appears would otherwise carry the virtual MAC. Both on the request worker,
        // the rules first.
        updateAcceptFilter()
        raiseVirtualMAC(spec.name, index: vmac.index, d, configurator) { [weak self, weak d] in
            guard let self, let d, d.virtualMACIndex == vmac.index else { return }
            self.copySourceToVirtualMAC(d)
        }
        log.info("(\(d.name)) VMAC \(spec.name) \(spec.macText) on \(d.settings.interface); adverts from \(spec.transmitOnBase ? d.settings.interface : spec.name)",
                 metadata: meta(d))
    }

    /// Brings a macvlan up (addrgenmode none) on the request worker, behind what was queued
    /// before it (the nftables update among it); `then` runs on the loop after the answer.
    func raiseVirtualMAC(_ name: String, index: Int32, _ d: InstanceDriver, _ configurator: any VirtualMACConfigurator,
                         then: @escaping () -> Void) {
        let instance = d.name
        let metadata = meta(d)
        addressRequests.submit({ _ in try configurator.raiseWithoutAutoLinkLocal(ifindex: index) }) { [weak self] result in
            guard let self else { return }
            if case .failure(let error) = result {
                self.log.error("(\(instance)) cannot bring \(name) up: \(error)", metadata: metadata)
            }
            then()
        }
    }

    /// Deletes one of our macvlans through the request worker, behind the requests queued
    /// before it: the deletes of its addresses would otherwise fail on a link already gone
    /// (keepalived too removes the VIPs before `netlink_link_del_vmac`). Until the kernel has
    /// answered, the name is neither made nor adopted again (a reload that keeps `use_vmac`);
    /// then the instances waiting for it make theirs. With `index` nil the creation is still
    /// queued before it (stopped while the kernel had not answered): the worker looks the
    /// macvlan up by name, MAC and base after it, so none is left behind.
    func deleteVirtualMACLink(_ name: String, index: Int32?, made: (base: Int32, mac: [UInt8])? = nil, _ d: InstanceDriver) {
        virtualMACs.deleting.insert(name)
        let log = self.log
        let metadata = meta(d)
        let instance = d.name
        addressRequests.submit({ netlink -> Int32? in
            guard let target = try index ?? made.flatMap({ made in
                try netlink.links().first { $0.name == name && $0.kind == "macvlan" && $0.mac == made.mac && $0.parentIndex == made.base }?.index
            }) else { return nil }
            _ = try netlink.deleteLink(ifindex: target)
            // Logged here: at exit the loop no longer runs completions.
            log.info("(\(instance)) removed VMAC interface \(name)", metadata: metadata)
            return target
        }) { [weak self, weak d] result in
            guard let self else { return }
            self.virtualMACs.deleting.remove(name)
            switch result {
            case .success(let index):
                // Gone: not to be adopted before the kernel's notification arrives.
                if let index, self.links[index]?.name == name {
                    self.links[index] = nil
                    self.interfaceAddresses[index] = nil
                }
            case .failure(let error):
                self.log.error("(\(instance)) cannot remove VMAC interface \(name): \(error)", metadata: metadata)
            }
            guard !self.shuttingDown else { return }
            // Not the instance being stopped (still listed while its stop runs).
            for w in self.instances where w !== d && w.settings.virtualMAC?.name == name && w.virtualMACIndex == nil && w.ifindex != nil {
                self.setUpVirtualMAC(w)
                if let ifindex = w.socketIfindex { self.ensureSocket(SocketKey(ifindex: ifindex, family: w.settings.family), for: w) }
                if w.router.state == .master {
                    self.installAddresses(w)
                    self.announce(w, count: w.settings.router.garpMasterRepeat)
                }
            }
            for w in self.instances where w !== d && w.addressMACIndexes.count < w.settings.addressVirtualMACs.count {
                self.setUpAddressVirtualMACs(w)
            }
        }
    }

    /// What the base interface gets while it carries a macvlan: keepalived's arp_ignore 1 and
    /// arp_filter 1 (it must not answer ARP for the VIPs with its own MAC), and, beyond
    /// keepalived 2.2.7, arp_announce 2: a reply to a client that leaves by the base interface
    /// (its route comes first) must not ARP with the VIP as sender, which would teach the
    /// client the base's MAC for the VIP (seen in the namespace test).
    static let baseSettings = [("arp_ignore", "1"), ("arp_filter", "1"), ("arp_announce", "2")]

    /// IPv6 adverts leave the macvlan from the base's link-local (RFC 5798 §5.1.2.1), which the
    /// kernel sends only from an interface that has it: copied onto the macvlan (keepalived
    /// `set_link_local_address`), at start-up and whenever the source changes (it may still be
    /// tentative at boot).
    func copySourceToVirtualMAC(_ d: InstanceDriver) {
        guard let spec = d.settings.virtualMAC, !spec.transmitOnBase, let index = d.virtualMACIndex,
              let configurator = io.virtualMAC,
              case .v6(let ll)? = d.source, ll.isLinkLocal,
              !(interfaceAddresses[index] ?? []).contains(where: { $0.address == .v6(ll) }) else { return }
        copyLinkLocal(.v6(ll), to: index, name: spec.name, d, configurator)
    }

    /// Adds the base's link-local to a macvlan (no DAD) on the request worker.
    func copyLinkLocal(_ ll: IPAddress, to index: Int32, name: String, _ d: InstanceDriver, _ configurator: any VirtualMACConfigurator) {
        let instance = d.name
        let metadata = meta(d)
        addressRequests.submit({ _ in
            try configurator.addAddress(ll, prefix: 64, ifindex: index, label: nil, scope: .link, broadcast: nil, noDAD: true)
        }) { [weak self] result in
            if case .failure(let error) = result {
                self?.log.error("(\(instance)) cannot add \(ll) to \(name): \(error)", metadata: metadata)
            }
        }
    }

    /// keepalived `set_interface_parameters`: on an IPv4 macvlan arp_ignore 1, accept_local 1,
    /// rp_filter 0, promote_secondaries 1. An IPv6 one gets arp_ignore 1 too (keepalived after
    /// 2.2.7, commit 9ca8688c), or it answers ARP for the host's IPv4 VIPs with
    /// 00:00:5e:00:02:VRID (seen in the namespace test with an IPv4 and an IPv6 instance).
    static func macvlanSysctls(_ name: String, family: AddressFamily) -> [(String, String)] {
        let settings = family == .ipv4
            ? [("arp_ignore", "1"), ("accept_local", "1"), ("rp_filter", "0"), ("promote_secondaries", "1")]
            : [("arp_ignore", "1")]
        return settings.map { ("net/ipv4/conf/\(name)/\($0.0)", $0.1) }
    }

    /// Writes sysctls (on the request worker right after a creation, or on the loop); the
    /// warnings for the ones that failed.
    static func writeSysctls(_ settings: [(String, String)], _ configurator: any VirtualMACConfigurator) -> [String] {
        var warnings: [String] = []
        for (key, value) in settings {
            do { try configurator.writeSysctl(key, value) } catch { warnings.append("cannot set \(key) to \(value): \(error)") }
        }
        return warnings
    }

    /// The base's side of keepalived `set_interface_parameters` for an IPv4 macvlan:
    /// `baseSettings`, the old values kept for the exit.
    func setBaseSysctls(_ name: String, base: String, _ configurator: any VirtualMACConfigurator) {
        func set(_ key: String, _ value: String) {
            do { try configurator.writeSysctl(key, value) } catch { log.warning("cannot set \(key) to \(value): \(error)") }
        }
        if let all = configurator.readSysctl("net/ipv4/conf/all/rp_filter"), all != "0" {
            // keepalived lowers all.rp_filter (raising each interface's own); vrrpd leaves the
            // host's setting alone and says what it costs.
            log.warning("net.ipv4.conf.all.rp_filter is \(all): \(name) filters as \(all) too (the kernel uses the larger value); set it to 0 if peers' adverts or clients are dropped")
        }
        if var entry = virtualMACs.bases[base] {
            entry.users.insert(name)
            virtualMACs.bases[base] = entry
            return
        }
        var saved: [String: String?] = [:]
        for (key, value) in Self.baseSettings {
            let old = configurator.readSysctl("net/ipv4/conf/\(base)/\(key)")
            saved[key] = old
            if old != value { set("net/ipv4/conf/\(base)/\(key)", value) }
        }
        virtualMACs.bases[base] = ([name], saved)
    }

    /// Stop and reload: closes the macvlan's socket, deletes the macvlan (only one this run made
    /// or adopted: `virtualMACs.owned`), and restores the base's ARP sysctls after its last one.
    func tearDownVirtualMAC(_ d: InstanceDriver) {
        guard let spec = d.settings.virtualMAC else { return }
        if let pending = virtualMACs.creating[spec.name], pending.owner == ObjectIdentifier(d) {
            // Its creation has not been answered: deleted behind it.
            virtualMACs.creating[spec.name] = nil
            deleteVirtualMACLink(spec.name, index: nil, made: (pending.base, pending.mac), d)
            return
        }
        guard let index = d.virtualMACIndex else { return }
        d.virtualMACIndex = nil
        demux = nil
        // Its rules leave the table with it (at exit the whole table goes).
        if !shuttingDown { updateAcceptFilter() }
        closeSocket(ifindex: index)
        packetSockets[index] = nil
        guard virtualMACs.owned[spec.name] == index, let configurator = io.virtualMAC else { return }
        virtualMACs.owned[spec.name] = nil
        deleteVirtualMACLink(spec.name, index: index, d)
        guard d.settings.family == .ipv4 else { return }
        releaseBaseSettings(spec.name, base: d.settings.interface, configurator)
    }

    /// Puts the base's ARP sysctls back once its last macvlan has gone.
    func releaseBaseSettings(_ name: String, base: String, _ configurator: any VirtualMACConfigurator) {
        guard var entry = virtualMACs.bases[base] else { return }
        entry.users.remove(name)
        virtualMACs.bases[base] = entry.users.isEmpty ? nil : entry
        guard entry.users.isEmpty else { return }
        for (key, value) in Self.baseSettings {
            guard let old = entry.saved[key] ?? nil, old != value else { continue }
            do { try configurator.writeSysctl("net/ipv4/conf/\(base)/\(key)", old) } catch {
                log.warning("cannot restore net/ipv4/conf/\(base)/\(key) to \(old): \(error)")
            }
        }
    }

    /// Someone deleted the macvlan under us: the socket on it is gone; make it again once
    /// (keepalived recreates it too). The VIPs follow with the next install.
    func virtualMACRemoved(_ d: InstanceDriver) {
        guard let spec = d.settings.virtualMAC, !shuttingDown else { return }
        log.warning("(\(d.name)) VMAC interface \(spec.name) was removed by someone else; creating it again", metadata: meta(d))
        d.virtualMACIndex = nil
        virtualMACs.owned[spec.name] = nil
        d.installed.removeAll()
        setUpVirtualMAC(d)
        if let ifindex = d.socketIfindex { ensureSocket(SocketKey(ifindex: ifindex, family: d.settings.family), for: d) }
        if d.router.state == .master {
            installAddresses(d)
            announce(d, count: d.settings.router.garpMasterRepeat)
        }
    }
}

extension Daemon {
    /// `use_vmac_addr` / a VIP's `use_vmac` (keepalived 2.2.7 vrrp.c `vrrp_complete_instance`,
    /// vrrp_vmac.c `netlink_link_add_vmac` for a stand-in instance of the address's family):
    /// each extra macvlan is a private-mode macvlan on its base with the virtual MAC of its
    /// family. An existing private macvlan with that MAC on that base is used whatever its name
    /// (keepalived `if_get_by_vmac`: a crashed run's, or another instance's of the same VRID);
    /// otherwise the planned name, or the next of keepalived's names when an interface already
    /// has it. IPv4: the sysctls of `use_vmac`; IPv6: the base's link-local copied onto it.
    /// A base that does not exist yet is tried again when it appears (`reevaluateInterface`);
    /// without macvlan support the VIPs go on their base with its own MAC.
    func setUpAddressVirtualMACs(_ d: InstanceDriver) {
        for spec in d.settings.addressVirtualMACs where d.addressMACIndexes[spec.name] == nil {
            setUpAddressVirtualMAC(d, spec)
        }
    }

    private func setUpAddressVirtualMAC(_ d: InstanceDriver, _ spec: AddressVirtualMACSpec) {
        let macText = VirtualMACSpec.text(spec.mac)
        let fallback = { (why: String) in
            self.log.error("(\(d.name)) cannot make a VMAC interface (\(macText)) on \(spec.base): \(why); its virtual addresses go on \(spec.base) with its own MAC",
                           metadata: self.meta(d))
            d.settings.moveAddresses(from: spec.name, to: spec.base)
            d.settings.addressVirtualMACs.removeAll { $0.name == spec.name }
        }
        guard let configurator = io.virtualMAC else { return fallback("this platform cannot create macvlan interfaces") }
        guard let base = ifindex(named: spec.base) else { return }
        // One of ours for it is still being deleted (reload): made when the kernel has answered.
        guard !virtualMACs.deleting.contains(spec.name),
              !links.values.contains(where: { virtualMACs.deleting.contains($0.name) && $0.parentIndex == base && $0.mac == spec.mac })
        else { return }
        // Being made (for this instance or another of the VRID): used when the kernel answers.
        guard virtualMACs.creating[spec.name] == nil,
              !virtualMACs.creating.values.contains(where: { $0.base == base && $0.mac == spec.mac }) else { return }
        var name = spec.name
        var adopted = false
        if let existing = links.values.sorted(by: { $0.index < $1.index }).first(where: {
            $0.kind == "macvlan" && $0.parentIndex == base && $0.mac == spec.mac
                && ($0.macvlanMode.map { $0 == RTNL.macvlanModePrivate } ?? true)
        }) {
            name = existing.name
            adopted = true
        } else {
            if links.values.contains(where: { $0.name == name }) {
                let planned = Set(instances.flatMap { i in [i.settings.virtualMAC?.name].compactMap { $0 } + i.settings.addressVirtualMACs.map(\.name) })
                guard let free = InstanceSettings.virtualMACNameCandidates(vrid: d.settings.router.vrid, family: spec.family)
                    .first(where: { n in !planned.contains(n) && !links.values.contains { $0.name == n } }) else {
                    return fallback("no free name")
                }
                name = free
            }
            // On the request worker, as the instance's own macvlan.
            createVirtualMAC(name, base: base, mac: spec.mac, family: spec.family, for: d, configurator,
                             fallback: fallback) { [unowned self] vmac in
                self.useAddressVirtualMAC(d, spec, name: name, vmac, adopted: false, configurator, macvlanSysctlsWritten: true)
            } afterward: { [unowned self] in
                // The other instances of the VRID waiting for it, then this one's addresses.
                for w in self.instances where w !== d && w.addressMACIndexes.count < w.settings.addressVirtualMACs.count {
                    let before = w.addressMACIndexes.count
                    self.setUpAddressVirtualMACs(w)
                    if w.router.state == .master, w.addressMACIndexes.count > before {
                        self.installAddresses(w)
                        self.announce(w, count: w.settings.router.garpMasterRepeat)
                    }
                }
                if d.router.state == .master {
                    self.installAddresses(d)
                    self.announce(d, count: d.settings.router.garpMasterRepeat)
                }
            }
            return
        }
        guard let vmac = links.values.first(where: { $0.name == name }) else {
            return fallback("the kernel does not list \(name)")
        }
        useAddressVirtualMAC(d, spec, name: name, vmac, adopted: adopted, configurator)
    }

    /// An extra macvlan exists (made or adopted): the instance's addresses of `spec` go on it,
    /// and the first user sets its sysctls and brings it up behind its membership-report rules.
    private func useAddressVirtualMAC(_ d: InstanceDriver, _ spec: AddressVirtualMACSpec, name: String, _ vmac: LinkInfo,
                                      adopted: Bool, _ configurator: any VirtualMACConfigurator, macvlanSysctlsWritten: Bool = false) {
        let macText = VirtualMACSpec.text(spec.mac)
        if name != spec.name {
            d.settings.moveAddresses(from: spec.name, to: name)
            if let k = d.settings.addressVirtualMACs.firstIndex(where: { $0.name == spec.name }) {
                d.settings.addressVirtualMACs[k].name = name
            }
        }
        d.addressMACIndexes[name] = vmac.index
        // Another instance's own macvlan is that instance's to delete.
        let instanceMAC = virtualMACs.owned[name] == vmac.index
        if !instanceMAC {
            var entry = virtualMACs.addressOwned[name] ?? (vmac.index, [])
            let first = entry.users.isEmpty
            entry.users.insert(ObjectIdentifier(d))
            virtualMACs.addressOwned[name] = entry
            guard first else { return }
        } else {
            return
        }
        if adopted {
            log.info("(\(d.name)) using the existing VMAC interface \(name) (\(macText) on \(spec.base))", metadata: meta(d))
        }
        if !macvlanSysctlsWritten {
            for warning in Self.writeSysctls(Self.macvlanSysctls(name, family: spec.family), configurator) { log.warning("\(warning)") }
        }
        if spec.family == .ipv4 { setBaseSysctls(name, base: spec.base, configurator) }
        // As the instance's macvlan: up once its membership-report rules are in.
        updateAcceptFilter()
        let family = spec.family
        let base = ifindex(named: spec.base)
        raiseVirtualMAC(name, index: vmac.index, d, configurator) { [weak self, weak d] in
            guard let self, let d, d.addressMACIndexes[name] == vmac.index, family == .ipv6, let base,
                  let ll = self.interfaceAddresses[base]?.first(where: { if case .v6(let a) = $0.address { return a.isLinkLocal }; return false }),
                  !(self.interfaceAddresses[vmac.index] ?? []).contains(where: { $0.address == ll.address }) else { return }
            self.copyLinkLocal(ll.address, to: vmac.index, name: name, d, configurator)
        }
        log.info("(\(d.name)) VMAC \(name) \(macText) on \(spec.base) for the virtual addresses there", metadata: meta(d))
    }

    /// Stop and reload: the instance lets go of its extra macvlans; one no running instance
    /// uses any more is deleted (only one this run made or adopted) and its base's sysctls go
    /// back.
    func tearDownAddressVirtualMACs(_ d: InstanceDriver) {
        for (name, pending) in virtualMACs.creating.sorted(by: { $0.key < $1.key })
        where pending.owner == ObjectIdentifier(d) && d.settings.virtualMAC?.name != name {
            // Its creation has not been answered: deleted behind it.
            virtualMACs.creating[name] = nil
            deleteVirtualMACLink(name, index: nil, made: (pending.base, pending.mac), d)
        }
        let mine = d.addressMACIndexes
        d.addressMACIndexes = [:]
        if !shuttingDown { updateAcceptFilter() }
        for (name, index) in mine.sorted(by: { $0.key < $1.key }) {
            guard var entry = virtualMACs.addressOwned[name], entry.index == index else { continue }
            entry.users.remove(ObjectIdentifier(d))
            guard entry.users.isEmpty else {
                virtualMACs.addressOwned[name] = entry
                continue
            }
            virtualMACs.addressOwned[name] = nil
            packetSockets[index] = nil
            guard let configurator = io.virtualMAC else { continue }
            deleteVirtualMACLink(name, index: index, d)
            if let base = virtualMACs.bases.first(where: { $0.value.users.contains(name) })?.key {
                releaseBaseSettings(name, base: base, configurator)
            }
        }
    }

    /// Someone deleted an extra macvlan under us: made again (keepalived recreates its
    /// macvlans too), and the master puts its addresses back and announces them.
    func addressVirtualMACRemoved(_ d: InstanceDriver, index: Int32) {
        guard let name = d.addressMACIndexes.first(where: { $0.value == index })?.key, !shuttingDown else { return }
        log.warning("(\(d.name)) VMAC interface \(name) was removed by someone else; creating it again", metadata: meta(d))
        d.addressMACIndexes[name] = nil
        virtualMACs.addressOwned[name] = nil
        for spec in d.settings.allAddresses where spec.device == name { d.installed.remove(spec.address) }
        setUpAddressVirtualMACs(d)
        if d.router.state == .master {
            installAddresses(d)
            announce(d, count: d.settings.router.garpMasterRepeat)
        }
    }
}

extension Daemon {
    /// keepalived 2.2.7 (vrrp_vmac.c `netlink_link_add_vmac` → `firewall_add_vmac`,
    /// vrrp_nftables.c `nft_update_vmac`): every macvlan of ours, in every state while it
    /// exists, gets the IGMP rule (an IPv4 one), the MLD and router-solicitation rules (an IPv6
    /// one, or an IPv4 instance's with an eVIP of the other family), so it never reports group
    /// membership with the virtual MAC: a switch would learn that MAC at a backup's port.
    func virtualMACFilterEntries() -> [NftablesRequest.VirtualMACEntry] {
        var byIndex: [Int32: NftablesRequest.VirtualMACEntry] = [:]
        func add(_ index: Int32, base: Int32?, ipv4: Bool, ipv6: Bool) {
            guard let base else { return }
            var e = byIndex[index] ?? NftablesRequest.VirtualMACEntry(ifindex: index, base: base, ipv4: false, ipv6: false)
            e.ipv4 = e.ipv4 || ipv4
            e.ipv6 = e.ipv6 || ipv6
            byIndex[index] = e
        }
        for d in instances {
            if let index = d.virtualMACIndex {
                let otherFamily = d.settings.excludedAddresses.contains { $0.address.family != d.settings.family }
                add(index, base: d.ifindex, ipv4: d.settings.family == .ipv4 || otherFamily,
                    ipv6: d.settings.family == .ipv6 || otherFamily)
            }
            for (name, index) in d.addressMACIndexes {
                guard let spec = d.settings.addressVirtualMACs.first(where: { $0.name == name }) else { continue }
                add(index, base: ifindex(named: spec.base), ipv4: spec.family == .ipv4, ipv6: spec.family == .ipv6)
            }
        }
        return byIndex.values.sorted { $0.ifindex < $1.ifindex }
    }
}

