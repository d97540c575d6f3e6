// SPDX-License-Identifier: Apache-2.0
/// What one captured packet turned out to be.
public struct DecodedCapture: Hashable, Sendable {
    public enum Content: Hashable, Sendable {
        /// A VRRP advertisement with its IP header.
        case vrrp(VRRPPacket)
        /// A VRRP message given without an IP header.
        case bareVRRP(DecodedAdvertisement)
        case arp(ARPPacket)
        case neighborAdvertisement(IPv6Header, NeighborAdvertisement)
        /// A VRRP candidate that failed a check.
        case rejected(PacketRejection)
        /// Something else (other EtherType or IP protocol, or too short to tell).
        case other(String)
    }

    /// Present when the bytes began with an Ethernet header.
    public var ethernet: EthernetHeader?
    public var content: Content
    /// For a rejected VRRP candidate: its IP header (when it decoded) and the VRRP header's
    /// fields as carried, unchecked, so a reader sees what was sent.
    public var rejectedIPHeader: IPHeader?
    public var rejectedFields: VRRPHeaderFields?

    public init(ethernet: EthernetHeader?, content: Content, rejectedIPHeader: IPHeader? = nil,
                rejectedFields: VRRPHeaderFields? = nil) {
        self.ethernet = ethernet
        self.content = content
        self.rejectedIPHeader = rejectedIPHeader
        self.rejectedFields = rejectedFields
    }

    /// What an RFC receiver does with the packet: the wire decoder's checks, then
    /// `VirtualRouter.receiverRejection` (the instance's configuration-free checks). Nil for
    /// ARP, neighbour advertisements and other packets, which are not VRRP.
    public var verdict: ReceiverVerdict? {
        switch content {
        case .vrrp(let p):
            VirtualRouter.receiverRejection(p.advertisement, ttl: p.ipHeader.ttl).map { .dropped($0) } ?? .accepted
        case .bareVRRP(let d):
            VirtualRouter.receiverRejection(d.advertisement, ttl: nil).map { .dropped($0) } ?? .accepted
        case .rejected(.notVRRP):
            nil
        case .rejected(let r):
            .dropped(r.counterRejection)
        case .arp, .neighborAdvertisement, .other:
            nil
        }
    }
}

/// An RFC receiver's verdict on one VRRP packet.
public enum ReceiverVerdict: Hashable, Sendable {
    case accepted
    /// Dropped; the rejection names the MIB counter (`counterName`) and the rule (`section`).
    case dropped(AdvertisementRejection)
}

/// The fixed VRRP header fields as carried, read without any check (for showing a packet
/// that was rejected). Fields past the end of a short packet are nil.
public struct VRRPHeaderFields: Hashable, Sendable {
    public var version: UInt8
    public var type: UInt8
    public var vrid: UInt8?
    public var priority: UInt8?
    public var count: UInt8?
    /// v2: auth type and interval (s); v3: reserved bits and interval (cs), as the 16 bits carry them.
    public var word: UInt16?
    public var checksum: UInt16?
    public var length: Int

    public init?(_ bytes: some Collection<UInt8>) {
        let b = Array(bytes)
        guard let first = b.first else { return nil }
        version = first >> 4
        type = first & 0x0F
        vrid = b.count > 1 ? b[1] : nil
        priority = b.count > 2 ? b[2] : nil
        count = b.count > 3 ? b[3] : nil
        word = b.count > 5 ? UInt16(b[4]) << 8 | UInt16(b[5]) : nil
        checksum = b.count > 7 ? UInt16(b[6]) << 8 | UInt16(b[7]) : nil
        length = b.count
    }
}

