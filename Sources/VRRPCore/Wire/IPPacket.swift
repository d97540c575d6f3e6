// SPDX-License-Identifier: Apache-2.0
/// Why a whole IP packet (or frame) was not accepted as a VRRP advertisement.
public enum PacketRejection: Error, Hashable, Sendable, CustomStringConvertible {
    /// The IP header is truncated or inconsistent (version, IHL, total/payload length).
    case malformedIPHeader(String)
    /// The IPv4 header checksum is wrong (RFC 791 §3.1).
    case ipHeaderChecksum(received: UInt16, expected: UInt16)
    /// A fragment: VRRP messages are never fragmented, and reassembly is the kernel's job.
    case fragmented
    /// Protocol / Next Header is not 112 (an IPv6 extension header lands here too).
    case notVRRP(protocolNumber: UInt8)
    /// The VRRP message itself was rejected.
    case advertisement(AdvertisementRejection)

    /// The MIB counter this maps to: IP-level damage counts as a packet-length error.
    public var counterRejection: AdvertisementRejection {
        switch self {
        case .advertisement(let r): r
        case .malformedIPHeader, .ipHeaderChecksum, .fragmented, .notVRRP: .packetLength(0)
        }
    }

    public var description: String {
        switch self {
        case .malformedIPHeader(let why): "malformed IP header: \(why)"
        case .ipHeaderChecksum(let r, let e):
            "IPv4 header checksum 0x\(String(r, radix: 16)) is wrong (expected 0x\(String(e, radix: 16)))"
        case .fragmented: "IP fragment (VRRP is never fragmented)"
        case .notVRRP(let p): "IP protocol \(p) is not VRRP (112)"
        case .advertisement(let r): r.description
        }
    }
}

/// A decoded VRRP packet with its IP header.
public struct VRRPPacket: Hashable, Sendable {
    public var ipHeader: IPHeader
    public var advertisement: Advertisement
    public var checksumForm: ChecksumForm

    public init(ipHeader: IPHeader, advertisement: Advertisement, checksumForm: ChecksumForm) {
        self.ipHeader = ipHeader
        self.advertisement = advertisement
        self.checksumForm = checksumForm
    }

    /// What the instance needs: advertisement, addresses and TTL / hop limit.
    public var received: ReceivedAdvertisement {
        ReceivedAdvertisement(advertisement: advertisement, source: ipHeader.source,
                              destination: ipHeader.destination, ttl: ipHeader.ttl)
    }
}

/// Decoders for whole IP packets carrying VRRP (what a raw IPv4 socket delivers, or a capture).
public enum IPPacket {
    /// Decodes an IPv4 or IPv6 packet carrying VRRP. The TTL / hop limit is reported in the
    /// result, not checked: the instance decides (RFC 5798 §7.1; keepalived's unicast mode skips it).
    public static func decode(_ bytes: some Collection<UInt8>) -> Result<ReceivedAdvertisement, PacketRejection> {
        decodeDetailed(bytes).map(\.received)
    }

    /// The same for an array, specialized here: the generic entry point called from another
    /// module ran unspecialized (a third of a backup's decode instructions; issue 16).
    public static func decode(_ bytes: [UInt8]) -> Result<ReceivedAdvertisement, PacketRejection> {
        bytes.withUnsafeBufferPointer { decodeDetailed(buffer: $0) }.map(\.received)
    }

    /// Decodes in place, e.g. in the receive slot the kernel wrote the datagram to (issue 16:
    /// no copy of the packet or of its payload per received advert).
    public static func decode(_ bytes: UnsafeRawBufferPointer) -> Result<ReceivedAdvertisement, PacketRejection> {
        decodeDetailed(buffer: bytes.assumingMemoryBound(to: UInt8.self)).map(\.received)
    }

    /// As `decode`, keeping the IP header and the checksum form.
    public static func decodeDetailed(_ bytes: some Collection<UInt8>) -> Result<VRRPPacket, PacketRejection> {
        if let result = bytes.withContiguousStorageIfAvailable({ decodeDetailed(buffer: $0) }) { return result }
        return Array(bytes).withUnsafeBufferPointer { decodeDetailed(buffer: $0) }
    }

