// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Testing
import VRRPCore
import VRRPLinux
@testable import VRRPRuntime
import VRRPTestSupport

/// `use_vmac` at simulated time (RFC 5798 §7.2; keepalived 2.2.7 vrrp_vmac.c): the macvlan,
/// its sysctls, VIPs and announcements on it, adverts from it, and only ours removed.
@Suite("Runtime: use_vmac")
struct VirtualMACTests {
    static let vmac: [UInt8] = [0x00, 0x00, 0x5e, 0x00, 0x01, 51]

    static func node(_ lan: FakeLAN, _ name: String, _ address: String, priority: Int, extra: String = "use_vmac",
                     before: ((FakeHost) -> Void)? = nil) throws -> SimNode {
        try SimNode(lan, name, addresses: [[address]], config: instanceBlock(priority: priority, extra: extra), before: before)
    }

    @Test("two routers: each makes vrrp.51 (00:00:5e:00:01:33, private macvlan on eth0, up) at start; the master's VIP, GARPs and adverts are on it; SIGTERM removes it and restores eth0's ARP sysctls")
    func pairFailover() throws {
        let lan = FakeLAN()
        let p1 = try Self.node(lan, "p1", "198.18.0.11/24", priority: 150)
        let p2 = try Self.node(lan, "p2", "198.18.0.12/24", priority: 100)
        for node in [p1, p2] {
            let link = try #require(node.host.link(named: "vrrp.51"))
            #expect(link.kind == "macvlan" && link.mac == Self.vmac && link.parentIndex == node.host.link(named: "eth0")?.index)
            #expect(link.isUp, "up at start, in BACKUP too (keepalived)")
            #expect(node.host.linkLog == ["create macvlan vrrp.51 on eth0 00:00:5e:00:01:33", "up vrrp.51"])
            #expect(node.host.sysctls["net/ipv4/conf/vrrp.51/arp_ignore"] == "1")
            #expect(node.host.sysctls["net/ipv4/conf/vrrp.51/accept_local"] == "1")
            #expect(node.host.sysctls["net/ipv4/conf/vrrp.51/rp_filter"] == "0")
            #expect(node.host.sysctls["net/ipv4/conf/eth0/arp_ignore"] == "1")
            #expect(node.host.sysctls["net/ipv4/conf/eth0/arp_filter"] == "1")
            #expect(node.host.sysctls["net/ipv4/conf/eth0/arp_announce"] == "2")
        }
        lan.loop.advance(by: .s(10))
        #expect(p1.state() == "MASTER" && p2.state() == "BACKUP")
        let vmac1 = try #require(p1.host.link(named: "vrrp.51")).index
        #expect(p1.host.addressLog == ["add 198.18.0.100/24 vrrp.51"])
        #expect(try p1.host.addresses().contains { $0.address == IPAddress("198.18.0.100")! && $0.ifindex == vmac1 })
        #expect(!p1.host.frames.isEmpty && p1.host.frames.allSatisfy { $0.ifindex == vmac1 })
        #expect(p1.host.frames.allSatisfy { Array($0.frame[6..<12]) == Self.vmac && Array($0.frame[22..<28]) == Self.vmac },
                "Ethernet source and ARP sender hardware address are the virtual MAC")
        let adverts = lan.adverts(from: "p1")
        #expect(!adverts.isEmpty && adverts.allSatisfy { $0.ifindex == vmac1 }, "adverts leave from the macvlan")
        #expect(adverts.allSatisfy { $0.source == IPAddress("198.18.0.11")! }, "with eth0's address as source")

