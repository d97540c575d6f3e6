// SPDX-License-Identifier: Apache-2.0
import CVRRPLinux
import Testing
import VRRPCore
@testable import VRRPLinux

/// Hex bytes, one segment per line; anything after `//` on a line is a comment.
func hex(_ text: String) -> [UInt8] {
    var out: [UInt8] = []
    for line in text.split(separator: "\n") {
        let code = line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        for token in code.split(separator: " ") { out.append(UInt8(token, radix: 16)!) }
    }
    return out
}

@Suite("rtnetlink codec")
struct NetlinkCodecTests {
    @Test("RTM_NEWADDR for an IPv4 VIP encodes byte for byte like `ip addr add ... label ... proto 86`")
    func addIPv4Address() {
        let message = NetlinkRequest.addAddress(
            sequence: 1, address: IPAddress("198.18.0.1")!, prefix: 24, ifindex: 3, label: "veth0",
            broadcast: IPv4Address("198.18.0.255"))
        #expect(message.encode() == hex("""
            44 00 00 00              // nlmsg_len 68
            14 00                    // nlmsg_type RTM_NEWADDR (20)
            05 06                    // nlmsg_flags REQUEST|ACK|EXCL|CREATE (0x605)
            01 00 00 00              // nlmsg_seq 1
            00 00 00 00              // nlmsg_pid 0
            02 18 00 00              // ifaddrmsg: AF_INET, /24, flags 0, scope universe
            03 00 00 00              // ifa_index 3
            08 00 02 00 c6 12 00 01  // IFA_LOCAL 198.18.0.1
            08 00 01 00 c6 12 00 01  // IFA_ADDRESS 198.18.0.1
            08 00 04 00 c6 12 00 ff  // IFA_BROADCAST 198.18.0.255
            0a 00 03 00 76 65 74 68 30 00 00 00  // IFA_LABEL "veth0\\0" (len 10) + 2 pad
            05 00 0b 00 56 00 00 00  // IFA_PROTO 86 (len 5) + 3 pad
            """))
    }

    @Test("RTM_NEWADDR for an IPv6 VIP with nodad carries IFA_FLAGS and link scope")
    func addIPv6AddressNoDAD() {
        let message = NetlinkRequest.addAddress(
            sequence: 0x0102_0304, address: IPAddress("2001:db8::1")!, prefix: 64, ifindex: 5, scope: .link,
            noDAD: true, addressProtocol: nil)
        #expect(message.encode() == hex("""
            48 00 00 00              // nlmsg_len 72
            14 00 05 06              // RTM_NEWADDR, REQUEST|ACK|EXCL|CREATE
            04 03 02 01 00 00 00 00  // seq 0x01020304, pid 0
            0a 40 02 fd              // AF_INET6, /64, ifa_flags NODAD, scope link (253)
            05 00 00 00              // ifa_index 5
            14 00 02 00 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01  // IFA_LOCAL 2001:db8::1
            14 00 01 00 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01  // IFA_ADDRESS 2001:db8::1
            08 00 08 00 02 00 00 00  // IFA_FLAGS IFA_F_NODAD
            """))
    }

    @Test("RTM_DELADDR names the address, prefix and interface and asks for an ACK")
    func deleteAddress() {
        let message = NetlinkRequest.deleteAddress(sequence: 7, address: IPAddress("198.18.0.1")!, prefix: 24, ifindex: 3)
        #expect(message.encode() == hex("""
            28 00 00 00              // nlmsg_len 40
            15 00 05 00              // RTM_DELADDR (21), REQUEST|ACK
            07 00 00 00 00 00 00 00  // seq 7, pid 0
            02 18 00 00 03 00 00 00  // AF_INET /24, index 3
            08 00 02 00 c6 12 00 01  // IFA_LOCAL
            08 00 01 00 c6 12 00 01  // IFA_ADDRESS
            """))
    }

    @Test("RTM_NEWROUTE for `ip route add 198.18.5.0/24 via 198.18.0.254 dev 3 src 198.18.0.1 table 100 metric 20 proto 86`")
    func addIPv4Route() {
        let message = NetlinkRequest.route(
            true, sequence: 2, destination: IPAddress("198.18.5.0")!, prefix: 24, gateway: IPAddress("198.18.0.254")!,
            ifindex: 3, source: IPAddress("198.18.0.1")!, table: 100, metric: 20)
        #expect(message.encode() == hex("""
            44 00 00 00              // nlmsg_len 68
            18 00 05 06              // RTM_NEWROUTE (24), REQUEST|ACK|EXCL|CREATE
            02 00 00 00 00 00 00 00  // seq 2, pid 0
            02 18 00 00              // rtmsg: AF_INET, dst_len 24, src_len 0, tos 0
            64 56 00 01              // table 100, protocol 86, scope universe, type RTN_UNICAST
            00 00 00 00              // rtm_flags
            08 00 01 00 c6 12 05 00  // RTA_DST 198.18.5.0
            08 00 06 00 14 00 00 00  // RTA_PRIORITY 20
            08 00 07 00 c6 12 00 01  // RTA_PREFSRC 198.18.0.1
            08 00 05 00 c6 12 00 fe  // RTA_GATEWAY 198.18.0.254
            08 00 04 00 03 00 00 00  // RTA_OIF 3
            """))
    }

    @Test("RTM_NEWROUTE for an IPv6 default blackhole in table 1000 puts the table in RTA_TABLE")
    func addIPv6BlackholeRoute() {
        let message = NetlinkRequest.route(
            true, sequence: 1, destination: IPAddress("::")!, prefix: 0, table: 1000, blackhole: true)
        #expect(message.encode() == hex("""
            38 00 00 00              // nlmsg_len 56
            18 00 05 06              // RTM_NEWROUTE, REQUEST|ACK|EXCL|CREATE
            01 00 00 00 00 00 00 00  // seq 1, pid 0
            0a 00 00 00              // AF_INET6, dst_len 0
            00 56 00 06              // table UNSPEC, protocol 86, scope universe, RTN_BLACKHOLE
            00 00 00 00              // rtm_flags
            08 00 0f 00 e8 03 00 00  // RTA_TABLE 1000
            14 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  // RTA_DST ::
            """))
    }

    @Test("RTM_DELROUTE for a device route asks for an ACK with scope nowhere and our protocol (only our route matches)")
    func deleteRoute() {
        let message = NetlinkRequest.route(
            false, sequence: 9, destination: IPAddress("198.18.6.0")!, prefix: 24, ifindex: 4)
        #expect(message.encode() == hex("""
            2c 00 00 00              // nlmsg_len 44
            19 00 05 00              // RTM_DELROUTE (25), REQUEST|ACK
            09 00 00 00 00 00 00 00  // seq 9, pid 0
            02 18 00 00              // AF_INET, /24
            fe 56 ff 01              // table main (254), protocol 86, scope nowhere, RTN_UNICAST
            00 00 00 00              // rtm_flags
            08 00 01 00 c6 12 06 00  // RTA_DST 198.18.6.0
            08 00 04 00 04 00 00 00  // RTA_OIF 4
            """))
    }

    @Test("RTM_NEWLINK for `ip link add link 3 name vrrp.51 address 00:00:5e:00:01:33 type macvlan mode private`")
    func createMacvlan() {
        let message = NetlinkRequest.createMacvlan(sequence: 7, name: "vrrp.51", parent: 3,
                                                   mac: [0x00, 0x00, 0x5e, 0x00, 0x01, 0x33])
        #expect(message.encode() == hex("""
            5c 00 00 00              // nlmsg_len 92
            10 00                    // nlmsg_type RTM_NEWLINK (16)
            05 06                    // nlmsg_flags REQUEST|ACK|EXCL|CREATE (0x605)
            07 00 00 00              // nlmsg_seq 7
            00 00 00 00              // nlmsg_pid 0
            00 00 00 00              // ifinfomsg: AF_UNSPEC, pad, ifi_type 0
            00 00 00 00              // ifi_index 0 (new link)
            00 00 00 00              // ifi_flags 0: created down
            00 00 00 00              // ifi_change 0
            1c 00 12 00              // IFLA_LINKINFO (18), len 28
            0b 00 01 00 6d 61 63 76 6c 61 6e 00  //   IFLA_INFO_KIND "macvlan" (len 11) + 1 pad
            0c 00 02 00              //   IFLA_INFO_DATA (2), len 12
            08 00 01 00 01 00 00 00  //     IFLA_MACVLAN_MODE MACVLAN_MODE_PRIVATE (1)
            08 00 05 00 03 00 00 00  // IFLA_LINK 3 (the parent)
            0c 00 03 00 76 72 72 70 2e 35 31 00  // IFLA_IFNAME "vrrp.51\\0"
            0a 00 01 00 00 00 5e 00 01 33 00 00  // IFLA_ADDRESS 00:00:5e:00:01:33 (len 10) + 2 pad
            """))
    }

    @Test("RTM_NEWLINK addrgenmode none nests IFLA_AF_SPEC > AF_INET6 > IFLA_INET6_ADDR_GEN_MODE 1")
    func addressGenerationNone() {
        #expect(NetlinkRequest.disableIPv6AddressGeneration(sequence: 8, ifindex: 9).encode() == hex("""
            30 00 00 00              // nlmsg_len 48
            10 00 05 00              // RTM_NEWLINK, REQUEST|ACK
            08 00 00 00 00 00 00 00  // seq 8, pid 0
            00 00 00 00 09 00 00 00  // AF_UNSPEC, ifi_index 9
            00 00 00 00 00 00 00 00  // ifi_flags 0, ifi_change 0: flags untouched
            10 00 1a 00              // IFLA_AF_SPEC (26), len 16
            0c 00 0a 00              //   AF_INET6 (10), len 12 (the padded child)
            05 00 08 00 01 00 00 00  //     IFLA_INET6_ADDR_GEN_MODE IN6_ADDR_GEN_MODE_NONE (len 5) + 3 pad
            """))
    }

    @Test("RTM_NEWLINK up sets IFF_UP in flags and change; RTM_DELLINK names only the index")
    func linkUpAndDelete() {
        #expect(NetlinkRequest.setLinkUp(sequence: 9, ifindex: 9).encode() == hex("""
            20 00 00 00 10 00 05 00  // len 32, RTM_NEWLINK, REQUEST|ACK
            09 00 00 00 00 00 00 00  // seq 9, pid 0
            00 00 00 00 09 00 00 00  // AF_UNSPEC, ifi_index 9
            01 00 00 00 01 00 00 00  // ifi_flags IFF_UP, ifi_change IFF_UP
            """))
        #expect(NetlinkRequest.deleteLink(sequence: 10, ifindex: 9).encode() == hex("""
            20 00 00 00 11 00 05 00  // len 32, RTM_DELLINK (17), REQUEST|ACK
            0a 00 00 00 00 00 00 00  // seq 10, pid 0
            00 00 00 00 09 00 00 00  // AF_UNSPEC, ifi_index 9
            00 00 00 00 00 00 00 00  // flags, change
            """))
    }

    @Test("a macvlan's RTM_NEWLINK decodes its kind, mode and parent; a broken IFLA_LINKINFO loses only those")
    func macvlanLinkDecodes() throws {
        let created = NetlinkRequest.createMacvlan(sequence: 1, name: "vrrp.51", parent: 3, mac: [0, 0, 0x5e, 0, 1, 0x33])
        var link = try LinkMessage(decoding: created.payload)
        link.index = 9
        let info = try #require(LinkInfo(link))
        #expect(info.kind == "macvlan" && info.macvlanMode == RTNL.macvlanModePrivate && info.parentIndex == 3)
        #expect(info.name == "vrrp.51" && info.mac == [0, 0, 0x5e, 0, 1, 0x33])
        link.attributes[0] = RouteAttribute(type: RTNL.iflaLinkinfo, value: [0xff, 0x00, 0x01])
        let broken = try #require(LinkInfo(link))
        #expect(broken.kind == nil && broken.name == "vrrp.51")
    }

    @Test("dump requests are RTM_GETLINK/RTM_GETADDR with NLM_F_DUMP and an empty family header")
    func dumps() {
        #expect(NetlinkRequest.dumpLinks(sequence: 9).encode() == hex("""
            20 00 00 00 12 00 01 03  // len 32, RTM_GETLINK (18), REQUEST|DUMP (0x301)
            09 00 00 00 00 00 00 00  // seq 9, pid 0
            00 00 00 00 00 00 00 00  // ifinfomsg: AF_UNSPEC, pad, type 0, index 0
            00 00 00 00 00 00 00 00  // ifi_flags 0, ifi_change 0
            """))
        #expect(NetlinkRequest.dumpAddresses(sequence: 10).encode() == hex("""
            18 00 00 00 16 00 01 03  // len 24, RTM_GETADDR (22), REQUEST|DUMP
            0a 00 00 00 00 00 00 00  // seq 10, pid 0
            00 00 00 00 00 00 00 00  // ifaddrmsg: AF_UNSPEC, all zero
            """))
    }

    @Test("an ACK and an EEXIST error decode to errno 0 and 17 for the request's sequence")
    func acknowledgements() throws {
        let datagram = hex("""
            24 00 00 00 02 00 00 01  // len 36, NLMSG_ERROR, NLM_F_CAPPED
            01 00 00 00 a1 b2 00 00  // seq 1, pid
            00 00 00 00              // error 0: ACK
            44 00 00 00 14 00 05 06 01 00 00 00 00 00 00 00  // the request's nlmsghdr
            24 00 00 00 02 00 00 01  // second message: NLMSG_ERROR
            02 00 00 00 a1 b2 00 00  // seq 2
            ef ff ff ff              // error -17 (EEXIST)
            44 00 00 00 14 00 05 06 02 00 00 00 00 00 00 00
            """)
        let messages = try NetlinkMessage.decode(datagram)
        #expect(messages.count == 2)
        #expect(try messages[0].body() == .error(NetlinkErrorMessage(errno: 0, requestType: RTNL.newAddress, requestSequence: 1)))
        #expect(try messages[1].body() == .error(NetlinkErrorMessage(errno: 17, requestType: RTNL.newAddress, requestSequence: 2)))
    }

    @Test("a multipart RTM_NEWLINK dump ending in NLMSG_DONE decodes to LinkInfo")
    func linkDump() throws {
        let datagram = hex("""
            44 00 00 00 10 00 02 00  // len 68, RTM_NEWLINK, NLM_F_MULTI
            09 00 00 00 00 00 00 00  // seq 9
            00 00 01 00              // ifinfomsg: AF_UNSPEC, pad, ARPHRD_ETHER
            04 00 00 00              // ifi_index 4
            43 10 01 00              // ifi_flags UP|BROADCAST|RUNNING|MULTICAST|LOWER_UP (0x11043)
            00 00 00 00              // ifi_change
            07 00 03 00 76 61 00 00  // IFLA_IFNAME "va\\0" + pad
            08 00 04 00 dc 05 00 00  // IFLA_MTU 1500
            0a 00 01 00 02 00 5e 00 01 12 00 00  // IFLA_ADDRESS 02:00:5e:00:01:12 + pad
            05 00 10 00 06 00 00 00  // IFLA_OPERSTATE UP (6)
            14 00 00 00 03 00 02 00  // len 20, NLMSG_DONE, NLM_F_MULTI
            09 00 00 00 00 00 00 00  // seq 9
            00 00 00 00              // done payload: 0
            """)
        let messages = try NetlinkMessage.decode(datagram)
        #expect(messages.map(\.type) == [RTNL.newLink, RTNL.done])
        #expect(messages.allSatisfy { $0.flags & RTNL.multi != 0 && $0.sequence == 9 })
        guard case .link(let link) = try messages[0].body() else { Issue.record("not a link"); return }
        #expect(LinkInfo(link) == LinkInfo(index: 4, name: "va", mac: [0x02, 0x00, 0x5e, 0x00, 0x01, 0x12],
                                           isUp: true, isRunning: true, mtu: 1500))
        #expect(try InterfaceEvent(messages[0]) == .link(LinkInfo(link)!))
        #expect(try InterfaceEvent(messages[1]) == nil)
    }

    @Test("RTM_NEWADDR/RTM_DELADDR notifications decode flags from IFA_FLAGS, label, scope and IFA_PROTO")
    func addressNotifications() throws {
        let payload = hex("""
            0a 40 80 00              // AF_INET6, /64, ifa_flags PERMANENT (low byte), scope universe
            05 00 00 00              // index 5
            14 00 01 00 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01  // IFA_ADDRESS 2001:db8::1
            08 00 08 00 c2 00 00 00  // IFA_FLAGS NODAD|TENTATIVE|PERMANENT (0xc2)
            05 00 0b 00 56 00 00 00  // IFA_PROTO 86
            """)
        let added = NetlinkMessage(type: RTNL.newAddress, flags: 0, sequence: 0, payload: payload)
        let expected = InterfaceAddress(ifindex: 5, address: IPAddress("2001:db8::1")!, prefix: 64,
                                        flags: [.noDAD, .tentative, .permanent], scope: .universe, addressProtocol: 86)
        #expect(try InterfaceEvent(added) == .addressAdded(expected))
        var removed = added
        removed.type = RTNL.delAddress
        #expect(try InterfaceEvent(removed) == .addressRemoved(expected))

        let v4 = hex("""
            02 18 80 fe 03 00 00 00  // AF_INET /24, PERMANENT, scope host (254), index 3
            08 00 01 00 c6 12 00 00  // IFA_ADDRESS 198.18.0.0 (the prefix/peer)
            08 00 02 00 c6 12 00 05  // IFA_LOCAL 198.18.0.5 (ours: preferred)
            0b 00 03 00 76 61 3a 76 69 70 00 00  // IFA_LABEL "va:vip\\0" + pad
            """)
        let address = try #require(InterfaceAddress(AddressMessage(decoding: v4)))
        #expect(address == InterfaceAddress(ifindex: 3, address: IPAddress("198.18.0.5")!, prefix: 24,
                                            flags: .permanent, label: "va:vip", scope: .host))
    }

    @Test("RTM_DELLINK becomes linkRemoved with the index")
    func linkRemoved() throws {
        let payload = LinkMessage(index: 12, attributes: [RouteAttribute(type: RTNL.iflaIfname, string: "vb")]).encode()
        let message = NetlinkMessage(type: RTNL.delLink, flags: 0, sequence: 0, payload: payload)
        #expect(try InterfaceEvent(message) == .linkRemoved(index: 12))
    }

    @Test("malformed datagrams are rejected with a typed error, never a trap")
    func malformed() {
        // nlmsg_len larger than the datagram.
        #expect(throws: NetlinkDecodeError.badLength(offset: 0, length: 0x40)) {
            try NetlinkMessage.decode(hex("40 00 00 00 10 00 00 00 00 00 00 00 00 00 00 00"))
        }
        // nlmsg_len smaller than a header.
        #expect(throws: NetlinkDecodeError.badLength(offset: 0, length: 8)) {
            try NetlinkMessage.decode(hex("08 00 00 00 10 00 00 00 00 00 00 00 00 00 00 00"))
        }
        // Trailing bytes that cannot hold a header.
        #expect(throws: NetlinkDecodeError.truncatedHeader(offset: 20)) {
            try NetlinkMessage.decode(hex("14 00 00 00 03 00 02 00 00 00 00 00 00 00 00 00 00 00 00 00 01 02"))
        }
        // An attribute whose rta_len runs past the message.
        #expect(throws: NetlinkDecodeError.badAttribute(offset: 8)) {
            try AddressMessage(decoding: hex("02 18 00 00 03 00 00 00 10 00 02 00 c6 12"))
        }
        // An ifinfomsg cut short.
        #expect(throws: NetlinkDecodeError.truncatedBody(type: "ifinfomsg", length: 6)) {
            try LinkMessage(decoding: hex("00 00 01 00 04 00"))
        }
    }

    @Test("leftovers are our IFA_PROTO addresses only: an untagged copy of a VIP is the operator's")
    func leftovers() {
        let ours = InterfaceAddress(ifindex: 2, address: IPAddress("198.18.0.10")!, prefix: 32, addressProtocol: 86)
        let operatorsVIP = InterfaceAddress(ifindex: 2, address: IPAddress("2001:db8::10")!, prefix: 128)
        let foreign = InterfaceAddress(ifindex: 2, address: IPAddress("198.18.0.2")!, prefix: 24, addressProtocol: 0)
        #expect([ours, operatorsVIP, foreign].leftovers() == [ours])
    }

    @Test("the hand-written ABI numbers match the kernel headers")
    func constantsMatchHeaders() {
        #expect(RTNL.newAddress == UInt16(RTM_NEWADDR) && RTNL.delAddress == UInt16(RTM_DELADDR))
        #expect(RTNL.getAddress == UInt16(RTM_GETADDR) && RTNL.getLink == UInt16(RTM_GETLINK))
        #expect(RTNL.newLink == UInt16(RTM_NEWLINK) && RTNL.delLink == UInt16(RTM_DELLINK))
        #expect(RTNL.error == UInt16(NLMSG_ERROR) && RTNL.done == UInt16(NLMSG_DONE) && RTNL.noop == UInt16(NLMSG_NOOP))
        #expect(RTNL.request == UInt16(NLM_F_REQUEST) && RTNL.ack == UInt16(NLM_F_ACK) && RTNL.multi == UInt16(NLM_F_MULTI))
        #expect(RTNL.dump == UInt16(NLM_F_DUMP) && RTNL.excl == UInt16(NLM_F_EXCL) && RTNL.create == UInt16(NLM_F_CREATE))
        #expect(RTNL.dumpInterrupted == UInt16(NLM_F_DUMP_INTR) && RTNL.capped == UInt16(NLM_F_CAPPED))
        #expect(RTNL.ifaAddress == UInt16(IFA_ADDRESS) && RTNL.ifaLocal == UInt16(IFA_LOCAL))
        #expect(RTNL.ifaLabel == UInt16(IFA_LABEL) && RTNL.ifaBroadcast == UInt16(IFA_BROADCAST))
        #expect(RTNL.ifaFlags == UInt16(IFA_FLAGS) && RTNL.ifaProto == UInt16(IFA_PROTO))
        #expect(RTNL.iflaAddress == UInt16(IFLA_ADDRESS) && RTNL.iflaIfname == UInt16(IFLA_IFNAME))
        #expect(RTNL.iflaMTU == UInt16(IFLA_MTU) && RTNL.iflaOperstate == UInt16(IFLA_OPERSTATE))
        #expect(RTNL.iflaLink == UInt16(IFLA_LINK) && RTNL.iflaLinkinfo == UInt16(IFLA_LINKINFO))
        #expect(RTNL.iflaAFSpec == UInt16(IFLA_AF_SPEC) && RTNL.iflaInfoKind == UInt16(IFLA_INFO_KIND))
        #expect(RTNL.iflaInfoData == UInt16(IFLA_INFO_DATA) && RTNL.iflaMacvlanMode == UInt16(IFLA_MACVLAN_MODE))
        #expect(RTNL.macvlanModePrivate == MACVLAN_MODE_PRIVATE.rawValue)
        #expect(RTNL.iflaInet6AddrGenMode == UInt16(IFLA_INET6_ADDR_GEN_MODE))
        #expect(RTNL.in6AddrGenModeNone == UInt8(IN6_ADDR_GEN_MODE_NONE.rawValue))
        #expect(RTNL.groupLink == UInt32(RTNLGRP_LINK.rawValue) && RTNL.groupIPv4Address == UInt32(RTNLGRP_IPV4_IFADDR.rawValue))
        #expect(RTNL.groupIPv6Address == UInt32(RTNLGRP_IPV6_IFADDR.rawValue))
        #expect(RTNL.newRoute == UInt16(RTM_NEWROUTE) && RTNL.delRoute == UInt16(RTM_DELROUTE))
        #expect(RTNL.rtaDst == UInt16(RTA_DST.rawValue) && RTNL.rtaOif == UInt16(RTA_OIF.rawValue))
        #expect(RTNL.rtaGateway == UInt16(RTA_GATEWAY.rawValue) && RTNL.rtaPriority == UInt16(RTA_PRIORITY.rawValue))
        #expect(RTNL.rtaPrefsrc == UInt16(RTA_PREFSRC.rawValue) && RTNL.rtaTable == UInt16(RTA_TABLE.rawValue))
        #expect(RTNL.rtnUnicast == UInt8(RTN_UNICAST) && RTNL.rtnBlackhole == UInt8(RTN_BLACKHOLE))
        #expect(RTNL.rtScopeLink == UInt8(RT_SCOPE_LINK.rawValue) && RTNL.rtScopeNowhere == UInt8(RT_SCOPE_NOWHERE.rawValue))
        #expect(RTNL.rtTableMain == UInt8(RT_TABLE_MAIN.rawValue))
        #expect(RTNL.iffUp == UInt32(IFF_UP) && RTNL.iffRunning == UInt32(IFF_RUNNING))
        #expect(RTNL.afInet == UInt8(AF_INET) && RTNL.afInet6 == UInt8(AF_INET6) && RTNL.afUnspec == UInt8(AF_UNSPEC))
        #expect(AddressFlags.noDAD.rawValue == UInt32(IFA_F_NODAD) && AddressFlags.tentative.rawValue == UInt32(IFA_F_TENTATIVE))
        #expect(AddressFlags.secondary.rawValue == UInt32(IFA_F_SECONDARY) && AddressFlags.permanent.rawValue == UInt32(IFA_F_PERMANENT))
        #expect(AddressFlags.noPrefixRoute.rawValue == UInt32(IFA_F_NOPREFIXROUTE))
        #expect(AddressScope.link.rawValue == UInt8(RT_SCOPE_LINK.rawValue) && AddressScope.host.rawValue == UInt8(RT_SCOPE_HOST.rawValue))
    }
}

@Suite("TimerHeap")
struct TimerHeapTests {
    @Test("pops due timers by deadline then scheduling order, skipping cancelled ones")
    func ordering() {
        var heap = TimerHeap<String>()
        _ = heap.schedule(at: Instant(nanoseconds: 30), "c")
        _ = heap.schedule(at: Instant(nanoseconds: 10), "a")
        let dropped = heap.schedule(at: Instant(nanoseconds: 5), "dropped")
        _ = heap.schedule(at: Instant(nanoseconds: 10), "a2")
        _ = heap.schedule(at: Instant(nanoseconds: 20), "b")
        let wasPending = heap.cancel(dropped)
        let earliest = heap.earliestDeadline()
        let early = heap.popDue(now: Instant(nanoseconds: 9))
        #expect(wasPending)
        #expect(earliest == Instant(nanoseconds: 10))
        #expect(early == nil)
        var fired: [String] = []
        while let body = heap.popDue(now: Instant(nanoseconds: 25)) { fired.append(body) }
        #expect(fired == ["a", "a2", "b"])
        let last = heap.earliestDeadline()
        #expect(heap.count == 1 && last == Instant(nanoseconds: 30))
    }

    @Test("a timer with an earliest instant is armed for its deadline and pops early only from the top of the heap")
    func earlyFire() {
        var heap = TimerHeap<String>()
        _ = heap.schedule(at: Instant(nanoseconds: 100), "exact")
        _ = heap.schedule(at: Instant(nanoseconds: 110), earliest: Instant(nanoseconds: 90), "tolerant")
        _ = heap.schedule(at: Instant(nanoseconds: 115), "exact2")
        _ = heap.schedule(at: Instant(nanoseconds: 120), earliest: Instant(nanoseconds: 95), "behind exact2")
        // The loop is armed for the earliest deadline, not the earliest instant a timer may fire.
        let armed = heap.earliestDeadline()
        let dueAt99 = heap.hasDue(now: Instant(nanoseconds: 99))
        let poppedAt99 = heap.popDue(now: Instant(nanoseconds: 99))
        #expect(armed == Instant(nanoseconds: 100))
        #expect(!dueAt99 && poppedAt99 == nil)
        var fired: [String] = []
        while let body = heap.popDue(now: Instant(nanoseconds: 100)) { fired.append(body) }
        // "tolerant" rides along with "exact"; "behind exact2" waits behind an exact timer.
        let next = heap.earliestDeadline()
        #expect(fired == ["exact", "tolerant"])
        #expect(next == Instant(nanoseconds: 115))
    }

    @Test("in a turn woken by IO only, a timer fires early only if it says afterIO")
    func earlyFireAfterIO() {
        var heap = TimerHeap<String>()
        _ = heap.schedule(at: Instant(nanoseconds: 110), earliest: Instant(nanoseconds: 90), "advert")
        _ = heap.schedule(at: Instant(nanoseconds: 120), earliest: Instant(nanoseconds: 90), afterIO: true, "check")
        let dueAfterIO = heap.hasDue(now: Instant(nanoseconds: 100))
        let afterIO = heap.popDue(now: Instant(nanoseconds: 100), timerTurn: false)
        let inATimerTurn = heap.popDue(now: Instant(nanoseconds: 100), timerTurn: true)
        let checkAfterIO = heap.popDue(now: Instant(nanoseconds: 100), timerTurn: false)
        #expect(!dueAfterIO && afterIO == nil)
        #expect(inATimerTurn == "advert")
        #expect(checkAfterIO == "check")
    }
}
