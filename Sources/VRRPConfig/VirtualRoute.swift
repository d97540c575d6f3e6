// SPDX-License-Identifier: Apache-2.0
import VRRPCore

/// One `virtual_routes` line, keepalived 2.2.7 syntax (a subset of `ip route`):
/// `[to] [blackhole] DEST [via|gw GW] [dev|oif IF] [src SRC] [table N|main|local|default] [metric N]
/// [no_track]`, DEST being `default` or `ADDR[/LEN]` (a bare address is a host route).
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
    /// `no_track`: the route's interface going down does not put the instance in FAULT.
    public var noTrack = false

    /// A bad word: its index in the line and what is wrong, for a `file:line:col` diagnostic.
    public struct ParseError: Error, Hashable, Sendable {
        public var word: Int
        public var message: String
    }

    public init(words: [String]) throws(ParseError) {
        var i = 0
        var blackhole = false
        // keepalived accepts `inet`/`inet6` and `to` before the destination, and a route type.
        while i < words.count, ["inet", "inet6", "to"].contains(words[i]) { i += 1 }
        if i < words.count, words[i] == "blackhole" { blackhole = true; i += 1 }
        guard i < words.count else { throw ParseError(word: i, message: "virtual route without a destination") }
        let (destination, prefix) = try Self.destination(words[i], word: i)
        self.destination = destination
        self.prefix = prefix
        self.blackhole = blackhole
        // `default` takes the family of its gateway or source (keepalived: `default` then `via 2001:db8::1`).
        let isDefault = words[i] == "default"
        i += 1
        while i < words.count {
            let keyword = words[i]
            if keyword == "blackhole" { self.blackhole = true; i += 1; continue }
            if keyword == "no_track" { noTrack = true; i += 1; continue }
            if keyword == "inet" || keyword == "inet6" { i += 1; continue }
            guard i + 1 < words.count else { throw ParseError(word: i, message: "'\(keyword)' needs a value") }
            let value = words[i + 1]
            switch keyword {
            case "via", "gw":
                if isDefault, let address = IPAddress(value), !address.isV4 { self.destination = IPAddress("::")! }
                guard let address = IPAddress(value), address.isV4 == self.destination.isV4 else {
                    throw ParseError(word: i + 1, message: "gateway '\(value)' is not an address of the route's family")
                }
                gateway = address
            case "dev", "oif": device = value
            case "src":
                if isDefault, let address = IPAddress(value), !address.isV4 { self.destination = IPAddress("::")! }
                guard let address = IPAddress(value), address.isV4 == self.destination.isV4 else {
                    throw ParseError(word: i + 1, message: "source '\(value)' is not an address of the route's family")
                }
                source = address
            case "table":
                guard let n = Self.table(value) else {
                    throw ParseError(word: i + 1, message: "table '\(value)' is not main, local, default or a number from 1 to 4294967295")
                }
                table = n
            case "metric", "preference", "priority":
                guard let n = UInt32(value) else {
                    throw ParseError(word: i + 1, message: "metric '\(value)' is not a number from 0 to 4294967295")
                }
                metric = n
            default:
                throw ParseError(word: i, message: "unknown virtual route option '\(keyword)'")
            }
            i += 2
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