        let before = lan.loop.now()
        p1.terminate()
        #expect(lan.adverts(from: "p1", since: before).map { $0.advertisement?.priority } == [0])
        #expect(lan.adverts(from: "p1", since: before).allSatisfy { $0.ifindex == vmac1 })
        #expect(p1.host.link(named: "vrrp.51") == nil)
        #expect(p1.host.linkLog.last == "delete vrrp.51")
        lan.loop.advance(by: .s(2))
        #expect(p2.state() == "MASTER")
        let vmac2 = try #require(p2.host.link(named: "vrrp.51")).index
        #expect(p2.host.addressLog == ["add 198.18.0.100/24 vrrp.51"])
        #expect(!p2.host.frames.isEmpty && p2.host.frames.allSatisfy { $0.ifindex == vmac2 && Array($0.frame[6..<12]) == Self.vmac })
    }

    @Test("eth0's arp_ignore/arp_filter go back to what they were when the last macvlan on it goes")
    func sysctlsRestored() throws {
        let lan = FakeLAN()
        let p1 = try Self.node(lan, "p1", "198.18.0.11/24", priority: 150, before: {
            $0.sysctls["net/ipv4/conf/eth0/arp_ignore"] = "0"
            $0.sysctls["net/ipv4/conf/eth0/arp_filter"] = "0"
            $0.sysctls["net/ipv4/conf/eth0/arp_announce"] = "1"
        })
        #expect(p1.host.sysctls["net/ipv4/conf/eth0/arp_ignore"] == "1" && p1.host.sysctls["net/ipv4/conf/eth0/arp_filter"] == "1")
        p1.terminate()
        #expect(p1.host.sysctls["net/ipv4/conf/eth0/arp_ignore"] == "0" && p1.host.sysctls["net/ipv4/conf/eth0/arp_filter"] == "0")
        #expect(p1.host.sysctls["net/ipv4/conf/eth0/arp_announce"] == "1")
    }

    @Test("vmac_xmit_base: adverts leave from eth0, the VIP and its GARPs stay on the macvlan")
    func transmitOnBase() throws {
        let lan = FakeLAN()
        let p1 = try Self.node(lan, "p1", "198.18.0.11/24", priority: 150, extra: "use_vmac\nvmac_xmit_base")
        lan.loop.advance(by: .s(5))
        #expect(p1.state() == "MASTER")
        let eth0 = try #require(p1.host.link(named: "eth0")).index
        let vmac = try #require(p1.host.link(named: "vrrp.51")).index
        #expect(!lan.adverts(from: "p1").isEmpty && lan.adverts(from: "p1").allSatisfy { $0.ifindex == eth0 })
        #expect(p1.host.addressLog == ["add 198.18.0.100/24 vrrp.51"])
        #expect(!p1.host.frames.isEmpty && p1.host.frames.allSatisfy { $0.ifindex == vmac })
    }

    @Test("an interface named like the vmac that is not our macvlan is never touched: the VIP goes on eth0, nothing is deleted")
    func foreignInterfaceUntouched() throws {
        let lan = FakeLAN()
        // The operator's veth called vrrp.51 exists before vrrpd starts.
        let p1 = try Self.node(lan, "p1", "198.18.0.11/24", priority: 150,
                             before: { $0.operatorAddsLink(LinkInfo(index: 50, name: "vrrp.51", mac: [2, 0, 0, 0, 0, 50],
                                                                     isUp: true, isRunning: true, mtu: 1500, kind: "veth")) })
        #expect(p1.logs.contains("cannot use_vmac vrrp.51: vrrp.51 exists and is a veth"))
        lan.loop.advance(by: .s(5))
        #expect(p1.state() == "MASTER")
        #expect(p1.host.addressLog == ["add 198.18.0.100/24 eth0"])
        p1.terminate()
        #expect(p1.host.link(named: "vrrp.51") != nil && p1.host.linkLog.isEmpty)
    }

    @Test("a leftover macvlan with our name, MAC and parent (a crashed run's) is adopted, used and removed at exit")
    func leftoverAdopted() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: instanceBlock(priority: 150, extra: "use_vmac"),
                             before: { host in
                                 host.operatorAddsLink(LinkInfo(index: 40, name: "vrrp.51", mac: Self.vmac, isUp: true, isRunning: true,
                                                                mtu: 1500, kind: "macvlan", parentIndex: 2, macvlanMode: 1))
                             })
        #expect(p1.logs.contains("using the existing VMAC interface vrrp.51"))
        #expect(!p1.host.linkLog.contains { $0.hasPrefix("create") })
        lan.loop.advance(by: .s(5))
        #expect(p1.host.addressLog == ["add 198.18.0.100/24 vrrp.51"])
        p1.terminate()
        #expect(p1.host.linkLog.last == "delete vrrp.51" && p1.host.link(named: "vrrp.51") == nil)
    }

    @Test("IPv6: 00:00:5e:00:02:VRID, the base's link-local on the macvlan, adverts from it with that source, unsolicited NAs from the virtual MAC")
    func ipv6() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["fe80::11/64", "2001:db8::11/64"]],
                             config: instanceBlock(priority: 150, vip: "2001:db8::100/64", extra: "version 3\nuse_vmac"))
        let link = try #require(p1.host.link(named: "vrrp.51"))
        #expect(link.mac == [0x00, 0x00, 0x5e, 0x00, 0x02, 51])
        #expect(p1.host.addressLog.first == "add fe80::11/64 vrrp.51")
        #expect(p1.host.sysctls["net/ipv4/conf/eth0/arp_ignore"] == nil, "the base's sysctls only for IPv4 instances (keepalived)")
        #expect(p1.host.sysctls["net/ipv4/conf/vrrp.51/arp_ignore"] == "1", "no ARP answers from the IPv6 macvlan")
        lan.loop.advance(by: .s(5))
        #expect(p1.state() == "MASTER")
        #expect(!lan.adverts(from: "p1").isEmpty)
        #expect(lan.adverts(from: "p1").allSatisfy { $0.ifindex == link.index && $0.source == IPAddress("fe80::11")! })
        #expect(p1.host.addressLog.last == "add 2001:db8::100/64 vrrp.51")
        #expect(!p1.host.frames.isEmpty && p1.host.frames.allSatisfy { $0.ifindex == link.index && Array($0.frame[6..<12]) == link.mac })
    }

    @Test("reload: vmac_xmit_base added restarts the instance (adverts move to eth0); use_vmac removed deletes the macvlan and the VIP goes back to eth0")
    func reload() throws {
        let lan = FakeLAN()
        let p1 = try Self.node(lan, "p1", "198.18.0.11/24", priority: 150)
        lan.loop.advance(by: .s(5))
        let eth0 = try #require(p1.host.link(named: "eth0")).index
        let vmac = try #require(p1.host.link(named: "vrrp.51")).index
        #expect(!lan.adverts(from: "p1").isEmpty && lan.adverts(from: "p1").allSatisfy { $0.ifindex == vmac })

        let toBase = p1.reload(instanceBlock(priority: 150, extra: "use_vmac\nvmac_xmit_base"))
        #expect(toBase.ok && toBase.changed == ["VI_1"], "\(toBase)")
        let since = lan.loop.now()
        lan.loop.advance(by: .s(6))
        #expect(p1.state() == "MASTER")
        // The restart: the old instance's priority 0 from the macvlan, then the new one's adverts from eth0.
        let after = lan.adverts(from: "p1", since: since)
        #expect(after.first?.advertisement?.priority == 0 && after.first?.ifindex == vmac)
        #expect(after.count > 1 && after.dropFirst().allSatisfy { $0.ifindex == eth0 }, "adverts on eth0 after the reload")
        let vmac2 = try #require(p1.host.link(named: "vrrp.51")).index
        #expect(try p1.host.addresses().contains { $0.address == IPAddress("198.18.0.100")! && $0.ifindex == vmac2 })

        let plain = p1.reload(instanceBlock(priority: 150))
        #expect(plain.ok && plain.changed == ["VI_1"])
        lan.loop.advance(by: .s(6))
        #expect(p1.host.link(named: "vrrp.51") == nil, "the macvlan went with use_vmac")
        #expect(try p1.host.addresses().contains { $0.address == IPAddress("198.18.0.100")! && $0.ifindex == eth0 })
    }

    @Test("IPv6: a base link-local that appears after start (DAD at boot) is copied onto the macvlan then, and adverts follow")
    func ipv6LateLinkLocal() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["2001:db8::11/64"]],
                             config: instanceBlock(priority: 150, vip: "2001:db8::100/64", extra: "version 3\nuse_vmac"))
        #expect(p1.state() == "FAULT")
        #expect(!p1.host.addressLog.contains { $0.hasPrefix("add fe80") })
        p1.host.operatorAdds("fe80::11/64", on: "eth0")
        lan.loop.advance(by: .s(5))
        #expect(p1.host.addressLog.contains("add fe80::11/64 vrrp.51"))
        #expect(p1.state() == "MASTER")
        let vmac = try #require(p1.host.link(named: "vrrp.51")).index
        #expect(!lan.adverts(from: "p1").isEmpty && lan.adverts(from: "p1").allSatisfy { $0.ifindex == vmac },
                "\(p1.logs.all.joined(separator: "\n"))")
    }

    @Test("an IPv4 and an IPv6 instance of one VRID get vrrp.51 and vrrp6.51 (keepalived's names), each with its MAC")
    func sameVRIDBothFamilies() throws {
        let lan = FakeLAN()
        let config = instanceBlock("VI_4", priority: 150, extra: "version 3\nuse_vmac")
            + instanceBlock("VI_6", priority: 150, vip: "2001:db8::100/64", extra: "version 3\nuse_vmac")
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24", "fe80::11/64"]], config: config)
        #expect(p1.host.link(named: "vrrp.51")?.mac == Self.vmac)
        #expect(p1.host.link(named: "vrrp6.51")?.mac == [0x00, 0x00, 0x5e, 0x00, 0x02, 51])
        lan.loop.advance(by: .s(5))
        #expect(p1.state("VI_4") == "MASTER" && p1.state("VI_6") == "MASTER")
        #expect(p1.host.addressLog.contains("add 198.18.0.100/24 vrrp.51"))
        #expect(p1.host.addressLog.contains("add 2001:db8::100/64 vrrp6.51"))
        #expect(!p1.logs.contains("cannot use_vmac"))
    }

    @Test("--wait-for-interfaces: the macvlan is made when the instance's interface appears, not given up")
    func baseAppearsLater() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]],
                             config: instanceBlock(priority: 150, interface: "eth9", extra: "use_vmac"), waitForInterfaces: true)
        #expect(p1.state() == "FAULT" && p1.host.linkLog.isEmpty)
        p1.host.operatorAddsLink(LinkInfo(index: 9, name: "eth9", mac: [2, 0, 0, 0, 0, 9], isUp: true, isRunning: true, mtu: 1500))
        p1.host.operatorAdds("198.18.0.11/24", on: "eth9")
        lan.loop.advance(by: .s(5))
        #expect(p1.host.linkLog == ["create macvlan vrrp.51 on eth9 00:00:5e:00:01:33", "up vrrp.51"])
        #expect(p1.state() == "MASTER")
        #expect(p1.host.addressLog.last == "add 198.18.0.100/24 vrrp.51")
    }

    @Test("a bridge-mode macvlan with our name and MAC (FRR's kind, someone else's) is not adopted and not deleted")
    func bridgeModeNotAdopted() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: instanceBlock(priority: 150, extra: "use_vmac"),
                             before: { host in
                                 host.operatorAddsLink(LinkInfo(index: 40, name: "vrrp.51", mac: Self.vmac, isUp: true, isRunning: true,
                                                                mtu: 1500, kind: "macvlan", parentIndex: 2, macvlanMode: 4))
                             })
        #expect(p1.logs.contains("vrrp.51 exists and is a macvlan (mode 4)"))
        p1.terminate()
        #expect(p1.host.link(named: "vrrp.51") != nil && p1.host.linkLog.isEmpty)
    }

    // MARK: use_vmac_addr and a VIP's own use_vmac (keepalived 2.2.7 vrrp.c `vrrp_complete_instance`)

    static let vmac6: [UInt8] = [0x00, 0x00, 0x5e, 0x00, 0x02, 51]

    static let addressMACConfig = instanceBlock(priority: 150, vip: "198.18.0.100/24\n        198.18.1.100/24 dev eth1",
                                               extra: """
                                               use_vmac_addr
                                                   virtual_ipaddress_excluded {
                                                       2001:db8::100/64
                                                   }
                                               """)

    @Test("use_vmac_addr: a VIP on eth1 goes on vrrp.51 (00:00:5e:00:01:33 on eth1), an IPv6 eVIP on vrrp6.51 (00:00:5e:00:02:33 on eth0), each announced from its macvlan; both removed at exit, eth1's sysctls restored")
    func addressMACs() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24", "fe80::11/64"], ["198.18.1.11/24", "fe80::1:11/64"]],
                             config: Self.addressMACConfig,
                             before: { $0.sysctls["net/ipv4/conf/eth1/arp_ignore"] = "0" })
        let eth0 = try #require(p1.host.link(named: "eth0")).index
        let eth1 = try #require(p1.host.link(named: "eth1")).index
        let v4 = try #require(p1.host.link(named: "vrrp.51"), "\(p1.host.linkLog) \(p1.logs.all)")
        let v6 = try #require(p1.host.link(named: "vrrp6.51"), "\(p1.host.linkLog)")
        #expect(v4.kind == "macvlan" && v4.mac == Self.vmac && v4.parentIndex == eth1 && v4.isUp)
        #expect(v6.kind == "macvlan" && v6.mac == Self.vmac6 && v6.parentIndex == eth0 && v6.isUp)
        #expect(p1.host.sysctls["net/ipv4/conf/vrrp.51/arp_ignore"] == "1" && p1.host.sysctls["net/ipv4/conf/vrrp.51/rp_filter"] == "0")
        #expect(p1.host.sysctls["net/ipv4/conf/eth1/arp_ignore"] == "1" && p1.host.sysctls["net/ipv4/conf/eth1/arp_filter"] == "1")
        #expect(p1.host.sysctls["net/ipv4/conf/vrrp6.51/arp_ignore"] == "1")
        #expect(p1.host.addressLog.contains("add fe80::11/64 vrrp6.51"), "the base's link-local copied (keepalived `set_link_local_address`)")
        lan.loop.advance(by: .s(5))
        #expect(p1.state() == "MASTER")
        #expect(p1.host.addressLog.contains("add 198.18.0.100/24 eth0"), "the instance's own family on its interface stays there")
        #expect(p1.host.addressLog.contains("add 198.18.1.100/24 vrrp.51"))
        #expect(p1.host.addressLog.contains("add 2001:db8::100/64 vrrp6.51"))
        #expect(!lan.adverts(from: "p1").isEmpty && lan.adverts(from: "p1").allSatisfy { $0.ifindex == eth0 })
        let onV4 = p1.host.frames.filter { $0.ifindex == v4.index }
        let onV6 = p1.host.frames.filter { $0.ifindex == v6.index }
        #expect(!onV4.isEmpty && onV4.allSatisfy { Array($0.frame[6..<12]) == Self.vmac && Array($0.frame[22..<28]) == Self.vmac })
        #expect(!onV6.isEmpty && onV6.allSatisfy { Array($0.frame[6..<12]) == Self.vmac6 })
        #expect(!p1.host.frames.contains { $0.ifindex == eth1 })
        p1.terminate()
        #expect(p1.host.link(named: "vrrp.51") == nil && p1.host.link(named: "vrrp6.51") == nil)
        #expect(p1.host.sysctls["net/ipv4/conf/eth1/arp_ignore"] == "0")
    }

    @Test("a VIP's own use_vmac (dev eth1) beside the instance's use_vmac: vrrp.51 on eth0, vrrp1.51 on eth1; a foreign vrrp1.51 pushes it to vrrp2.51 and is never touched")
    func addressUseVMAC() throws {
        let lan = FakeLAN()
        let config = instanceBlock(priority: 150, vip: "198.18.0.100/24\n        198.18.1.100/24 dev eth1 use_vmac", extra: "use_vmac")
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"], ["198.18.1.11/24"]], config: config,
                             before: { $0.operatorAddsLink(LinkInfo(index: 60, name: "vrrp1.51", mac: [2, 0, 0, 0, 0, 60],
                                                                    isUp: true, isRunning: true, mtu: 1500, kind: "veth")) })
        let eth1 = try #require(p1.host.link(named: "eth1")).index
        #expect(p1.host.link(named: "vrrp.51")?.mac == Self.vmac)
        let extra = try #require(p1.host.link(named: "vrrp2.51"), "\(p1.host.linkLog)")
        #expect(extra.mac == Self.vmac && extra.parentIndex == eth1 && extra.kind == "macvlan")
        lan.loop.advance(by: .s(5))
        #expect(p1.state() == "MASTER")
        #expect(p1.host.addressLog.contains("add 198.18.0.100/24 vrrp.51"))
        #expect(p1.host.addressLog.contains("add 198.18.1.100/24 vrrp2.51"))
        p1.terminate()
        #expect(p1.host.link(named: "vrrp2.51") == nil && p1.host.link(named: "vrrp.51") == nil)
        #expect(p1.host.link(named: "vrrp1.51") != nil && !p1.host.linkLog.contains("delete vrrp1.51"))
    }

    @Test("use_vmac_addr: a leftover private macvlan with the virtual MAC on eth1 (a crashed run's) is adopted whatever its name, used and removed at exit")
    func addressMACAdopted() throws {
        let lan = FakeLAN()
        let config = instanceBlock(priority: 150, vip: "198.18.0.100/24\n        198.18.1.100/24 dev eth1", extra: "use_vmac_addr")
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"], ["198.18.1.11/24"]], config: config,
                             before: { $0.operatorAddsLink(LinkInfo(index: 70, name: "old.51", mac: Self.vmac, isUp: true, isRunning: true,
                                                                    mtu: 1500, kind: "macvlan", parentIndex: 3, macvlanMode: 1)) })
        #expect(!p1.host.linkLog.contains { $0.hasPrefix("create") }, "\(p1.host.linkLog)")
        lan.loop.advance(by: .s(5))
        #expect(p1.host.addressLog.contains("add 198.18.1.100/24 old.51"))
        p1.terminate()
        #expect(p1.host.link(named: "old.51") == nil && p1.host.linkLog.last == "delete old.51")
    }

    // MARK: IGMP/MLD reports (keepalived 2.2.7 vrrp_nftables.c `nft_add_vmac`)

    @Test("every macvlan, in BACKUP and MASTER alike, is in our nftables table (its IGMP reports leave by eth0; MLD too for IPv6 and an IPv4 instance's other-family eVIP); out when the macvlan goes, the table removed at exit")
    func membershipReportFilter() throws {
        let lan = FakeLAN()
        let config = instanceBlock("VI_4", priority: 150, extra: "version 3\nuse_vmac")
            + instanceBlock("VI_6", vrid: 61, priority: 150, vip: "2001:db8::100/64", extra: "version 3\nuse_vmac")
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24", "fe80::11/64"]], config: config)
        let p2 = try SimNode(lan, "p2", addresses: [["198.18.0.12/24", "fe80::12/64"]],
                             config: config.replacingOccurrences(of: "priority 150", with: "priority 100"))
        lan.loop.advance(by: .s(5))
        #expect(p1.state("VI_4") == "MASTER" && p2.state("VI_4") == "BACKUP")
        for node in [p1, p2] {
            let eth0 = try #require(node.host.link(named: "eth0")).index
            let v4 = try #require(node.host.link(named: "vrrp.51")).index
            let v6 = try #require(node.host.link(named: "vrrp.61")).index
            let entries = try #require(node.host.packetFilter, "no table on \(node.host.name)").virtualMACs
            #expect(entries == [NftablesRequest.VirtualMACEntry(ifindex: v4, base: eth0, ipv4: true, ipv6: false),
                                NftablesRequest.VirtualMACEntry(ifindex: v6, base: eth0, ipv4: false, ipv6: true)])
        }
        // use_vmac removed by reload: its macvlan leaves the table.
        let reloaded = p2.reload(instanceBlock("VI_4", priority: 100, extra: "version 3")
            + instanceBlock("VI_6", vrid: 61, priority: 100, vip: "2001:db8::100/64", extra: "version 3\nuse_vmac"))
        #expect(reloaded.ok)
        lan.loop.advance(by: .s(2))
        #expect(p2.host.link(named: "vrrp.51") == nil)
        #expect(p2.host.packetFilter?.virtualMACs.map(\.ifindex) == [try #require(p2.host.link(named: "vrrp.61")).index])
        p1.terminate()
        #expect(p1.host.packetFilter == nil && p1.host.packetFilterLog.last == "remove")
    }

    @Test("use_vmac_addr: the extra macvlans are in the table too, each with its own family")
    func membershipReportFilterAddressMACs() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24", "fe80::11/64"], ["198.18.1.11/24", "fe80::1:11/64"]],
                             config: Self.addressMACConfig)
        lan.loop.advance(by: .s(5))
        let eth0 = try #require(p1.host.link(named: "eth0")).index
        let eth1 = try #require(p1.host.link(named: "eth1")).index
        let v4 = try #require(p1.host.link(named: "vrrp.51")).index
        let v6 = try #require(p1.host.link(named: "vrrp6.51")).index
        #expect(p1.host.packetFilter?.virtualMACs == [NftablesRequest.VirtualMACEntry(ifindex: v4, base: eth1, ipv4: true, ipv6: false),
                                                      NftablesRequest.VirtualMACEntry(ifindex: v6, base: eth0, ipv4: false, ipv6: true)])
    }
}

