// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif
import CVRRPLinux
import VRRPCore

/// One VRRP message to send (no IP header), as ``VRRPTransport/send(_:from:to:)`` takes it.
public struct OutgoingVRRP: Hashable, Sendable {
    public var vrrp: [UInt8]
    public var source: IPAddress
    public var destination: IPAddress

    public init(vrrp: [UInt8], source: IPAddress, destination: IPAddress) {
        self.vrrp = vrrp
        self.source = source
        self.destination = destination
    }
}

/// Batched IO (issue 16): a backup drains its socket with recvmmsg(2), one call per wake-up
/// instead of a recvmsg per datagram plus the one that says EAGAIN; a master sends the adverts
/// that fall due in the same loop turn with one sendmmsg(2).
extension VRRPSocket {
    /// Datagrams per sendmmsg call.
    static let batchSize = 16
    /// Datagrams per recvmmsg call. A clump of adverts (a master's sendmmsg batch, a held
    /// socket's window) is read with one call per 32 instead of one per 4.
    static let receiveBatchSize = 32
    /// Bytes of one datagram's receive slot: the largest legal advert as a raw socket delivers
    /// it fits. IPv6 (payload only): VRRPv3 with 255 addresses, 8 + 255 × 16 = 4 088. IPv4 (IP
    /// header included): 60 (a header with options) + 8 + 255 × 4 + 8 (v2 auth data) = 1 096.
    /// A longer datagram (hostile garbage, up to 64 KiB) is truncated by the kernel
    /// (MSG_TRUNC) and reported with its real length (``RawPacket/isTruncated``): the daemon
    /// counts it as a packet-length error without decoding it.
    static let batchSlotSize = 4_096
    /// Each slot is two pieces (a scatter iovec): its first `slotHeadSize` bytes, packed with
    /// the other slots' heads, and the rest, apart. An advert with a few addresses fits the
    /// head, so a batch of 32 touches one page of heads instead of 32 pages of slots (the
    /// slots' pages, once touched, stay resident on the loop thread's stack); the rest of a
    /// slot is written only by a datagram longer than its head.
    static let slotHeadSize = 128
    /// Control bytes per datagram: IPv4 CMSG_SPACE(in_pktinfo 12) + CMSG_SPACE(int TTL) +
    /// CMSG_SPACE(timespec) = 32 + 24 + 32 = 88; IPv6 40 + 24 + 32 = 96. More is MSG_CTRUNC.
    static let controlSize = 128

    /// Receives queued datagrams, at most `limit`, calling `body` for each in arrival order with
    /// its bytes in place (the slot; valid only during `body`);
    /// returns how many were received (0: none queued). A datagram longer than a slot is
    /// handed over truncated, with its real length (``RawPacket/isTruncated``); one whose
    /// control data was truncated is skipped and reported by a throw after the rest of its
    /// batch was delivered.
    public func receiveInPlace(upTo limit: Int, _ body: (ReceivedDatagram) -> Void) throws -> Int {
        try receive(upTo: limit, once: false, body)
    }

    /// One recvmmsg(2) call: at most `receiveBatchSize` datagrams (tests).
    func receiveOnce(_ body: (RawPacket) -> Void) throws -> Int {
        try receive(upTo: Self.receiveBatchSize, once: true) { body($0.packet) }
    }

    /// The buffers of one recvmmsg call, all temporary (on the loop thread's stack when the
    /// runtime finds room: a heap buffer per socket broke `vrrp_no_swap`, since mlockall counts
    /// it against RLIMIT_MEMLOCK). 32 × 4 KiB of slots + 32 × 128 B of control + the headers
    /// ≈ 139 KB, of which a batch of short adverts touches ≈ 12 KiB (heads, control, headers);
    /// 4 × 64 KiB slots + 4 × 256 B before (≈ 264 KB, a page touched per slot).
    private struct Buffers {
        var data: UnsafeMutableRawBufferPointer
        var control: UnsafeMutableRawBufferPointer
        var headers: UnsafeMutableBufferPointer<msghdr>
        var vectors: UnsafeMutableBufferPointer<iovec>
        var names: UnsafeMutableBufferPointer<sockaddr_in6>
        var lengths: UnsafeMutableBufferPointer<UInt32>

