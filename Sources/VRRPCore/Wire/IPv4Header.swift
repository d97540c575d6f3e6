// SPDX-License-Identifier: Apache-2.0
/// An IPv4 header (RFC 791 §3.1), for decoding received VRRP packets and for sending with
/// IP_HDRINCL. The encoder's defaults are those of a VRRP advertisement: TOS 0xC0
/// (precedence "internetwork control", as keepalived and the kernel send it), no fragment
/// flags, TTL 255 (RFC 5798 §5.1.1.3, checklist A3), protocol 112 (checklist A4).
public struct IPv4Header: Hashable, Sendable {
    public static let minimumLength = 20

    public var tos: UInt8
    /// Header plus payload, in octets.
    public var totalLength: UInt16
    public var identification: UInt16
    /// The 3 flag bits and the 13-bit fragment offset, as on the wire.
    public var flagsAndFragmentOffset: UInt16
    public var ttl: UInt8
    public var protocolNumber: UInt8
    /// As carried; `encode()` writes the computed value instead.
    public var checksum: UInt16
    public var source: IPv4Address
    public var destination: IPv4Address
    /// Options, a multiple of 4 octets (at most 40).
    public var options: [UInt8]

    public init(source: IPv4Address, destination: IPv4Address, payloadLength: Int, identification: UInt16 = 0,
                tos: UInt8 = vrrpTrafficClass, ttl: UInt8 = 255, protocolNumber: UInt8 = vrrpProtocolNumber,
                flagsAndFragmentOffset: UInt16 = 0, options: [UInt8] = [], checksum: UInt16 = 0)
    {
        self.source = source
        self.destination = destination
        self.identification = identification
        self.tos = tos
        self.ttl = ttl
        self.protocolNumber = protocolNumber
        self.flagsAndFragmentOffset = flagsAndFragmentOffset
        self.options = options
        self.checksum = checksum
        self.totalLength = UInt16(clamping: Self.minimumLength + options.count + max(0, payloadLength))
    }

    /// Header length in octets (IHL × 4).
    public var headerLength: Int { Self.minimumLength + options.count }

    /// More Fragments set or a non-zero offset.
    public var isFragment: Bool { flagsAndFragmentOffset & 0x3FFF != 0 }

    /// The header bytes with the header checksum computed (RFC 791 §3.1).
    /// Options are zero-padded to a multiple of 4 octets and cut at 40.
    public func encode() -> [UInt8] {
        var opts = Array(options.prefix(40))
        while opts.count % 4 != 0 { opts.append(0) }
        var out: [UInt8] = []
        out.reserveCapacity(Self.minimumLength + opts.count)
        out.append(0x40 | UInt8((Self.minimumLength + opts.count) / 4))
        out.append(tos)
        out.appendBigEndian(totalLength)
        out.appendBigEndian(identification)
        out.appendBigEndian(flagsAndFragmentOffset)
        out.append(ttl)
        out.append(protocolNumber)
        out.appendBigEndian(UInt16(0))
        out.appendBigEndian(source.value)
        out.appendBigEndian(destination.value)
        out += opts
        out.setBigEndian(InternetChecksum.compute(out), at: 10)
        return out
    }

    /// Parses the header at the start of `bytes`, checking version, IHL, total length against
    /// the bytes present (extra bytes, e.g. Ethernet padding, are allowed) and the header checksum.
    public static func decode(_ bytes: some Collection<UInt8>) -> Result<IPv4Header, PacketRejection> {
        if let result = bytes.withContiguousStorageIfAvailable({ decode(buffer: $0) }) { return result }
        return Array(bytes).withUnsafeBufferPointer { decode(buffer: $0) }
    }