    /// The one implementation, over contiguous bytes.
    static func decodeDetailed(buffer b: UnsafeBufferPointer<UInt8>) -> Result<VRRPPacket, PacketRejection> {
        let header: IPHeader
        let payload: UnsafeBufferPointer<UInt8>
        switch b.first.map({ $0 >> 4 }) {
        case 4:
            switch IPv4Header.decode(buffer: b) {
            case .failure(let e): return .failure(e)
            case .success(let h):
                guard !h.isFragment else { return .failure(.fragmented) }
                header = .v4(h)
                payload = UnsafeBufferPointer(rebasing: b[h.headerLength..<Int(h.totalLength)])
            }
        case 6:
            switch IPv6Header.decode(b) {
            case .failure(let e): return .failure(e)
            case .success(let h):
                header = .v6(h)
                payload = UnsafeBufferPointer(rebasing: b[IPv6Header.length..<(IPv6Header.length + Int(h.payloadLength))])
            }
        case let v:
            return .failure(.malformedIPHeader(v.map { "IP version \($0)" } ?? "empty packet"))
        }
        guard header.protocolNumber == vrrpProtocolNumber else {
            return .failure(.notVRRP(protocolNumber: header.protocolNumber))
        }
        switch Advertisement.decodeDetailed(buffer: payload, source: header.source, destination: header.destination) {
        case .failure(let r): return .failure(.advertisement(r))
        case .success(let d):
            return .success(VRRPPacket(ipHeader: header, advertisement: d.advertisement, checksumForm: d.checksumForm))
        }
    }

    /// A whole IPv4 packet (header + VRRP) for sending with IP_HDRINCL.
    public static func encodeIPv4(_ advertisement: Advertisement, source: IPv4Address, destination: IPv4Address,
                                  identification: UInt16 = 0, ttl: UInt8 = 255,
                                  v3IPv4Checksum: V3IPv4Checksum = .pseudoHeader) throws(AdvertisementEncodingError) -> [UInt8]
    {
        let vrrp = try advertisement.encode(source: .v4(source), destination: .v4(destination), v3IPv4Checksum: v3IPv4Checksum)
        let header = IPv4Header(source: source, destination: destination, payloadLength: vrrp.count,
                                identification: identification, ttl: ttl)
        return header.encode() + vrrp
    }

    /// A whole IPv6 packet (header + VRRP), hop limit 255 (RFC 5798 §5.1.2.3).
    public static func encodeIPv6(_ advertisement: Advertisement, source: IPv6Address, destination: IPv6Address,
                                  hopLimit: UInt8 = 255, trafficClass: UInt8 = 0xC0, flowLabel: UInt32 = 0)
        throws(AdvertisementEncodingError) -> [UInt8]
    {
        let vrrp = try advertisement.encode(source: .v6(source), destination: .v6(destination))
        let header = IPv6Header(source: source, destination: destination, payloadLength: vrrp.count,
                                hopLimit: hopLimit, trafficClass: trafficClass, flowLabel: flowLabel)
        return header.encode() + vrrp
    }
}

extension Advertisement {
    /// The VRID byte of a received packet, read without decoding it (IPv4: after the IP header;
    /// IPv6: the raw socket hands over the VRRP part only), so that a packet that fails to
    /// decode is counted on the instance it was meant for. Nil when the packet is too short.
    public static func peekVRID(_ bytes: [UInt8], family: AddressFamily) -> UInt8? {
        bytes.withUnsafeBytes { peekVRID($0, family: family) }
    }

    /// The same in place.
    public static func peekVRID(_ bytes: UnsafeRawBufferPointer, family: AddressFamily) -> UInt8? {
        switch family {
        case .ipv4:
            guard let first = bytes.first else { return nil }
            let headerLength = Int(first & 0x0F) * 4
            return bytes.count > headerLength + 1 ? bytes[headerLength + 1] : nil
        case .ipv6:
            return bytes.count > 1 ? bytes[1] : nil
        }
    }
}
