// SPDX-License-Identifier: Apache-2.0
import Synchronization
import VRRPCore
import VRRPLinux

/// An address with its prefix length: IPv4 lets an owner's VIP 198.18.0.2/32 sit beside the
/// operator's 198.18.0.2/24, and only the first is ours.
struct PrefixedAddress: Hashable {
    var address: IPAddress
    var prefix: UInt8
    init(_ address: IPAddress, _ prefix: UInt8) {
        self.address = address
        self.prefix = prefix
    }
}

/// An address with its prefix on one interface: what an RTM_DELADDR names.
struct LinkAddress: Hashable {
    var ifindex: Int32
    var address: PrefixedAddress
}

extension Daemon {
    func ifindex(named name: String) -> Int32? {
        links.values.first { $0.name == name }?.index
    }

    /// Adds every virtual address of the instance through rtnetlink (RTM_NEWADDR, ACK checked),
    /// off the loop thread (`AddressRequestQueue`): the address counts as installed at once, so
    /// that a removal that follows deletes it; the answer, handled when it comes back, tells
    /// ours from the operator's.
    func installAddresses(_ d: InstanceDriver) {
        for spec in d.settings.allAddresses where !d.installed.contains(spec.address) {
            // Its macvlan is not ready (its creation or an old one's delete not answered yet):
            // added once it is (an interface that only has the name is not it).
            if (d.settings.virtualMAC?.name == spec.device && d.virtualMACIndex == nil)
                || (d.settings.addressVirtualMACs.contains { $0.name == spec.device } && d.addressMACIndexes[spec.device] == nil) {
                continue
            }
            guard let index = ifindex(named: spec.device) else {
                log.error("(\(d.name)) cannot add \(spec.text): interface \(spec.device) does not exist", metadata: meta(d))
                continue
            }
            // EEXIST (.alreadyExists) counts as installed: the address is there either way.
            // Without our tag it is the operator's (the address owner's interface address,
            // RFC 5798 §5.2.4): used and announced, never deleted.
            let operatorsIfPresent = !addedAddresses.contains(PrefixedAddress(spec.address, spec.prefix))
                && !(interfaceAddresses[index] ?? []).contains { $0.address == spec.address && $0.isTagged() }
            let add = AddressAdd(spec: spec, ifindex: index, operatorsIfPresent: operatorsIfPresent, daemon: self, driver: d)
            d.installed.insert(spec.address)
            d.pendingAdds[spec.address] = add
            // Both closures capture only `add` (no context of their own to allocate).
            addressRequests.submit({ netlink in try add.run(netlink) }) { result in add.completed(result) }
        }
        installRoutesAndRules(d)
    }

    /// Removes every virtual address the instance added (RTM_DELADDR, ACK checked), off the
    /// loop thread after any request queued before; the operator's addresses it only borrowed
    /// stay (also when the add that found one has not come back yet).
    func removeAddresses(_ d: InstanceDriver) {
        removeRulesAndRoutes(d)
        dropAnnouncements(d)
        d.announcing?.cancel()
        d.announcing = nil
        for spec in d.settings.allAddresses where d.installed.contains(spec.address) {
            d.installed.remove(spec.address)
            let pendingAdd = d.takePendingAdd(spec.address)
            if d.borrowed.remove(spec.address) != nil { continue }
            addedAddresses.remove(PrefixedAddress(spec.address, spec.prefix))
            guard let index = ifindex(named: spec.device) else { continue }
            let key = LinkAddress(ifindex: index, address: PrefixedAddress(spec.address, spec.prefix))
            ownDeletes[key, default: 0] += 1
            addressRequests.submit({ netlink -> RouteNetlink.DeleteResult? in
                if pendingAdd?.borrowed == true { return nil }
                return try netlink.deleteAddress(spec.address, prefix: spec.prefix, ifindex: index)
            }) { [weak self, weak d] result in
                guard let self else { return }
                switch result {
                case .success(.deleted):
                    break  // its RTM_DELADDR comes (or came) through the monitor: `takeOwnDelete`
                case .success(.notPresent), .success(nil):
                    // Nothing deleted (gone already, or the operator's after all): no notification
                    // of ours will come. Gone already: someone else's RTM_DELADDR may have been
                    // taken for ours; the address was on its way out anyway.
                    self.takeOwnDelete(key)
                case .failure(let error):
                    self.takeOwnDelete(key)
                    self.log.error("(\(d?.name ?? "?")) cannot remove \(spec.text) from \(spec.device): \(error)")
                }
            }
        }
    }