/// Decodes bytes of unknown framing: an Ethernet frame, an IP packet or a bare VRRP message.
public enum CaptureDecoder {
    /// Auto-detects the outermost layer:
    /// - Ethernet when octets 12–13 hold IPv4/IPv6 (with a matching IP version after), ARP
    ///   or a VLAN tag;
    /// - else an IP packet when the first nibble is 4 or 6;
    /// - else a bare VRRP message, checked against `source`/`destination` when given (without
    ///   them a v3 pseudo-header checksum is reported as unverified).
    public static func decode(_ bytes: [UInt8], source: IPAddress? = nil, destination: IPAddress? = nil) -> DecodedCapture {
        if let eth = ethernetHeader(bytes) {
            let payload = Array(bytes.dropFirst(eth.length))
            switch eth.etherType {
            case EtherType.arp:
                guard let arp = ARPPacket.decode(payload) else { return DecodedCapture(ethernet: eth, content: .other("malformed ARP")) }
                return DecodedCapture(ethernet: eth, content: .arp(arp))
            default:
                return withRejectedFields(DecodedCapture(ethernet: eth, content: decodeIP(payload)), ip: payload)
            }
        }
        switch bytes.first.map({ $0 >> 4 }) {
        case 4, 6:
            return withRejectedFields(DecodedCapture(ethernet: nil, content: decodeIP(bytes)), ip: bytes)
        case nil:
            return DecodedCapture(ethernet: nil, content: .other("no bytes"))
        default:
            switch Advertisement.decodeDetailed(bytes, source: source, destination: destination) {
            case .success(let d): return DecodedCapture(ethernet: nil, content: .bareVRRP(d))
            case .failure(let r):
                return DecodedCapture(ethernet: nil, content: .rejected(.advertisement(r)),
                                      rejectedFields: VRRPHeaderFields(bytes))
            }
        }
    }

    /// Adds the IP header and the raw VRRP fields to a rejected VRRP candidate.
    private static func withRejectedFields(_ decoded: DecodedCapture, ip bytes: [UInt8]) -> DecodedCapture {
        guard case .rejected(let r) = decoded.content else { return decoded }
        if case .notVRRP = r { return decoded }
        var out = decoded
        switch bytes.first.map({ $0 >> 4 }) {
        case 4:
            if case .success(let h) = IPv4Header.decode(bytes) {
                out.rejectedIPHeader = .v4(h)
                out.rejectedFields = VRRPHeaderFields(bytes.dropFirst(h.headerLength).prefix(max(0, Int(h.totalLength) - h.headerLength)))
            }
        case 6:
            if case .success(let h) = IPv6Header.decode(bytes) {
                out.rejectedIPHeader = .v6(h)
                out.rejectedFields = VRRPHeaderFields(bytes.dropFirst(IPv6Header.length).prefix(Int(h.payloadLength)))
            }
        default:
            break
        }
        return out
    }

    private static func ethernetHeader(_ bytes: [UInt8]) -> EthernetHeader? {
        guard let eth = EthernetHeader.decode(bytes) else { return nil }
        let next = bytes.count > eth.length ? bytes[eth.length] >> 4 : nil
        switch eth.etherType {
        case EtherType.ipv4: return next == 4 ? eth : nil
        case EtherType.ipv6: return next == 6 ? eth : nil
        case EtherType.arp: return eth
        default: return eth.vlanTags.isEmpty ? nil : eth
        }
    }

    private static func decodeIP(_ bytes: [UInt8]) -> DecodedCapture.Content {
        switch IPPacket.decodeDetailed(bytes) {
        case .success(let p):
            return .vrrp(p)
        case .failure(.notVRRP(let proto)):
            if case .success(let h) = IPv6Header.decode(bytes), proto == NeighborAdvertisement.icmpv6NextHeader {
                let icmp = bytes.dropFirst(IPv6Header.length).prefix(Int(h.payloadLength))
                if let na = NeighborAdvertisement.decode(icmp, source: h.source, destination: h.destination) {
                    return .neighborAdvertisement(h, na)
                }
                return .other("ICMPv6 type \(icmp.first ?? 0), not a valid neighbor advertisement")
            }
            return .other("IP protocol \(proto), not VRRP")
        case .failure(let r):
            return .rejected(r)
        }
    }
}
