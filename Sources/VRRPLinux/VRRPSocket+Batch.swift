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
    /// Datagrams per recvmmsg call: each gets a 64 KiB slot (as `receive()` does), so that an
    /// oversized datagram (64 KiB of garbage) still reaches the decoder whole and is counted
    /// like any other bad advert (HostileTests). The slots are a temporary (stack) allocation
    /// of 256 KiB of which only the pages the kernel writes are touched; a heap buffer per
    /// socket broke `vrrp_no_swap` (mlockall counts it against RLIMIT_MEMLOCK).
    static let receiveBatchSize = 4
    static let batchSlotSize = VRRPSocket.receiveCapacity
    static let controlSize = 256

    /// Receives queued datagrams, at most `limit`, calling `body` for each in arrival order;
    /// returns how many were received (0: none queued). A truncated datagram is skipped and
    /// reported by a throw after the rest of its batch was delivered.
    public func receive(upTo limit: Int, _ body: (RawPacket) -> Void) throws -> Int {
        try receive(upTo: limit, once: false, body)
    }

    /// One recvmmsg(2) call: at most `receiveBatchSize` datagrams (tests).
    func receiveOnce(_ body: (RawPacket) -> Void) throws -> Int {
        try receive(upTo: Self.receiveBatchSize, once: true, body)
    }

    private func receive(upTo limit: Int, once: Bool, _ body: (RawPacket) -> Void) throws -> Int {
        let batch = Self.receiveBatchSize
        return try withUnsafeTemporaryAllocation(byteCount: batch * Self.batchSlotSize, alignment: 16) { data in
          try withUnsafeTemporaryAllocation(byteCount: batch * Self.controlSize,
                                              alignment: MemoryLayout<cmsghdr>.alignment) { control in
                try withUnsafeTemporaryAllocation(of: msghdr.self, capacity: batch) { headers in
                    try withUnsafeTemporaryAllocation(of: iovec.self, capacity: batch) { vectors in
                        try withUnsafeTemporaryAllocation(of: sockaddr_in6.self, capacity: batch) { names in
                            try withUnsafeTemporaryAllocation(of: UInt32.self, capacity: batch) { lengths in
                                var total = 0
                                var firstError: SystemError?
                                while total < limit {
                                    let want = min(batch, limit - total)
                                    let got = try receiveBatch(want, data: data, control: control, headers: headers,
                                                               vectors: vectors, names: names, lengths: lengths,
                                                               body: body, firstError: &firstError)
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

    private func receiveBatch(_ count: Int, data: UnsafeMutableRawBufferPointer, control: UnsafeMutableRawBufferPointer,
                              headers: UnsafeMutableBufferPointer<msghdr>, vectors: UnsafeMutableBufferPointer<iovec>,
                              names: UnsafeMutableBufferPointer<sockaddr_in6>, lengths: UnsafeMutableBufferPointer<UInt32>,
                              body: (RawPacket) -> Void, firstError: inout SystemError?) throws -> Int {
        control.initializeMemory(as: UInt8.self, repeating: 0)
        for i in 0..<count {
            vectors[i] = iovec(iov_base: data.baseAddress! + i * Self.batchSlotSize, iov_len: Self.batchSlotSize)
            names[i] = sockaddr_in6()
            var message = msghdr()
            message.msg_name = UnsafeMutableRawPointer(names.baseAddress! + i)
            message.msg_namelen = socklen_t(MemoryLayout<sockaddr_in6>.size)
            message.msg_iov = vectors.baseAddress! + i
            message.msg_iovlen = 1
            message.msg_control = control.baseAddress! + i * Self.controlSize
            message.msg_controllen = Self.controlSize
            headers[i] = message
            lengths[i] = 0
        }
        let received: Int
        do {
            received = Int(try syscall("recvmmsg on \(interfaceName)") {
                cvrrp_recvmmsg(fd.rawValue, headers.baseAddress, lengths.baseAddress, UInt32(count), CInt(MSG_DONTWAIT))
            })
        } catch let error as SystemError where error.isWouldBlock {
            return 0
        }
        let offset = received > 0 ? Self.clockOffset() : 0
        for i in 0..<received {
            let flags = headers[i].msg_flags
            if flags & CInt(MSG_TRUNC) != 0 || flags & CInt(MSG_CTRUNC) != 0 {
                let what = flags & CInt(MSG_TRUNC) != 0 ? "datagram truncated (MSG_TRUNC)" : "control data truncated (MSG_CTRUNC)"
                if firstError == nil { firstError = SystemError("recvmmsg on \(interfaceName): \(what)", errno: EMSGSIZE) }
                continue
            }
            let info = Self.parseControl(&headers[i])
            guard let source = Self.sourceAddress(names[i]), let destination = info.destination else {
                if firstError == nil {
                    firstError = SystemError("recvmmsg on \(interfaceName): no source or packet info", errno: EPROTO)
                }
                continue
            }
            let slot = UnsafeRawBufferPointer(start: data.baseAddress! + i * Self.batchSlotSize, count: Int(lengths[i]))
            body(RawPacket(bytes: [UInt8](slot), source: source, destination: destination,
                           ttlOrHopLimit: info.hops, ifindex: info.ifindex ?? ifindex,
                           arrival: info.stamp.map { Instant(nanoseconds: $0 + offset) }))
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