        static let headsBytes = receiveBatchSize * slotHeadSize
        static let tailSize = batchSlotSize - slotHeadSize

        func head(_ i: Int) -> UnsafeMutableRawPointer { data.baseAddress! + i * slotHeadSize }
        func tail(_ i: Int) -> UnsafeMutableRawPointer { data.baseAddress! + Self.headsBytes + i * Self.tailSize }
    }

    private func receive(upTo limit: Int, once: Bool, _ body: (ReceivedDatagram) -> Void) throws -> Int {
        let batch = Self.receiveBatchSize
        return try withUnsafeTemporaryAllocation(byteCount: batch * Self.batchSlotSize, alignment: 16) { data in
          try withUnsafeTemporaryAllocation(byteCount: batch * Self.controlSize,
                                              alignment: MemoryLayout<cmsghdr>.alignment) { control in
                try withUnsafeTemporaryAllocation(of: msghdr.self, capacity: batch) { headers in
                    try withUnsafeTemporaryAllocation(of: iovec.self, capacity: 2 * batch) { vectors in
                        try withUnsafeTemporaryAllocation(of: sockaddr_in6.self, capacity: batch) { names in
                            try withUnsafeTemporaryAllocation(of: UInt32.self, capacity: batch) { lengths in
                                let buffers = Buffers(data: data, control: control, headers: headers, vectors: vectors,
                                                      names: names, lengths: lengths)
                                var total = 0
                                var firstError: SystemError?
                                while total < limit {
                                    let want = min(batch, limit - total)
                                    let got = try receiveBatch(want, buffers, body: body, firstError: &firstError)
                                    total += got
                                    if got < want || once { break }  // the queue is empty
                                }
                                if let firstError { throw firstError }
                                return total
                            }
                        }
                    }
                }
          }
        }
    }

    private func receiveBatch(_ count: Int, _ b: Buffers, body: (ReceivedDatagram) -> Void,
                              firstError: inout SystemError?) throws -> Int {
        b.control.initializeMemory(as: UInt8.self, repeating: 0)
        for i in 0..<count {
            b.vectors[2 * i] = iovec(iov_base: b.head(i), iov_len: Self.slotHeadSize)
            b.vectors[2 * i + 1] = iovec(iov_base: b.tail(i), iov_len: Buffers.tailSize)
            b.names[i] = sockaddr_in6()
            var message = msghdr()
            message.msg_name = UnsafeMutableRawPointer(b.names.baseAddress! + i)
            message.msg_namelen = socklen_t(MemoryLayout<sockaddr_in6>.size)
            message.msg_iov = b.vectors.baseAddress! + 2 * i
            message.msg_iovlen = 2
            message.msg_control = b.control.baseAddress! + i * Self.controlSize
            message.msg_controllen = Self.controlSize
            b.headers[i] = message
            b.lengths[i] = 0
        }
        let received: Int
        do {
            // MSG_TRUNC: a raw socket then reports a truncated datagram's real length.
            received = Int(try syscall("recvmmsg on \(interfaceName)") {
                cvrrp_recvmmsg(fd.rawValue, b.headers.baseAddress, b.lengths.baseAddress, UInt32(count),
                               CInt(MSG_DONTWAIT) | CInt(MSG_TRUNC))
            })
        } catch let error as SystemError where error.isWouldBlock {
            return 0
        }
        let offset = received > 0 ? Self.clockOffset() : 0
        for i in 0..<received {
            let flags = b.headers[i].msg_flags
            if flags & CInt(MSG_CTRUNC) != 0 {
                if firstError == nil {
                    firstError = SystemError("recvmmsg on \(interfaceName): control data truncated (MSG_CTRUNC)", errno: EMSGSIZE)
                }
                continue
            }
            let info = Self.parseControl(&b.headers[i])
            guard let source = Self.sourceAddress(b.names[i]), let destination = info.destination else {
                if firstError == nil {
                    firstError = SystemError("recvmmsg on \(interfaceName): no source or packet info", errno: EPROTO)
                }
                continue
            }
            let length = Int(b.lengths[i])
            let copied = min(length, Self.batchSlotSize)
            let truncated = flags & CInt(MSG_TRUNC) != 0 || length > Self.batchSlotSize
            var datagram = ReceivedDatagram(bytes: UnsafeRawBufferPointer(start: b.head(i), count: min(copied, Self.slotHeadSize)),
                                            source: source, destination: destination,
                                            ttlOrHopLimit: info.hops, ifindex: info.ifindex ?? ifindex,
                                            arrival: info.stamp.map { Instant(nanoseconds: $0 + offset) },
                                            length: truncated ? max(length, copied + 1) : copied)
            if copied <= Self.slotHeadSize {
                body(datagram)  // in place: no copy
            } else {
                // Longer than its head: joined with the rest of its slot in a scratch buffer.
                withUnsafeTemporaryAllocation(byteCount: copied, alignment: 16) { joined in
                    joined.copyMemory(from: UnsafeRawBufferPointer(start: b.head(i), count: Self.slotHeadSize))
                    UnsafeMutableRawBufferPointer(rebasing: joined[Self.slotHeadSize...])
                        .copyMemory(from: UnsafeRawBufferPointer(start: b.tail(i), count: copied - Self.slotHeadSize))
                    datagram.bytes = UnsafeRawBufferPointer(joined)
                    body(datagram)
                }
            }
        }
        return received
    }

