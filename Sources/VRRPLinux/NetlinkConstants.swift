// SPDX-License-Identifier: Apache-2.0
/// rtnetlink ABI numbers used by the pure codec, typed as the fields that carry them.
/// Hand-written so the codec needs no C module; `NetlinkConstantsTests` checks each one
/// against the kernel headers through `CVRRPLinux`.
public enum RTNL {
    // linux/netlink.h: message types.
    public static let noop: UInt16 = 1       // NLMSG_NOOP
    public static let error: UInt16 = 2      // NLMSG_ERROR
    public static let done: UInt16 = 3       // NLMSG_DONE
    public static let overrun: UInt16 = 4    // NLMSG_OVERRUN

    // linux/netlink.h: header flags.
    public static let request: UInt16 = 0x001   // NLM_F_REQUEST
    public static let multi: UInt16 = 0x002     // NLM_F_MULTI
    public static let ack: UInt16 = 0x004       // NLM_F_ACK
    public static let dumpInterrupted: UInt16 = 0x010  // NLM_F_DUMP_INTR
    public static let dump: UInt16 = 0x300      // NLM_F_DUMP (ROOT | MATCH)
    public static let excl: UInt16 = 0x200      // NLM_F_EXCL
    public static let create: UInt16 = 0x400    // NLM_F_CREATE
    public static let capped: UInt16 = 0x100    // NLM_F_CAPPED (on NLMSG_ERROR)

    // linux/rtnetlink.h: message types.
    public static let newLink: UInt16 = 16      // RTM_NEWLINK
    public static let delLink: UInt16 = 17      // RTM_DELLINK
    public static let getLink: UInt16 = 18      // RTM_GETLINK
    public static let newAddress: UInt16 = 20   // RTM_NEWADDR
    public static let delAddress: UInt16 = 21   // RTM_DELADDR
    public static let getAddress: UInt16 = 22   // RTM_GETADDR
    public static let newRoute: UInt16 = 24     // RTM_NEWROUTE
    public static let delRoute: UInt16 = 25     // RTM_DELROUTE

    // linux/rtnetlink.h: route attributes, types, scopes and tables.
    public static let rtaDst: UInt16 = 1        // RTA_DST
    public static let rtaOif: UInt16 = 4        // RTA_OIF
    public static let rtaGateway: UInt16 = 5    // RTA_GATEWAY
    public static let rtaPriority: UInt16 = 6   // RTA_PRIORITY (the metric)
    public static let rtaPrefsrc: UInt16 = 7    // RTA_PREFSRC
    public static let rtaTable: UInt16 = 15     // RTA_TABLE (u32, for ids >= 256)
    public static let rtnUnicast: UInt8 = 1     // RTN_UNICAST
    public static let rtnBlackhole: UInt8 = 6   // RTN_BLACKHOLE
    public static let rtScopeUniverse: UInt8 = 0  // RT_SCOPE_UNIVERSE
    public static let rtScopeLink: UInt8 = 253    // RT_SCOPE_LINK
    public static let rtScopeNowhere: UInt8 = 255 // RT_SCOPE_NOWHERE
    public static let rtTableUnspec: UInt8 = 0    // RT_TABLE_UNSPEC
    public static let rtTableMain: UInt8 = 254    // RT_TABLE_MAIN

    // linux/if_addr.h: address attributes.
    public static let ifaAddress: UInt16 = 1    // IFA_ADDRESS
    public static let ifaLocal: UInt16 = 2      // IFA_LOCAL
    public static let ifaLabel: UInt16 = 3      // IFA_LABEL
    public static let ifaBroadcast: UInt16 = 4  // IFA_BROADCAST
    public static let ifaFlags: UInt16 = 8      // IFA_FLAGS (u32, supersedes ifa_flags)
    public static let ifaProto: UInt16 = 11     // IFA_PROTO (u8, Linux 6.1+)

    // linux/if_link.h: link attributes.
    public static let iflaAddress: UInt16 = 1   // IFLA_ADDRESS
    public static let iflaIfname: UInt16 = 3    // IFLA_IFNAME
    public static let iflaMTU: UInt16 = 4       // IFLA_MTU
    public static let iflaOperstate: UInt16 = 16  // IFLA_OPERSTATE
    public static let iflaLink: UInt16 = 5      // IFLA_LINK (u32: the lower device of a macvlan)
    public static let iflaLinkinfo: UInt16 = 18 // IFLA_LINKINFO (nested)
    public static let iflaAFSpec: UInt16 = 26   // IFLA_AF_SPEC (nested, per family)
    public static let iflaInfoKind: UInt16 = 1  // IFLA_INFO_KIND ("macvlan")
    public static let iflaInfoData: UInt16 = 2  // IFLA_INFO_DATA (nested, per kind)
    public static let iflaMacvlanMode: UInt16 = 1   // IFLA_MACVLAN_MODE (u32)
    public static let macvlanModePrivate: UInt32 = 1  // MACVLAN_MODE_PRIVATE
    public static let iflaInet6AddrGenMode: UInt16 = 8  // IFLA_INET6_ADDR_GEN_MODE (u8)
    public static let in6AddrGenModeNone: UInt8 = 1     // IN6_ADDR_GEN_MODE_NONE

    // linux/if.h: interface flags.
    public static let iffUp: UInt32 = 0x1        // IFF_UP
    public static let iffRunning: UInt32 = 0x40  // IFF_RUNNING

    // linux/rtnetlink.h: multicast groups (numbers, not RTMGRP_ masks).
    public static let groupLink: UInt32 = 1        // RTNLGRP_LINK
    public static let groupIPv4Address: UInt32 = 5 // RTNLGRP_IPV4_IFADDR
    public static let groupIPv6Address: UInt32 = 9 // RTNLGRP_IPV6_IFADDR

    // sys/socket.h: address families as carried in ifaddrmsg/ifinfomsg.
    public static let afUnspec: UInt8 = 0    // AF_UNSPEC
    public static let afInet: UInt8 = 2      // AF_INET
    public static let afInet6: UInt8 = 10    // AF_INET6

    /// Attribute type bits that are flags, not the type (NLA_F_NESTED | NLA_F_NET_BYTEORDER).
    public static let attributeTypeMask: UInt16 = 0x3FFF
}
