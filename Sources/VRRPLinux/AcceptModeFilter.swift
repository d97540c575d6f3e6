// SPDX-License-Identifier: Apache-2.0
import VRRPSystem
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif
import VRRPCore

/// RFC 5798 §6.4.3 Accept_Mode off: a non-owner master "MUST NOT accept packets addressed to
/// the IPvX address(es) associated with the virtual router" (ARP and ND excepted, §6.4.3, §8.2.2).
/// Done as keepalived does it, with nftables: our own tables `ip vrrpd` and `ip6 vrrpd`, each
/// an input chain that drops packets whose destination is in the set `vips` (IPv6 lets
/// neighbour solicitations and advertisements through). Spoken over nfnetlink directly (no
/// libnftnl); every update replaces the two tables in one atomic batch, and no other table is
/// ever touched.
public final class AcceptModeFilter: Sendable {
    public static let tableName = "vrrpd"
    public let name: String
    private let socket: NetlinkSocket

    /// - Parameter name: the tables' name (`vrrpd`; tests use others).
    public init(name: String = AcceptModeFilter.tableName) throws {
        self.name = name
        socket = try NetlinkSocket(receiveTimeoutSeconds: 5, protocol: 12)  // NETLINK_NETFILTER
    }

    /// Installs the drop rules for exactly these addresses (empty sets leave the tables in place
    /// with nothing to drop), and the membership-report rules for these macvlans.
    public func apply(ipv4: [IPv4Address], ipv6: [IPv6Address], virtualMACs: [NftablesRequest.VirtualMACEntry] = []) throws {
        try exchange(NftablesRequest.replaceTables(name: name, ipv4: ipv4, ipv6: ipv6, virtualMACs: virtualMACs, sequence: 1))
    }

    /// Deletes our two tables.
    public func remove() throws {
        try exchange(NftablesRequest.deleteTables(name: name, sequence: 1))
    }

    /// True when the table `name` of the IPv4 (or IPv6) family exists (NFT_MSG_GETTABLE).
    public func tableExists(ipv6: Bool = false) throws -> Bool {
        let request = NetlinkMessage(type: NftablesRequest.subsystem << 8 | 1, flags: NftablesRequest.request | NftablesRequest.ack,
                                     sequence: 7, payload: NftablesRequest.header(family: ipv6 ? NftablesRequest.familyIPv6 : NftablesRequest.familyIPv4, resID: 0)
                                         + NftablesRequest.encode([RouteAttribute(type: 1, string: name)]))
        try socket.send(request.encode())
        var found = false
        while true {
            for message in try NetlinkMessage.decode(try socket.receive()) {
                if message.type == NftablesRequest.subsystem << 8 | NftablesRequest.newTable { found = true }
                if case .error(let e) = try message.body() {
                    if e.errno == ENOENT { return false }
                    if e.errno != 0 { throw SystemError("NFT_MSG_GETTABLE \(name)", errno: e.errno) }
                    return found
                }
            }
        }
    }

    /// Sends a batch and waits for the kernel's answer: an ACK for every message, or the error
    /// that aborted the batch.
    private func exchange(_ batch: (bytes: [UInt8], acked: Int)) throws {
        try socket.send(batch.bytes)
        var acks = 0
        while acks < batch.acked {
            for message in try NetlinkMessage.decode(try socket.receive()) {
                guard case .error(let e) = try message.body() else { continue }
                if e.errno != 0 { throw SystemError("nftables batch (message \(message.sequence))", errno: e.errno) }
                acks += 1
            }
        }
    }
}

/// nf_tables netlink messages (linux/netfilter/nf_tables.h, nfnetlink.h). Pure, so a test can
/// pin them.
public enum NftablesRequest {
    /// A `use_vmac` macvlan (keepalived 2.2.7 vrrp_nftables.c `nft_add_vmac`): its IGMP
    /// (`ipv4`) and MLDv2 (`ipv6`) membership reports leave by `base` instead (nft `dup to
    /// daddr device`), so no report ever carries the virtual MAC and a switch does not learn it
    /// at a backup's port; with `ipv6`, its router solicitations are dropped.
    public struct VirtualMACEntry: Hashable, Sendable {
        public var ifindex: Int32
        public var base: Int32
        public var ipv4: Bool
        public var ipv6: Bool
        public init(ifindex: Int32, base: Int32, ipv4: Bool, ipv6: Bool) {
            self.ifindex = ifindex
            self.base = base
            self.ipv4 = ipv4
            self.ipv6 = ipv6
        }
    }

