// SPDX-License-Identifier: Apache-2.0
/// The VRRP protocol version: 2 (RFC 3768) or 3 (RFC 5798 / RFC 9568).
public enum VRRPVersion: UInt8, Hashable, Sendable, Codable, CustomStringConvertible {
    case v2 = 2
    case v3 = 3
    public var description: String { "VRRPv\(rawValue)" }
}

/// VRRPv2 authentication (RFC 3768 §5.3.6; type 1 and 2 are RFC 2338's, kept by keepalived).
public enum Authentication: Hashable, Sendable {
    /// Type 0: no authentication.
    case none
    /// Type 1: keepalived's `auth_type PASS`, the password zero-padded to 8 octets.
    case password([UInt8])
    /// Type 2: IP Authentication Header (keepalived's `auth_type AH`); carried, not verified here.
    case ipAH

    public var typeCode: UInt8 {
        switch self {
        case .none: 0
        case .password: 1
        case .ipAH: 2
        }
    }

    /// A PASS authentication from text: truncated to 8 octets and zero-padded, as keepalived does.
    public static func password(_ text: String) -> Authentication {
        var bytes = Array(text.utf8.prefix(8))
        bytes += Array(repeating: 0, count: 8 - bytes.count)
        return .password(bytes)
    }
}

/// A decoded VRRP advertisement (the VRRP message only, without the IP header).
public struct Advertisement: Hashable, Sendable {
    public var version: VRRPVersion
    public var vrid: UInt8
    public var priority: UInt8
    /// v3: Max Adver Interval (centiseconds). v2: Adver Int seconds × 100.
    public var interval: Centiseconds
    /// All of one family (RFC 5798 §5.2.9).
    public var addresses: [IPAddress]
    /// v2 only; `.none` for v3.
    public var authentication: Authentication
    /// The checksum as carried on the wire (filled in by the encoder, checked by the decoder).
    public var checksum: UInt16

    public init(version: VRRPVersion, vrid: UInt8, priority: UInt8, interval: Centiseconds,
                addresses: [IPAddress], authentication: Authentication = .none, checksum: UInt16 = 0) {
        self.version = version
        self.vrid = vrid
        self.priority = priority
        self.interval = interval
        self.addresses = addresses
        self.authentication = authentication
        self.checksum = checksum
    }
}

/// An advertisement together with the facts the IP layer gave about it.
public struct ReceivedAdvertisement: Hashable, Sendable {
    public var advertisement: Advertisement
    public var source: IPAddress
    public var destination: IPAddress
    /// IPv4 TTL or IPv6 hop limit.
    public var ttl: UInt8

    public init(advertisement: Advertisement, source: IPAddress, destination: IPAddress, ttl: UInt8) {
        self.advertisement = advertisement
        self.source = source
        self.destination = destination
        self.ttl = ttl
    }
}

/// Why a received packet was discarded. One case per RFC 6527 (VRRPv3 MIB) error counter,
/// so each reject maps to exactly one counter.
public enum AdvertisementRejection: Hashable, Sendable, Error, CustomStringConvertible {
    /// vrrpv3StatisticsIpTtlErrors: TTL / hop limit not 255 (RFC 5798 §7.1).
    case ipTTL(UInt8)
    /// vrrpv3StatisticsVersionErrors: unknown version, or not the configured one.
    case version(UInt8)
    /// vrrpv3StatisticsChecksumErrors.
    case checksum(received: UInt16, expected: UInt16)
    /// vrrpv3StatisticsVrIdErrors: VRID not configured on this interface.
    case vrid(UInt8)
    /// vrrpv3StatisticsPacketLengthErrors: shorter than its fixed part, its addresses or its auth data.
    case packetLength(Int)
    /// vrrpv3StatisticsInvalidTypePktsRcvd: type other than 1 (ADVERTISEMENT).
    case invalidType(UInt8)
    /// vrrpv3StatisticsAddressListErrors: count vs length, mixed or unexpected family,
    /// or a list that differs from ours (keepalived drops those).
    case addressList(String)
    /// vrrpStatsInvalidAuthType (RFC 2787): an auth type we do not know.
    case invalidAuthType(UInt8)
    /// vrrpStatsAuthTypeMismatch: a known auth type other than ours.
    case authTypeMismatch(received: UInt8, expected: UInt8)
    /// vrrpStatsAuthFailures: PASS data differs.
    case authFailure
    /// vrrpv3StatisticsAdvIntervalErrors: a v2 advert interval other than ours (RFC 3768 §7.1),
    /// or a zero v3 interval (RFC 9568 erratum 8301).
    case advertInterval(received: Centiseconds, expected: Centiseconds)
    /// Not addressed to this router at all (counted apart from the RFC 6527 errors, which are
    /// about adverts that were meant for it).
    case notForUs(NotForUs)

