// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore
@testable import VRRPLinux

/// The nftables tables of Accept_Mode, against the kernel in a private namespace.
@Suite("nftables Accept_Mode filter (private network namespace)")
struct AcceptModeFilterTests {
    @Test("apply creates our ip and ip6 tables, replacing them again works, remove deletes only ours")
    func lifecycle() throws {
        try withNamespaces(1) { names in
            try inNamespace(names[0]) {
                let ours = try AcceptModeFilter(name: "vrrpd")
                let other = try AcceptModeFilter(name: "operator")
                try other.apply(ipv4: [], ipv6: [])
                #expect(try !ours.tableExists())
                try ours.apply(ipv4: [IPv4Address("198.18.0.100")!], ipv6: [IPv6Address("2001:db8::100")!])
                #expect(try ours.tableExists() && ours.tableExists(ipv6: true))
                try ours.apply(ipv4: [IPv4Address("198.18.0.100")!, IPv4Address("198.18.0.101")!], ipv6: [])
                #expect(try ours.tableExists())
                try ours.remove()
                #expect(try !ours.tableExists() && !ours.tableExists(ipv6: true))
                #expect(try other.tableExists(), "another table was touched")
                try ours.remove()  // removing twice is no error
            }
        }
    }

    @Test("the batch is begin, per family (create, delete, create table, set, elements, chain, rules), end")
    func batchShape() {
        let batch = NftablesRequest.replaceTables(name: "vrrpd", ipv4: [IPv4Address("198.18.0.100")!], ipv6: [],
                                                  sequence: 1)
        let messages = (try? NetlinkMessage.decode(batch.bytes)) ?? []
        let types = messages.map { $0.type & 0xFF }
        // v4: 0 2 0 9 12 3 6; v6 (no elements): 0 2 0 9 3 6 6 6.
        #expect(types == [0x10, 0, 2, 0, 9, 12, 3, 6, 0, 2, 0, 9, 3, 6, 6, 6, 0x11])
        #expect(batch.acked == messages.count - 2)
        #expect(messages.dropFirst().dropLast().allSatisfy { $0.type >> 8 == 10 && $0.flags & 0x4 != 0 })
    }
}
