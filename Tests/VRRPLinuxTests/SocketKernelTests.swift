// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Testing
import VRRPTestSupport
import VRRPCore
@testable import VRRPLinux

/// Two namespaces joined by a veth pair: `va` in A, `vb` in B, both up, DAD off so the
/// kernel link-local addresses are usable at once. Addresses 198.18.2.1/24 and .2/24.
struct VethPair {
    let a: String
    let b: String
    let netlinkA: RouteNetlink
    let netlinkB: RouteNetlink
    let indexA: Int32
    let indexB: Int32

    static func with<T>(_ body: (VethPair) throws -> T) throws -> T {
        try withNamespaces(2) { names in
            let (a, b) = (names[0], names[1])
            try run("ip", "link", "add", "va", "netns", a, "type", "veth", "peer", "name", "vb", "netns", b)
            try run("ip", "netns", "exec", a, "sysctl", "-qw", "net.ipv6.conf.va.accept_dad=0")
            try run("ip", "netns", "exec", b, "sysctl", "-qw", "net.ipv6.conf.vb.accept_dad=0")
            try run("ip", "-n", a, "addr", "add", "198.18.2.1/24", "dev", "va")
            try run("ip", "-n", b, "addr", "add", "198.18.2.2/24", "dev", "vb")
            try run("ip", "-n", a, "link", "set", "va", "up")
            try run("ip", "-n", b, "link", "set", "vb", "up")
            let netlinkA = try inNamespace(a) { try RouteNetlink() }
            let netlinkB = try inNamespace(b) { try RouteNetlink() }
            return try body(VethPair(a: a, b: b, netlinkA: netlinkA, netlinkB: netlinkB,
                                     indexA: try netlinkA.index(of: "va"), indexB: try netlinkB.index(of: "vb")))
        }
    }

    /// The usable (non-tentative) kernel link-local address of the interface.
    static func linkLocal(_ netlink: RouteNetlink, _ index: Int32) throws -> IPv6Address {
        try eventually("link-local address on ifindex \(index)") {
            for address in try netlink.addresses() where address.ifindex == index && !address.flags.contains(.tentative) {
                if case .v6(let v6) = address.address, v6.isLinkLocal { return v6 }
            }
            return nil
        }
    }
}

/// Sends with `send` every 100 ms until `receive` yields a matching packet (hang guard 10 s):
/// the first frames after a link comes up may be dropped while the carrier settles.
func exchange<T>(_ what: String, send: () throws -> Void, receive: () throws -> T?) throws -> T {
    try eventually(what) {
        try send()
        let deadline = EventLoop.now() + .milliseconds(100)
        while EventLoop.now() < deadline {
            if let value = try receive() { return value }
            usleep(5_000)
        }
        return nil
    }
}

/// A 40-byte VRRPv3 message: header (version 3, type 1, VRID 7, priority 100, count 8,
/// interval 100 cs, checksum 0) and eight addresses' worth of pattern bytes.
let vrrpPayload: [UInt8] = [0x31, 7, 100, 8, 0x00, 0x64, 0, 0] + (0..<32).map { UInt8($0 + 0xA0) }

/// The Internet checksum sum over the IPv6 pseudo-header and `payload` (RFC 8200 §8.1);
/// 0xFFFF when the embedded checksum is right.
func pseudoHeaderSum(source: IPv6Address, destination: IPv6Address, payload: [UInt8]) -> UInt16 {
    var data = source.bytes + destination.bytes
    data += [0, 0, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF), 0, 0, 0, 112]
    data += payload
    if data.count % 2 == 1 { data.append(0) }
    var sum: UInt32 = 0
    for i in stride(from: 0, to: data.count, by: 2) { sum += UInt32(data[i]) << 8 | UInt32(data[i + 1]) }
    while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
    return UInt16(sum)
}

@Suite("VRRP and packet sockets across a veth pair (private namespaces)",
       .requires(.root, .iproute2))
struct SocketKernelTests {
    @Test("an IPv4 advertisement to 224.0.0.18 arrives with TTL 255, its source and the IP header")
    func ipv4Multicast() throws {
        try VethPair.with { pair in
            let sender = try inNamespace(pair.a) { try VRRPSocket(family: .ipv4, interface: "va", ifindex: pair.indexA) }
            let receiver = try inNamespace(pair.b) { try VRRPSocket(family: .ipv4, interface: "vb", ifindex: pair.indexB) }
            let source = IPAddress("198.18.2.1")!
            let packet = try exchange("IPv4 multicast advertisement") {
                try sender.send(vrrpPayload, from: source, to: .v4(.vrrpMulticast))
            } receive: { try receiver.receive() }
            #expect(packet.source == source)
            #expect(packet.destination == .v4(.vrrpMulticast))
            #expect(packet.ttlOrHopLimit == 255)
            #expect(packet.ifindex == pair.indexB)
            // The IPv4 header is included: 20 bytes, TTL 255 at offset 8, protocol 112 at 9.
            #expect(packet.bytes.count == 20 + vrrpPayload.count)
            #expect(packet.bytes[0] == 0x45 && packet.bytes[8] == 255 && packet.bytes[9] == 112)
            #expect(Array(packet.bytes[12..<16]) == source.bytes && Array(packet.bytes[16..<20]) == [224, 0, 0, 18])
            #expect(Array(packet.bytes[20...]) == vrrpPayload)
        }
    }

