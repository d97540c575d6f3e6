// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif
import VRRPCore

/// One `ip route` entry as vrrpd adds and deletes it (keepalived `virtual_routes` / `static_routes`).
public struct RouteSpec: Hashable, Sendable {
    public var destination: IPAddress
    public var prefix: UInt8
    public var gateway: IPAddress?
    /// RTA_OIF; nil lets the kernel find the interface from the gateway (keepalived without `dev`).
    public var ifindex: Int32?
    public var source: IPAddress?
    public var table: UInt32
    public var metric: UInt32?
    public var blackhole: Bool
    /// rtm_scope on add; nil: link for a `dev` route without gateway, else universe.
    public var scope: UInt8?
    /// RTNH_F_ONLINK.
    public var onlink: Bool

    public init(destination: IPAddress, prefix: UInt8, gateway: IPAddress? = nil, ifindex: Int32? = nil,
                source: IPAddress? = nil, table: UInt32 = UInt32(RTNL.rtTableMain), metric: UInt32? = nil,
                blackhole: Bool = false, scope: UInt8? = nil, onlink: Bool = false) {
        self.destination = destination
        self.prefix = prefix
        self.gateway = gateway
        self.ifindex = ifindex
        self.source = source
        self.table = table
        self.metric = metric
        self.blackhole = blackhole
        self.scope = scope
        self.onlink = onlink
    }
}

/// One `ip rule` entry (keepalived `virtual_rules` / `static_rules`).
public struct RuleSpec: Hashable, Sendable {
    /// linux/fib_rules.h FR_ACT_*.
    public enum Action: Hashable, Sendable {
        case table(UInt32)
        case blackhole, unreachable, prohibit

        var code: UInt8 {
            switch self {
            case .table: 1          // FR_ACT_TO_TBL
            case .blackhole: 6      // FR_ACT_BLACKHOLE
            case .unreachable: 7    // FR_ACT_UNREACHABLE
            case .prohibit: 8       // FR_ACT_PROHIBIT
            }
        }
    }

    public var family: AddressFamily
    public var from: IPAddress?
    public var fromPrefix: UInt8
    public var to: IPAddress?
    public var toPrefix: UInt8
    public var inputInterface: String?
    public var outputInterface: String?
    public var fwmark: UInt32?
    public var fwmask: UInt32?
    public var priority: UInt32?
    public var action: Action
    public var invert: Bool

    public init(family: AddressFamily, from: IPAddress? = nil, fromPrefix: UInt8 = 0, to: IPAddress? = nil,
                toPrefix: UInt8 = 0, inputInterface: String? = nil, outputInterface: String? = nil,
                fwmark: UInt32? = nil, fwmask: UInt32? = nil, priority: UInt32? = nil, action: Action,
                invert: Bool = false) {
        self.family = family
        self.from = from
        self.fromPrefix = fromPrefix
        self.to = to
        self.toPrefix = toPrefix
        self.inputInterface = inputInterface
        self.outputInterface = outputInterface
        self.fwmark = fwmark
        self.fwmask = fwmask
        self.priority = priority
        self.action = action
        self.invert = invert
    }
}

/// `struct fib_rule_hdr` (12 bytes) and its FRA_* attributes: RTM_NEWRULE / RTM_DELRULE.
public struct RuleMessage: Hashable, Sendable {
    public var family: UInt8
    public var destinationLength: UInt8 = 0
    public var sourceLength: UInt8 = 0
    public var tos: UInt8 = 0
    public var table: UInt8 = 0
    public var action: UInt8
    public var flags: UInt32 = 0
    public var attributes: [RouteAttribute] = []

    public func encode() -> [UInt8] {
        var out = ByteWriter()
        out.append(family)             // family
        out.append(destinationLength)  // dst_len
        out.append(sourceLength)       // src_len
        out.append(tos)                // tos
        out.append(table)              // table
        out.append(UInt8(0))           // res1
        out.append(UInt8(0))           // res2
        out.append(action)             // action
        out.append(flags)              // flags
        RouteAttribute.encode(attributes, into: &out)
        return out.bytes
    }
}

extension RTNL {
    static let newRule: UInt16 = 32         // RTM_NEWRULE
    static let delRule: UInt16 = 33         // RTM_DELRULE
    static let fraDst: UInt16 = 1           // FRA_DST
    static let fraSrc: UInt16 = 2           // FRA_SRC
    static let fraIifname: UInt16 = 3       // FRA_IIFNAME
    static let fraPriority: UInt16 = 6      // FRA_PRIORITY
    static let fraFwmark: UInt16 = 10       // FRA_FWMARK
    static let fraTable: UInt16 = 15        // FRA_TABLE
    static let fraFwmask: UInt16 = 16       // FRA_FWMASK
    static let fraOifname: UInt16 = 17      // FRA_OIFNAME
    static let fraProtocol: UInt16 = 21     // FRA_PROTOCOL (Linux 4.17+)
    static let fibRuleInvert: UInt32 = 0x2  // FIB_RULE_INVERT
}