    /// Counts one of our deletes of `key` as answered, by its RTM_DELADDR or by a reply that
    /// deleted nothing; true if one was outstanding. A MASTER → BACKUP → MASTER flap queues a
    /// delete and a re-add: the delete's RTM_DELADDR can be read after the re-add was submitted
    /// or even answered, and taken for someone else's removal it cost a false "removed by
    /// someone else" line, an add that found our own address (EEXIST) and a round of GARPs, at
    /// the worst moment (1 000 instances, 0.01 s adverts). Only an RTM_DELADDR with no delete
    /// of ours outstanding is someone else's.
    @discardableResult
    func takeOwnDelete(_ key: LinkAddress) -> Bool {
        guard let count = ownDeletes[key] else { return false }
        if count > 1 {
            ownDeletes[key] = count - 1
        } else {
            ownDeletes.removeValue(forKey: key)
            // 1 000 masters leaving at once fill it; free its storage once they are all read.
            if ownDeletes.isEmpty { ownDeletes = [:] }
        }
        return true
    }

    /// The monitor lost notifications (overrun) or the interface went: the RTM_DELADDRs still
    /// expected may never come, and a count left behind would swallow a real removal later.
    /// Forgotten instead; a late one then counts as someone else's (a restore that finds our
    /// own address: EEXIST, recognised by its tag).
    func forgetOwnDeletes(ifindex: Int32? = nil) {
        if let ifindex {
            ownDeletes = ownDeletes.filter { $0.key.ifindex != ifindex }
        } else {
            ownDeletes = [:]
        }
    }

    /// Startup: removes addresses that a crashed earlier run left behind: only those marked
    /// with our netlink protocol tag (IFA_PROTO, Linux 6.1+). An untagged address equal to a
    /// virtual address is the operator's and stays (the address owner's own address).
    func removeLeftoverAddresses() {
        for (index, list) in interfaceAddresses {
            for a in list.leftovers() {
                do {
                    _ = try netlink.deleteAddress(a.address, prefix: a.prefix, ifindex: index)
                    log.info("removed leftover address \(a.address)/\(a.prefix) from \(links[index]?.name ?? "?")")
                } catch {
                    log.warning("cannot remove leftover address \(a.address): \(error)")
                }
            }
        }
        interfaceAddresses = Dictionary(grouping: (try? netlink.addresses()) ?? [], by: \.ifindex)
    }

