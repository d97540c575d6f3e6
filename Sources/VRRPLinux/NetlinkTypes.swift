// SPDX-License-Identifier: Apache-2.0
import VRRPCore

/// An interface as `ip link` shows it (decoded from RTM_NEWLINK).
public struct LinkInfo: Hashable, Sendable {
    public var index: Int32
    public var name: String
    /// IFLA_ADDRESS: the hardware address (6 bytes on Ethernet; empty if none).
    public var mac: [UInt8]
    /// IFF_UP: administratively up.
    public var isUp: Bool
    /// IFF_RUNNING: up and carrier/operstate up (the kernel sets it from netif_oper_up).
    public var isRunning: Bool
    public var mtu: UInt32
    /// IFLA_INFO_KIND inside IFLA_LINKINFO ("macvlan", "veth", …); nil for plain devices.
    public var kind: String?
    /// IFLA_LINK: the lower device (a macvlan's parent); nil when absent.
    public var parentIndex: Int32?
    /// IFLA_MACVLAN_MODE of a macvlan (1 private, 2 vepa, 4 bridge, 8 passthru).
    public var macvlanMode: UInt32?

    public init(index: Int32, name: String, mac: [UInt8], isUp: Bool, isRunning: Bool, mtu: UInt32,
                kind: String? = nil, parentIndex: Int32? = nil, macvlanMode: UInt32? = nil) {
        self.index = index
        self.name = name
        self.mac = mac
        self.isUp = isUp
        self.isRunning = isRunning
        self.mtu = mtu
        self.kind = kind
        self.parentIndex = parentIndex
        self.macvlanMode = macvlanMode
    }

    /// Nil if the message has no IFLA_IFNAME.
    public init?(_ message: LinkMessage) {
        guard let name = message.attributes.first(RTNL.iflaIfname)?.string else { return nil }
        // The kernel sets IFF_RUNNING in ifi_flags exactly when the device is up and
        // netif_oper_up() (operstate UP or UNKNOWN), so the flag already folds in IFLA_OPERSTATE.
        let running = message.flags & RTNL.iffRunning != 0
        self.init(index: message.index, name: name,
                  mac: message.attributes.first(RTNL.iflaAddress)?.value ?? [],
                  isUp: message.flags & RTNL.iffUp != 0, isRunning: running,
                  mtu: message.attributes.first(RTNL.iflaMTU)?.u32 ?? 0)
        parentIndex = message.attributes.first(RTNL.iflaLink)?.u32.map { Int32(bitPattern: $0) }
        // A malformed IFLA_LINKINFO only loses the kind, never the link.
        if let info = message.attributes.first(RTNL.iflaLinkinfo),
           let nested = try? RouteAttribute.decode(info.value[...]) {
            kind = nested.first(RTNL.iflaInfoKind)?.string
            if kind == "macvlan", let data = nested.first(RTNL.iflaInfoData),
               let fields = try? RouteAttribute.decode(data.value[...]) {
                macvlanMode = fields.first(RTNL.iflaMacvlanMode)?.u32
            }
        }
    }
}

/// `ifa_scope` (RT_SCOPE_*).
public struct AddressScope: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let universe = AddressScope(rawValue: 0)
    public static let site = AddressScope(rawValue: 200)
    public static let link = AddressScope(rawValue: 253)
    public static let host = AddressScope(rawValue: 254)

    public var description: String {
        switch self {
        case .universe: "global"
        case .site: "site"
        case .link: "link"
        case .host: "host"
        default: "scope \(rawValue)"
        }
    }
}

/// IFA_F_* address flags (linux/if_addr.h).
public struct AddressFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let secondary = AddressFlags(rawValue: 0x01)
    public static let noDAD = AddressFlags(rawValue: 0x02)
    public static let optimistic = AddressFlags(rawValue: 0x04)
    public static let dadFailed = AddressFlags(rawValue: 0x08)
    public static let homeAddress = AddressFlags(rawValue: 0x10)
    public static let deprecated = AddressFlags(rawValue: 0x20)
    public static let tentative = AddressFlags(rawValue: 0x40)
    public static let permanent = AddressFlags(rawValue: 0x80)
    public static let manageTempAddress = AddressFlags(rawValue: 0x100)
    public static let noPrefixRoute = AddressFlags(rawValue: 0x200)
}

