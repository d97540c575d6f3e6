// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Testing
import VRRPTestSupport
import VRRPCore
@testable import VRRPLinux

/// recvmmsg/sendmmsg on real raw sockets (issue 16), across a veth pair in private namespaces.
@Suite("VRRP sockets: batched send and receive (sendmmsg/recvmmsg, private namespaces)",
       .requires(.root, .iproute2))
struct BatchSocketTests {
    /// `vrrpPayload` with another VRID.
    static func payload(vrid: UInt8) -> [UInt8] {
        var p = vrrpPayload
        p[1] = vrid
        return p
    }

    /// Receives with `receive(upTo:)` until `count` datagrams came (hang guard of `eventually`).
    static func collect(_ socket: VRRPSocket, _ count: Int) throws -> [RawPacket] {
        var packets: [RawPacket] = []
        return try eventually("\(count) datagrams") {
            _ = try socket.receive(upTo: 64) { packets.append($0) }
            return packets.count >= count ? packets : nil
        }
    }

    @Test("IPv4: adverts sent in one sendmmsg arrive in order, whole, TTL 255, and one receive(upTo:) drains them")
    func ipv4Batch() throws {
        try VethPair.with { pair in
            let sender = try inNamespace(pair.a) { try VRRPSocket(family: .ipv4, interface: "va", ifindex: pair.indexA) }
            let receiver = try inNamespace(pair.b) { try VRRPSocket(family: .ipv4, interface: "vb", ifindex: pair.indexB) }
            let source = IPAddress("198.18.2.1")!
            // The carrier settles first (the first frames after link-up may be lost).
            _ = try exchange("warm-up advert") {
                try sender.send(vrrpPayload, from: source, to: .v4(.vrrpMulticast))
            } receive: { try receiver.receive() }
            while try receiver.receive() != nil {}
            let messages = (1...40).map { OutgoingVRRP(vrrp: Self.payload(vrid: UInt8($0)), source: source, destination: .v4(.vrrpMulticast)) }
            let failures = sender.send(messages)
            #expect(failures.isEmpty)
            let packets = try Self.collect(receiver, 40)
            #expect(packets.map { $0.bytes[21] } == (1...40).map { UInt8($0) })
            #expect(packets.allSatisfy { $0.bytes.count == 20 + vrrpPayload.count && $0.ttlOrHopLimit == 255 })
            #expect(packets.allSatisfy { $0.source == source && $0.destination == .v4(.vrrpMulticast) && $0.ifindex == pair.indexB })
            #expect(try receiver.receive(upTo: 64) { _ in } == 0)
        }
    }

