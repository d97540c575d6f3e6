// SPDX-License-Identifier: Apache-2.0
import VRRPCore

/// One `virtual_rules` / `static_rules` line, keepalived 2.2.7 syntax (a subset of `ip rule`):
/// `[inet|inet6] [not] [from PREFIX|all] [to PREFIX|all] [iif|dev IF] [oif IF] [fwmark N[/MASK]]
/// [preference|priority|order N] (table|lookup T | blackhole | prohibit | unreachable) [no_track]`.
/// keepalived/vrrp/vrrp_iprule.c `alloc_rule`: exactly one action; a rule without `preference`
/// gets one counted down from 16384 (the builder assigns it, see ``ConfigurationBuilder``).
public struct VirtualRule: Hashable, Sendable {
    public enum Action: Hashable, Sendable {
        /// FR_ACT_TO_TBL: look the packet up in that table.
        case table(UInt32)
        /// FR_ACT_BLACKHOLE, FR_ACT_PROHIBIT, FR_ACT_UNREACHABLE.
        case blackhole, prohibit, unreachable
    }

    public var family: AddressFamily
    public var from: IPAddress?
    public var fromPrefix: UInt8 = 0
    public var to: IPAddress?
    public var toPrefix: UInt8 = 0
    /// `iif` (or `dev`): packets arriving on this interface.
    public var inputInterface: String?
    /// `oif`: packets leaving through this interface (sockets bound to it).
    public var outputInterface: String?
    public var fwmark: UInt32?
    public var fwmask: UInt32?
    /// nil until the builder fills in keepalived's automatic value.
    public var preference: UInt32?
    public var action: Action
    /// `not`: FIB_RULE_INVERT.
    public var invert = false
    public var noTrack = false

    public typealias ParseError = VirtualRoute.ParseError

    /// keepalived rule words (vrrp_iprule.c `alloc_rule`) vrrpd does not apply; all take a value.
    static let unsupportedOptions: Set<String> = [
        "tos", "dsfield", "realms", "suppress_prefixlength", "sup_pl", "suppress_ifgroup", "sup_group", "tunnel-id",
        "uidrange", "protocol", "ipproto", "sport", "dport", "track_group", "goto", "type",
    ]

    public init(words: [String]) throws(ParseError) {
        var family: AddressFamily?
        var action: Action?
        var i = 0
        func setFamily(_ f: AddressFamily, word: Int) throws(ParseError) {
            if let family, family != f { throw ParseError(word: word, message: "rule specification has mixed IPv4 and IPv6") }
            family = f
        }
        func setAction(_ a: Action, word: Int) throws(ParseError) {
            if action != nil {
                throw ParseError(word: word, message: "a rule takes one of table/blackhole/prohibit/unreachable")
            }
            action = a
        }
        var from: (IPAddress, UInt8)?, to: (IPAddress, UInt8)?
        var iif: String?, oif: String?, fwmark: UInt32?, fwmask: UInt32?, preference: UInt32?
        var invert = false, noTrack = false
        while i < words.count {
            let keyword = words[i]
            switch keyword {
            // keepalived 2.2.7 steps over the word after `inet`/`inet6` too (its loop advances twice).
            case "inet": try setFamily(.ipv4, word: i); i += 2; continue
            case "inet6": try setFamily(.ipv6, word: i); i += 2; continue
            case "not": invert = true; i += 1; continue
            case "no_track": noTrack = true; i += 1; continue
            case "blackhole": try setAction(.blackhole, word: i); i += 1; continue
            case "prohibit": try setAction(.prohibit, word: i); i += 1; continue
            case "unreachable": try setAction(.unreachable, word: i); i += 1; continue
            case "l3mdev", "nop":
                throw ParseError(word: i, message: "rule action '\(keyword)' is not supported by vrrpd", unsupported: true)
            default: break
            }
            guard i + 1 < words.count else { throw ParseError(word: i, message: "'\(keyword)' needs a value") }
            let value = words[i + 1]
            switch keyword {
            case "from", "to":
                var prefix: (IPAddress, UInt8)?
                if !["all", "any", "default"].contains(value) {
                    do {
                        prefix = try VirtualRoute.destination(value, word: i + 1)
                    } catch {
                        throw ParseError(word: i + 1, message: "invalid rule \(keyword) address '\(value)': write an address such as 198.18.0.0/24 or all")
                    }
                    try setFamily(prefix!.0.family, word: i + 1)
                }
                if keyword == "from" { from = prefix } else { to = prefix }
            case "iif", "dev": iif = value
            case "oif": oif = value
            case "table", "lookup":
                guard let n = VirtualRoute.table(value) else {
                    throw ParseError(word: i + 1, message: "table '\(value)' is not main, local, default or a number from 1 to 4294967295")
                }
                try setAction(.table(n), word: i)
            case "preference", "priority", "order", "pref", "prio":
                guard let n = UInt32(value) else {
                    throw ParseError(word: i + 1, message: "rule preference '\(value)' is not a number from 0 to 4294967295")
                }
                preference = n
            case "fwmark":
                let parts = value.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
                guard let mark = Self.number(parts[0]), parts.count == 1 || Self.number(parts[1]) != nil else {
                    throw ParseError(word: i + 1, message: "fwmark '\(value)' is not a number[/mask] (0 to 0xffffffff)")
                }
                fwmark = mark
                if parts.count == 2 { fwmask = Self.number(parts[1]) }
            default:
                if Self.unsupportedOptions.contains(keyword) {
                    throw ParseError(word: i, message: "rule option '\(keyword)' is not supported by vrrpd", unsupported: true)
                }
                throw ParseError(word: i, message: "unknown rule option '\(keyword)'")
            }
            i += 2
        }
        guard let action else {
            throw ParseError(word: 0, message: "no action specified for rule: add `table N` (or blackhole, prohibit, unreachable)")
        }
        self.family = family ?? .ipv4
        self.from = from?.0
        self.fromPrefix = from?.1 ?? 0
        self.to = to?.0
        self.toPrefix = to?.1 ?? 0
        self.inputInterface = iif
        self.outputInterface = oif
        self.fwmark = fwmark
        self.fwmask = fwmask
        self.preference = preference
        self.action = action
        self.invert = invert
        self.noTrack = noTrack
    }

    /// strtoul base 0, as keepalived reads fwmark: decimal, 0x hex or 0 octal.
    static func number(_ text: Substring) -> UInt32? {
        if text.hasPrefix("0x") || text.hasPrefix("0X") { return UInt32(text.dropFirst(2), radix: 16) }
        if text.count > 1, text.hasPrefix("0") { return UInt32(text.dropFirst(), radix: 8) }
        return UInt32(text)
    }
}