/// An address as `ip addr` shows it (decoded from RTM_NEWADDR / RTM_DELADDR).
public struct InterfaceAddress: Hashable, Sendable {
    public var ifindex: Int32
    public var address: IPAddress
    public var prefix: UInt8
    public var flags: AddressFlags
    public var label: String?
    public var scope: AddressScope
    /// IFA_PROTO, if the kernel reported one (Linux 6.1+).
    public var addressProtocol: UInt8?

    public init(ifindex: Int32, address: IPAddress, prefix: UInt8, flags: AddressFlags = [], label: String? = nil,
                scope: AddressScope = .universe, addressProtocol: UInt8? = nil) {
        self.ifindex = ifindex
        self.address = address
        self.prefix = prefix
        self.flags = flags
        self.label = label
        self.scope = scope
        self.addressProtocol = addressProtocol
    }

    /// True when the address carries our IFA_PROTO marker: this daemon (or a crashed run of it)
    /// added it. The kernel reports IFA_PROTO only when it is non-zero.
    public func isTagged(_ marker: UInt8 = RouteNetlink.addressProtocol) -> Bool {
        addressProtocol == marker
    }

    /// Nil for families other than IPv4/IPv6 or a missing/short address attribute.
    /// IFA_LOCAL is the local address when present (IPv4 always; IPv6 with a peer);
    /// otherwise IFA_ADDRESS is.
    public init?(_ message: AddressMessage) {
        guard let raw = (message.attributes.first(RTNL.ifaLocal) ?? message.attributes.first(RTNL.ifaAddress))?.value
        else { return nil }
        let address: IPAddress
        switch message.family {
        case RTNL.afInet:
            guard let a = IPv4Address(bytes: raw) else { return nil }
            address = .v4(a)
        case RTNL.afInet6:
            guard let a = IPv6Address(bytes: raw) else { return nil }
            address = .v6(a)
        default:
            return nil
        }
        let flags = message.attributes.first(RTNL.ifaFlags)?.u32 ?? UInt32(message.flags)
        self.init(ifindex: Int32(bitPattern: message.index), address: address, prefix: message.prefixLength,
                  flags: AddressFlags(rawValue: flags), label: message.attributes.first(RTNL.ifaLabel)?.string,
                  scope: AddressScope(rawValue: message.scope),
                  addressProtocol: message.attributes.first(RTNL.ifaProto)?.u8)
    }
}

extension [InterfaceAddress] {
    /// Addresses a previous run of this daemon left behind: only those carrying our IFA_PROTO
    /// marker. An address equal to a virtual address but without the marker is the operator's
    /// (the address owner's own interface address, RFC 5798 §5.2.4) and is never a leftover.
    public func leftovers(protocol marker: UInt8 = RouteNetlink.addressProtocol) -> [InterfaceAddress] {
        filter { $0.isTagged(marker) }
    }
}

/// A change the kernel reported on the monitor socket.
public enum InterfaceEvent: Hashable, Sendable {
    case link(LinkInfo)
    case linkRemoved(index: Int32)
    case addressAdded(InterfaceAddress)
    case addressRemoved(InterfaceAddress)
    /// The socket buffer overflowed (ENOBUFS): events were lost; re-read links() and addresses().
    case overflow

    /// Decodes one monitor message; nil for types the monitor does not report.
    public init?(_ message: NetlinkMessage) throws(NetlinkDecodeError) {
        switch try message.body() {
        case .link(let link) where message.type == RTNL.delLink:
            self = .linkRemoved(index: link.index)
        case .link(let link):
            guard let info = LinkInfo(link) else { return nil }
            self = .link(info)
        case .address(let address):
            guard let info = InterfaceAddress(address) else { return nil }
            self = message.type == RTNL.newAddress ? .addressAdded(info) : .addressRemoved(info)
        default:
            return nil
        }
    }
}

// MARK: Requests

