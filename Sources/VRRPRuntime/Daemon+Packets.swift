// SPDX-License-Identifier: Apache-2.0
import VRRPCore
import VRRPLinux

extension Daemon {
    /// Opens (once) the raw VRRP socket of an interface and family, and joins the multicast
    /// group of `d` on it unless `d` is unicast (each instance's own group: `mcast_dst_ip`,
    /// `vrrp_mcast_group4|6`; joining twice is harmless).
    func ensureSocket(_ key: SocketKey, for d: InstanceDriver) {
        guard let link = links[key.ifindex] else { return }
        if sockets[key] == nil {
            do {
                let socket = try io.openVRRPSocket(key.family, link.name, key.ifindex, .unicast)
                sockets[key] = socket
                try loop.register(fd: socket.fileDescriptor) { [unowned self] in self.socketReadable(key) }
                log.info("VRRP socket open on \(link.name) (\(key.family))")
            } catch {
                log.error("cannot open the VRRP socket on \(link.name) (\(key.family)): \(error)")
                return
            }
        }
        guard !d.settings.isUnicast, let socket = sockets[key] else { return }
        let group = d.settings.multicastGroup
        do {
            try socket.join(group)
            if joinedGroups.insert(GroupMembership(key: key, group: group)).inserted {
                log.info("VRRP socket on \(link.name) joined group \(group)")
            }
        } catch {
            log.error("(\(d.name)) cannot join \(group) on \(link.name): \(error)", metadata: meta(d))
        }
    }

    func closeSocket(ifindex: Int32) {
        for key in sockets.keys where key.ifindex == ifindex {
            if let s = sockets.removeValue(forKey: key) { loop.unregister(fd: s.fileDescriptor) }
        }
        forgetHeld(ifindex: ifindex)
        joinedGroups = joinedGroups.filter { $0.key.ifindex != ifindex }
    }

    func socketReadable(_ key: SocketKey) {
        // Bounded per wakeup so one flooded interface cannot starve the others; one recvmmsg
        // per 32 datagrams (a recvmsg each plus one for EAGAIN before issue 16). The socket's
        // instances are looked up once per wake-up, not per datagram (issue 16). A busy
        // backup's socket is then held for a window (Daemon+Coalesce.swift).
        let previous = held[key]?.lastReadAt
        let count = readSocket(key, limit: Self.wakeReadLimit)
        considerHolding(key, count: count, previousRead: previous)
    }

    /// Decodes one packet in place (its receive slot; no copy, issue 16) and hands it to the
    /// instance of its VRID. Malformed packets are counted on that instance (or on every
    /// instance of the socket when no VRID can be read) and dropped; nothing here can trap.
    func handle(_ packet: ReceivedDatagram, key: SocketKey, entry: SocketInstances, at arrival: Instant? = nil) {
        let onSocket = entry.all
        let vrid = Advertisement.peekVRID(packet.bytes, family: key.family)
        let decoded: Result<ReceivedAdvertisement, AdvertisementRejection>
        switch key.family {
        case _ where packet.isTruncated:
            // Longer than a receive slot, so longer than any legal advert (VRRPSocket+Batch):
            // a length error (RFC 6527 vrrpv3StatisticsPacketLengthErrors), not decoded.
            decoded = .failure(.packetLength(packet.length))
        case .ipv4:
            decoded = IPPacket.decode(packet.bytes).mapError(\.counterRejection)
        case .ipv6:
            decoded = Advertisement.decode(packet.bytes, source: packet.source, destination: packet.destination)
                .map { ReceivedAdvertisement(advertisement: $0, source: packet.source,
                                             destination: packet.destination, ttl: packet.ttlOrHopLimit ?? 0) }
        }
        switch decoded {
        case .failure(let rejection):
            let targets = vrid.flatMap { entry.byVRID[$0] }
            for d in targets ?? onSocket { d.router.record(rejection) }
            unmatchedPackets += targets == nil ? 1 : 0
            log.debug("discarded a packet from \(packet.source) on \(links[key.ifindex]?.name ?? "?"): \(rejection)")
        case .success(var received):
            if key.family == .ipv6 { received.ttl = packet.ttlOrHopLimit ?? 0 }
            let vrid = received.advertisement.vrid
            guard let d = entry.byVRID[vrid]?.first else {
                for d in onSocket { d.router.record(.vrid(vrid)) }
                unmatchedPackets += 1
                return
            }
            deliver(received, to: d, at: arrival)
        }
    }

    /// The instances bound to a socket, from the demux index (rebuilt after any change to
    /// `instances` or an instance's interface): one dictionary lookup per packet instead of a
    /// scan of every instance (which dominated the CPU profile at 1 000 instances).
    func instancesOn(_ key: SocketKey) -> SocketInstances? {
        if demux == nil {
            var index: [SocketKey: SocketInstances] = [:]
            for d in instances {
                guard let ifindex = d.socketIfindex else { continue }
                let k = SocketKey(ifindex: ifindex, family: d.settings.family)
                index[k, default: SocketInstances()].all.append(d)
                index[k, default: SocketInstances()].byVRID[d.settings.router.vrid, default: []].append(d)
            }
            demux = index
        }
        return demux?[key]
    }

    /// Hands a decoded advert to its instance. Which adverts are for it at all (own, unicast
    /// peers, destination) and which pass RFC 5798 §7.1 is the core's decision; the driver only
    /// records the ones from elsewhere for the status ("what has the backup heard").
    func deliver(_ received: ReceivedAdvertisement, to d: InstanceDriver, at arrival: Instant? = nil) {
        feed(d, .advertisementReceived(received), at: arrival) { action in
            switch action {
            case .rejected(.notForUs(.ownAdvertisement)):
                break
            case .rejected(.notForUs(let why)):
                noteForeign(d, received, reason: why.description, at: arrival)
            case .rejected(.addressList):
                noteForeign(d, received, reason: "address list differs from ours (VRID collision?)", at: arrival)
            default:
                break
            }
        }
    }

