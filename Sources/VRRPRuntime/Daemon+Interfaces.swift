// SPDX-License-Identifier: Apache-2.0
import VRRPCore
import VRRPLinux

extension Daemon {
    /// Reads every link and address from the kernel and starts the netlink monitor.
    func refreshInterfaces() throws {
        links = Dictionary(try netlink.links().map { ($0.index, $0) }, uniquingKeysWith: { $1 })
        interfaceAddresses = Dictionary(grouping: try netlink.addresses(), by: \.ifindex)
        if monitor == nil {
            let m = try io.openInterfaceEvents()
            monitor = m
            try loop.register(fd: m.fileDescriptor) { [unowned self] in self.monitorReadable() }
        }
    }

    /// Interfaces named by the configuration must exist, unless we were told to wait for them.
    func checkInterfaces(_ settings: [InstanceSettings]) throws {
        let names = Set(links.values.map(\.name))
        var missing: [String] = []
        for s in settings {
            if !names.contains(s.interface) { missing.append("\(s.name): interface \(s.interface) does not exist") }
            for t in s.tracked where t.kind == .interface && !t.implicit && !names.contains(t.name) {
                missing.append("\(s.name): tracked interface \(t.name) does not exist")
            }
        }
        if !missing.isEmpty {
            if options.waitForInterfaces {
                for m in missing { log.warning("\(m); waiting for it (FAULT until it appears)") }
            } else {
                throw DaemonError.interface(missing.joined(separator: "\n")
                    + "\n(create it, fix `interface`, or start with --wait-for-interfaces to wait for it at boot)")
            }
        }
    }

    /// The state of every interface the configuration uses, once, at start-up (issue 18: it used
    /// to appear only with the first change, out of order).
    func logInitialLinkStates(_ settings: [InstanceSettings]) {
        var seen: Set<String> = []
        let names = settings.flatMap { s in [s.interface] + s.tracked.filter { $0.kind == .interface }.map(\.name) }
        for name in names where seen.insert(name).inserted {
            if let link = links.values.first(where: { $0.name == name }) {
                log.info("Netlink reports \(name) \(Self.linkWord(link))")
            }
        }
    }

    /// "up" only when administratively up with carrier (IFF_UP and IFF_RUNNING).
    static func linkWord(_ link: LinkInfo) -> String { link.isUp && link.isRunning ? "up" : "down" }

    /// The address adverts go out from: the configured one if present on the interface,
    /// else the interface's primary IPv4 address (RFC 5798 §5.1.1.1) or its link-local
    /// IPv6 address (§5.1.2.1). Never an address we added; the operator's own address is
    /// chosen even when it is also a virtual address (the address owner, RFC 5798 §5.2.4).
    func chooseSource(_ d: InstanceDriver, ifindex: Int32) -> IPAddress? {
        let present = (interfaceAddresses[ifindex] ?? []).filter { !$0.flags.contains(.tentative) }
        if let configured = d.settings.sourceAddress {
            return present.contains { $0.address == configured } ? configured : nil
        }
        switch d.settings.family {
        case .ipv4:
            return present.first { if case .v4 = $0.address { !$0.flags.contains(.secondary) && !isOurs($0) } else { false } }?.address
        case .ipv6:
            return present.first { if case .v6(let a) = $0.address { a.isLinkLocal } else { false } }?.address
        }
    }

    /// True for an address this daemon added (our IFA_PROTO tag, or recorded when added on a
    /// kernel that does not report the tag). Never a source address. O(1): chooseSource runs
    /// per instance on every address event (a per-call scan of every instance's VIPs made N
    /// VIP installs cost O(N³), seconds of stalled event loop at 255 instances).
    func isOurs(_ a: InterfaceAddress) -> Bool {
        a.isTagged() || addedAddresses.contains(PrefixedAddress(a.address, a.prefix))
    }

    func monitorReadable() {
        guard let monitor else { return }
        let events: [InterfaceEvent]
        do {
            events = try monitor.readEvents()
        } catch {
            log.error("netlink monitor: \(error); re-reading interfaces")
            forgetOwnDeletes()
            try? resync()
            return
        }
        for e in events { apply(e) }
    }