    static let subsystem: UInt16 = 10          // NFNL_SUBSYS_NFTABLES
    static let batchBegin: UInt16 = 0x10       // NFNL_MSG_BATCH_BEGIN
    static let batchEnd: UInt16 = 0x11
    static let newTable: UInt16 = 0, delTable: UInt16 = 2, newChain: UInt16 = 3, newRule: UInt16 = 6
    static let newSet: UInt16 = 9, newSetElement: UInt16 = 12
    static let nested: UInt16 = 0x8000         // NLA_F_NESTED
    static let familyIPv4: UInt8 = 2, familyIPv6: UInt8 = 10
    static let request: UInt16 = 0x1, ack: UInt16 = 0x4, create: UInt16 = 0x400

    /// One batch: per family, create-if-missing, delete and recreate our table with its set,
    /// chain and rules. Returns the bytes and how many messages ask for an ACK.
    public static func replaceTables(name: String, ipv4: [IPv4Address], ipv6: [IPv6Address],
                                     virtualMACs: [VirtualMACEntry] = [],
                                     sequence: UInt32) -> (bytes: [UInt8], acked: Int) {
        var messages: [(UInt16, UInt8, [RouteAttribute])] = []
        for (family, keys) in [(familyIPv4, ipv4.map(\.bytes)), (familyIPv6, ipv6.map(\.bytes))] {
            let keyLength = family == familyIPv4 ? 4 : 16
            let table = RouteAttribute(type: 1, string: name)
            messages.append((newTable, family, [table]))
            messages.append((delTable, family, [table]))
            messages.append((newTable, family, [table]))
            // Set `vips`: NFTA_SET_TABLE, NAME, FLAGS 0, KEY_TYPE (ipv4_addr 7 / ipv6_addr 8), KEY_LEN, ID.
            messages.append((newSet, family, [
                RouteAttribute(type: 1, string: name), RouteAttribute(type: 2, string: "vips"),
                be32(3, 0), be32(4, family == familyIPv4 ? 7 : 8), be32(5, UInt32(keyLength)), be32(10, 1),
            ]))
            if !keys.isEmpty {
                let elements = keys.map { key in
                    nest(1, [nest(1, [RouteAttribute(type: 1, value: key)])])  // LIST_ELEM { KEY { DATA_VALUE } }
                }
                messages.append((newSetElement, family, [
                    RouteAttribute(type: 1, string: name), RouteAttribute(type: 2, string: "vips"), nest(3, elements),
                    be32(4, 1),
                ]))
            }
            // Base chain `input`: filter hook input (NF_INET_LOCAL_IN 1), priority 0, policy accept.
            messages.append((newChain, family, [
                RouteAttribute(type: 1, string: name), RouteAttribute(type: 3, string: "input"),
                nest(4, [be32(1, 1), be32(2, 0)]), be32(5, 1), RouteAttribute(type: 7, string: "filter"),
            ]))
            if family == familyIPv6 {
                // ND passes (RFC 5798 §6.4.3 "except ... Neighbor Solicitation / Advertisement"):
                // meta l4proto icmpv6, icmpv6 type 135 / 136 → accept.
                for type: UInt8 in [135, 136] {
                    messages.append((newRule, family, rule(name, [
                        meta(key: 16), compare([58]),
                        payload(base: 2, offset: 0, length: 1), compare([type]),
                        verdict(1),  // NF_ACCEPT
                    ])))
                }
            }
            // daddr @vips drop: IPv4 daddr at network offset 16 (4), IPv6 at 24 (16).
            messages.append((newRule, family, rule(name, [
                payload(base: 1, offset: family == familyIPv4 ? 16 : 24, length: UInt32(keyLength)),
                lookup(set: "vips"),
                verdict(0),  // NF_DROP
            ])))
            let macvlans = virtualMACs.filter { family == familyIPv4 ? $0.ipv4 : $0.ipv6 }
            if !macvlans.isEmpty { messages += membershipReports(name, family: family, macvlans) }
        }
        return batch(messages, sequence: sequence)
    }

