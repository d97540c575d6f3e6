// SPDX-License-Identifier: Apache-2.0
/// An advertisement with the checksum form it matched.
public struct DecodedAdvertisement: Hashable, Sendable {
    public var advertisement: Advertisement
    public var checksumForm: ChecksumForm

    public init(advertisement: Advertisement, checksumForm: ChecksumForm) {
        self.advertisement = advertisement
        self.checksumForm = checksumForm
    }
}

extension Advertisement {
    /// Octets before the address list: version/type, VRID, priority, count, two octets, checksum.
    static let fixedLength = 8
    /// VRRPv2 Authentication Data (RFC 3768 §5.3.10).
    static let v2AuthDataLength = 8

    /// Decodes a VRRP message (the IP payload) received from `source` to `destination`.
    ///
    /// Runs the context-free receive checks of RFC 5798 §7.1 / RFC 3768 §7.1 in FRR's order;
    /// each failure is one `AdvertisementRejection` case (one MIB counter):
    /// length, version, checksum, type, address list, v2 auth type, v3 interval.
    /// TTL / hop limit, VRID, auth data and interval mismatches are the instance's checks.
    /// Never traps; allocates the address list (and a PASS password), never a copy of the input
    /// when it is contiguous.
    public static func decode(_ vrrp: some Collection<UInt8>, source: IPAddress, destination: IPAddress)
        -> Result<Advertisement, AdvertisementRejection>
    {
        decodeDetailed(vrrp, source: source, destination: destination).map(\.advertisement)
    }

    /// As `decode(_:source:destination:)`, and tells which checksum form matched.
    ///
    /// With `source` and `destination` nil (a bare VRRP message, e.g. pasted into
    /// `vrrpctl decode`) the family is inferred from the length, and a VRRPv3 checksum that
    /// needs a pseudo-header is reported as `.unverified` instead of being rejected.
    /// The same for an array, specialized here (see `IPPacket.decode(_: [UInt8])`).
    public static func decode(_ vrrp: [UInt8], source: IPAddress, destination: IPAddress)
        -> Result<Advertisement, AdvertisementRejection>
    {
        vrrp.withUnsafeBufferPointer { decodeDetailed(buffer: $0, source: source, destination: destination) }
            .map(\.advertisement)
    }

    public static func decodeDetailed(_ vrrp: some Collection<UInt8>, source: IPAddress?, destination: IPAddress?)
        -> Result<DecodedAdvertisement, AdvertisementRejection>
    {
        if let result = vrrp.withContiguousStorageIfAvailable({ decodeDetailed(buffer: $0, source: source, destination: destination) }) {
            return result
        }
        return Array(vrrp).withUnsafeBufferPointer { decodeDetailed(buffer: $0, source: source, destination: destination) }
    }

    /// Decodes a VRRP message in place, e.g. in the receive slot the kernel wrote it to (issue
    /// 16: no copy per received advert). The same checks as `decode(_:source:destination:)`.
    public static func decode(_ vrrp: UnsafeRawBufferPointer, source: IPAddress, destination: IPAddress)
        -> Result<Advertisement, AdvertisementRejection>
    {
        decodeDetailed(buffer: vrrp.assumingMemoryBound(to: UInt8.self), source: source, destination: destination)
            .map(\.advertisement)
    }

    /// The one implementation of the receive checks, over contiguous bytes.
    static func decodeDetailed(buffer bytes: UnsafeBufferPointer<UInt8>, source: IPAddress?, destination: IPAddress?)
        -> Result<DecodedAdvertisement, AdvertisementRejection>
    {
        // 1. Length of the fixed part (RFC 5798 §7.1: "a complete packet").
        guard bytes.count >= fixedLength else { return .failure(.packetLength(bytes.count)) }
        // 2. Version (RFC 5798 §5.2.1, RFC 3768 §5.3.1; checklist B7).
        let versionNumber = bytes[0] >> 4
        guard let version = VRRPVersion(rawValue: versionNumber) else {
            return .failure(.version(versionNumber))
        }
        let count = Int(bytes[3])
        // 1b. Length of the address list and auth data; this fixes the address family.
        let family: AddressFamily
        switch lengthCheck(bytes.count, version: version, count: count,
                           family: source?.family ?? destination?.family) {
        case .success(let f): family = f
        case .failure(let r): return .failure(r)
        }
        // 3. Checksum (checklist C1–C3).
        let checksumForm: ChecksumForm
        switch verifyChecksum(bytes, version: version, family: family, source: source, destination: destination) {
        case .success(let form): checksumForm = form
        case .failure(let r): return .failure(r)
        }
        // 4. Type: only 1 = ADVERTISEMENT (RFC 5798 §5.2.2; checklist B8).
        let type = bytes[0] & 0x0F
        guard type == 1 else { return .failure(.invalidType(type)) }
        // 5. Address list.
        if count == 0 {
            // RFC 9568 §5.2.5 (erratum 8299): an advertisement with count 0 MUST be ignored (checklist B11).
            return .failure(.addressList("count is 0 (ignored per RFC 9568 §5.2.5)"))
        }
        if version == .v2, family != .ipv4 {
            // RFC 3768 §5.3.9: VRRPv2 carries IPv4 addresses only.
            return .failure(.addressList("VRRPv2 carries IPv4 addresses only"))
        }
        if let s = source, let d = destination, s.family != d.family {
            return .failure(.addressList("source \(s) and destination \(d) are of different families"))
        }
        // The length check above fixed the list's extent: every read below is in bounds.
        let width = family == .ipv4 ? 4 : 16
        var offset = fixedLength
        var addresses: [IPAddress] = []
        addresses.reserveCapacity(count)
        for _ in 0..<count {
            guard offset + width <= bytes.count else { return .failure(.packetLength(bytes.count)) }
            let field = UnsafeBufferPointer(rebasing: bytes[offset..<(offset + width)])
            let address: IPAddress? = family == .ipv4 ? IPv4Address(bytes: field).map { .v4($0) }
                                                      : IPv6Address(bytes: field).map { .v6($0) }
            guard let address else { return .failure(.packetLength(bytes.count)) }
            addresses.append(address)
            offset += width
        }
        // 6. v2 auth type (RFC 3768 §5.3.6; checklist B15). 1 and 2 are RFC 2338's, kept by keepalived.
        let authentication: Authentication
        let interval: Centiseconds
        switch version {
        case .v2:
            switch bytes[4] {
            case 0: authentication = .none  // Auth Data ignored on receive (RFC 3768 §5.3.10).
            case 1:
                let end = min(offset + v2AuthDataLength, bytes.count)
                authentication = .password(offset + v2AuthDataLength <= bytes.count ? Array(bytes[offset..<end]) : [])
            case 2: authentication = .ipAH
            default: return .failure(.invalidAuthType(bytes[4]))
            }
            // RFC 3768 §5.3.7: Adver Int in seconds. Zero is left to the instance's
            // interval-equality check (RFC 3768 §7.1, checklist D21).
            interval = Centiseconds(UInt16(bytes[5]) * 100)
        case .v3:
            authentication = .none
            // RFC 5798 §5.2.6-7: 4-bit Rsvd (ignored on receive), 12-bit Max Adver Int.
            interval = Centiseconds(bytes.bigEndianU16(at: 4) & 0x0FFF)
            // 7. RFC 9568 §5.2.7 (erratum 8301): the interval is 1–4095; check it is non-zero (checklist B13).
            guard interval.value != 0 else {
                return .failure(.advertInterval(received: interval, expected: Centiseconds(1)))
            }
        }
        let advertisement = Advertisement(
            version: version, vrid: bytes[1], priority: bytes[2], interval: interval,
            addresses: addresses, authentication: authentication, checksum: bytes.bigEndianU16(at: 6))
        return .success(DecodedAdvertisement(advertisement: advertisement, checksumForm: checksumForm))
    }

