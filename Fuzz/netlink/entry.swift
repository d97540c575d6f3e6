// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the rtnetlink decoder (VRRPLinux/NetlinkMessage.swift, NetlinkTypes.swift),
// fed what a netlink socket could deliver: one datagram of messages.
// Built by `scripts/fuzz build netlink`, not by SwiftPM. See docs/reliability.md.
//
// Decoding never traps, and whatever decodes survives an encode/decode round trip.
import VRRPLinux

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    guard let messages = try? NetlinkMessage.decode(bytes) else { return 0 }
    // Messages re-encode (padded to 4) to a datagram that decodes to the same messages.
    let encoded = messages.flatMap { $0.encode() }
    precondition((try? NetlinkMessage.decode(encoded)) == messages, "netlink message round trip differs")
    for message in messages {
        _ = try? InterfaceEvent(message)
        switch try? message.body() {
        case .address(let address)?:
            precondition((try? AddressMessage(decoding: address.encode())) == address, "ifaddrmsg round trip differs")
        case .link(let link)?:
            precondition((try? LinkMessage(decoding: link.encode())) == link, "ifinfomsg round trip differs")
        default:
            break
        }
    }
    return 0
}