    /// keepalived 2.2.7 (vrrp_nftables.c `nft_setup_igmp`, `setup_rule_move_igmp`,
    /// `setup_rule_drop_router_solicit`), in our table:
    ///   map vmac_map { type iface_index : iface_index }   (macvlan → base)
    ///   set vmac_set { type iface_index }                  (IPv6 only)
    ///   chain out { type filter hook output priority filter - 1; policy accept; }
    ///   ip protocol igmp meta oifkind "macvlan" dup to ip daddr device oif map @vmac_map drop
    ///   icmpv6 type mld2-listener-report meta oifkind "macvlan" dup to ip6 daddr device oif map @vmac_map drop
    ///   icmpv6 type nd-router-solicit meta oifkind "macvlan" oif @vmac_set drop
    static func membershipReports(_ name: String, family: UInt8, _ macvlans: [VirtualMACEntry]) -> [(UInt16, UInt8, [RouteAttribute])] {
        var messages: [(UInt16, UInt8, [RouteAttribute])] = []
        func native(_ v: Int32) -> [UInt8] { withUnsafeBytes(of: v) { Array($0) } }
        // NFTA_SET_USERDATA for `nft list`: key (0) and data (1) byte order host (1), as nftnl
        // udata TLVs; the kernel compares the raw bytes either way.
        func hostOrder(_ kinds: [UInt8]) -> RouteAttribute {
            RouteAttribute(type: 13, value: kinds.flatMap { [$0, 4] + withUnsafeBytes(of: UInt32(1)) { Array($0) } })
        }
        // Set flags NFT_SET_MAP (8); key and data type iface_index (nft datatype 20), 4 bytes.
        messages.append((newSet, family, [
            RouteAttribute(type: 1, string: name), RouteAttribute(type: 2, string: "vmac_map"),
            be32(3, 8), be32(4, 20), be32(5, 4), be32(6, 20), be32(7, 4), be32(10, 2), hostOrder([0, 1]),
        ]))
        messages.append((newSetElement, family, [
            RouteAttribute(type: 1, string: name), RouteAttribute(type: 2, string: "vmac_map"),
            nest(3, macvlans.map { m in
                nest(1, [nest(1, [RouteAttribute(type: 1, value: native(m.ifindex))]),
                         nest(2, [RouteAttribute(type: 1, value: native(m.base))])])
            }),
            be32(4, 2),
        ]))
        if family == familyIPv6 {
            messages.append((newSet, family, [
                RouteAttribute(type: 1, string: name), RouteAttribute(type: 2, string: "vmac_set"),
                be32(3, 0), be32(4, 20), be32(5, 4), be32(10, 3), hostOrder([0]),
            ]))
            messages.append((newSetElement, family, [
                RouteAttribute(type: 1, string: name), RouteAttribute(type: 2, string: "vmac_set"),
                nest(3, macvlans.map { m in nest(1, [nest(1, [RouteAttribute(type: 1, value: native(m.ifindex))])]) }),
                be32(4, 3),
            ]))
        }
        // Base chain `out`: hook output (NF_INET_LOCAL_OUT 3), priority -1, policy accept.
        messages.append((newChain, family, [
            RouteAttribute(type: 1, string: name), RouteAttribute(type: 3, string: "out"),
            nest(4, [be32(1, 3), be32(2, UInt32(bitPattern: -1))]), be32(5, 1), RouteAttribute(type: 7, string: "filter"),
        ]))
        // "macvlan" as the kernel compares an interface kind: IFNAMSIZ bytes, NUL padded.
        let macvlan = Array("macvlan".utf8) + [UInt8](repeating: 0, count: 9)
        let oifIsMacvlan = [meta(key: 27, register: 2), compare(macvlan, register: 2)]  // NFT_META_OIFKIND
        let report: [RouteAttribute]
        if family == familyIPv4 {
            report = [payload(base: 1, offset: 9, length: 1), compare([2]),  // ip protocol igmp
                      payload(base: 1, offset: 16, length: 4)]                // ip daddr → reg 1
        } else {
            report = [meta(key: 16), compare([58]),                           // meta l4proto ipv6-icmp
                      payload(base: 2, offset: 0, length: 1), compare([143]), // icmpv6 type mld2-listener-report
                      payload(base: 1, offset: 24, length: 16)]               // ip6 daddr → reg 1
        }
        messages.append((newRule, family, rule(name, chain: "out", report + oifIsMacvlan + [
            meta(key: 5, register: 2),                                       // meta oif → reg 2
            lookup(set: "vmac_map", setID: 2, source: 2, destination: 2),    // oif map @vmac_map → reg 2
            expression("dup", [be32(1, 1), be32(2, 2)]),                     // dup to reg 1 device reg 2
            verdict(0),
        ])))
        if family == familyIPv6 {
            messages.append((newRule, family, rule(name, chain: "out", [
                meta(key: 16), compare([58]), payload(base: 2, offset: 0, length: 1), compare([133]),  // nd-router-solicit
            ] + oifIsMacvlan + [
                meta(key: 5, register: 2), lookup(set: "vmac_set", setID: 3, source: 2), verdict(0),
            ])))
        }
        return messages
    }