    /// Gratuitous ARP for every IPv4 virtual address and an unsolicited neighbour advertisement
    /// for every IPv6 one, `count` rounds over the addresses (RFC 5798 §6.4.1, keepalived
    /// garp_master_repeat, vrrp.c `vrrp_send_link_update`).
    ///
    /// The frames are sent by the request worker, right after the requests queued before them
    /// (a takeover's address add) are answered: not after a round trip back to the loop thread
    /// for the answer (issue 16: that hop put the first GARP 0.2–0.4 ms after the VIP). A frame
    /// whose add failed, or whose instance left MASTER meanwhile, is not sent. The worker builds
    /// each frame as it sends it: 1 000 instances becoming MASTER at once queue 1 000 small
    /// jobs, not 5 000 frames. With `vrrp_garp_interval` / `vrrp_gna_interval` the frames of
    /// one interface go one gap apart, the gap shared by every instance on that interface
    /// (keepalived vrrp_arp.c); the pacing rule is VRRPCore's ``AnnouncementPacer``, and the
    /// frames it holds go to the worker when their turn comes.
    func announce(_ d: InstanceDriver, count: Int) {
        let ticket = d.announcing ?? AnnouncementTicket()
        d.announcing = ticket
        let rounds = max(1, count)
        var byLane: [AnnouncementLane: [PendingAnnouncement]] = [:]
        var laneOrder: [AnnouncementLane] = []
        for spec in d.settings.allAddresses where d.installed.contains(spec.address) {
            guard let index = ifindex(named: spec.device), let link = links[index],
                  let mac = MACAddress(bytes: link.mac) else { continue }
            let isNA = if case .v6 = spec.address { true } else { false }
            let lane = AnnouncementLane(ifindex: index, neighborAdvertisement: isNA)
            if byLane[lane] == nil { laneOrder.append(lane) }
            byLane[lane, default: []].append(PendingAnnouncement(
                instance: ObjectIdentifier(d), name: d.name, address: spec.address, ifindex: index, mac: mac,
                rounds: rounds, add: d.pendingAdds[spec.address], ticket: ticket))
        }
        let gaps = laneOrder.map { $0.neighborAdvertisement ? configuration.globals.gnaInterval : configuration.globals.garpInterval }
        if zip(laneOrder, gaps).allSatisfy({ announcements.passesAtOnce(lane: $0, gap: $1) }) {
            // keepalived's default (no gap): every round at once, in one job.
            sendAnnouncements(laneOrder.flatMap { byLane[$0] ?? [] })
        } else {
            // `count` rounds over the addresses, one frame per item, each lane paced.
            let now = loop.now()
            var ready: [PendingAnnouncement] = []
            for (lane, gap) in zip(laneOrder, gaps) {
                var items: [PendingAnnouncement] = []
                for _ in 0..<rounds { items += (byLane[lane] ?? []).map { var one = $0; one.rounds = 1; return one } }
                ready += announcements.submit(items, lane: lane, gap: gap, at: now)
            }
            armAnnouncementTimer()
            sendAnnouncements(ready)
        }
        if count > 0 {
            log.info("(\(d.name)) Sending/queueing gratuitous ARPs/NAs for \(d.settings.allAddresses.map(\.text).joined(separator: " "))",
                     metadata: meta(d))
        }
    }

    /// Hands frames to the request worker, which sends them after the requests queued before
    /// (see `announce`): `rounds` rounds over the items; failures are logged back on the loop,
    /// once per address.
    func sendAnnouncements(_ items: [PendingAnnouncement]) {
        let sends = items.compactMap { item in packetSocket(ifindex: item.ifindex).map { (item: item, socket: $0) } }
        guard !sends.isEmpty else { return }
        addressRequests.submit({ _ -> [String] in
            let frames = sends.map { $0.item.frame }
            var failed: Set<IPAddress> = []
            var problems: [String] = []
            for round in 0..<(sends.map(\.item.rounds).max() ?? 0) {
                for ((item, socket), frame) in zip(sends, frames) where round < item.rounds {
                    guard !failed.contains(item.address), item.add?.failed != true, !item.ticket.isCancelled else { continue }
                    do {
                        try socket.send(frame)
                    } catch {
                        failed.insert(item.address)
                        problems.append("(\(item.name)) cannot announce \(item.address): \(error)")
                    }
                }
            }
            return problems
        }) { [weak self] result in
            guard let self, case .success(let problems) = result else { return }
            for problem in problems { self.log.warning("\(problem)") }
        }
    }

    /// One loop timer for the earliest waiting frame of any interface.
    func armAnnouncementTimer() {
        if let old = announcementTimer {
            _ = loop.cancel(old)
            announcementTimer = nil
        }
        guard let next = announcements.nextDeadline else { return }
        announcementTimer = loop.schedule(at: next) { [unowned self] in
            self.announcementTimer = nil
            self.sendAnnouncements(self.announcements.due(at: self.loop.now()))
            self.armAnnouncementTimer()
        }
    }

