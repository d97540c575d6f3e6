// SPDX-License-Identifier: Apache-2.0
import VRRPCore

/// One `virtual_routes` / `static_routes` line, keepalived 2.2.7 syntax (a subset of `ip route`),
/// words in any order: `[to] [unicast|blackhole] DEST`, `via|gw GW`, `dev|oif IF`, `src ADDR`,
/// `table N|main|local|default`, `metric|priority|preference N`, `scope S`, `onlink`, `inet|inet6`,
/// `no_track`;
/// DEST being `default` or `ADDR[/LEN]` (a bare address is a host route). Read as keepalived
/// reads it, quirks included: the word after `inet`/`inet6` is skipped, and `to` takes no route type.
/// Without `dev` the route has no output interface and the kernel finds it from the gateway, as
/// keepalived does (keepalived/vrrp/vrrp_iproute.c `alloc_route`).
public struct VirtualRoute: Hashable, Sendable {
    public var destination: IPAddress
    public var prefix: UInt8
    public var gateway: IPAddress?
    public var device: String?
    public var source: IPAddress?
    /// 254 (main) unless `table` says otherwise.
    public var table: UInt32 = 254
    public var metric: UInt32?
    public var blackhole = false
    /// `scope` (rtnetlink RT_SCOPE_*), nil when not written.
    public var scope: UInt8?
    /// `onlink`: the gateway is on the link.
    public var onlink = false
    /// `no_track`: the route's `dev` is not tracked (keepalived also does not leave MASTER when
    /// the route is deleted by someone else; vrrpd does not watch the route itself).
    public var noTrack = false

    /// A bad word: its index in the line and what is wrong, for a `file:line:col` diagnostic.
    /// `unsupported`: keepalived accepts the word but vrrpd does not apply it (the line is not
    /// applied, with a warning; `-t` keeps keepalived's verdict).
    public struct ParseError: Error, Hashable, Sendable {
        public var word: Int
        public var message: String
        public var unsupported = false

        public init(word: Int, message: String, unsupported: Bool = false) {
            self.word = word
            self.message = message
            self.unsupported = unsupported
        }
    }

    /// keepalived route words vrrpd does not apply (keepalived/vrrp/vrrp_iproute.c `alloc_route`).
    static let unsupportedOptions: Set<String> = [
        "from", "tos", "dsfield", "protocol", "encap", "expires", "mtu", "hoplimit", "advmss", "rtt",
        "rttvar", "reordering", "window", "cwnd", "ssthresh", "realms", "rto_min", "initcwnd", "initrwnd", "features",
        "quickack", "congctl", "pref", "ttl-propagate", "fastopen_no_cookie", "nexthop", "or", "as", "vrf", "track_group",
        "add", "append", "prepend",
    ]
    /// Route types of keepalived's rttables (lib/rttables.c); vrrpd applies `unicast` and `blackhole`.
    static let routeTypes: Set<String> = [
        "unicast", "blackhole", "local", "nat", "broadcast", "brd", "anycast", "multicast", "prohibit", "unreachable",
        "xresolve", "throw",
    ]