/// Builders for the requests `RouteNetlink` sends. Pure, so the tests pin their bytes.
public enum NetlinkRequest {
    /// `ip addr add ADDR/PREFIX [broadcast B] [label L] [scope S] [nodad] dev IFINDEX proto P`.
    /// IFA_LOCAL and IFA_ADDRESS both carry the address, as iproute2 sends them.
    public static func addAddress(sequence: UInt32, address: IPAddress, prefix: UInt8, ifindex: Int32,
                                  label: String? = nil, scope: AddressScope = .universe,
                                  broadcast: IPv4Address? = nil, noDAD: Bool = false,
                                  addressProtocol: UInt8? = RouteNetlink.addressProtocol) -> NetlinkMessage {
        var attributes = [
            RouteAttribute(type: RTNL.ifaLocal, value: address.bytes),
            RouteAttribute(type: RTNL.ifaAddress, value: address.bytes),
        ]
        if let broadcast, case .v4 = address {
            attributes.append(RouteAttribute(type: RTNL.ifaBroadcast, value: broadcast.bytes))
        }
        if let label { attributes.append(RouteAttribute(type: RTNL.ifaLabel, string: label)) }
        let flags: AddressFlags = noDAD ? [.noDAD] : []
        if !flags.isEmpty { attributes.append(RouteAttribute(type: RTNL.ifaFlags, u32: flags.rawValue)) }
        if let addressProtocol { attributes.append(RouteAttribute(type: RTNL.ifaProto, u8: addressProtocol)) }
        let body = AddressMessage(family: family(address), prefixLength: prefix, flags: UInt8(flags.rawValue & 0xFF),
                                  scope: scope.rawValue, index: UInt32(bitPattern: ifindex), attributes: attributes)
        return NetlinkMessage(type: RTNL.newAddress, flags: RTNL.request | RTNL.ack | RTNL.create | RTNL.excl,
                              sequence: sequence, payload: body.encode())
    }

    /// `ip addr del ADDR/PREFIX dev IFINDEX`.
    public static func deleteAddress(sequence: UInt32, address: IPAddress, prefix: UInt8,
                                     ifindex: Int32) -> NetlinkMessage {
        let body = AddressMessage(family: family(address), prefixLength: prefix, index: UInt32(bitPattern: ifindex),
                                  attributes: [RouteAttribute(type: RTNL.ifaLocal, value: address.bytes),
                                               RouteAttribute(type: RTNL.ifaAddress, value: address.bytes)])
        return NetlinkMessage(type: RTNL.delAddress, flags: RTNL.request | RTNL.ack, sequence: sequence,
                              payload: body.encode())
    }

    /// `ip route add|del [blackhole] DEST/LEN [via GW] [dev IFINDEX] [src SRC] [table N] [metric N] proto P`,
    /// encoded as iproute2 does: a table id below 256 goes in `rtm_table`, a larger one in RTA_TABLE;
    /// a unicast route with a device and no gateway gets link scope (iproute2 `ip route add`);
    /// a delete carries RT_SCOPE_NOWHERE so the kernel matches any scope (iproute2 `ip route del`),
    /// and our protocol, so the kernel deletes only a route we added, never the operator's twin.
    public static func route(_ add: Bool, sequence: UInt32, destination: IPAddress, prefix: UInt8,
                             gateway: IPAddress? = nil, ifindex: Int32? = nil, source: IPAddress? = nil,
                             table: UInt32 = UInt32(RTNL.rtTableMain), metric: UInt32? = nil,
                             blackhole: Bool = false, scope requestedScope: UInt8? = nil, onlink: Bool = false,
                             routeProtocol: UInt8 = RouteNetlink.addressProtocol) -> NetlinkMessage {
        var attributes: [RouteAttribute] = []
        if table >= 256 { attributes.append(RouteAttribute(type: RTNL.rtaTable, u32: table)) }
        attributes.append(RouteAttribute(type: RTNL.rtaDst, value: destination.bytes))
        if let metric { attributes.append(RouteAttribute(type: RTNL.rtaPriority, u32: metric)) }
        if let source { attributes.append(RouteAttribute(type: RTNL.rtaPrefsrc, value: source.bytes)) }
        if let gateway, !blackhole { attributes.append(RouteAttribute(type: RTNL.rtaGateway, value: gateway.bytes)) }
        if let ifindex, !blackhole {
            attributes.append(RouteAttribute(type: RTNL.rtaOif, u32: UInt32(bitPattern: ifindex)))
        }
        let scope: UInt8 = if !add { RTNL.rtScopeNowhere }
            else if let requestedScope { requestedScope }
            else if !blackhole && gateway == nil && ifindex != nil { RTNL.rtScopeLink }
            else { RTNL.rtScopeUniverse }
        var body = RouteMessage(family: family(destination), destinationLength: prefix,
                                table: table >= 256 ? RTNL.rtTableUnspec : UInt8(table),
                                routeProtocol: routeProtocol, scope: scope,
                                type: blackhole ? RTNL.rtnBlackhole : RTNL.rtnUnicast, attributes: attributes)
        if onlink { body.flags = 0x4 }  // RTNH_F_ONLINK: the gateway is on the link even without a matching prefix
        let flags = add ? RTNL.request | RTNL.ack | RTNL.create | RTNL.excl : RTNL.request | RTNL.ack
        return NetlinkMessage(type: add ? RTNL.newRoute : RTNL.delRoute, flags: flags, sequence: sequence,
                              payload: body.encode())
    }