    /// After a netlink overrun the event stream has gaps: read the whole state again.
    /// The dumps run on the address-request worker, not on the loop thread.
    func resync() throws {
        addressRequests.submit({ netlink in (try netlink.links(), try netlink.addresses()) }) { [weak self] result in
            guard let self else { return }
            switch result {
            case .success(let (links, addresses)):
                self.links = Dictionary(links.map { ($0.index, $0) }, uniquingKeysWith: { $1 })
                self.interfaceAddresses = Dictionary(grouping: addresses, by: \.ifindex)
                for d in self.instances { self.reevaluateInterface(d) }
            case .failure(let error):
                self.log.error("netlink: cannot re-read interfaces: \(error)")
            }
        }
    }

    func apply(_ event: InterfaceEvent) {
        switch event {
        case .link(let info):
            let previous = links[info.index]
            links[info.index] = info
            if previous?.isUp != info.isUp || previous?.isRunning != info.isRunning || previous?.name != info.name {
                // Log what changed for VRRP (up = IFF_UP and IFF_RUNNING), not every flag step:
                // "admin up, carrier pending" is still down, and linkwatch reports RUNNING up to
                // a second later; logging it made a stale "down" line right before "up".
                if previous.map(Self.linkWord) != Self.linkWord(info) || previous?.name != info.name {
                    log.info("Netlink reports \(info.name) \(Self.linkWord(info))")
                }
                for d in instances { reevaluateInterface(d) }
            }
        case .overflow:
            log.warning("netlink monitor overflowed; re-reading interfaces")
            forgetOwnDeletes()
            do { try resync() } catch { log.error("cannot re-read interfaces: \(error)") }
        case .linkRemoved(let index):
            if let info = links.removeValue(forKey: index) {
                log.info("Netlink reports \(info.name) removed")
                interfaceAddresses[index] = nil
                forgetOwnDeletes(ifindex: index)
                closeSocket(ifindex: index)
                packetSockets[index] = nil
                for d in instances where d.ifindex == index { d.ifindex = nil }
                for d in instances where d.virtualMACIndex == index { virtualMACRemoved(d) }
                for d in instances where d.addressMACIndexes.values.contains(index) { addressVirtualMACRemoved(d, index: index) }
                demux = nil
                for d in instances { reevaluateInterface(d) }
            }
        case .addressAdded(let a):
            var list = interfaceAddresses[a.ifindex] ?? []
            // Address and prefix: an owner's VIP 198.18.0.2/32 can sit beside the operator's
            // 198.18.0.2/24 (IPv4 allows both), and they come and go separately.
            list.removeAll { $0.address == a.address && $0.prefix == a.prefix }
            list.append(a)
            interfaceAddresses[a.ifindex] = list
            // An address we added can never become a source: nothing to re-evaluate
            // (this is every VIP install, N per transition burst).
            guard !isOurs(a) else { break }
            for d in instances where d.ifindex == a.ifindex { reevaluateSource(d) }
        case .addressRemoved(let a):
            interfaceAddresses[a.ifindex]?.removeAll { $0.address == a.address && $0.prefix == a.prefix }
            let wasOurs = isOurs(a)
            let key = PrefixedAddress(a.address, a.prefix)
            // The notification of a delete of ours (see `takeOwnDelete`): already accounted
            // for when it was submitted. Read after a re-add (MASTER → BACKUP → MASTER within
            // one loop turn or worker round trip) it must not undo that add's bookkeeping: the
            // address is there again, ours, and its RTM_NEWADDR follows.
            let ownDelete = takeOwnDelete(LinkAddress(ifindex: a.ifindex, address: key))
            if a.isTagged(), !ownDelete { addedAddresses.remove(key) }
            for d in instances where d.ifindex == a.ifindex {
                if ownDelete || d.pendingAdds[a.address] != nil {
                    // Not someone else's: a "restore" would log a false line, add our own
                    // address again (EEXIST) and send another round of GARPs. With an add of
                    // ours still unanswered (its count forgotten at a monitor overrun), that
                    // add puts the address back anyway.
                } else if d.installed.contains(a.address), d.router.state == .master, !shuttingDown {
                    // Someone else deleted one of our addresses while we are master: put it back
                    // and announce it (documented in docs/architecture.md, "The loop never waits for netlink").
                    log.warning("(\(d.name)) virtual address \(a.address) was removed by someone else; restoring it")
                    d.installed.remove(a.address)
                    installAddresses(d)
                    announce(d, count: d.settings.router.garpMasterRepeat)
                } else {
                    d.installed.remove(a.address)
                }
                if !wasOurs { reevaluateSource(d) }
            }
        }
    }

