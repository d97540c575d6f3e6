// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import VRRPLab

/// Pure parts of the lab: no root needed.
@Suite("Lab parsing and validation")
struct LabParsingTests {
    @Test("addresses are parsed from `ip -j addr show` output in kernel order")
    func parsesIPJSON() throws {
        // Trimmed output of `ip -j addr show dev eth0` in a lab host.
        let json = """
        [{"ifindex":2,"link_index":4,"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],\
        "mtu":1500,"address":"e6:94:08:8d:1d:96","addr_info":[\
        {"family":"inet","local":"198.18.0.12","prefixlen":24,"scope":"global","label":"eth0"},\
        {"family":"inet","local":"198.18.0.100","prefixlen":32,"scope":"global","label":"eth0"},\
        {"family":"inet6","local":"2001:db8::12","prefixlen":64,"scope":"global"},\
        {"family":"inet6","local":"fe80::9006:59ff:fe99:45cc","prefixlen":64,"scope":"link"}]}]
        """
        let links = try Lab.parseLinks(json)
        #expect(links.count == 1)
        #expect(try Lab.parseAddresses(links[0]) == [
            "198.18.0.12/24", "198.18.0.100/32", "2001:db8::12/64", "fe80::9006:59ff:fe99:45cc/64",
        ])
    }

    @Test("an interface without addresses parses to an empty list; garbage is an error")
    func parsesEmptyAndGarbage() throws {
        let links = try Lab.parseLinks(#"[{"ifname":"eth1","addr_info":[]}]"#)
        #expect(try Lab.parseAddresses(links[0]).isEmpty)
        #expect(throws: LabError.self) { try Lab.parseLinks("Device \"eth9\" does not exist.") }
    }

    @Test("only 198.18.0.0/15 and 2001:db8::/32 addresses are accepted")
    func labAddressRanges() throws {
        try Lab.checkLabAddress("198.18.0.11/24", family: .ipv4)
        try Lab.checkLabAddress("198.19.255.1/16", family: .ipv4)
        try Lab.checkLabAddress("2001:db8::11/64", family: .ipv6)
        try Lab.checkLabAddress("2001:db8:ffff::1/48", family: .ipv6)
        for bad in ["198.20.0.1/24", "10.0.0.1/8", "198.18.0.1", "198.18.0.1/33"] {
            #expect(throws: LabError.self) { try Lab.checkLabAddress(bad, family: .ipv4) }
        }
        for bad in ["2001:db9::1/64", "fe80::1/64", "198.18.0.1/24"] {
            #expect(throws: LabError.self) { try Lab.checkLabAddress(bad, family: .ipv6) }
        }
    }

    @Test("names must be short lower-case words usable as interface names")
    func nameValidation() throws {
        try Lab.validate("p1", what: "host name", maxLength: 15)
        try Lab.validate("proxy-a", what: "host name", maxLength: 15)
        for bad in ["", "P1", "1p", "p_1", "p 1", "averyveryverylongname"] {
            #expect(throws: LabError.self) { try Lab.validate(bad, what: "host name", maxLength: 15) }
        }
    }

    @Test("the owner pid is read from generated namespace names only")
    func ownerPID() {
        #expect(Lab.ownerPID(of: "vl4242-a1b2-h-p1", prefixStart: "vl") == 4242)
        #expect(Lab.ownerPID(of: "vl4242-a1b2-s-lan", prefixStart: "vl") == 4242)
        #expect(Lab.ownerPID(of: "vlan-1", prefixStart: "vl") == nil)
        #expect(Lab.ownerPID(of: "vl4242", prefixStart: "vl") == nil)
        #expect(Lab.ownerPID(of: "demo-h-p1", prefixStart: "vl") == nil)
    }
}