    /// Records an advert from elsewhere for the status, stamped with its arrival (a held
    /// socket is read up to a window later; `lastAdvertisement` is stamped the same way).
    func noteForeign(_ d: InstanceDriver, _ received: ReceivedAdvertisement, reason: String, at arrival: Instant? = nil) {
        d.foreign.count += 1
        d.foreign.lastFrom = received.source.description
        d.foreign.lastAt = arrival.map { wallOffset + Double($0.nanoseconds) / 1e9 } ?? wallClock()
        d.foreign.lastReason = reason
        if d.foreign.count == 1 || d.foreign.count % 100 == 0 {
            log.warning("(\(d.name)) advert from \(received.source) on VRID \(d.settings.router.vrid): \(reason) (\(d.foreign.count) so far)",
                        metadata: meta(d))
        }
    }

    /// The VRID byte of a raw packet, if the packet is long enough to have one.
    func sendAdvertisement(_ d: InstanceDriver, priority: UInt8) {
        guard let ifindex = d.socketIfindex, let socket = sockets[SocketKey(ifindex: ifindex, family: d.settings.family)],
              let source = d.source else { return }
        let advertisement = d.reading { $0.advertisement(priority: priority) }
        let key = SocketKey(ifindex: ifindex, family: d.settings.family)
        if d.settings.isUnicast {
            for destination in d.settings.unicastPeers {
                send(advertisement, of: d, from: source, to: destination, on: socket, key: key)
            }
        } else {
            // No one-element destination array per advert (issue 16).
            send(advertisement, of: d, from: source, to: d.settings.multicastGroup, on: socket, key: key)
        }
    }

    private func send(_ advertisement: Advertisement, of d: InstanceDriver, from source: IPAddress, to destination: IPAddress,
                      on socket: any VRRPTransport, key: SocketKey) {
        do {
            // Into the instance's own buffer (issue 16): the outbox's reference is dropped at
            // its flush, so by the next advert the buffer is held alone again and reused.
            try advertisement.encode(into: &d.advertBuffer, source: source, destination: destination,
                                     v3IPv4Checksum: d.settings.v3ChecksumAsV2 ? .rfc9568 : .pseudoHeader)
            let bytes = d.advertBuffer
            if outbox.collecting {
                if outbox.isEmpty { loop.runNextTurn { [unowned self] in self.flushOutbox() } }
                outbox.append(OutgoingVRRP(vrrp: bytes, source: source, destination: destination), key: key, from: d)
            } else {
                try socket.send(bytes, from: source, to: destination)
            }
        } catch {
            log.warning("(\(d.name)) cannot send advertisement to \(destination): \(error)", metadata: meta(d))
        }
    }

    /// Sends the adverts collected in this loop turn, one batch per socket (sendmmsg).
    func flushOutbox() {
        outbox.flush { key, batch in
            guard let socket = sockets[key] else { return }
            for failure in socket.send(batch.messages) {
                let d = batch.senders[failure.index]
                log.warning("(\(d.name)) cannot send advertisement to \(batch.messages[failure.index].destination): \(failure.error)",
                            metadata: meta(d))
            }
        }
    }
}

/// A multicast group joined on one socket (for logging the first join only).
struct GroupMembership: Hashable {
    var key: SocketKey
    var group: IPAddress
}

/// The instances of one socket (interface and family), in configuration order, and by VRID.
struct SocketInstances {
    var all: [InstanceDriver] = []
    var byVRID: [UInt8: [InstanceDriver]] = [:]
    /// The socket's hold window (Daemon+Coalesce.swift `holdWindow`) once computed: `.some(nil)`
    /// for "not held". Forgotten when an instance's read slack changes (`feed`) and with the
    /// whole index when the instances on the socket change.
    var holdWindow: Interval??
}

/// Periodic adverts collected during one loop turn, by socket, until `flushOutbox` sends them
/// with one sendmmsg(2) per socket at the end of the turn (issue 16). Only the master's
/// Adver_Timer adverts are collected; the first advert of a new master, priority-0 adverts and
/// every other packet go out at once, in their order.
struct AdvertOutbox {
    struct Batch {
        var messages: [OutgoingVRRP] = []
        var senders: [InstanceDriver] = []

        mutating func append(_ message: OutgoingVRRP, from d: InstanceDriver) {
            messages.append(message)
            senders.append(d)
        }
    }

    /// True while an Adver_Timer fire is being handled.
    var collecting = false
    /// One batch per socket, kept between turns: emptied after each flush with their capacity,
    /// so a steady master does not free and regrow them every turn (issue 16).
    private var batches: [SocketKey: Batch] = [:]
    private var queued = 0

    var isEmpty: Bool { queued == 0 }

    mutating func append(_ message: OutgoingVRRP, key: SocketKey, from d: InstanceDriver) {
        batches[key, default: Batch()].append(message, from: d)  // one hash lookup
        queued += 1
    }

    /// Hands every non-empty batch to `body`, then empties them (capacity kept).
    mutating func flush(_ body: (SocketKey, Batch) -> Void) {
        guard queued > 0 else { return }
        queued = 0
        for index in batches.indices where !batches[index].value.messages.isEmpty {
            body(batches[index].key, batches[index].value)
            batches.values[index].messages.removeAll(keepingCapacity: true)
            batches.values[index].senders.removeAll(keepingCapacity: true)
        }
    }
}
