// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore
@testable import VRRPConfig

@Suite("virtual_routes line parsing")
struct VirtualRouteTests {
    func parse(_ line: String) throws(VirtualRoute.ParseError) -> VirtualRoute {
        try VirtualRoute(words: line.split(separator: " ").map(String.init))
    }

    @Test("good lines: prefix with via/dev/src/table/metric, gw, default v4 and v6, blackhole, no_track, host route")
    func goodLines() throws {
        let r = try parse("198.18.5.0/24 via 198.18.0.254 dev eth0 src 198.18.0.1 table 100 metric 20")
        #expect(r.destination == IPAddress("198.18.5.0")! && r.prefix == 24 && r.gateway == IPAddress("198.18.0.254"))
        #expect(r.device == "eth0" && r.source == IPAddress("198.18.0.1") && r.table == 100 && r.metric == 20)
        #expect(!r.blackhole && !r.noTrack)
        let d = try parse("default gw 198.18.0.254")
        #expect(d.destination == IPAddress("0.0.0.0")! && d.prefix == 0 && d.gateway == IPAddress("198.18.0.254") && d.table == 254)
        let d6 = try parse("default via 2001:db8::1 dev eth0 no_track")
        #expect(d6.destination == IPAddress("::")! && d6.prefix == 0 && d6.noTrack && d6.device == "eth0")
        let b = try parse("blackhole 2001:db8:5::/48 table 1000")
        #expect(b.blackhole && b.prefix == 48 && b.table == 1000)
        #expect(try parse("198.18.7.7").prefix == 32)
        // keepalived's extra words: `to`, `oif`, table names.
        let t = try parse("to 198.18.6.0/24 oif eth1 table main")
        #expect(t.destination == IPAddress("198.18.6.0")! && t.device == "eth1" && t.table == 254)
        #expect(try parse("198.18.6.0/24 dev eth0 table local").table == 255)
        // keepalived's own sample: the source first, then `to DEST`.
        let s = try parse("src 198.18.100.1 to 198.18.109.0/24 via 198.18.200.254 dev eth1")
        #expect(s.destination == IPAddress("198.18.109.0")! && s.source == IPAddress("198.18.100.1") && s.device == "eth1")
        // keepalived's sample: `scope site`, `scope link`; `onlink`.
        #expect(try parse("198.18.212.0/24 dev eth3 scope site").scope == 200)
        #expect(try parse("198.18.213.0/24 dev eth1 scope link onlink").onlink)
        let v6 = try parse("default dev eth0 inet6")
        #expect(v6.destination == IPAddress("::")! && v6.prefix == 0)
        // keepalived's quirks: the word after inet6 is skipped; `to` takes no route type.
        #expect(throws: VirtualRoute.ParseError(word: 3, message: "virtual route without a destination")) {
            try parse("inet6 2001:db8::/32 dev eth0")
        }
        #expect(throws: VirtualRoute.ParseError(word: 1, message: "destination 'blackhole' is not 'default' or an address/prefix")) {
            try parse("to blackhole 198.18.0.0/24")
        }
    }

    @Test("bad lines name the offending word")
    func badLines() {
        #expect(throws: VirtualRoute.ParseError(word: 0, message: "destination 'nowhere' is not 'default' or an address/prefix")) {
            try parse("nowhere via 198.18.0.1")
        }
        #expect(throws: VirtualRoute.ParseError(word: 2, message: "virtual route without a destination")) {
            try parse("via 198.18.0.1 no_track")
        }
        #expect(throws: VirtualRoute.ParseError(word: 0, message: "prefix length in '198.18.0.0/33' is not 0 to 32")) {
            try parse("198.18.0.0/33")
        }
        #expect(throws: VirtualRoute.ParseError(word: 2, message: "gateway '2001:db8::1' is not an address of the route's family (IPv4 and IPv6 cannot be mixed)")) {
            try parse("198.18.0.0/24 via 2001:db8::1")
        }
        #expect(throws: VirtualRoute.ParseError(word: 1, message: "'dev' needs a value")) { try parse("198.18.0.0/24 dev") }
        #expect(throws: VirtualRoute.ParseError(word: 1, message: "destination 'proto' is not 'default' or an address/prefix")) {
            try parse("198.18.0.0/24 proto static")
        }
        // keepalived accepts these; vrrpd says it does not apply them.
        #expect(throws: VirtualRoute.ParseError(word: 1, message: "route option 'protocol' is not supported by vrrpd", unsupported: true)) {
            try parse("198.18.0.0/24 protocol static")
        }
        #expect(throws: VirtualRoute.ParseError(word: 0, message: "route type 'unreachable' is not supported by vrrpd", unsupported: true)) {
            try parse("unreachable 198.18.0.0/24")
        }
        #expect(throws: VirtualRoute.ParseError(word: 2, message: "table 'vrrp' is not main, local, default or a number from 1 to 4294967295")) {
            try parse("198.18.0.0/24 table vrrp")
        }
        #expect(throws: VirtualRoute.ParseError(word: 2, message: "table '0' is not main, local, default or a number from 1 to 4294967295")) {
            try parse("198.18.0.0/24 table 0")
        }
    }
}

@Suite("virtual_rules line parsing")
struct VirtualRuleTests {
    func parse(_ line: String) throws(VirtualRule.ParseError) -> VirtualRule {
        try VirtualRule(words: line.split(separator: " ").map(String.init))
    }

    @Test("fwmark as strtoul base 0 reads it: decimal, hex, octal")
    func fwmark() throws {
        #expect(try parse("fwmark 10 table 1").fwmark == 10)
        #expect(try parse("fwmark 0x10/0xf0 table 1").fwmask == 0xf0)
        #expect(try parse("fwmark 010 table 1").fwmark == 8)
        #expect(try parse("inet6 x table 5").family == .ipv6, "keepalived steps over the word after inet6")
    }

    @Test("errors name the word")
    func errors() {
        #expect(throws: VirtualRule.ParseError(word: 1, message: "invalid rule from address 'x': write an address such as 198.18.0.0/24 or all")) {
            try parse("from x table 1")
        }
        #expect(throws: VirtualRule.ParseError(word: 2, message: "'table' needs a value")) { try parse("from all table") }
        #expect(throws: VirtualRule.ParseError(word: 2, message: "rule specification has mixed IPv4 and IPv6")) {
            try parse("inet6 x inet y table 1")
        }
    }
}
