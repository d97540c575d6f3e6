// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore
@testable import VRRPLinux

/// FIB rule requests (linux/fib_rules.h), byte for byte: the equivalent `ip rule` command is in
/// each test's name; field values checked against `ip -d rule` on Linux 6.x.
@Suite("rtnetlink FIB rule codec")
struct RuleCodecTests {
    @Test("RTM_NEWRULE for `ip rule add from 198.18.0.0/24 lookup 100 pref 50 proto 86`")
    func addIPv4FromTable() {
        let rule = RuleSpec(family: .ipv4, from: IPAddress("198.18.0.0")!, fromPrefix: 24, priority: 50, action: .table(100))
        #expect(NetlinkRequest.rule(true, sequence: 3, rule).encode() == hex("""
            34 00 00 00              // nlmsg_len 52
            20 00 05 06              // RTM_NEWRULE (32), REQUEST|ACK|EXCL|CREATE
            03 00 00 00 00 00 00 00  // seq 3, pid 0
            02 00 18 00              // fib_rule_hdr: AF_INET, dst_len 0, src_len 24, tos 0
            64 00 00 01              // table 100, res1, res2, action FR_ACT_TO_TBL
            00 00 00 00              // flags
            08 00 02 00 c6 12 00 00  // FRA_SRC 198.18.0.0
            08 00 06 00 32 00 00 00  // FRA_PRIORITY 50
            05 00 15 00 56 00 00 00  // FRA_PROTOCOL 86
            """))
    }

    @Test("RTM_DELRULE for `ip rule del not to 2001:db8::/32 iif eth0 oif eth1 fwmark 0x10/0xff lookup 1000 pref 60 proto 86`")
    func deleteIPv6Everything() {
        let rule = RuleSpec(family: .ipv6, to: IPAddress("2001:db8::")!, toPrefix: 32, inputInterface: "eth0",
                            outputInterface: "eth1", fwmark: 0x10, fwmask: 0xff, priority: 60, action: .table(1000), invert: true)
        #expect(NetlinkRequest.rule(false, sequence: 4, rule).encode() == hex("""
            70 00 00 00              // nlmsg_len 112
            21 00 05 00              // RTM_DELRULE (33), REQUEST|ACK
            04 00 00 00 00 00 00 00  // seq 4, pid 0
            0a 20 00 00              // AF_INET6, dst_len 32, src_len 0, tos 0
            00 00 00 01              // table UNSPEC (id in FRA_TABLE), action FR_ACT_TO_TBL
            02 00 00 00              // flags FIB_RULE_INVERT
            08 00 0f 00 e8 03 00 00  // FRA_TABLE 1000
            14 00 01 00 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 00  // FRA_DST 2001:db8::
            09 00 03 00 65 74 68 30 00 00 00 00  // FRA_IIFNAME "eth0"
            09 00 11 00 65 74 68 31 00 00 00 00  // FRA_OIFNAME "eth1"
            08 00 0a 00 10 00 00 00  // FRA_FWMARK 0x10
            08 00 10 00 ff 00 00 00  // FRA_FWMASK 0xff
            08 00 06 00 3c 00 00 00  // FRA_PRIORITY 60
            05 00 15 00 56 00 00 00  // FRA_PROTOCOL 86
            """))
    }

    @Test("blackhole, prohibit and unreachable rules carry their FR_ACT and no table")
    func actions() {
        for (action, code) in [(RuleSpec.Action.blackhole, UInt8(6)), (.unreachable, 7), (.prohibit, 8)] {
            let bytes = NetlinkRequest.rule(true, sequence: 1, RuleSpec(family: .ipv4, priority: 1, action: action)).encode()
            #expect(bytes[16 + 4] == 0 && bytes[16 + 7] == code, "\(action)")
        }
    }

    @Test("a route's written scope and onlink reach rtm_scope and rtm_flags (`ip route add 198.18.6.0/24 dev 3 scope site`, `… via … onlink`)")
    func routeScopeAndOnlink() {
        let site = NetlinkRequest.route(true, sequence: 1, destination: IPAddress("198.18.6.0")!, prefix: 24, ifindex: 3, scope: 200).encode()
        #expect(site[16 + 6] == 200, "rtm_scope")
        let onlink = NetlinkRequest.route(true, sequence: 1, destination: IPAddress("198.18.6.0")!, prefix: 24,
                                          gateway: IPAddress("198.18.99.1")!, ifindex: 3, onlink: true).encode()
        #expect(Array(onlink[(16 + 8)..<(16 + 12)]) == [4, 0, 0, 0], "rtm_flags RTNH_F_ONLINK")
        let plain = NetlinkRequest.route(true, sequence: 1, destination: IPAddress("198.18.6.0")!, prefix: 24, ifindex: 3).encode()
        #expect(plain[16 + 6] == 253 && Array(plain[(16 + 8)..<(16 + 12)]) == [0, 0, 0, 0], "default: link scope, no flags")
    }
}
