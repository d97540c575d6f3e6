// SPDX-License-Identifier: Apache-2.0
extension VirtualRouter {
    /// Adverts that reached this router's socket but are not for it, before any RFC check:
    /// our own advert looped back (the driver should turn multicast loop off; never an
    /// election input, or a master would answer itself forever, F37), a sender that is not a
    /// unicast peer (keepalived hears only its peers), or, in multicast mode, a destination
    /// that is neither the group nor our own address.
    func filter(_ received: ReceivedAdvertisement) -> AdvertisementRejection? {
        if let local = localAddress, received.source == local { return .notForUs(.ownAdvertisement) }
        if configuration.isUnicast {
            return configuration.unicastPeers.contains(received.source) ? nil : .notForUs(.notUnicastPeer(received.source))
        }
        if received.destination != configuration.multicastGroup, received.destination != localAddress {
            return .notForUs(.otherDestination(received.destination))
        }
        return nil
    }

    /// The instance-level receive checks of RFC 5798 §7.1 / RFC 3768 §7.1 (checklist D19–D22),
    /// in FRR's order. The first failing check names the one counter to increment.
    func validate(_ received: ReceivedAdvertisement) -> AdvertisementRejection? {
        // A plain chain (no array of closures): this runs for every advert.
        if let r = Self.checkTTL(self, received) { return r }
        if let r = Self.checkVersion(self, received) { return r }
        if let r = Self.checkVRID(self, received) { return r }
        if let r = Self.checkAuthentication(self, received) { return r }
        if let r = Self.checkInterval(self, received) { return r }
        return Self.checkAddresses(self, received)
    }

    /// What every RFC receiver drops, whatever its configuration: the checks of `validate`
    /// that need none (TTL / hop limit, VRID 0, a VRRPv2 interval of 0), after the wire
    /// decoder's own (length, version, checksum, type, count, auth type, v3 interval 0).
    /// `vrrpctl decode` gives this verdict; the instance runs the same functions in `validate`.
    /// - Parameter ttl: the TTL / hop limit; nil for a bare VRRP message (no IP header).
    public static func receiverRejection(_ advertisement: Advertisement, ttl: UInt8?) -> AdvertisementRejection? {
        if let ttl, let r = ttlRejection(ttl) { return r }
        if let r = vridRangeRejection(advertisement.vrid) { return r }
        return advertisement.version == .v2 ? v2ZeroIntervalRejection(advertisement.interval) : nil
    }

    /// RFC 5798 §5.1.1.3, §5.1.2.3, §7.1; RFC 3768 §7.1 (checklist A3, D19): TTL / hop limit
    /// must be 255.
    static func ttlRejection(_ ttl: UInt8) -> AdvertisementRejection? {
        ttl != 255 ? .ipTTL(ttl) : nil
    }

    /// RFC 5798 §5.2.3: VRIDs are 1–255; 0 is never configured anywhere.
    static func vridRangeRejection(_ vrid: UInt8) -> AdvertisementRejection? {
        vrid == 0 ? .vrid(0) : nil
    }

    /// RFC 3768 §5.3.7, §7.1: a v2 interval must equal the configured one, which is 1–255 s.
    static func v2ZeroIntervalRejection(_ interval: Centiseconds) -> AdvertisementRejection? {
        interval.value == 0 ? .advertInterval(received: interval, expected: Centiseconds(100)) : nil
    }

    /// keepalived skips the TTL check in unicast mode (`checkTTL == false`).
    static func checkTTL(_ r: VirtualRouter, _ rx: ReceivedAdvertisement) -> AdvertisementRejection? {
        r.configuration.checkTTL ? ttlRejection(rx.ttl) : nil
    }

    /// RFC 5798 §7.1 (checklist D19, I46): the version must be ours.
    static func checkVersion(_ r: VirtualRouter, _ rx: ReceivedAdvertisement) -> AdvertisementRejection? {
        rx.advertisement.version != r.configuration.version ? .version(rx.advertisement.version.rawValue) : nil
    }

    /// RFC 5798 §7.1 (checklist D19): the VRID must be configured here.
    static func checkVRID(_ r: VirtualRouter, _ rx: ReceivedAdvertisement) -> AdvertisementRejection? {
        if let range = vridRangeRejection(rx.advertisement.vrid) { return range }
        return rx.advertisement.vrid != r.configuration.vrid ? .vrid(rx.advertisement.vrid) : nil
    }

    /// RFC 3768 §7.1 (checklist D20): v2 auth type must match ours, and PASS data must be equal.
    static func checkAuthentication(_ r: VirtualRouter, _ rx: ReceivedAdvertisement) -> AdvertisementRejection? {
        guard r.configuration.version == .v2 else { return nil }
        let ours = r.configuration.authentication
        let theirs = rx.advertisement.authentication
        guard theirs.typeCode == ours.typeCode else {
            return .authTypeMismatch(received: theirs.typeCode, expected: ours.typeCode)
        }
        if case .password(let expected) = ours, case .password(let got) = theirs,
           padded(got) != padded(expected) {
            return .authFailure
        }
        return nil
    }

    private static func padded(_ bytes: [UInt8]) -> [UInt8] {
        let head = Array(bytes.prefix(8))
        return head + Array(repeating: 0, count: 8 - head.count)
    }

    /// RFC 3768 §7.1 (checklist D21): a v2 interval other than ours is discarded.
    /// RFC 9568 erratum 8301 (checklist B13): a v3 interval of 0 is discarded.
    static func checkInterval(_ r: VirtualRouter, _ rx: ReceivedAdvertisement) -> AdvertisementRejection? {
        let got = rx.advertisement.interval
        let ours = r.configuration.advertisementInterval
        switch r.configuration.version {
        case .v2:
            if v2ZeroIntervalRejection(got) != nil { return .advertInterval(received: got, expected: ours) }
            return got != ours ? .advertInterval(received: got, expected: ours) : nil
        case .v3: return got.value == 0 ? .advertInterval(received: got, expected: ours) : nil
        }
    }

    /// RFC 9568 erratum 8299 (checklist B11): count 0 is ignored. RFC 5798 §5.2.9: one family.
    /// RFC 5798 §7.1 / keepalived (checklist D22): a list that differs from ours is dropped
    /// when `checkAddressList` (order does not matter).
    static func checkAddresses(_ r: VirtualRouter, _ rx: ReceivedAdvertisement) -> AdvertisementRejection? {
        let theirs = rx.advertisement.addresses
        if theirs.isEmpty { return .addressList("count is 0") }
        if theirs.contains(where: { $0.family != r.configuration.family }) {
            return .addressList("not all \(r.configuration.family)")
        }
        guard r.configuration.checkAddressList else { return nil }
        if theirs.count != r.configuration.virtualAddresses.count {
            return .addressList("\(theirs.count) addresses, \(r.configuration.virtualAddresses.count) configured")
        }
        if theirs != r.configuration.virtualAddresses, theirs.sorted() != r.configuration.virtualAddresses.sorted() {
            return .addressList("addresses differ from the configured ones")
        }
        return nil
    }
}
