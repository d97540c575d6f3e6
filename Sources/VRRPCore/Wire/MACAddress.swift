// SPDX-License-Identifier: Apache-2.0
/// A 48-bit IEEE 802 MAC address, held as the low 48 bits of `value` in network order
/// (00:00:5e:00:01:33 is 0x00005E000133).
public struct MACAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    public private(set) var value: UInt64

    /// The low 48 bits of `value`; higher bits are dropped.
    public init(_ value: UInt64) { self.value = value & 0xFFFF_FFFF_FFFF }

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, _ e: UInt8, _ f: UInt8) {
        self.init(bytes: [a, b, c, d, e, f])!
    }

    /// Six octets; nil for any other count.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 6 else { return nil }
        var v: UInt64 = 0
        for b in bytes { v = v << 8 | UInt64(b) }
        value = v
    }

    /// Parses "aa:bb:cc:dd:ee:ff" or "aa-bb-cc-dd-ee-ff" (one or two hex digits per octet,
    /// either case); nil for anything else.
    public init?(_ text: some StringProtocol) {
        let separator: Character = text.contains("-") ? "-" : ":"
        let parts = text.split(separator: separator, omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        var bytes: [UInt8] = []
        for p in parts {
            guard (1...2).contains(p.utf8.count), let b = UInt8(p, radix: 16) else { return nil }
            bytes.append(b)
        }
        self.init(bytes: bytes)
    }

    /// The six octets in network order.
    public var bytes: [UInt8] {
        (0..<6).map { UInt8((value >> UInt64((5 - $0) * 8)) & 0xFF) }
    }

    /// The I/G bit: group (multicast or broadcast) address.
    public var isMulticast: Bool { (value >> 40) & 1 == 1 }

    public var description: String {
        bytes.map { hexString([$0]) }.joined(separator: ":")
    }

    public static func < (lhs: MACAddress, rhs: MACAddress) -> Bool { lhs.value < rhs.value }

    /// ff:ff:ff:ff:ff:ff
    public static let broadcast = MACAddress(0xFFFF_FFFF_FFFF)
    public static let zero = MACAddress(0)

    /// The Ethernet group address of an IPv4 multicast group: 01:00:5e + low 23 bits (RFC 1112 §6.4).
    public init(multicast group: IPv4Address) {
        self.init(0x0100_5E00_0000 | UInt64(group.value & 0x7F_FFFF))
    }

    /// The Ethernet group address of an IPv6 multicast group: 33:33 + low 32 bits (RFC 2464 §7).
    public init(multicast group: IPv6Address) {
        self.init(0x3333_0000_0000 | (group.low & 0xFFFF_FFFF))
    }
}

/// The virtual router MAC address (RFC 5798 §7.3; RFC 3768 §7.3; RFC checklist H44):
/// 00-00-5E-00-01-{VRID} for IPv4 and 00-00-5E-00-02-{VRID} for IPv6.
public enum VirtualMAC {
    /// The IANA OUI block the virtual MACs live in.
    static let prefix: UInt64 = 0x0000_5E00_0000

    public static func address(vrid: UInt8, family: AddressFamily) -> MACAddress {
        let familyOctet: UInt64 = family == .ipv4 ? 0x01 : 0x02
        return MACAddress(prefix | familyOctet << 8 | UInt64(vrid))
    }

    /// The VRID and family of a virtual router MAC, or nil if `mac` is not one.
    public static func parse(_ mac: MACAddress) -> (vrid: UInt8, family: AddressFamily)? {
        guard mac.value >> 16 == prefix >> 16 else { return nil }
        let vrid = UInt8(mac.value & 0xFF)
        switch (mac.value >> 8) & 0xFF {
        case 0x01: return (vrid, .ipv4)
        case 0x02: return (vrid, .ipv6)
        default: return nil
        }
    }
}
