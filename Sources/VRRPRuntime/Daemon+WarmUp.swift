// SPDX-License-Identifier: Apache-2.0
import VRRPCore

extension Daemon {
    /// Takes, at start-up, the one-time cost the first takeover would otherwise pay (issue 16,
    /// takeover overhead).
    ///
    /// The first use of a generic type in a process (a `Set<IPAddress>`'s storage, a dictionary
    /// keyed by `AnnouncementLane`, …) makes the Swift runtime build its metadata, and checking
    /// its generic requirements scans every protocol conformance record in the binary (≈ 4 000
    /// in vrrpd). A backup runs none of the takeover code before its first takeover, so that
    /// takeover paid the scans on the way to its address add and advert: `perf record` of a
    /// graceful takeover at advert_int 0.1 showed `swift_conformsToProtocol` under
    /// `installAddresses`, `announceNow` (now `announce`) and the pacer, ≈ 0.25 ms between the Master_Down timer
    /// and the add. The runtime caches what it found, so using each type once here is enough.
    /// Nothing here sends, changes the kernel's tables or touches an instance's state.
    func warmUpTakeoverPath() {
        let address = IPAddress.v4(IPv4Address(198, 18, 0, 1))
        // installAddresses and its completion.
        var installed: Set<IPAddress> = []
        installed.insert(address)
        var pending: [IPAddress: AddOutcome] = [:]
        pending[address] = AddressAdd(spec: VirtualAddressSpec(address: address, prefix: 32, device: "", label: nil, scope: 0, broadcast: nil),
                                      ifindex: 0, operatorsIfPresent: false, daemon: nil, driver: nil)
        var added: Set<PrefixedAddress> = []
        added.insert(PrefixedAddress(address, 32))
        // announce and the pacer.
        let lane = AnnouncementLane(ifindex: 1, neighborAdvertisement: false)
        var byLane: [AnnouncementLane: [PendingAnnouncement]] = [:]
        byLane[lane, default: []].append(PendingAnnouncement(instance: ObjectIdentifier(self), name: "", address: address,
                                                             ifindex: 1, mac: MACAddress(bytes: [0, 0, 0x5e, 0, 1, 1])!, rounds: 1,
                                                             add: nil, ticket: AnnouncementTicket()))
        var pacer = AnnouncementPacer<PendingAnnouncement>()
        _ = pacer.passesAtOnce(lane: lane, gap: .zero)
        _ = pacer.submit(byLane[lane] ?? [], lane: lane, gap: .milliseconds(1), at: .zero)
        _ = pacer.nextDeadline
        pacer.removeWaiting { _ in true }
        // The first advert as master (a backup has never encoded one).
        if let d = instances.first(where: { $0.source != nil }), let source = d.source {
            let destination = d.settings.isUnicast ? (d.settings.unicastPeers.first ?? source) : d.settings.multicastGroup
            _ = try? d.router.advertisement(priority: d.router.effectivePriority)
                .encode(source: source, destination: destination,
                        v3IPv4Checksum: d.settings.v3ChecksumAsV2 ? .rfc9568 : .pseudoHeader)
        }
        // The send-only AF_PACKET sockets the gratuitous ARPs/NAs go out on (protocol 0: they
        // receive nothing), so the first burst does not open one.
        for d in instances {
            for spec in d.settings.allAddresses {
                if let index = ifindex(named: spec.device) { _ = packetSocket(ifindex: index) }
            }
        }
        _ = (installed, pending, added)
    }
}
