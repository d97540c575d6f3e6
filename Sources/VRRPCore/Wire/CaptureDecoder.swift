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

    public init(ethernet: EthernetHeader?, content: Content) {
        self.ethernet = ethernet
        self.content = content
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
                return DecodedCapture(ethernet: eth, content: decodeIP(payload))
            }
        }
        switch bytes.first.map({ $0 >> 4 }) {
        case 4, 6:
            return DecodedCapture(ethernet: nil, content: decodeIP(bytes))
        case nil:
            return DecodedCapture(ethernet: nil, content: .other("no bytes"))
        default:
            switch Advertisement.decodeDetailed(bytes, source: source, destination: destination) {
            case .success(let d): return DecodedCapture(ethernet: nil, content: .bareVRRP(d))
            case .failure(let r): return DecodedCapture(ethernet: nil, content: .rejected(.advertisement(r)))
            }
        }
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