    /// Why an advert that reached this router's socket is not for it (keepalived drops these
    /// before its checks too).
    public enum NotForUs: Hashable, Sendable, CustomStringConvertible {
        /// Our own advert, looped back.
        case ownAdvertisement
        /// Unicast mode: the sender is not a configured `unicast_peer`.
        case notUnicastPeer(IPAddress)
        /// Multicast mode: sent to an address that is neither our group nor our own address.
        case otherDestination(IPAddress)

        public var description: String {
            switch self {
            case .ownAdvertisement: "our own advertisement"
            case .notUnicastPeer(let a): "\(a) is not a configured unicast peer"
            case .otherDestination(let a): "sent to \(a), not to our group"
            }
        }
    }

    public var description: String {
        switch self {
        case .notForUs(let why): "not for this router: \(why)"
        case .ipTTL(let t): "TTL/hop limit \(t) is not 255"
        case .version(let v): "version \(v) not accepted"
        case .checksum(let r, let e): "checksum 0x\(String(r, radix: 16)) is wrong (expected 0x\(String(e, radix: 16)))"
        case .vrid(let v): "VRID \(v) is not configured here"
        case .packetLength(let n): "packet length \(n) is invalid"
        case .invalidType(let t): "type \(t) is not ADVERTISEMENT (1)"
        case .addressList(let why): "address list: \(why)"
        case .invalidAuthType(let t): "invalid auth type \(t)"
        case .authTypeMismatch(let r, let e): "auth type \(r) does not match ours (\(e))"
        case .authFailure: "authentication failed (password mismatch)"
        case .advertInterval(let r, _) where r.value == 0: "advertisement interval 0 is invalid (RFC 9568 §5.2.7)"
        case .advertInterval(let r, let e): "advertisement interval mismatch: received \(r), ours \(e)"
        }
    }
}

extension AdvertisementRejection {
    /// The MIB counter a receiver increments for this drop: RFC 6527 (VRRPv3 MIB) names, and
    /// for VRRPv2 authentication, which RFC 6527 does not have, RFC 2787's.
    public var counterName: String {
        switch self {
        case .ipTTL: "vrrpv3StatisticsIpTtlErrors"
        case .version: "vrrpv3RouterVersionErrors"
        case .checksum: "vrrpv3RouterChecksumErrors"
        case .vrid: "vrrpv3RouterVrIdErrors"
        case .packetLength: "vrrpv3StatisticsPacketLengthErrors"
        case .invalidType: "vrrpv3StatisticsRcvdInvalidTypePackets"
        case .addressList: "vrrpv3StatisticsAddressListErrors"
        case .invalidAuthType: "vrrpStatsInvalidAuthType (RFC 2787)"
        case .authTypeMismatch: "vrrpStatsAuthTypeMismatch (RFC 2787)"
        case .authFailure: "vrrpStatsAuthFailures (RFC 2787)"
        case .advertInterval: "vrrpv3StatisticsAdvIntervalErrors"
        case .notForUs: "none (not addressed to this router; shown as foreign advertisements)"
        }
    }

    /// The RFC section whose rule drops the packet.
    public var section: String {
        switch self {
        case .ipTTL: "RFC 5798 §5.1.1.3, §5.1.2.3, §7.1"
        case .version: "RFC 5798 §5.2.1, §7.1"
        case .checksum: "RFC 5798 §5.2.8, §7.1"
        case .vrid(0): "RFC 5798 §5.2.3"
        case .vrid: "RFC 5798 §7.1"
        case .packetLength: "RFC 5798 §7.1"
        case .invalidType: "RFC 5798 §5.2.2"
        case .addressList(let why) where why.hasPrefix("count is 0"): "RFC 9568 §5.2.5"
        case .addressList: "RFC 5798 §5.2.9, §7.1"
        case .invalidAuthType: "RFC 3768 §5.3.6"
        case .authTypeMismatch, .authFailure: "RFC 3768 §7.1"
        case .advertInterval(let r, _) where r.value == 0: "RFC 9568 §5.2.7; RFC 3768 §5.3.7"
        case .advertInterval: "RFC 3768 §7.1"
        case .notForUs(.ownAdvertisement): "RFC 5798 §6.4.3 (our own advertisement)"
        case .notForUs(.notUnicastPeer): "keepalived unicast_peer"
        case .notForUs(.otherDestination): "RFC 5798 §5.1.1.2, §5.1.2.2"
        }
    }
}