    /// Checks the message length against count and family; returns the family of the list.
    private static func lengthCheck(_ length: Int, version: VRRPVersion, count: Int, family: AddressFamily?)
        -> Result<AddressFamily, AdvertisementRejection>
    {
        func expected(_ f: AddressFamily) -> Int {
            fixedLength + count * (f == .ipv4 ? 4 : 16) + (version == .v2 ? v2AuthDataLength : 0)
        }
        switch version {
        case .v2:
            // The list is always IPv4 in v2; a v6 packet is reported at the address-list step.
            guard length == expected(.ipv4) else { return .failure(.packetLength(length)) }
            return .success(family ?? .ipv4)
        case .v3:
            if let family {
                if length == expected(family) { return .success(family) }
                // RFC 5798 §5.2.9: one family per message, that of the IP packet (checklist B14).
                let other: AddressFamily = family == .ipv4 ? .ipv6 : .ipv4
                if count > 0, length == expected(other) {
                    return .failure(.addressList("\(other) addresses in an \(family) packet"))
                }
                return .failure(.packetLength(length))
            }
            if length == expected(.ipv4) { return .success(.ipv4) }
            if length == expected(.ipv6) { return .success(.ipv6) }
            return .failure(.packetLength(length))
        }
    }

    /// Tries the checksum forms the version and family allow; returns the first that matches.
    private static let v2Forms: [ChecksumForm] = [.messageOnly]
    private static let v3IPv6Forms: [ChecksumForm] = [.ipv6PseudoHeader]
    private static let v3IPv4Forms: [ChecksumForm] = [.ipv4PseudoHeader, .messageOnly]
    private static let v3IPv4UnicastForms: [ChecksumForm] =
        [.ipv4PseudoHeader, .messageOnly, .ipv4PseudoHeaderMulticastDestination]

    private static func verifyChecksum(_ bytes: UnsafeBufferPointer<UInt8>, version: VRRPVersion, family: AddressFamily,
                                       source: IPAddress?, destination: IPAddress?)
        -> Result<ChecksumForm, AdvertisementRejection>
    {
        let haveAddresses = source != nil && destination != nil
        // Constant lists: no array is built per received advert (issue 16).
        let forms: [ChecksumForm]
        switch (version, family) {
        case (.v2, _):
            forms = Self.v2Forms  // RFC 3768 §5.3.8: no pseudo-header (checklist C1).
        case (.v3, .ipv6):
            forms = Self.v3IPv6Forms  // RFC 5798 §5.2.8 (checklist C2).
        case (.v3, .ipv4):
            // Checklist C3: accept keepalived's pseudo-header form and RFC 9568's, and the
            // pre-1.3.6 keepalived unicast form (pseudo-header destination 224.0.0.18).
            if case .v4(let d)? = destination, d != .vrrpMulticast {
                forms = Self.v3IPv4UnicastForms
            } else {
                forms = Self.v3IPv4Forms
            }
        }
        for form in forms where VRRPChecksum.verifies(bytes, form: form, source: source, destination: destination) {
            return .success(form)
        }
        if version == .v3, !haveAddresses { return .success(.unverified) }
        let received = bytes.bigEndianU16(at: 6)
        let expected = VRRPChecksum.compute(bytes, form: forms[0], source: source, destination: destination) ?? 0
        return .failure(.checksum(received: received, expected: expected))
    }
}
