// SPDX-License-Identifier: Apache-2.0
/// How a VRRPv3 advertisement sent over IPv4 computes its checksum (RFC checklist C3).
///
/// RFC 5798 §5.2.8 says the v3 checksum covers an IPv6-style pseudo-header "as defined in
/// Section 8.1 of [RFC2460]" without naming IPv4, so keepalived and FRR prepend an IPv4
/// pseudo-header while others compute it as VRRPv2 does. RFC 9568 §5.2.8 settles it for IPv4:
/// no pseudo-header. The default stays keepalived-compatible.
public enum V3IPv4Checksum: String, Hashable, Sendable, CaseIterable {
    /// src, dst, zero, protocol 112, 16-bit VRRP length, then the message (keepalived default).
    case pseudoHeader
    /// The VRRP message only, as VRRPv2 (RFC 9568 §5.2.8; keepalived `v3_checksum_as_v2`).
    case rfc9568
}

/// Which checksum computation a received advertisement matched.
public enum ChecksumForm: String, Hashable, Sendable, CustomStringConvertible {
    /// The VRRP message alone: VRRPv2 (RFC 3768 §5.3.8, checklist C1) or VRRPv3 over IPv4
    /// as RFC 9568 §5.2.8 defines it.
    case messageOnly
    /// VRRPv3 over IPv4 with the IPv4 pseudo-header (keepalived and FRR default, checklist C3).
    case ipv4PseudoHeader
    /// VRRPv3 over IPv4, pseudo-header with 224.0.0.18 as destination although the packet was
    /// unicast: keepalived before 1.3.6 computed it so (keepalived issue #642).
    case ipv4PseudoHeaderMulticastDestination
    /// VRRPv3 over IPv6 with the RFC 2460 §8.1 pseudo-header (RFC 5798 §5.2.8, checklist C2).
    case ipv6PseudoHeader
    /// Decoded without the IP addresses, so a pseudo-header form could not be checked.
    case unverified

    public var description: String {
        switch self {
        case .messageOnly: "VRRP message only (v2 / RFC 9568)"
        case .ipv4PseudoHeader: "IPv4 pseudo-header (keepalived default)"
        case .ipv4PseudoHeaderMulticastDestination: "IPv4 pseudo-header to 224.0.0.18 (keepalived < 1.3.6 unicast)"
        case .ipv6PseudoHeader: "IPv6 pseudo-header (RFC 2460 §8.1)"
        case .unverified: "not verified (no IP addresses)"
        }
    }
}

/// The IP protocol number / IPv6 Next Header of VRRP (RFC 5798 §5.1.1.4, §5.1.2.4).
public let vrrpProtocolNumber: UInt8 = 112

/// The IPv4 TOS / IPv6 Traffic Class octet of every advertisement: DSCP CS6 (0xC0 = 48 << 2,
/// "network control", RFC 4594 §3.2), as keepalived (IPTOS_PREC_INTERNETCONTROL) and FRR's
/// vrrpd send it, so switches that queue by DSCP keep adverts ahead of bulk traffic.
public let vrrpTrafficClass: UInt8 = 0xC0

enum VRRPChecksum {
    /// The one's complement sum state after the pseudo-header of `form`, ready for the message.
    /// Returns nil when the form needs addresses of a family that was not given.
    static func start(_ form: ChecksumForm, source: IPAddress?, destination: IPAddress?, length: Int) -> InternetChecksum? {
        var c = InternetChecksum()
        switch form {
        case .messageOnly, .unverified:
            return c
        case .ipv4PseudoHeader, .ipv4PseudoHeaderMulticastDestination:
            guard case .v4(let src)? = source, case .v4(var dst)? = destination else { return nil }
            if form == .ipv4PseudoHeaderMulticastDestination { dst = .vrrpMulticast }
            // keepalived `vrrp_build_vrrp_v3` / FRR: src, dst, 0, proto, 16-bit upper-layer length.
            c.add(word32: src.value)
            c.add(word32: dst.value)
            c.add(word: UInt16(vrrpProtocolNumber))
            c.add(word: UInt16(truncatingIfNeeded: length))
            return c
        case .ipv6PseudoHeader:
            guard case .v6(let src)? = source, case .v6(let dst)? = destination else { return nil }
            // RFC 2460 §8.1: src, dst, 32-bit upper-layer length, 3 zero octets, next header.
            c.add(ipv6: src)
            c.add(ipv6: dst)
            c.add(word32: UInt32(truncatingIfNeeded: length))
            c.add(word: 0)
            c.add(word: UInt16(vrrpProtocolNumber))
            return c
        }
    }

    /// The checksum of `message` (its checksum field, octets 6–7, taken as zero) in `form`.
    static func compute(_ message: [UInt8], form: ChecksumForm, source: IPAddress?, destination: IPAddress?) -> UInt16? {
        message.withUnsafeBufferPointer { compute($0, form: form, source: source, destination: destination) }
    }

    static func compute(_ message: UnsafeBufferPointer<UInt8>, form: ChecksumForm, source: IPAddress?, destination: IPAddress?) -> UInt16? {
        guard var c = start(form, source: source, destination: destination, length: message.count),
              message.count >= 8 else { return nil }
        c.add(message[0..<6])
        c.add(word: 0)
        c.add(message[8...])
        return c.value
    }

    /// True when `message` with its carried checksum sums to all ones in `form`.
    static func verifies(_ message: [UInt8], form: ChecksumForm, source: IPAddress?, destination: IPAddress?) -> Bool {
        message.withUnsafeBufferPointer { verifies($0, form: form, source: source, destination: destination) }
    }

    static func verifies(_ message: UnsafeBufferPointer<UInt8>, form: ChecksumForm, source: IPAddress?, destination: IPAddress?) -> Bool {
        guard var c = start(form, source: source, destination: destination, length: message.count) else { return false }
        c.add(message)
        return c.verifies
    }
}
