// SPDX-License-Identifier: Apache-2.0
/// EtherType values used here.
public enum EtherType {
    public static let ipv4: UInt16 = 0x0800
    public static let arp: UInt16 = 0x0806
    public static let ipv6: UInt16 = 0x86DD
    /// IEEE 802.1Q VLAN tag.
    public static let vlan: UInt16 = 0x8100
    /// IEEE 802.1ad service tag (QinQ outer tag).
    public static let serviceVLAN: UInt16 = 0x88A8
}

/// An Ethernet II header with up to two VLAN tags.
public struct EthernetHeader: Hashable, Sendable {
    public var destination: MACAddress
    public var source: MACAddress
    /// Tag control information (PCP, DEI, VLAN ID) of each 802.1Q / 802.1ad tag, outermost first.
    public var vlanTags: [UInt16]
    /// The EtherType after the tags.
    public var etherType: UInt16

    public init(destination: MACAddress, source: MACAddress, etherType: UInt16, vlanTags: [UInt16] = []) {
        self.destination = destination
        self.source = source
        self.etherType = etherType
        self.vlanTags = vlanTags
    }

    /// 14 octets plus 4 per tag.
    public var length: Int { 14 + 4 * vlanTags.count }

    /// The VLAN ID (low 12 bits) of each tag.
    public var vlanIDs: [UInt16] { vlanTags.map { $0 & 0x0FFF } }

    public func encode() -> [UInt8] {
        var out = destination.bytes + source.bytes
        for (i, tci) in vlanTags.enumerated() {
            out.appendBigEndian(i == 0 && vlanTags.count > 1 ? EtherType.serviceVLAN : EtherType.vlan)
            out.appendBigEndian(tci)
        }
        out.appendBigEndian(etherType)
        return out
    }

    /// Parses the header at the start of `bytes`; nil if too short. At most two tags.
    public static func decode(_ bytes: some Collection<UInt8>) -> EthernetHeader? {
        var r = ByteReader(Array(bytes))
        guard let dst = r.mac(), let src = r.mac(), var type = r.u16() else { return nil }
        var tags: [UInt16] = []
        while type == EtherType.vlan || type == EtherType.serviceVLAN {
            guard tags.count < 2, let tci = r.u16(), let next = r.u16() else { return nil }
            tags.append(tci)
            type = next
        }
        return EthernetHeader(destination: dst, source: src, etherType: type, vlanTags: tags)
    }
}

/// An ARP packet for IPv4 over Ethernet (RFC 826).
public struct ARPPacket: Hashable, Sendable {
    public static let length = 28
    public static let request: UInt16 = 1
    public static let reply: UInt16 = 2

    public var operation: UInt16
    public var senderHardware: MACAddress
    public var senderProtocol: IPv4Address
    public var targetHardware: MACAddress
    public var targetProtocol: IPv4Address

    public init(operation: UInt16, senderHardware: MACAddress, senderProtocol: IPv4Address,
                targetHardware: MACAddress, targetProtocol: IPv4Address)
    {
        self.operation = operation
        self.senderHardware = senderHardware
        self.senderProtocol = senderProtocol
        self.targetHardware = targetHardware
        self.targetProtocol = targetProtocol
    }

    /// Gratuitous: sender and target protocol address are the same.
    public var isGratuitous: Bool { senderProtocol == targetProtocol }

    public func encode() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.length)
        out.appendBigEndian(UInt16(1))  // hardware type Ethernet
        out.appendBigEndian(EtherType.ipv4)
        out.append(6)
        out.append(4)
        out.appendBigEndian(operation)
        out += senderHardware.bytes
        out += senderProtocol.bytes
        out += targetHardware.bytes
        out += targetProtocol.bytes
        return out
    }

    /// Parses an Ethernet/IPv4 ARP packet; nil for other hardware or protocol types or short input.
    public static func decode(_ bytes: some Collection<UInt8>) -> ARPPacket? {
        var r = ByteReader(Array(bytes))
        guard r.u16() == 1, r.u16() == EtherType.ipv4, r.u8() == 6, r.u8() == 4, let op = r.u16(),
              let sha = r.mac(), let spa = r.ipv4(), let tha = r.mac(), let tpa = r.ipv4() else { return nil }
        return ARPPacket(operation: op, senderHardware: sha, senderProtocol: spa, targetHardware: tha, targetProtocol: tpa)
    }
}

/// The gratuitous ARP a new master broadcasts for each IPv4 VIP (RFC 5798 §6.4.1 (115),
/// RFC 3768 §6.4.1; checklist F26).
public enum GratuitousARP {
    /// The whole Ethernet frame as keepalived 2.2.7 sends it: an ARP *request* "who-has VIP
    /// tell VIP" to ff:ff:ff:ff:ff:ff, sender hardware `sourceMAC`, target hardware
    /// ff:ff:ff:ff:ff:ff. 42 octets, no padding (the kernel pads on the wire).
    ///
    /// `sourceMAC` is the virtual MAC (RFC 5798 §7.2; RFC 9568 errata 7947/7949) or, as
    /// keepalived does without `use_vmac`, the interface's MAC.
    public static func frame(address: IPv4Address, sourceMAC: MACAddress) -> [UInt8] {
        let arp = ARPPacket(operation: ARPPacket.request, senderHardware: sourceMAC, senderProtocol: address,
                            targetHardware: .broadcast, targetProtocol: address)
        return EthernetHeader(destination: .broadcast, source: sourceMAC, etherType: EtherType.arp).encode() + arp.encode()
    }
}
