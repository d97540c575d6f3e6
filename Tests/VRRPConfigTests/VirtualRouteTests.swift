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
    }

    @Test("bad lines name the offending word")
    func badLines() {
        #expect(throws: VirtualRoute.ParseError(word: 0, message: "destination 'nowhere' is not 'default' or an address/prefix")) {
            try parse("nowhere via 198.18.0.1")
        }
        #expect(throws: VirtualRoute.ParseError(word: 0, message: "prefix length in '198.18.0.0/33' is not 0 to 32")) {
            try parse("198.18.0.0/33")
        }
        #expect(throws: VirtualRoute.ParseError(word: 2, message: "gateway '2001:db8::1' is not an address of the route's family")) {
            try parse("198.18.0.0/24 via 2001:db8::1")
        }
        #expect(throws: VirtualRoute.ParseError(word: 1, message: "'dev' needs a value")) { try parse("198.18.0.0/24 dev") }
        #expect(throws: VirtualRoute.ParseError(word: 1, message: "unknown virtual route option 'proto'")) {
            try parse("198.18.0.0/24 proto static")
        }
        #expect(throws: VirtualRoute.ParseError(word: 2, message: "table 'main' is not a number from 1 to 4294967295")) {
            try parse("198.18.0.0/24 table main")
        }
    }
}