    /// Words in any order, as keepalived's `alloc_route` reads them: a word that is no option is
    /// the destination, optionally after `to` and a route type.
    public init(words: [String]) throws(ParseError) {
        var family: AddressFamily?
        var destination: (IPAddress, UInt8)?
        var isDefault = false
        func setFamily(_ f: AddressFamily, word: Int, _ what: String) throws(ParseError) {
            if let family, family != f {
                throw ParseError(word: word, message: "\(what) is not an address of the route's family (IPv4 and IPv6 cannot be mixed)")
            }
            family = f
        }
        func value(_ i: Int) throws(ParseError) -> String {
            guard i + 1 < words.count else { throw ParseError(word: i, message: "'\(words[i])' needs a value") }
            return words[i + 1]
        }
        var i = 0
        while i < words.count {
            let keyword = words[i]
            switch keyword {
            // keepalived 2.2.7 steps over the word after `inet`/`inet6` as well (its loop advances
            // twice), so `inet6 2001:db8::/32` has no destination there: read the same way.
            case "inet":
                try setFamily(.ipv4, word: i, "'inet'")
                i += 1
            case "inet6":
                try setFamily(.ipv6, word: i, "'inet6'")
                i += 1
            case "no_track": noTrack = true
            case "src":
                let v = try value(i)
                guard let address = IPAddress(v) else { throw ParseError(word: i + 1, message: "invalid route src address '\(v)'") }
                try setFamily(address.family, word: i + 1, "source '\(v)'")
                source = address
                i += 1
            case "via", "gw":
                var v = try value(i)
                if v == "inet" || v == "inet6" {
                    i += 1
                    v = try value(i)
                }
                guard let address = IPAddress(v) else { throw ParseError(word: i + 1, message: "invalid route via address '\(v)'") }
                try setFamily(address.family, word: i + 1, "gateway '\(v)'")
                gateway = address
                i += 1
            case "onlink": onlink = true
            case "scope":
                let v = try value(i)
                guard let n = Self.scope(v) else {
                    throw ParseError(word: i + 1, message: "scope '\(v)' is not global, site, link, host, nowhere or a number from 0 to 255")
                }
                scope = n
                i += 1
            case "dev", "oif":
                device = try value(i)
                i += 1
            case "table":
                let v = try value(i)
                guard let n = Self.table(v) else {
                    throw ParseError(word: i + 1, message: "table '\(v)' is not main, local, default or a number from 1 to 4294967295")
                }
                table = n
                i += 1
            case "metric", "preference", "priority":
                let v = try value(i)
                guard let n = UInt32(v) else {
                    throw ParseError(word: i + 1, message: "metric '\(v)' is not a number from 0 to 4294967295")
                }
                metric = n
                i += 1
            default:
                if Self.unsupportedOptions.contains(keyword) {
                    throw ParseError(word: i, message: "route option '\(keyword)' is not supported by vrrpd", unsupported: true)
                }
                // keepalived looks for a route type only where no `to` was written (it tests the
                // word it started with), so `to blackhole X` has no destination `blackhole`.
                if keyword == "to" {
                    i += 1
                } else if Self.routeTypes.contains(words[i]) {
                    switch words[i] {
                    case "blackhole": blackhole = true
                    case "unicast": break
                    default: throw ParseError(word: i, message: "route type '\(words[i])' is not supported by vrrpd", unsupported: true)
                    }
                    i += 1
                }
                guard i < words.count else { throw ParseError(word: i - 1, message: "virtual route without a destination") }
                let d = try Self.destination(words[i], word: i)
                isDefault = words[i] == "default"
                if !isDefault { try setFamily(d.0.family, word: i, "destination '\(words[i])'") }
                destination = d
            }
            i += 1
        }
        guard var destination else { throw ParseError(word: max(0, words.count - 1), message: "virtual route without a destination") }
        // keepalived: `default` takes the family of the other words, IPv4 when none says.
        if isDefault, family == .ipv6 { destination.0 = IPAddress("::")! }
        self.destination = destination.0
        self.prefix = destination.1
    }

    /// keepalived's `find_rttables_scope` (lib/rttables.c and /etc/iproute2/rt_scopes).
    static func scope(_ word: String) -> UInt8? {
        switch word {
        case "global", "universe": return 0
        case "site": return 200
        case "link": return 253
        case "host": return 254
        case "nowhere": return 255
        default: return UInt8(word)
        }
    }

    /// keepalived's `find_rttables_table`: the names of /etc/iproute2/rt_tables every system has,
    /// or a number (0 is not a table).
    static func table(_ word: String) -> UInt32? {
        switch word {
        case "main": return 254
        case "local": return 255
        case "default": return 253
        default:
            guard let n = UInt32(word), n != 0 else { return nil }
            return n
        }
    }

    static func destination(_ word: String, word index: Int) throws(ParseError) -> (IPAddress, UInt8) {
        if word == "default" { return (IPAddress("0.0.0.0")!, 0) }
        let parts = word.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else {
            throw ParseError(word: index, message: "destination '\(word)' is not 'default' or an address/prefix")
        }
        let maximum: UInt8 = address.isV4 ? 32 : 128
        guard parts.count == 2 else { return (address, maximum) }
        guard let length = UInt8(parts[1]), length <= maximum else {
            throw ParseError(word: index, message: "prefix length in '\(word)' is not 0 to \(maximum)")
        }
        return (address, length)
    }
}

extension IPAddress {
    var isV4: Bool { if case .v4 = self { true } else { false } }
}