    /// Recomputes interface-related faults and tracked-interface weights for one instance.
    func reevaluateInterface(_ d: InstanceDriver) {
        if d.ifindex == nil || links[d.ifindex!] == nil || links[d.ifindex!]?.name != d.settings.interface {
            bind(d)
            if d.settings.virtualMAC != nil, d.virtualMACIndex == nil, d.ifindex != nil { setUpVirtualMAC(d) }
            if let ifindex = d.socketIfindex { ensureSocket(SocketKey(ifindex: ifindex, family: d.settings.family), for: d) }
        }
        if d.addressMACIndexes.count < d.settings.addressVirtualMACs.count, !shuttingDown { setUpAddressVirtualMACs(d) }
        let name = d.settings.interface
        setFault(d, missingInterfaceReason(name), d.ifindex == nil)
        if let ifindex = d.ifindex, !d.settings.dontTrackPrimary {
            let up = links[ifindex].map { $0.isUp && $0.isRunning } ?? false
            setFault(d, interfaceDownReason(name), !up)
        } else {
            setFault(d, interfaceDownReason(name), false)
        }
        for t in d.settings.tracked where t.kind == .interface {
            let link = links.values.first { $0.name == t.name }
            // A route's interface that does not exist is no fault: the route is left out instead.
            let up = link.map { $0.isUp && $0.isRunning } ?? t.implicit
            d.trackStatus[t.name] = up
            d.trackReason[t.name] = link == nil ? (t.implicit ? "does not exist (its route is left out)" : "does not exist")
                : (up ? "up" : "down")
        }
        reevaluateSource(d)
        applyTracking(d)
    }

    func reevaluateSource(_ d: InstanceDriver) {
        let old = d.source
        d.source = d.ifindex.flatMap { chooseSource(d, ifindex: $0) }
        if d.source != old {
            feed(d, .localAddressChanged(d.source))
            copySourceToVirtualMAC(d)
        }
        setFault(d, noSourceReason(d), d.ifindex != nil && d.source == nil)
    }

    /// Raises or clears one fault reason, feeding the state machine only on a change. The core's
    /// `faultReasons` is the one record of what is raised.
    func setFault(_ d: InstanceDriver, _ reason: String, _ on: Bool) {
        if on, !d.router.faultReasons.contains(reason) {
            log.warning("(\(d.name)) \(reason)", metadata: meta(d))
            feed(d, .faultRaised(reason))
        } else if !on, d.router.faultReasons.contains(reason) {
            log.info("(\(d.name)) cleared: \(reason)", metadata: meta(d))
            feed(d, .faultCleared(reason))
        }
    }

    /// Applies tracked-item changes: the core's PriorityCalculator says which weight-0 items
    /// fault and what the effective priority is; only what changed since the last call is fed
    /// (so a priority the core set for itself, such as an owner's 254 after a conflict, is
    /// never overwritten by a recomputation here).
    func applyTracking(_ d: InstanceDriver) {
        let now = d.tracking
        let events = now.events(since: d.appliedTracking)
        d.appliedTracking = now
        for event in events {
            switch event {
            case .faultRaised(let reason), .faultCleared(let reason):
                log.info("(\(d.name)) \(reason) \(event == .faultRaised(reason) ? "failed" : "recovered")", metadata: meta(d))
                feed(d, event)
            case .priorityChanged(let priority):
                log.info("(\(d.name)) Changing effective priority from \(d.router.effectivePriority) to \(priority)",
                         metadata: meta(d))
                feed(d, event)
                statusServer?.publish(.init(at: wallClock(), kind: .priority, instance: d.name,
                                            reason: "effective priority \(priority)", priority: Int(priority)))
            default:
                feed(d, event)
            }
        }
    }
}