    /// Sends `messages` with as few sendmmsg(2) calls as possible; returns the failures (index
    /// into `messages`, error). A message that fails does not stop the ones after it.
    public func send(_ messages: [OutgoingVRRP]) -> [(index: Int, error: any Error)] {
        var failures: [(index: Int, error: any Error)] = []
        var start = 0
        while start < messages.count {
            let end = min(start + Self.batchSize, messages.count)
            start = sendChunk(messages, start..<end, &failures)
        }
        return failures
    }

    /// Sends a prefix of `range` in one sendmmsg; returns where the next call starts (past a
    /// message that failed, which is recorded).
    private func sendChunk(_ messages: [OutgoingVRRP], _ range: Range<Int>,
                           _ failures: inout [(index: Int, error: any Error)]) -> Int {
        let count = range.count
        let totalBytes = messages[range].reduce(0) { $0 + $1.vrrp.count }
        let infoSize = max(MemoryLayout<in_pktinfo>.size, MemoryLayout<cvrrp_in6_pktinfo>.size)
        let space = cvrrp_cmsg_space(infoSize)
        return withUnsafeTemporaryAllocation(byteCount: max(totalBytes, 1), alignment: 8) { data in
            withUnsafeTemporaryAllocation(byteCount: count * space, alignment: MemoryLayout<cmsghdr>.alignment) { control in
                withUnsafeTemporaryAllocation(of: msghdr.self, capacity: count) { headers in
                    withUnsafeTemporaryAllocation(of: iovec.self, capacity: count) { vectors in
                        withUnsafeTemporaryAllocation(of: sockaddr_in6.self, capacity: count) { names in
                            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: count) { lengths in
                                control.initializeMemory(as: UInt8.self, repeating: 0)
                                var offset = 0
                                var prepared = 0
                                for (i, index) in range.enumerated() {
                                    let m = messages[index]
                                    let base = data.baseAddress! + offset
                                    m.vrrp.withUnsafeBytes { base.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                                    vectors[i] = iovec(iov_base: base, iov_len: m.vrrp.count)
                                    offset += m.vrrp.count
                                    names[i] = sockaddr_in6()
                                    var message = msghdr()
                                    message.msg_name = UnsafeMutableRawPointer(names.baseAddress! + i)
                                    message.msg_iov = vectors.baseAddress! + i
                                    message.msg_iovlen = 1
                                    message.msg_control = control.baseAddress! + i * space
                                    message.msg_controllen = space
                                    guard prepare(&message, name: names.baseAddress! + i, m) else {
                                        // Cannot go out at all: send what was prepared before it.
                                        if prepared == 0 {
                                            failures.append((index, SystemError(
                                                "sendmmsg \(m.source) -> \(m.destination) on \(interfaceName): address family mismatch on a \(family) socket",
                                                errno: EAFNOSUPPORT)))
                                            return index + 1
                                        }
                                        break
                                    }
                                    headers[i] = message
                                    lengths[i] = 0
                                    prepared += 1
                                }
                                let first = range.lowerBound
                                let sent = cvrrp_sendmmsg(fd.rawValue, headers.baseAddress, lengths.baseAddress, UInt32(prepared), 0)
                                if sent < 0 {
                                    let err = errno
                                    let m = messages[first]
                                    failures.append((first, SystemError("sendmmsg \(m.source) -> \(m.destination) on \(interfaceName)", errno: err)))
                                    return first + 1
                                }
                                for i in 0..<Int(sent) where Int(lengths[i]) != messages[first + i].vrrp.count {
                                    let m = messages[first + i]
                                    failures.append((first + i, SystemError(
                                        "sendmmsg \(m.source) -> \(m.destination) on \(interfaceName): short send \(lengths[i])", errno: EMSGSIZE)))
                                }
                                return first + Int(sent)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Fills the destination name and the packet-info control message of one outgoing message
    /// (as `send(_:from:to:)` does); false on a family mismatch.
    private func prepare(_ message: inout msghdr, name: UnsafeMutablePointer<sockaddr_in6>, _ m: OutgoingVRRP) -> Bool {
        let header = cvrrp_cmsg_firsthdr(&message)!
        switch (m.source, m.destination) {
        case (.v4(let from), .v4(let to)) where family == .ipv4:
            var info = in_pktinfo()
            info.ipi_ifindex = ifindex
            info.ipi_spec_dst = in_addr(from)
            UnsafeMutableRawPointer(name).storeBytes(of: sockaddr_in(to), as: sockaddr_in.self)
            message.msg_namelen = socklen_t(MemoryLayout<sockaddr_in>.size)
            header.pointee.cmsg_level = CInt(IPPROTO_IP)
            header.pointee.cmsg_type = IP_PKTINFO
            header.pointee.cmsg_len = cvrrp_cmsg_len(MemoryLayout<in_pktinfo>.size)
            UnsafeMutableRawPointer(cvrrp_cmsg_data(header)!).storeBytes(of: info, as: in_pktinfo.self)
            message.msg_controllen = cvrrp_cmsg_space(MemoryLayout<in_pktinfo>.size)
        case (.v6(let from), .v6(let to)) where family == .ipv6:
            var info = cvrrp_in6_pktinfo()
            info.ipi6_addr = in6_addr(from)
            info.ipi6_ifindex = UInt32(bitPattern: ifindex)
            name.pointee = sockaddr_in6(to, scopeID: UInt32(bitPattern: ifindex))
            message.msg_namelen = socklen_t(MemoryLayout<sockaddr_in6>.size)
            header.pointee.cmsg_level = CInt(IPPROTO_IPV6)
            header.pointee.cmsg_type = IPV6_PKTINFO
            header.pointee.cmsg_len = cvrrp_cmsg_len(MemoryLayout<cvrrp_in6_pktinfo>.size)
            UnsafeMutableRawPointer(cvrrp_cmsg_data(header)!).storeBytes(of: info, as: cvrrp_in6_pktinfo.self)
            message.msg_controllen = cvrrp_cmsg_space(MemoryLayout<cvrrp_in6_pktinfo>.size)
        default:
            return false
        }
        return true
    }
}