    /// An instance that leaves MASTER (or stops) sends none of its waiting frames (keepalived
    /// `vrrp_arp_thread` skips an instance that is not MASTER).
    func dropAnnouncements(_ d: InstanceDriver) {
        guard announcements.waitingCount > 0 else { return }
        let id = ObjectIdentifier(d)
        announcements.removeWaiting { $0.instance == id }
        armAnnouncementTimer()
    }
}

/// A gratuitous ARP / NA frame, waiting for its gap or on its way to the worker.
struct PendingAnnouncement: Sendable {
    var instance: ObjectIdentifier
    var name: String
    var address: IPAddress
    var ifindex: Int32
    var mac: MACAddress
    /// How many times it is sent (garp_master_repeat when unpaced; 1 for a paced frame).
    var rounds: Int
    /// The add of its address, when that was not answered yet at the announce.
    var add: AddOutcome?
    var ticket: AnnouncementTicket

    /// Gratuitous ARP for IPv4, unsolicited NA for IPv6 (RFC 5798 §6.4.1: Router flag set, the
    /// core's default).
    var frame: [UInt8] {
        switch address {
        case .v4(let a): GratuitousARP.frame(address: a, sourceMAC: mac)
        case .v6(let a): UnsolicitedNeighborAdvertisement.frame(address: a, sourceMAC: mac)
        }
    }
}

/// What the worker learned from an add, read by the requests of the same address queued behind
/// it (on the worker, in order) before the loop has heard the answer: a delete (borrowed), the
/// gratuitous ARPs (failed).
class AddOutcome: @unchecked Sendable {
    var borrowed = false
    var failed = false
}

/// One term as MASTER of one instance, for the frames the worker sends: cancelled by the loop
/// when the instance's addresses are removed.
final class AnnouncementTicket: Sendable {
    private let cancelled = Atomic<Bool>(false)

    func cancel() { cancelled.store(true, ordering: .releasing) }
    var isCancelled: Bool { cancelled.load(ordering: .acquiring) }
}

/// One virtual address add of `installAddresses` in flight: the request the worker runs and
/// the completion the loop runs, over one object. When every instance becomes MASTER at once
/// (start-up, a mass takeover) N adds are in flight; with the spec captured by two closures
/// each add cost two closure contexts (≈ 290 B) besides its outcome (issue 16, the start-up
/// peak at 1 000 instances).
final class AddressAdd: AddOutcome, @unchecked Sendable {
    let spec: VirtualAddressSpec
    let ifindex: Int32
    /// EEXIST then means the operator's address unless the kernel's copy carries our tag.
    let operatorsIfPresent: Bool
    weak var daemon: Daemon?
    weak var driver: InstanceDriver?

    init(spec: VirtualAddressSpec, ifindex: Int32, operatorsIfPresent: Bool, daemon: Daemon?, driver: InstanceDriver?) {
        self.spec = spec
        self.ifindex = ifindex
        self.operatorsIfPresent = operatorsIfPresent
        self.daemon = daemon
        self.driver = driver
    }

    /// On the worker.
    func run(_ netlink: any AddressConfigurator) throws -> RouteNetlink.AddResult {
        let result: RouteNetlink.AddResult
        do {
            result = try netlink.addAddress(spec.address, prefix: spec.prefix, ifindex: ifindex, label: spec.label,
                                            scope: AddressScope(rawValue: spec.scope), broadcast: spec.broadcast,
                                            noDAD: true)
        } catch {
            failed = true  // its gratuitous ARPs, queued behind, are not sent
            throw error
        }
        // Already there: the operator's only if it does not carry our tag. The loop's
        // view can lag the kernel (a delete and re-add of ours whose events have not been
        // read yet), so the kernel is asked; a kernel without IFA_PROTO tags nothing,
        // and the loop's view decides as before.
        if result == .alreadyExists, operatorsIfPresent {
            let ours = (try? netlink.addresses())?.contains {
                $0.ifindex == ifindex && $0.address == spec.address && $0.prefix == spec.prefix && $0.isTagged()
            } ?? false
            borrowed = !ours
        }
        return result
    }