    /// The one implementation, over contiguous bytes (decoded in place on receive, issue 16).
    static func decode(buffer b: UnsafeBufferPointer<UInt8>) -> Result<IPv4Header, PacketRejection> {
        guard b.count >= minimumLength else { return .failure(.malformedIPHeader("\(b.count) octets, shorter than an IPv4 header")) }
        guard b[0] >> 4 == 4 else { return .failure(.malformedIPHeader("IP version \(b[0] >> 4), expected 4")) }
        let ihl = Int(b[0] & 0x0F) * 4
        guard ihl >= minimumLength else { return .failure(.malformedIPHeader("IHL \(ihl / 4) is below 5")) }
        guard b.count >= ihl else { return .failure(.malformedIPHeader("IHL \(ihl / 4) exceeds the \(b.count) octets present")) }
        let total = b.bigEndianU16(at: 2)
        guard Int(total) >= ihl, Int(total) <= b.count else {
            return .failure(.malformedIPHeader("total length \(total) does not fit the \(b.count) octets present"))
        }
        var c = InternetChecksum()
        c.add(b[0..<ihl])
        guard c.verifies else {
            var zeroed = Array(b[0..<ihl])
            zeroed[10] = 0
            zeroed[11] = 0
            return .failure(.ipHeaderChecksum(received: b.bigEndianU16(at: 10), expected: InternetChecksum.compute(zeroed)))
        }
        let header = IPv4Header(
            source: IPv4Address(bytes: UnsafeBufferPointer(rebasing: b[12..<16])) ?? IPv4Address(0),
            destination: IPv4Address(bytes: UnsafeBufferPointer(rebasing: b[16..<20])) ?? IPv4Address(0),
            payloadLength: Int(total) - ihl, identification: b.bigEndianU16(at: 4), tos: b[1], ttl: b[8],
            protocolNumber: b[9], flagsAndFragmentOffset: b.bigEndianU16(at: 6),
            options: Array(b[minimumLength..<ihl]), checksum: b.bigEndianU16(at: 10))
        return .success(header)
    }
}

/// An IPv6 fixed header (RFC 8200 §3). Extension headers are not parsed: VRRP is sent with
/// Next Header 112 directly (RFC 5798 §5.1.2.4).
public struct IPv6Header: Hashable, Sendable {
    public static let length = 40

    public var trafficClass: UInt8
    /// 20 bits.
    public var flowLabel: UInt32
    public var payloadLength: UInt16
    public var nextHeader: UInt8
    public var hopLimit: UInt8
    public var source: IPv6Address
    public var destination: IPv6Address

    public init(source: IPv6Address, destination: IPv6Address, payloadLength: Int, nextHeader: UInt8 = vrrpProtocolNumber,
                hopLimit: UInt8 = 255, trafficClass: UInt8 = 0, flowLabel: UInt32 = 0)
    {
        self.source = source
        self.destination = destination
        self.payloadLength = UInt16(clamping: max(0, payloadLength))
        self.nextHeader = nextHeader
        self.hopLimit = hopLimit
        self.trafficClass = trafficClass
        self.flowLabel = flowLabel & 0xF_FFFF
    }

    public func encode() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.length)
        out.appendBigEndian(UInt32(6) << 28 | UInt32(trafficClass) << 20 | (flowLabel & 0xF_FFFF))
        out.appendBigEndian(payloadLength)
        out.append(nextHeader)
        out.append(hopLimit)
        out += source.bytes
        out += destination.bytes
        return out
    }

    /// Parses the fixed header at the start of `bytes`; the payload length must fit the bytes present.
    public static func decode(_ bytes: some Collection<UInt8>) -> Result<IPv6Header, PacketRejection> {
        let b = Array(bytes)
        guard b.count >= length else { return .failure(.malformedIPHeader("\(b.count) octets, shorter than an IPv6 header")) }
        var r = ByteReader(b)
        let first = r.u32() ?? 0
        guard first >> 28 == 6 else { return .failure(.malformedIPHeader("IP version \(first >> 28), expected 6")) }
        let payloadLength = r.u16() ?? 0
        guard Int(payloadLength) <= b.count - length else {
            return .failure(.malformedIPHeader("payload length \(payloadLength) exceeds the \(b.count - length) octets present"))
        }
        let nextHeader = r.u8() ?? 0
        let hopLimit = r.u8() ?? 0
        guard let src = r.ipv6(), let dst = r.ipv6() else { return .failure(.malformedIPHeader("truncated addresses")) }
        return .success(IPv6Header(source: src, destination: dst, payloadLength: Int(payloadLength), nextHeader: nextHeader,
                                   hopLimit: hopLimit, trafficClass: UInt8((first >> 20) & 0xFF), flowLabel: first & 0xF_FFFF))
    }
}

/// Either IP header.
public enum IPHeader: Hashable, Sendable {
    case v4(IPv4Header)
    case v6(IPv6Header)

    public var source: IPAddress {
        switch self {
        case .v4(let h): .v4(h.source)
        case .v6(let h): .v6(h.source)
        }
    }

    public var destination: IPAddress {
        switch self {
        case .v4(let h): .v4(h.destination)
        case .v6(let h): .v6(h.destination)
        }
    }

    /// TTL or hop limit.
    public var ttl: UInt8 {
        switch self {
        case .v4(let h): h.ttl
        case .v6(let h): h.hopLimit
        }
    }

    /// Protocol or Next Header.
    public var protocolNumber: UInt8 {
        switch self {
        case .v4(let h): h.protocolNumber
        case .v6(let h): h.nextHeader
        }
    }
}
