// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import VRRPCore

@Suite("IP addresses")
struct IPAddressTests {
    @Test("IPv4 text round-trips and rejects junk")
    func ipv4() {
        #expect(IPv4Address("198.18.0.1")?.value == 0xC612_0001)
        #expect(IPv4Address("198.18.0.1")?.description == "198.18.0.1")
        for bad in ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "a.b.c.d", "1.2.3.4 ", "1234.1.1.1"] {
            #expect(IPv4Address(bad) == nil, "\(bad)")
        }
    }

    @Test("IPv6 text follows RFC 5952")
    func ipv6() {
        let a = IPv6Address("2001:db8::100")
        #expect(a?.description == "2001:db8::100")
        #expect(IPv6Address("fe80::f02d:dbff:fe63:e858")?.isLinkLocal == true)
        #expect(IPv6Address("ff02::12") == IPv6Address.vrrpMulticast)
        #expect(IPv6Address("::")?.description == "::")
        #expect(IPv6Address("1:0:0:1:0:0:0:1")?.description == "1:0:0:1::1")
        #expect(IPv6Address("::ffff:198.18.0.1")?.groups[6] == 0xC612)
        for bad in ["", ":::", "1::2::3", "12345::", "g::1", "1:2:3:4:5:6:7:8:9"] {
            #expect(IPv6Address(bad) == nil, "\(bad)")
        }
    }

    @Test("addresses compare as unsigned network-order values")
    func ordering() {
        #expect(IPv4Address("198.18.0.12")! > IPv4Address("198.18.0.11")!)
        #expect(IPv4Address("200.0.0.1")! > IPv4Address("10.0.0.1")!)
        #expect(IPv6Address("fe80::2")! > IPv6Address("fe80::1")!)
    }
}
