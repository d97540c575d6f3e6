// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import VRRPLinux

/// Inputs the netlink fuzz target (`scripts/fuzz run netlink`) found to crash the decoder,
/// kept so the fixes stay fixed. The same bytes are in Fuzz/corpus/netlink/.
@Suite("rtnetlink: fuzz regressions")
struct NetlinkFuzzRegressionTests {
    @Test("an NLMSG_ERROR whose error field is 0x80000000 decodes instead of trapping on negation")
    func errorFieldInt32Min() throws {
        let datagram = hex("""
            24 00 00 00 02 00 00 00  // len 36, NLMSG_ERROR
            00 00 00 00 00 00 00 00  // seq 0, pid 0
            00 00 00 80              // error 0x80000000: -Int32.min overflows
            14 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  // the request's nlmsghdr: len 20, type 0, seq 0
            """)
        let messages = try NetlinkMessage.decode(datagram)
        #expect(messages.count == 1)
        #expect(try messages[0].body() == .error(NetlinkErrorMessage(errno: .min, requestType: 0, requestSequence: 0)))
        #expect(try InterfaceEvent(messages[0]) == nil)
    }

    @Test("an NLMSG_ERROR with a positive error field decodes to its negation")
    func errorFieldPositive() throws {
        let payload = hex("05 00 00 00  10 00 00 00 12 00 00 00 07 00 00 00 00 00 00 00")
        #expect(try NetlinkErrorMessage(decoding: payload) == NetlinkErrorMessage(errno: -5, requestType: 0x12, requestSequence: 7))
    }
}
