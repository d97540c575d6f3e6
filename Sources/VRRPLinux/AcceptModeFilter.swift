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
    /// with nothing to drop).
    public func apply(ipv4: [IPv4Address], ipv6: [IPv6Address]) throws {
        try exchange(NftablesRequest.replaceTables(name: name, ipv4: ipv4, ipv6: ipv6, sequence: 1))
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
        }
        return batch(messages, sequence: sequence)
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
            let flags = request | ack | (type == delTable ? 0 : create)
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

    static func rule(_ table: String, _ expressions: [RouteAttribute]) -> [RouteAttribute] {
        [RouteAttribute(type: 1, string: table), RouteAttribute(type: 2, string: "input"), nest(4, expressions)]
    }

    /// NFTA_LIST_ELEM { NFTA_EXPR_NAME, NFTA_EXPR_DATA { … } }.
    static func expression(_ name: String, _ data: [RouteAttribute]) -> RouteAttribute {
        nest(1, [RouteAttribute(type: 1, string: name), nest(2, data)])
    }

    /// payload load into register 1 (NFTA_PAYLOAD_DREG, BASE, OFFSET, LEN).
    static func payload(base: UInt32, offset: UInt32, length: UInt32) -> RouteAttribute {
        expression("payload", [be32(1, 1), be32(2, base), be32(3, offset), be32(4, length)])
    }

    /// meta KEY into register 1 (NFTA_META_DREG, NFTA_META_KEY).
    static func meta(key: UInt32) -> RouteAttribute {
        expression("meta", [be32(1, 1), be32(2, key)])
    }

    /// register 1 == value (NFTA_CMP_SREG, OP eq, DATA { VALUE }).
    static func compare(_ value: [UInt8]) -> RouteAttribute {
        expression("cmp", [be32(1, 1), be32(2, 0), nest(3, [RouteAttribute(type: 1, value: value)])])
    }

    /// register 1 in @set (NFTA_LOOKUP_SET, SREG, SET_ID).
    static func lookup(set: String) -> RouteAttribute {
        expression("lookup", [RouteAttribute(type: 1, string: set), be32(2, 1), be32(4, 1)])
    }

    /// immediate verdict (NFTA_IMMEDIATE_DREG 0 = verdict, DATA { VERDICT { CODE } }).
    static func verdict(_ code: UInt32) -> RouteAttribute {
        expression("immediate", [be32(1, 0), nest(2, [nest(2, [be32(1, code)])])])
    }
}