    /// `ip link add link PARENT name NAME address MAC type macvlan mode private`: the virtual
    /// MAC interface of RFC 5798 §7.2 (keepalived `use_vmac`). Private mode, as keepalived
    /// creates it: the macvlan hears frames from the wire but not from its sibling macvlans.
    /// Created down; ``setLinkUp(sequence:ifindex:)`` raises it after the sysctls are set.
    public static func createMacvlan(sequence: UInt32, name: String, parent: Int32, mac: [UInt8]) -> NetlinkMessage {
        let info = RouteAttribute(type: RTNL.iflaLinkinfo, nested: [
            RouteAttribute(type: RTNL.iflaInfoKind, value: Array("macvlan".utf8)),
            RouteAttribute(type: RTNL.iflaInfoData, nested: [
                RouteAttribute(type: RTNL.iflaMacvlanMode, u32: RTNL.macvlanModePrivate),
            ]),
        ])
        let body = LinkMessage(attributes: [
            info,
            RouteAttribute(type: RTNL.iflaLink, u32: UInt32(bitPattern: parent)),
            RouteAttribute(type: RTNL.iflaIfname, string: name),
            RouteAttribute(type: RTNL.iflaAddress, value: mac),
        ])
        return NetlinkMessage(type: RTNL.newLink, flags: RTNL.request | RTNL.ack | RTNL.create | RTNL.excl,
                              sequence: sequence, payload: body.encode())
    }

    /// `ip link set dev IFINDEX addrgenmode none`: no EUI-64 link-local address from the virtual
    /// MAC (it would be the same on every router of the VRID; RFC 5798 §7.4). A request of its
    /// own: the kernel ignores IFLA_AF_SPEC in a create request.
    public static func disableIPv6AddressGeneration(sequence: UInt32, ifindex: Int32) -> NetlinkMessage {
        let body = LinkMessage(index: ifindex, attributes: [
            RouteAttribute(type: RTNL.iflaAFSpec, nested: [
                RouteAttribute(type: UInt16(RTNL.afInet6), nested: [
                    RouteAttribute(type: RTNL.iflaInet6AddrGenMode, u8: RTNL.in6AddrGenModeNone),
                ]),
            ]),
        ])
        return NetlinkMessage(type: RTNL.newLink, flags: RTNL.request | RTNL.ack, sequence: sequence,
                              payload: body.encode())
    }

    /// `ip link set dev IFINDEX up`.
    public static func setLinkUp(sequence: UInt32, ifindex: Int32) -> NetlinkMessage {
        let body = LinkMessage(index: ifindex, flags: RTNL.iffUp, change: RTNL.iffUp)
        return NetlinkMessage(type: RTNL.newLink, flags: RTNL.request | RTNL.ack, sequence: sequence,
                              payload: body.encode())
    }

    /// `ip link del dev IFINDEX`.
    public static func deleteLink(sequence: UInt32, ifindex: Int32) -> NetlinkMessage {
        NetlinkMessage(type: RTNL.delLink, flags: RTNL.request | RTNL.ack, sequence: sequence,
                       payload: LinkMessage(index: ifindex).encode())
    }

    /// `ip link show`: dump every link.
    public static func dumpLinks(sequence: UInt32) -> NetlinkMessage {
        NetlinkMessage(type: RTNL.getLink, flags: RTNL.request | RTNL.dump, sequence: sequence,
                       payload: LinkMessage().encode())
    }

    /// `ip addr show`: dump every address of both families.
    public static func dumpAddresses(sequence: UInt32) -> NetlinkMessage {
        NetlinkMessage(type: RTNL.getAddress, flags: RTNL.request | RTNL.dump, sequence: sequence,
                       payload: AddressMessage(family: RTNL.afUnspec, prefixLength: 0, index: 0).encode())
    }

    static func family(_ address: IPAddress) -> UInt8 {
        switch address {
        case .v4: RTNL.afInet
        case .v6: RTNL.afInet6
        }
    }
}