    @Test("an IPv4 unicast advertisement to a peer arrives with TTL 255 on a unicast-mode socket")
    func ipv4Unicast() throws {
        try VethPair.with { pair in
            let sender = try inNamespace(pair.a) {
                try VRRPSocket(family: .ipv4, interface: "va", ifindex: pair.indexA, mode: .unicast)
            }
            let receiver = try inNamespace(pair.b) {
                try VRRPSocket(family: .ipv4, interface: "vb", ifindex: pair.indexB, mode: .unicast)
            }
            let peer = IPAddress("198.18.2.2")!
            let packet = try exchange("IPv4 unicast advertisement") {
                try sender.send(vrrpPayload, from: IPAddress("198.18.2.1")!, to: peer)
            } receive: { try receiver.receive() }
            #expect(packet.source == IPAddress("198.18.2.1")! && packet.destination == peer)
            #expect(packet.ttlOrHopLimit == 255 && packet.bytes[8] == 255)
            #expect(Array(packet.bytes[20...]) == vrrpPayload)
        }
    }

    @Test("an IPv6 advertisement to ff02::12 arrives with hop limit 255 from the link-local source and a kernel-made checksum")
    func ipv6Multicast() throws {
        try VethPair.with { pair in
            let source = try VethPair.linkLocal(pair.netlinkA, pair.indexA)
            _ = try VethPair.linkLocal(pair.netlinkB, pair.indexB)
            let sender = try inNamespace(pair.a) { try VRRPSocket(family: .ipv6, interface: "va", ifindex: pair.indexA) }
            let receiver = try inNamespace(pair.b) { try VRRPSocket(family: .ipv6, interface: "vb", ifindex: pair.indexB) }
            let packet = try exchange("IPv6 multicast advertisement") {
                try sender.send(vrrpPayload, from: .v6(source), to: .v6(.vrrpMulticast))
            } receive: { try receiver.receive() }
            #expect(packet.source == .v6(source))
            #expect(packet.destination == .v6(.vrrpMulticast))
            #expect(packet.ttlOrHopLimit == 255)
            #expect(packet.ifindex == pair.indexB)
            // Payload only; the kernel filled the checksum at offset 6 (IPV6_CHECKSUM).
            #expect(packet.bytes.count == vrrpPayload.count)
            #expect(Array(packet.bytes[0..<6]) == Array(vrrpPayload[0..<6]) && Array(packet.bytes[8...]) == Array(vrrpPayload[8...]))
            #expect(packet.bytes[6] != 0 || packet.bytes[7] != 0)
            #expect(pseudoHeaderSum(source: source, destination: .vrrpMulticast, payload: packet.bytes) == 0xFFFF)
        }
    }

    @Test("sending with a source of the wrong family throws with the interface in the operation")
    func familyMismatch() throws {
        try withNamespaces(1) { names in
            try run("ip", "-n", names[0], "link", "add", "va", "type", "veth", "peer", "name", "vb")
            let socket = try inNamespace(names[0]) {
                try VRRPSocket(family: .ipv4, interface: "va", ifindex: try RouteNetlink().index(of: "va"))
            }
            let error = #expect(throws: SystemError.self) {
                try socket.send(vrrpPayload, from: IPAddress("2001:db8::1")!, to: .v4(.vrrpMulticast))
            }
            #expect(error?.operation.contains("on va") == true)
            #expect(try socket.receive() == nil)
        }
    }

    @Test("an AF_PACKET frame sent on one side is seen whole by a packet receiver on the other")
    func packetSocket() throws {
        try VethPair.with { pair in
            let mac = try #require(try pair.netlinkA.links().first { $0.name == "va" }?.mac)
            // Broadcast ARP-typed frame, padded to the 60-byte Ethernet minimum with a pattern.
            let frame = [UInt8](repeating: 0xFF, count: 6) + mac + [0x08, 0x06] + (0..<46).map { UInt8($0) }
            let sender = try inNamespace(pair.a) { try PacketSocket(ifindex: pair.indexA) }
            let receiver = try inNamespace(pair.b) { try PacketSocket(ifindex: pair.indexB, receiveProtocol: 0x0806) }
            let seen = try exchange("ARP frame") { try sender.send(frame) } receive: {
                while let received = try receiver.receive() {
                    if received == frame { return received }
                }
                return nil
            }
            #expect(seen == frame)
            #expect(throws: SystemError.self) { try sender.send([1, 2, 3]) }
        }
    }
}
