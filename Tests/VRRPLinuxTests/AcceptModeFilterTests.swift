// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPTestSupport
import VRRPCore
@testable import VRRPLinux

/// The nftables tables of Accept_Mode, against the kernel in a private namespace.
@Suite("nftables Accept_Mode filter (private network namespace)", .requires(.root, .iproute2))
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

    @Test("use_vmac: keepalived 2.2.7's membership-report rules (vmac_map, vmac_set, chain out with dup/drop) as `nft` lists them, and gone with remove",
          .requires(.tool("nft")))
    func virtualMACRules() throws {
        try withNamespaces(1) { names in
            let ns = names[0]
            try run("ip", "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0p")
            try run("ip", "-n", ns, "link", "add", "vrrp.51", "link", "eth0", "type", "macvlan", "mode", "private")
            try run("ip", "-n", ns, "link", "add", "vrrp.61", "link", "eth0", "type", "macvlan", "mode", "private")
            func index(_ name: String) throws -> Int32 {
                Int32(try output("ip -n \(ns) -o link show \(name)").split(separator: ":").first.map(String.init) ?? "") ?? -1
            }
            let (eth0, v51, v61) = (try index("eth0"), try index("vrrp.51"), try index("vrrp.61"))
            try inNamespace(ns) {
                let filter = try AcceptModeFilter(name: "vrrpd")
                try filter.apply(ipv4: [], ipv6: [], virtualMACs: [
                    NftablesRequest.VirtualMACEntry(ifindex: v51, base: eth0, ipv4: true, ipv6: true),
                    NftablesRequest.VirtualMACEntry(ifindex: v61, base: eth0, ipv4: false, ipv6: true),
                ])
            }
            let v4 = try output("ip netns exec \(ns) nft list table ip vrrpd")
            #expect(v4.contains("elements = { \"vrrp.51\" : \"eth0\" }"), "\(v4)")
            #expect(v4.contains("type filter hook output priority filter - 1; policy accept;"))
            #expect(v4.contains("ip protocol igmp meta oifkind \"macvlan\" dup to ip daddr device oif map @vmac_map drop"), "\(v4)")
            let v6 = try output("ip netns exec \(ns) nft list table ip6 vrrpd")
            #expect(v6.contains("\"vrrp.51\" : \"eth0\"") && v6.contains("\"vrrp.61\" : \"eth0\""), "\(v6)")
            #expect(v6.contains("icmpv6 type mld2-listener-report meta oifkind \"macvlan\" dup to ip6 daddr device oif map @vmac_map drop"), "\(v6)")
            #expect(v6.contains("icmpv6 type nd-router-solicit meta oifkind \"macvlan\" oif @vmac_set drop"), "\(v6)")
            // Rules in the order given (NLM_F_APPEND): ND passes before the VIP drop (§6.4.3).
            let input = v6.split(separator: "\n").map { String($0.drop { $0 == " " || $0 == "\t" }) }
            let ns135 = input.firstIndex { $0.contains("nd-neighbor-solicit") && $0.hasSuffix("accept") }
            let drop = input.firstIndex { $0 == "ip6 daddr @vips drop" }
            #expect(ns135 != nil && drop != nil && ns135! < drop!, "\(v6)")
            try inNamespace(ns) { try AcceptModeFilter(name: "vrrpd").remove() }
            #expect(try output("ip netns exec \(ns) nft list tables").isEmpty)
        }
    }
}

