// SPDX-License-Identifier: Apache-2.0
/// An ICMPv6 Neighbor Advertisement (RFC 4861 §4.4).
public struct NeighborAdvertisement: Hashable, Sendable {
    public static let icmpType: UInt8 = 136
    public static let icmpv6NextHeader: UInt8 = 58

    public var router: Bool
    public var solicited: Bool
    public var override: Bool
    public var target: IPv6Address
    /// Option 2, Target Link-Layer Address (RFC 4861 §4.6.1), if present.
    public var targetLinkLayerAddress: MACAddress?

    public init(target: IPv6Address, targetLinkLayerAddress: MACAddress?, router: Bool = false,
                solicited: Bool = false, override: Bool = true)
    {
        self.target = target
        self.targetLinkLayerAddress = targetLinkLayerAddress
        self.router = router
        self.solicited = solicited
        self.override = override
    }

    /// The ICMPv6 message with its checksum over the RFC 8200 §8.1 pseudo-header.
    public func encode(source: IPv6Address, destination: IPv6Address) -> [UInt8] {
        var out: [UInt8] = [Self.icmpType, 0, 0, 0]
        out.append((router ? 0x80 : 0) | (solicited ? 0x40 : 0) | (override ? 0x20 : 0))
        out += [0, 0, 0]
        out += target.bytes
        if let mac = targetLinkLayerAddress {
            out += [2, 1]  // type 2, length 1 (× 8 octets)
            out += mac.bytes
        }
        out.setBigEndian(Self.checksum(out, source: source, destination: destination), at: 2)
        return out
    }

    static func checksum(_ message: [UInt8], source: IPv6Address, destination: IPv6Address) -> UInt16 {
        var c = InternetChecksum()
        c.add(source.bytes)
        c.add(destination.bytes)
        c.add(word32: UInt32(message.count))
        c.add([0, 0, 0, icmpv6NextHeader])
        c.add(message.prefix(2))
        c.add([0, 0])
        c.add(message.dropFirst(4))
        return c.value
    }

    /// Parses an ICMPv6 NA; nil if it is not one, is short, or its checksum is wrong.
    public static func decode(_ bytes: some Collection<UInt8>, source: IPv6Address, destination: IPv6Address)
        -> NeighborAdvertisement?
    {
        let b = Array(bytes)
        guard b.count >= 24, b[0] == icmpType, b[1] == 0,
              checksum(b, source: source, destination: destination) == b.bigEndianU16(at: 2),
              let target = IPv6Address(bytes: b[8..<24]) else { return nil }
        var na = NeighborAdvertisement(target: target, targetLinkLayerAddress: nil, router: b[4] & 0x80 != 0,
                                       solicited: b[4] & 0x40 != 0, override: b[4] & 0x20 != 0)
        var r = ByteReader(b, offset: 24)
        // Options (RFC 4861 §4.6): type, length in units of 8 octets (0 is invalid).
        while let type = r.u8(), let units = r.u8(), units > 0, let body = r.take(Int(units) * 8 - 2) {
            if type == 2, units == 1 { na.targetLinkLayerAddress = MACAddress(bytes: body) }
        }
        return na
    }
}

/// The unsolicited Neighbor Advertisement a new IPv6 master sends for each VIP
/// (RFC 5798 §6.4.1 (115)-(120), §6.4.2; checklist F26).
public enum UnsolicitedNeighborAdvertisement {
    /// The whole Ethernet frame: source = the VIP, destination ff02::1 (Ethernet
    /// 33:33:00:00:00:01), hop limit 255 (RFC 4861 §7.1.2), flags Router and Override, Solicited
    /// clear, target = the VIP, option 2 with `linkLayerAddress` (defaults to `sourceMAC`).
    ///
    /// RFC 5798 §6.4.1 asks for "the Router Flag (R) set" (a virtual router is a router, and
    /// hosts that see R=0 for their default router's address drop it from their router list,
    /// RFC 4861 §7.2.5). keepalived 2.2.7 sends R=0 (`router: false` gives its frame byte for
    /// byte); FRR's vrrpd sends R=1.
    public static func frame(address: IPv6Address, sourceMAC: MACAddress, router: Bool = true,
                             linkLayerAddress: MACAddress? = nil) -> [UInt8]
    {
        let na = NeighborAdvertisement(target: address, targetLinkLayerAddress: linkLayerAddress ?? sourceMAC,
                                       router: router, solicited: false, override: true)
        let icmp = na.encode(source: address, destination: .allNodes)
        let ip = IPv6Header(source: address, destination: .allNodes, payloadLength: icmp.count,
                            nextHeader: NeighborAdvertisement.icmpv6NextHeader, hopLimit: 255)
        let eth = EthernetHeader(destination: MACAddress(multicast: IPv6Address.allNodes), source: sourceMAC,
                                 etherType: EtherType.ipv6)
        return eth.encode() + ip.encode() + icmp
    }
}