    /// On the loop thread.
    func completed(_ result: Result<RouteNetlink.AddResult, any Error>) {
        // Removed since (the delete queued behind this add decided its fate): nothing to record.
        guard let daemon, let d = driver, d.pendingAdds[spec.address] === self else { return }
        d.takePendingAdd(spec.address)
        switch result {
        case .success(.added):
            daemon.addedAddresses.insert(PrefixedAddress(spec.address, spec.prefix))
            d.borrowed.remove(spec.address)
        case .success(.alreadyExists):
            if borrowed {
                d.borrowed.insert(spec.address)
                daemon.log.info("(\(d.name)) \(spec.text) is already on \(spec.device) (not added by vrrpd): using it, it will not be removed",
                                metadata: daemon.meta(d))
            }
        case .failure(let error):
            d.installed.remove(spec.address)
            daemon.log.error("(\(d.name)) cannot add \(spec.text) on \(spec.device): \(error)", metadata: daemon.meta(d))
        }
    }
}

extension Daemon {
    /// The AF_PACKET socket of an interface, opened on first use.
    func packetSocket(ifindex: Int32) -> (any PacketSender)? {
        if let s = packetSockets[ifindex] { return s }
        do {
            let s = try io.openPacketSocket(ifindex)
            packetSockets[ifindex] = s
            return s
        } catch {
            log.error("cannot open a packet socket on \(links[ifindex]?.name ?? "?"): \(error)")
            return nil
        }
    }
}

extension Daemon {
    /// RFC 5798 §6.4.3: a master that is not the address owner and has Accept_Mode off (keepalived
    /// `no_accept`, or `vrrp_strict`) must not accept packets addressed to its virtual addresses
    /// (ARP and ND excepted). Keeps our nftables set equal to the VIPs of such masters; nothing
    /// is created while no instance has Accept_Mode off.
    /// A full recount: start-up, a reload, a `use_vmac` interface made or gone.
    func updateAcceptFilter() {
        var counts: [IPAddress: Int] = [:]
        for d in instances {
            d.acceptBlocking = blockedAddresses(d)
            for a in d.acceptBlocking { counts[a, default: 0] += 1 }
        }
        acceptBlockCounts = counts
        let macvlans = virtualMACFilterEntries()
        let needed = instances.contains { !$0.settings.router.acceptMode } || !macvlans.isEmpty
        guard needed || acceptFilter != nil else { return }
        applyAcceptFilter(macvlans: macvlans)
    }

    /// `d` changed state: only its own addresses enter or leave the set, and only when it
    /// became or stopped being MASTER with Accept_Mode off. A takeover of a thousand instances
    /// used to recount every instance, and every `use_vmac` interface, per transition (29 % of
    /// a 250-instance master's start-up instructions in callgrind, issue 16). Called before the
    /// transition's address adds, so the drop rule is in the queue ahead of the VIP.
    /// At shutdown nothing changes: the table keeps dropping until the VIPs' deletes queued
    /// ahead of its removal have run (`shutdown`, `removeAcceptFilter`).
    func updateAcceptFilter(after d: InstanceDriver) {
        guard !shuttingDown else { return }
        let now = blockedAddresses(d)
        guard now != d.acceptBlocking else { return }
        for a in d.acceptBlocking {
            let left = (acceptBlockCounts[a] ?? 1) - 1
            acceptBlockCounts[a] = left > 0 ? left : nil
        }
        for a in now { acceptBlockCounts[a, default: 0] += 1 }
        d.acceptBlocking = now
        applyAcceptFilter(macvlans: acceptMACs)
    }

    /// The addresses `d` keeps others from reaching now: its VIPs and eVIPs while it is MASTER,
    /// not their owner (priority 255) and has Accept_Mode off.
    private func blockedAddresses(_ d: InstanceDriver) -> [IPAddress] {
        guard d.router.state == .master, !d.settings.router.acceptMode, d.settings.router.priority != 255 else { return [] }
        return d.settings.allAddresses.map(\.address)
    }

