// SPDX-License-Identifier: Apache-2.0
/// Why an advertisement cannot be put on the wire as given.
public enum AdvertisementEncodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// More than 255 addresses: the Count field is one octet (RFC 5798 §5.2.5).
    case tooManyAddresses(Int)
    /// An address whose family differs from the IP packet's (RFC 5798 §5.2.9: one family per message).
    case addressFamilyMismatch(IPAddress, packetFamily: AddressFamily)
    /// Source and destination of different families.
    case mixedEndpoints(source: IPAddress, destination: IPAddress)
    /// VRRPv2 runs over IPv4 only (RFC 3768 §5.2).
    case v2RequiresIPv4
    /// A VRRPv2 interval must be whole seconds (RFC 3768 §5.3.7).
    case intervalNotWholeSeconds(Centiseconds)

    public var description: String {
        switch self {
        case .tooManyAddresses(let n): "\(n) addresses do not fit the 8-bit count"
        case .addressFamilyMismatch(let a, let f): "address \(a) is not \(f) like the packet"
        case .mixedEndpoints(let s, let d): "source \(s) and destination \(d) are of different families"
        case .v2RequiresIPv4: "VRRPv2 runs over IPv4 only"
        case .intervalNotWholeSeconds(let i): "VRRPv2 interval \(i) is not a whole number of seconds"
        }
    }
}

extension Advertisement {
    /// The VRRP message (the IP payload) with its checksum filled in.
    ///
    /// - VRRPv2 (RFC 3768 §5.3): interval in whole seconds, clamped to 1...255; auth data is
    ///   the password zero-padded or truncated to 8 octets, or 8 zero octets.
    /// - VRRPv3 (RFC 5798 §5.2): Rsvd 0; interval clamped to 1...4095 centiseconds; over IPv4
    ///   the checksum form is `v3IPv4Checksum` (checklist C3), over IPv6 the RFC 2460 §8.1
    ///   pseudo-header (checklist C2).
    /// The `checksum` property is ignored and the computed one written.
    public func encode(source: IPAddress, destination: IPAddress, v3IPv4Checksum: V3IPv4Checksum = .pseudoHeader)
        throws(AdvertisementEncodingError) -> [UInt8]
    {
        var out: [UInt8] = []
        try encode(into: &out, source: source, destination: destination, v3IPv4Checksum: v3IPv4Checksum)
        return out
    }

    /// `encode(source:destination:v3IPv4Checksum:)` written into `out`, replacing what it held:
    /// a buffer the caller keeps (and holds alone) is reused, so a master allocates nothing per
    /// advert (issue 16). Unchanged on error.
    public func encode(into out: inout [UInt8], source: IPAddress, destination: IPAddress,
                       v3IPv4Checksum: V3IPv4Checksum = .pseudoHeader) throws(AdvertisementEncodingError) {
        guard source.family == destination.family else {
            throw .mixedEndpoints(source: source, destination: destination)
        }
        let family = source.family
        guard addresses.count <= 255 else { throw .tooManyAddresses(addresses.count) }
        if let odd = addresses.first(where: { $0.family != family }) {
            throw .addressFamilyMismatch(odd, packetFamily: family)
        }
        if version == .v2 {
            guard family == .ipv4 else { throw .v2RequiresIPv4 }
            guard interval.value % 100 == 0 else { throw .intervalNotWholeSeconds(interval) }
        }
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(Self.fixedLength + addresses.count * (family == .ipv4 ? 4 : 16) + Self.v2AuthDataLength)
        out.append(version.rawValue << 4 | 1)  // Type 1 = ADVERTISEMENT
        out.append(vrid)
        out.append(priority)
        out.append(UInt8(addresses.count))
        let form: ChecksumForm
        switch version {
        case .v2:
            out.append(authentication.typeCode)
            out.append(UInt8(min(max(interval.value / 100, 1), 255)))
            form = .messageOnly
        case .v3:
            // RFC 5798 §5.2.6: Rsvd MUST be 0; §5.2.7 / RFC 9568: interval 1–4095.
            out.appendBigEndian(min(max(interval.value, 1), Centiseconds.max.value))
            form = family == .ipv6 ? .ipv6PseudoHeader : (v3IPv4Checksum == .pseudoHeader ? .ipv4PseudoHeader : .messageOnly)
        }
        out.appendBigEndian(UInt16(0))
        for address in addresses { address.appendBytes(to: &out) }
        if version == .v2 {
            // Auth data: the password zero-padded or cut to 8 octets, or 8 zero octets.
            var written = 0
            if case .password(let p) = authentication {
                for byte in p.prefix(Self.v2AuthDataLength) { out.append(byte) }
                written = min(p.count, Self.v2AuthDataLength)
            }
            for _ in written..<Self.v2AuthDataLength { out.append(0) }
        }
        let checksum = VRRPChecksum.compute(out, form: form, source: source, destination: destination) ?? 0
        out.setBigEndian(checksum, at: 6)
    }
}