    /// Deletes both tables (created first, so a missing table is no error).
    public static func deleteTables(name: String, sequence: UInt32) -> (bytes: [UInt8], acked: Int) {
        var messages: [(UInt16, UInt8, [RouteAttribute])] = []
        for family in [familyIPv4, familyIPv6] {
            let table = RouteAttribute(type: 1, string: name)
            messages.append((newTable, family, [table]))
            messages.append((delTable, family, [table]))
        }
        return batch(messages, sequence: sequence)
    }

    static func batch(_ messages: [(UInt16, UInt8, [RouteAttribute])], sequence: UInt32) -> (bytes: [UInt8], acked: Int) {
        var out = NetlinkMessage(type: batchBegin, flags: request, sequence: sequence,
                                 payload: header(family: 0, resID: subsystem)).encode()
        var seq = sequence
        for (type, family, attributes) in messages {
            seq &+= 1
            var w = ByteWriter()
            RouteAttribute.encode(attributes, into: &w)
            // Rules with NLM_F_APPEND (0x800): in the order given (without it each goes first).
            let flags = request | ack | (type == delTable ? 0 : create) | (type == newRule ? 0x800 : 0)
            out += NetlinkMessage(type: subsystem << 8 | type, flags: flags, sequence: seq,
                                  payload: header(family: family, resID: 0) + w.bytes).encode()
        }
        out += NetlinkMessage(type: batchEnd, flags: request, sequence: seq &+ 1,
                              payload: header(family: 0, resID: subsystem)).encode()
        return (out, messages.count)
    }

    /// struct nfgenmsg: family, version NFNETLINK_V0, res_id (big-endian).
    static func header(family: UInt8, resID: UInt16) -> [UInt8] {
        [family, 0, UInt8(resID >> 8), UInt8(resID & 0xFF)]
    }

    static func be32(_ type: UInt16, _ value: UInt32) -> RouteAttribute {
        RouteAttribute(type: type, value: [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)])
    }

    static func encode(_ attributes: [RouteAttribute]) -> [UInt8] {
        var w = ByteWriter()
        RouteAttribute.encode(attributes, into: &w)
        return w.bytes
    }

    static func nest(_ type: UInt16, _ children: [RouteAttribute]) -> RouteAttribute {
        var w = ByteWriter()
        RouteAttribute.encode(children, into: &w)
        return RouteAttribute(type: type | nested, value: w.bytes)
    }

    static func rule(_ table: String, chain: String = "input", _ expressions: [RouteAttribute]) -> [RouteAttribute] {
        [RouteAttribute(type: 1, string: table), RouteAttribute(type: 2, string: chain), nest(4, expressions)]
    }

    /// NFTA_LIST_ELEM { NFTA_EXPR_NAME, NFTA_EXPR_DATA { … } }.
    static func expression(_ name: String, _ data: [RouteAttribute]) -> RouteAttribute {
        nest(1, [RouteAttribute(type: 1, string: name), nest(2, data)])
    }

    /// payload load into register 1 (NFTA_PAYLOAD_DREG, BASE, OFFSET, LEN).
    static func payload(base: UInt32, offset: UInt32, length: UInt32) -> RouteAttribute {
        expression("payload", [be32(1, 1), be32(2, base), be32(3, offset), be32(4, length)])
    }

    /// meta KEY into a register, 1 by default (NFTA_META_DREG, NFTA_META_KEY).
    static func meta(key: UInt32, register: UInt32 = 1) -> RouteAttribute {
        expression("meta", [be32(1, register), be32(2, key)])
    }

    /// register == value (NFTA_CMP_SREG, OP eq, DATA { VALUE }).
    static func compare(_ value: [UInt8], register: UInt32 = 1) -> RouteAttribute {
        expression("cmp", [be32(1, register), be32(2, 0), nest(3, [RouteAttribute(type: 1, value: value)])])
    }

    /// register in @set (NFTA_LOOKUP_SET, SREG, SET_ID); with `destination`, a map lookup
    /// whose value lands in that register (NFTA_LOOKUP_DREG).
    static func lookup(set: String, setID: UInt32 = 1, source: UInt32 = 1, destination: UInt32? = nil) -> RouteAttribute {
        expression("lookup", [RouteAttribute(type: 1, string: set), be32(2, source)]
                   + (destination.map { [be32(3, $0)] } ?? []) + [be32(4, setID)])
    }

    /// immediate verdict (NFTA_IMMEDIATE_DREG 0 = verdict, DATA { VERDICT { CODE } }).
    static func verdict(_ code: UInt32) -> RouteAttribute {
        expression("immediate", [be32(1, 0), nest(2, [nest(2, [be32(1, code)])])])
    }
}