    /// Sends the set `acceptBlockCounts` holds and `macvlans` to the table, unless it holds them.
    private func applyAcceptFilter(macvlans: [NftablesRequest.VirtualMACEntry]) {
        let blocked = Set(acceptBlockCounts.keys)
        if acceptFilter != nil, blocked == acceptBlocked, macvlans == acceptMACs { return }
        guard let open = io.openPacketFilter else { return }
        let filter: any PacketFilterTable
        do {
            filter = try acceptFilter ?? open()
        } catch {
            log.error("cannot update the nftables table \(AcceptModeFilter.tableName) for Accept_Mode: \(error)")
            return
        }
        acceptFilter = filter
        acceptBlocked = blocked
        acceptMACs = macvlans
        // nfnetlink waits for the kernel's answer: on the request worker, after the address
        // requests queued before it; the set is sorted there too, off the loop.
        addressRequests.submit({ _ in
            var v4: [IPv4Address] = []
            var v6: [IPv6Address] = []
            for a in blocked {
                switch a {
                case .v4(let x): v4.append(x)
                case .v6(let x): v6.append(x)
                }
            }
            v4.sort { $0.bytes.lexicographicallyPrecedes($1.bytes) }
            v6.sort { $0.bytes.lexicographicallyPrecedes($1.bytes) }
            try filter.apply(ipv4: v4, ipv6: v6, virtualMACs: macvlans)
        }) { [weak self] result in
            guard let self else { return }
            switch result {
            case .success:
                let reports = macvlans.isEmpty ? "" : "; IGMP/MLD reports of \(macvlans.count) VMAC interface(s) leave by their base"
                self.log.info("Accept_Mode off: dropping packets to \(Self.addressSummary(blocked)) (nftables table \(AcceptModeFilter.tableName))\(reports)")
            case .failure(let error):
                self.log.error("cannot update the nftables table \(AcceptModeFilter.tableName) for Accept_Mode: \(error)")
                // Applied again at the next update (0.0.0.0, never a VIP, makes the sets differ).
                if self.acceptBlocked == blocked { self.acceptBlocked = blocked.union([.v4(IPv4Address(0))]) }
                if self.acceptMACs == macvlans { self.acceptMACs = [] }
            }
        }
    }

    /// The set for the log: every address up to 16, else how many (a mass takeover of a
    /// thousand instances wrote a thousand lines of up to a thousand addresses each).
    static func addressSummary(_ addresses: Set<IPAddress>) -> String {
        if addresses.isEmpty { return "no address" }
        if addresses.count > 16 { return "\(addresses.count) addresses" }
        return addresses.map(\.description).sorted().joined(separator: " ")
    }

    /// Start-up: a crashed run may have left our nftables tables dropping traffic to VIPs. When
    /// no instance has Accept_Mode off they are deleted here (only ours, only if present);
    /// otherwise the first update replaces them anyway.
    func removeLeftoverAcceptFilter(_ settings: [InstanceSettings]) {
        guard !settings.contains(where: { !$0.router.acceptMode }) else { return }
        guard let filter = try? AcceptModeFilter(),
              (try? filter.tableExists()) == true || (try? filter.tableExists(ipv6: true)) == true else { return }
        do {
            try filter.remove()
            log.info("removed the nftables tables \(AcceptModeFilter.tableName) a previous run left behind")
        } catch {
            log.warning("cannot remove the leftover nftables tables \(AcceptModeFilter.tableName): \(error)")
        }
    }

    /// Removes our nftables tables at exit (only if we created them).
    /// Queued behind the updates, so that none re-creates them; shutdown waits for the queue.
    func removeAcceptFilter() {
        guard let filter = acceptFilter else { return }
        addressRequests.submit({ _ in try filter.remove() }) { [weak self] result in
            if case .failure(let error) = result {
                self?.log.error("cannot remove the nftables table \(AcceptModeFilter.tableName): \(error)")
            }
        }
        acceptFilter = nil
        acceptBlocked = []
        acceptMACs = []
    }
}