extension NetlinkRequest {
    /// `ip rule add|del … proto P`, laid out as keepalived's `netlink_rule` (vrrp_iprule.c): a table
    /// id below 256 in the header, a larger one in FRA_TABLE. The delete carries the protocol
    /// too, so the kernel only matches a rule we added (fib_nl_delrule compares it).
    public static func rule(_ add: Bool, sequence: UInt32, _ rule: RuleSpec,
                            ruleProtocol: UInt8 = RouteNetlink.addressProtocol) -> NetlinkMessage {
        var body = RuleMessage(family: rule.family == .ipv4 ? RTNL.afInet : RTNL.afInet6, action: rule.action.code)
        if case .table(let table) = rule.action {
            if table < 256 { body.table = UInt8(table) } else {
                body.attributes.append(RouteAttribute(type: RTNL.fraTable, u32: table))
            }
        }
        if rule.invert { body.flags |= RTNL.fibRuleInvert }
        if let from = rule.from {
            body.sourceLength = rule.fromPrefix
            body.attributes.append(RouteAttribute(type: RTNL.fraSrc, value: from.bytes))
        }
        if let to = rule.to {
            body.destinationLength = rule.toPrefix
            body.attributes.append(RouteAttribute(type: RTNL.fraDst, value: to.bytes))
        }
        if let name = rule.inputInterface { body.attributes.append(RouteAttribute(type: RTNL.fraIifname, string: name)) }
        if let name = rule.outputInterface { body.attributes.append(RouteAttribute(type: RTNL.fraOifname, string: name)) }
        if let mark = rule.fwmark { body.attributes.append(RouteAttribute(type: RTNL.fraFwmark, u32: mark)) }
        if let mask = rule.fwmask { body.attributes.append(RouteAttribute(type: RTNL.fraFwmask, u32: mask)) }
        if let priority = rule.priority { body.attributes.append(RouteAttribute(type: RTNL.fraPriority, u32: priority)) }
        body.attributes.append(RouteAttribute(type: RTNL.fraProtocol, u8: ruleProtocol))
        let flags = add ? RTNL.request | RTNL.ack | RTNL.create | RTNL.excl : RTNL.request | RTNL.ack
        return NetlinkMessage(type: add ? RTNL.newRule : RTNL.delRule, flags: flags, sequence: sequence,
                              payload: body.encode())
    }
}

extension RouteNetlink {
    /// `ip route add` of a ``RouteSpec``; EEXIST is `.alreadyExists`.
    public func addRoute(_ r: RouteSpec) throws -> AddResult {
        try addRoute(r.destination, prefix: r.prefix, gateway: r.gateway, ifindex: r.ifindex, source: r.source,
                     table: r.table, metric: r.metric, blackhole: r.blackhole, scope: r.scope, onlink: r.onlink)
    }

    /// `ip route del` of a ``RouteSpec`` (our protocol only); ESRCH is `.notPresent`.
    public func deleteRoute(_ r: RouteSpec) throws -> DeleteResult {
        try deleteRoute(r.destination, prefix: r.prefix, gateway: r.gateway, ifindex: r.ifindex, table: r.table,
                        metric: r.metric, blackhole: r.blackhole)
    }

    /// `ip rule add`; EEXIST (the same rule is there) is `.alreadyExists`.
    public func addRule(_ rule: RuleSpec) throws -> AddResult {
        let what = "RTM_NEWRULE \(rule)"
        let errno = try acknowledged(what) { NetlinkRequest.rule(true, sequence: $0, rule) }
        switch errno {
        case 0: return .added
        case EEXIST: return .alreadyExists
        default: throw SystemError(what, errno: errno)
        }
    }

    /// `ip rule del` (our protocol only); ENOENT is `.notPresent`.
    public func deleteRule(_ rule: RuleSpec) throws -> DeleteResult {
        let what = "RTM_DELRULE \(rule)"
        let errno = try acknowledged(what) { NetlinkRequest.rule(false, sequence: $0, rule) }
        switch errno {
        case 0: return .deleted
        case ENOENT: return .notPresent
        default: throw SystemError(what, errno: errno)
        }
    }
}