    @Test("each datagram carries the kernel's arrival stamp on the loop's monotonic clock (SO_TIMESTAMPNS), and the receive buffer is raised (SO_RCVBUFFORCE)",
          arguments: [AddressFamily.ipv4, .ipv6])
    func arrivalStamps(family: AddressFamily) throws {
        try VethPair.with { pair in
            let (sender, receiver, source, group) = try Self.endpoints(pair, family)
            var size: CInt = 0
            var length = socklen_t(MemoryLayout<CInt>.size)
            #expect(getsockopt(receiver.fileDescriptor, SOL_SOCKET, SO_RCVBUF, &size, &length) == 0)
            // The kernel doubles what was asked (root has CAP_NET_ADMIN: above rmem_max).
            #expect(size >= VRRPSocket.receiveBufferBytes, "SO_RCVBUF \(size)")
            let before = EventLoop.now()
            #expect(sender.send((1...4).map { OutgoingVRRP(vrrp: Self.payload(vrid: UInt8($0)), source: source, destination: group) }).isEmpty)
            var packets = try Self.collect(receiver, 4)  // recvmmsg
            try sender.send(Self.payload(vrid: 9), from: source, to: group)
            packets.append(try eventually("the single datagram (recvmsg)") { try receiver.receive() })
            let after = EventLoop.now()
            #expect(packets.count == 5)
            for packet in packets {
                let arrival = try #require(packet.arrival, "no SO_TIMESTAMPNS stamp")
                // The realtime → monotonic offset is read per receive call: allow 1 ms of skew.
                #expect(arrival >= before + Interval(nanoseconds: -1_000_000) && arrival <= after + .milliseconds(1),
                        "arrival \(arrival) not within [\(before), \(after)]")
            }
            #expect(zip(packets, packets.dropFirst()).allSatisfy { $0.arrival! <= $1.arrival! })
        }
    }

    @Test("IPv6: a batch gets the kernel's checksum and the link-local source per message")
    func ipv6Batch() throws {
        try VethPair.with { pair in
            let source = try VethPair.linkLocal(pair.netlinkA, pair.indexA)
            _ = try VethPair.linkLocal(pair.netlinkB, pair.indexB)
            let sender = try inNamespace(pair.a) { try VRRPSocket(family: .ipv6, interface: "va", ifindex: pair.indexA) }
            let receiver = try inNamespace(pair.b) { try VRRPSocket(family: .ipv6, interface: "vb", ifindex: pair.indexB) }
            _ = try exchange("warm-up advert") {
                try sender.send(vrrpPayload, from: .v6(source), to: .v6(.vrrpMulticast))
            } receive: { try receiver.receive() }
            while try receiver.receive() != nil {}
            let messages = (1...3).map { OutgoingVRRP(vrrp: Self.payload(vrid: UInt8($0)), source: .v6(source), destination: .v6(.vrrpMulticast)) }
            #expect(sender.send(messages).isEmpty)
            let packets = try Self.collect(receiver, 3)
            #expect(packets.map { $0.bytes[1] } == [1, 2, 3])
            #expect(packets.allSatisfy {
                $0.source == .v6(source) && $0.ttlOrHopLimit == 255
                    && pseudoHeaderSum(source: source, destination: .vrrpMulticast, payload: $0.bytes) == 0xFFFF
            })
        }
    }

    /// A sender and a receiver of `family` on the pair, the source and group to send with,
    /// warmed up and drained.
    static func endpoints(_ pair: VethPair, _ family: AddressFamily)
        throws -> (sender: VRRPSocket, receiver: VRRPSocket, source: IPAddress, group: IPAddress) {
        var source = IPAddress("198.18.2.1")!
        var group = IPAddress.v4(.vrrpMulticast)
        if family == .ipv6 {
            source = .v6(try VethPair.linkLocal(pair.netlinkA, pair.indexA))
            _ = try VethPair.linkLocal(pair.netlinkB, pair.indexB)
            group = .v6(.vrrpMulticast)
        }
        let sender = try inNamespace(pair.a) { try VRRPSocket(family: family, interface: "va", ifindex: pair.indexA) }
        let receiver = try inNamespace(pair.b) { try VRRPSocket(family: family, interface: "vb", ifindex: pair.indexB) }
        _ = try exchange("warm-up advert") {
            try sender.send(vrrpPayload, from: source, to: group)
        } receive: { try receiver.receive() }
        while try receiver.receive() != nil {}
        return (sender, receiver, source, group)
    }

    @Test("a datagram longer than a receive slot comes back truncated and flagged (a length error, never decoded), between whole neighbours in order",
          arguments: [AddressFamily.ipv4, .ipv6])
    func oversizedDatagram(family: AddressFamily) throws {
        try VethPair.with { pair in
            let (sender, receiver, source, group) = try Self.endpoints(pair, family)
            let header = family == .ipv4 ? 20 : 0  // a raw IPv4 socket delivers the IP header
            var big = Self.payload(vrid: 4) + [UInt8](repeating: 0xA5, count: 5_000)
            big[3] = 255  // looks like a count, as hostile garbage would
            #expect(sender.send((1...3).map { OutgoingVRRP(vrrp: Self.payload(vrid: UInt8($0)), source: source, destination: group) }).isEmpty)
            try sender.send(big, from: source, to: group)  // fragmented on the veth, reassembled
            #expect(sender.send((5...40).map { OutgoingVRRP(vrrp: Self.payload(vrid: UInt8($0)), source: source, destination: group) }).isEmpty)
            // The longest legal advert fits a slot: VRRPv3 with 255 IPv6 addresses (8 + 255 × 16
            // bytes), or VRRPv2 with 255 IPv4 addresses and auth data (8 + 255 × 4 + 8).
            let legal = family == .ipv6 ? 8 + 255 * 16 : 8 + 255 * 4 + 8
            let longest = Self.payload(vrid: 41) + [UInt8](repeating: 0x5A, count: legal - vrrpPayload.count)
            try sender.send(longest, from: source, to: group)
            let packets = try Self.collect(receiver, 41)
            #expect(packets.count == 41)
            #expect(packets.map { $0.bytes[header + 1] } == (1...41).map { UInt8($0) })
            #expect(packets.last.map { !$0.isTruncated && $0.bytes.count == header + longest.count } == true)
            // Joined from the slot's head and rest (past the checksum, which IPv6 fills in).
            #expect(packets.last.map { Array($0.bytes[(header + 8)...]) == Array(longest[8...]) } == true)
            let oversized = packets[3]
            #expect(oversized.isTruncated)
            #expect(oversized.length == header + big.count)
            #expect(oversized.bytes.count == VRRPSocket.batchSlotSize)
            for (i, p) in packets.dropLast().enumerated() where i != 3 {
                #expect(!p.isTruncated && p.bytes.count == header + vrrpPayload.count && p.length == p.bytes.count)
            }
        }
    }

    @Test("one recvmmsg call reads up to 32 queued datagrams", arguments: [AddressFamily.ipv4, .ipv6])
    func thirtyTwoPerCall(family: AddressFamily) throws {
        try VethPair.with { pair in
            let (sender, receiver, source, group) = try Self.endpoints(pair, family)
            // A second socket on the same interface gets its own copy of every datagram, queued
            // in the same softirq pass: once it has read all 40, `receiver` holds ≥ 39 of them.
            let witness = try inNamespace(pair.b) { try VRRPSocket(family: family, interface: "vb", ifindex: pair.indexB) }
            while try witness.receive() != nil {}
            #expect(sender.send((1...40).map { OutgoingVRRP(vrrp: Self.payload(vrid: UInt8($0)), source: source, destination: group) }).isEmpty)
            _ = try Self.collect(witness, 40)
            var vrids: [UInt8] = []
            let header = family == .ipv4 ? 20 : 0
            let count = try receiver.receiveOnce { vrids.append($0.bytes[header + 1]) }
            #expect(count == 32, "one recvmmsg read \(count) datagrams")
            #expect(vrids == (1...32).map { UInt8($0) })
            let rest = try Self.collect(receiver, 8)
            #expect(rest.map { $0.bytes[header + 1] } == (33...40).map { UInt8($0) })
        }
    }

    @Test("a message of the wrong family is reported by its index and the others still go out")
    func failureByIndex() throws {
        try VethPair.with { pair in
            let sender = try inNamespace(pair.a) { try VRRPSocket(family: .ipv4, interface: "va", ifindex: pair.indexA) }
            let receiver = try inNamespace(pair.b) { try VRRPSocket(family: .ipv4, interface: "vb", ifindex: pair.indexB) }
            let source = IPAddress("198.18.2.1")!
            _ = try exchange("warm-up advert") {
                try sender.send(vrrpPayload, from: source, to: .v4(.vrrpMulticast))
            } receive: { try receiver.receive() }
            while try receiver.receive() != nil {}
            let messages = [
                OutgoingVRRP(vrrp: Self.payload(vrid: 1), source: source, destination: .v4(.vrrpMulticast)),
                OutgoingVRRP(vrrp: Self.payload(vrid: 2), source: IPAddress("2001:db8::1")!, destination: .v4(.vrrpMulticast)),
                OutgoingVRRP(vrrp: Self.payload(vrid: 3), source: source, destination: .v4(.vrrpMulticast)),
            ]
            let failures = sender.send(messages)
            #expect(failures.map(\.index) == [1])
            #expect((failures.first?.error as? SystemError)?.operation.contains("on va") == true)
            let packets = try Self.collect(receiver, 2)
            #expect(packets.map { $0.bytes[21] } == [1, 3])
        }
    }
}
