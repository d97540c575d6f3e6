// SPDX-License-Identifier: Apache-2.0
import VRRPSystem
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif
import CVRRPLinux
import VRRPCore

/// One received VRRP datagram and what the kernel told us about it.
public struct RawPacket: Hashable, Sendable {
    /// IPv4: the whole IP datagram, IP header included (raw IPv4 sockets always deliver it;
    /// the core reads TTL and header length there). IPv6: the VRRP payload only.
    public var bytes: [UInt8]
    public var source: IPAddress
    /// The header destination (IP_PKTINFO ipi_addr / IPV6_PKTINFO).
    public var destination: IPAddress
    /// IPv4 TTL (IP_RECVTTL) or IPv6 hop limit (IPV6_HOPLIMIT); nil if the kernel gave none.
    public var ttlOrHopLimit: UInt8?
    /// The interface the packet arrived on.
    public var ifindex: Int32
    /// When the kernel queued it (SO_TIMESTAMPNS), on the loop's monotonic clock; nil if the
    /// kernel gave no stamp. A socket the daemon reads late (a coalesced backup, issue 16)
    /// feeds the advert to the core at this instant, so Master_Down_Timer runs from the
    /// arrival (RFC 5798 §6.4.2), not from the read.
    public var arrival: Instant?
    /// The datagram's length as the kernel had it: `bytes.count`, or more when it did not fit
    /// the receive slot and `bytes` holds its beginning only (``isTruncated``).
    public var length: Int

    /// True when `bytes` is only the beginning of a longer datagram: no legal advert is that
    /// long, so it is counted as a length error (RFC 6527 vrrpv3StatisticsPacketLengthErrors)
    /// without being decoded.
    public var isTruncated: Bool { length > bytes.count }

    public init(bytes: [UInt8], source: IPAddress, destination: IPAddress, ttlOrHopLimit: UInt8?, ifindex: Int32,
                arrival: Instant? = nil, length: Int? = nil) {
        self.bytes = bytes
        self.source = source
        self.destination = destination
        self.ttlOrHopLimit = ttlOrHopLimit
        self.ifindex = ifindex
        self.arrival = arrival
        self.length = max(length ?? bytes.count, bytes.count)
    }
}

/// One received datagram in place (issue 16: decoded where the kernel wrote it, no copy):
/// `bytes` is valid only inside the callback it is handed to; ``packet`` is an owned copy.
public struct ReceivedDatagram {
    /// As ``RawPacket/bytes``: IPv4 with its IP header, IPv6 the VRRP payload only.
    public var bytes: UnsafeRawBufferPointer
    public var source: IPAddress
    public var destination: IPAddress
    public var ttlOrHopLimit: UInt8?
    public var ifindex: Int32
    public var arrival: Instant?
    /// The datagram's length as the kernel had it (more than `bytes.count` when truncated).
    public var length: Int

    public init(bytes: UnsafeRawBufferPointer, source: IPAddress, destination: IPAddress, ttlOrHopLimit: UInt8?,
                ifindex: Int32, arrival: Instant?, length: Int) {
        self.bytes = bytes
        self.source = source
        self.destination = destination
        self.ttlOrHopLimit = ttlOrHopLimit
        self.ifindex = ifindex
        self.arrival = arrival
        self.length = max(length, bytes.count)
    }

    /// See ``RawPacket/isTruncated``.
    public var isTruncated: Bool { length > bytes.count }

    /// An owned copy.
    public var packet: RawPacket {
        RawPacket(bytes: [UInt8](bytes), source: source, destination: destination, ttlOrHopLimit: ttlOrHopLimit,
                  ifindex: ifindex, arrival: arrival, length: length)
    }
}

extension RawPacket {
    /// Hands `body` a view of this packet.
    public func withDatagram<R>(_ body: (ReceivedDatagram) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes {
            try body(ReceivedDatagram(bytes: $0, source: source, destination: destination, ttlOrHopLimit: ttlOrHopLimit,
                                      ifindex: ifindex, arrival: arrival, length: length))
        }
    }
}

/// A raw IP protocol-112 socket for one interface and one address family, used both to
/// receive and to send advertisements. Non-blocking; register `fileDescriptor` on the
/// `EventLoop`. `send` may be called from any thread (the descriptor is immutable and
/// sendmsg(2) is thread-safe).
///
/// IPv4 send path: the kernel builds the IP header (FRR's way, not keepalived's IP_HDRINCL).
/// The source is fixed per packet with an IP_PKTINFO control message (`ipi_spec_dst`), not
/// bind(2): a raw socket bound to an address only receives datagrams addressed to it, which
/// would drop the 224.0.0.18 advertisements. The source must be an address of the host.
/// TTL is 255 from IP_MULTICAST_TTL / IP_TTL (RFC 5798 §5.1.1.3); IP_TOS / IPV6_TCLASS give
/// both families DSCP CS6 (`vrrpTrafficClass`).
///
/// IPv6: IPV6_CHECKSUM at offset 6 makes the kernel compute the VRRPv3 checksum over the
/// pseudo-header on send and drop packets with a bad one on receive (RFC 5798 §5.2.8), so a
/// decoder sees only datagrams whose checksum is valid. The source (a link-local address,
/// RFC 5798 §5.1.2.1) is chosen per packet with an IPV6_PKTINFO control message.
public final class VRRPSocket: Sendable {
    public enum Mode: Hashable, Sendable {
        /// Join the multicast group (224.0.0.18 / ff02::12 unless `group` says otherwise).
        case multicast
        /// No group join; the caller sends to each peer (keepalived `unicast_peer`).
        case unicast
    }

    /// IANA protocol number for VRRP (RFC 5798 §5.1.1.4).
    public static let ipProtocol: CInt = 112
    /// Offset of the checksum in the VRRP header (RFC 5798 §5.2.8).
    static let checksumOffset: CInt = 6
    static let receiveCapacity = 65_536
    /// SO_TIMESTAMPNS (= SCM_TIMESTAMPNS; asm-generic/socket.h, SO_TIMESTAMPNS_OLD with a
    /// 64-bit time_t): a CLOCK_REALTIME `timespec` per datagram.
    static let timestampOption: CInt = 35
    /// SO_RCVBUFFORCE (CAP_NET_ADMIN: above net.core.rmem_max).
    static let receiveBufferForceOption: CInt = 33
    /// The receive buffer asked for (the kernel doubles it for its bookkeeping). A coalesced
    /// backup reads its socket once per window W ≤ 250 ms and ≤ a quarter of the advert
    /// interval, so a steady master queues at most ~N/4 adverts per window for N instances on
    /// the socket (at most 255 VRIDs × senders); each costs one skb of ~1–2.3 KiB truesize.
    /// 255 × 4 senders × 2.3 KiB ≈ 2.3 MiB: 4 MiB leaves room for bursts (a reload, a
    /// takeover on the peer). keepalived keeps the kernel default (rmem_default, 208 KiB).
    public static let receiveBufferBytes: CInt = 4 << 20

    public let family: AddressFamily
    public let interfaceName: String
    public let ifindex: Int32
    public let mode: Mode
    let fd: FileDescriptor

    public var fileDescriptor: CInt { fd.rawValue }

    /// - Parameters:
    ///   - interface: the device name, for SO_BINDTODEVICE and error messages.
    ///   - ifindex: the same device's index (from `RouteNetlink.links()`).
    ///   - group: the group joined in `.multicast` mode (keepalived `mcast_dst_ip`,
    ///     `vrrp_mcast_group4|6`); nil: the RFC group. `join(_:)` adds more.
    public init(family: AddressFamily, interface: String, ifindex: Int32, mode: Mode = .multicast,
                group: IPAddress? = nil) throws {
        self.family = family
        self.interfaceName = interface
        self.ifindex = ifindex
        self.mode = mode
        let domain = family == .ipv4 ? AF_INET : AF_INET6
        let type = CInt(SOCK_RAW.rawValue) | CInt(SOCK_CLOEXEC.rawValue) | CInt(SOCK_NONBLOCK.rawValue)
        fd = FileDescriptor(owning: try syscall("socket(\(family), SOCK_RAW, 112) for \(interface)") {
            socket(domain, type, Self.ipProtocol)
        })
        // Interface name bytes; the kernel NUL-terminates (keepalived passes strlen+1, FRR strlen).
        let name = Array(interface.utf8)
        try name.withUnsafeBytes { raw in
            _ = try syscall("setsockopt(SO_BINDTODEVICE) on \(interface)") {
                setsockopt(fd.rawValue, SOL_SOCKET, SO_BINDTODEVICE, raw.baseAddress, socklen_t(raw.count))
            }
        }
        switch family {
        case .ipv4: try configureIPv4()
        case .ipv6: try configureIPv6()
        }
        try option(SOL_SOCKET, Self.timestampOption, "SO_TIMESTAMPNS", 1)
        // Best effort: without CAP_NET_ADMIN the kernel caps SO_RCVBUF at rmem_max.
        if (try? option(SOL_SOCKET, Self.receiveBufferForceOption, "SO_RCVBUFFORCE", Self.receiveBufferBytes)) == nil {
            _ = try? option(SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF", Self.receiveBufferBytes)
        }
        if mode == .multicast {
            try join(group ?? (family == .ipv4 ? .v4(.vrrpMulticast) : .v6(.vrrpMulticast)))
        }
    }

    /// Realtime nanoseconds → the loop's monotonic clock: `offset` = monotonic − realtime,
    /// read once per receive call (``EventLoop/now()`` is CLOCK_MONOTONIC).
    static func clockOffset() -> Int64 {
        var real = timespec()
        clock_gettime(CLOCK_REALTIME, &real)
        let mono = EventLoop.now().nanoseconds
        return mono - (Int64(real.tv_sec) * 1_000_000_000 + Int64(real.tv_nsec))
    }

    /// Joins a multicast group on this interface (IP_ADD_MEMBERSHIP / IPV6_JOIN_GROUP). Joining
    /// a group twice is not an error.
    public func join(_ group: IPAddress) throws {
        do {
            switch (family, group) {
            case (.ipv4, .v4(let g)):
                var join = ip_mreqn()
                join.imr_multiaddr = in_addr(g)
                join.imr_ifindex = ifindex
                try fd.setOption(CInt(IPPROTO_IP), IP_ADD_MEMBERSHIP, join,
                                 "setsockopt(IP_ADD_MEMBERSHIP \(group)) on \(interfaceName)")
            case (.ipv6, .v6(let g)):
                var join = ipv6_mreq()
                join.ipv6mr_multiaddr = in6_addr(g)
                join.ipv6mr_interface = UInt32(bitPattern: ifindex)
                try fd.setOption(CInt(IPPROTO_IPV6), IPV6_ADD_MEMBERSHIP, join,
                                 "setsockopt(IPV6_JOIN_GROUP \(group)) on \(interfaceName)")
            default:
                throw SystemError("join \(group) on a \(family) socket on \(interfaceName)", errno: EAFNOSUPPORT)
            }
        } catch let error as SystemError where error.errno == EADDRINUSE {
            return  // already a member
        }
    }

    private func option(_ level: CInt, _ name: CInt, _ label: String, _ value: CInt) throws {
        try fd.setOption(level, name, int: value, "setsockopt(\(label)) on \(interfaceName)")
    }

    private func configureIPv4() throws {
        let level = CInt(IPPROTO_IP)
        var outgoing = ip_mreqn()
        outgoing.imr_ifindex = ifindex
        try fd.setOption(level, IP_MULTICAST_IF, outgoing, "setsockopt(IP_MULTICAST_IF) on \(interfaceName)")
        try option(level, IP_MULTICAST_TTL, "IP_MULTICAST_TTL", 255)  // RFC 5798 §5.1.1.3
        try option(level, IP_TTL, "IP_TTL", 255)                      // unicast peers too
        try option(level, IP_TOS, "IP_TOS", CInt(vrrpTrafficClass))    // DSCP CS6
        try option(level, IP_MULTICAST_LOOP, "IP_MULTICAST_LOOP", 0)
        // Without this a raw socket also sees groups joined by other sockets on the host.
        try option(level, IP_MULTICAST_ALL, "IP_MULTICAST_ALL", 0)
        try option(level, IP_PKTINFO, "IP_PKTINFO", 1)
        try option(level, IP_RECVTTL, "IP_RECVTTL", 1)
    }

    private func configureIPv6() throws {
        let level = CInt(IPPROTO_IPV6)
        try option(level, IPV6_CHECKSUM, "IPV6_CHECKSUM", Self.checksumOffset)
        try option(level, IPV6_TCLASS, "IPV6_TCLASS", CInt(vrrpTrafficClass))  // DSCP CS6
        try option(level, IPV6_MULTICAST_IF, "IPV6_MULTICAST_IF", ifindex)
        try option(level, IPV6_MULTICAST_HOPS, "IPV6_MULTICAST_HOPS", 255)  // RFC 5798 §5.1.2.3
        try option(level, IPV6_UNICAST_HOPS, "IPV6_UNICAST_HOPS", 255)
        try option(level, IPV6_MULTICAST_LOOP, "IPV6_MULTICAST_LOOP", 0)
        try option(level, IPV6_MULTICAST_ALL, "IPV6_MULTICAST_ALL", 0)
        try option(level, IPV6_RECVHOPLIMIT, "IPV6_RECVHOPLIMIT", 1)
        try option(level, IPV6_RECVPKTINFO, "IPV6_RECVPKTINFO", 1)
    }

    // MARK: Receive

    /// Reads one datagram; nil when none is queued. Truncated data or control messages throw
    /// (EMSGSIZE) after the datagram is consumed, so the caller can count and continue.
    public func receive() throws -> RawPacket? {
        // An uninitialized scratch buffer (stack when safe): zeroing a fresh 64 KiB array per
        // datagram was two thirds of a backup's instructions at 250 instances (callgrind,
        // scripts/bench-profile). Only the datagram's bytes are copied out.
        // The control buffer too: a heap allocation per datagram before issue 16.
        try withUnsafeTemporaryAllocation(byteCount: Self.receiveCapacity, alignment: 16) { data in
            try withUnsafeTemporaryAllocation(byteCount: 256, alignment: MemoryLayout<cmsghdr>.alignment) { control in
                try receive(into: data, control: control)
            }
        }
    }

    private func receive(into data: UnsafeMutableRawBufferPointer,
                         control: UnsafeMutableRawBufferPointer) throws -> RawPacket? {
        var name = sockaddr_in6()  // large enough for either family
        control.initializeMemory(as: UInt8.self, repeating: 0)

        var result: (length: Int, flags: CInt, destination: IPAddress?, hops: UInt8?, ifindex: Int32?, stamp: Int64?)
        do {
            result = try {
                var vector = iovec(iov_base: data.baseAddress, iov_len: data.count)
                return try withUnsafeMutablePointer(to: &vector) { vectorPointer in
                    try withSockAddr(&name) { namePointer, nameLength in
                        var message = msghdr()
                        message.msg_name = UnsafeMutableRawPointer(namePointer)
                        message.msg_namelen = nameLength
                        message.msg_iov = vectorPointer
                        message.msg_iovlen = 1
                        message.msg_control = control.baseAddress
                        message.msg_controllen = control.count
                        let length = try syscall("recvmsg on \(interfaceName)") { recvmsg(fd.rawValue, &message, 0) }
                        // Control messages are parsed here, while their storage is alive.
                        let info = Self.parseControl(&message)
                        return (length, message.msg_flags, info.destination, info.hops, info.ifindex, info.stamp)
                    }
                }
            }()
        } catch let error as SystemError where error.isWouldBlock {
            return nil
        }
        if result.flags & CInt(MSG_TRUNC) != 0 {
            throw SystemError("recvmsg on \(interfaceName): datagram truncated (MSG_TRUNC)", errno: EMSGSIZE)
        }
        if result.flags & CInt(MSG_CTRUNC) != 0 {
            throw SystemError("recvmsg on \(interfaceName): control data truncated (MSG_CTRUNC)", errno: EMSGSIZE)
        }
        guard let source = Self.sourceAddress(name), let destination = result.destination else {
            throw SystemError("recvmsg on \(interfaceName): no source or packet info", errno: EPROTO)
        }
        let bytes = [UInt8](UnsafeRawBufferPointer(rebasing: data[..<result.length]))
        return RawPacket(bytes: bytes, source: source, destination: destination, ttlOrHopLimit: result.hops,
                         ifindex: result.ifindex ?? ifindex,
                         arrival: result.stamp.map { Instant(nanoseconds: $0 + Self.clockOffset()) })
    }

    static func sourceAddress(_ name: sockaddr_in6) -> IPAddress? {
        var name = name
        switch CInt(name.sin6_family) {
        case AF_INET:
            return withUnsafeBytes(of: &name) { .v4($0.loadUnaligned(as: sockaddr_in.self).sin_addr.address) }
        case AF_INET6:
            return .v6(name.sin6_addr.address)
        default:
            return nil
        }
    }

    /// Walks the control messages of a received `msghdr`. The pointers never leave this call.
    static func parseControl(_ message: inout msghdr)
        -> (destination: IPAddress?, hops: UInt8?, ifindex: Int32?, stamp: Int64?) {
        var destination: IPAddress?
        var stamp: Int64?
        var hops: UInt8?
        var index: Int32?
        var header = cvrrp_cmsg_firsthdr(&message)
        while let current = header {
            let level = current.pointee.cmsg_level
            let type = current.pointee.cmsg_type
            let data = UnsafeRawPointer(cvrrp_cmsg_data(current)!)
            switch (level, type) {
            case (CInt(IPPROTO_IP), IP_PKTINFO):
                let info = data.loadUnaligned(as: in_pktinfo.self)
                destination = .v4(info.ipi_addr.address)
                index = info.ipi_ifindex
            case (CInt(IPPROTO_IP), IP_TTL):
                hops = UInt8(truncatingIfNeeded: data.loadUnaligned(as: CInt.self))
            case (CInt(IPPROTO_IPV6), IPV6_PKTINFO):
                let info = data.loadUnaligned(as: cvrrp_in6_pktinfo.self)
                destination = .v6(info.ipi6_addr.address)
                index = Int32(bitPattern: info.ipi6_ifindex)
            case (CInt(IPPROTO_IPV6), IPV6_HOPLIMIT):
                // An int, not a byte (FRR's one-byte read is wrong on big-endian).
                hops = UInt8(truncatingIfNeeded: data.loadUnaligned(as: CInt.self))
            case (SOL_SOCKET, Self.timestampOption):
                let time = data.loadUnaligned(as: timespec.self)
                stamp = Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
            default:
                break
            }
            header = cvrrp_cmsg_nxthdr(&message, current)
        }
        return (destination, hops, index, stamp)
    }

    // MARK: Send

    /// Sends one VRRP message (no IP header) from `source` to `destination` on this interface.
    /// IPv4: `source` must be a local address (normally the interface's primary address).
    /// IPv6: `source` must be a non-tentative address of this interface (its link-local one).
    /// The kernel fills the IPv6 checksum; IPv4 checksums are the caller's (RFC 5798 §5.2.8).
    public func send(_ vrrp: [UInt8], from source: IPAddress, to destination: IPAddress) throws {
        // Described only when an error needs it: formatting both addresses per advert was a
        // fifth of a master's instructions (callgrind, scripts/bench-profile).
        let interfaceName = self.interfaceName
        let operation = { "sendmsg \(source) -> \(destination) on \(interfaceName)" }
        let sent: Int
        switch (source, destination) {
        case (.v4(let from), .v4(let to)) where family == .ipv4:
            var info = in_pktinfo()
            info.ipi_ifindex = ifindex
            info.ipi_spec_dst = in_addr(from)
            var name = sockaddr_in(to)
            sent = try sendMessage(vrrp, &name, level: CInt(IPPROTO_IP), type: IP_PKTINFO, info, operation())
        case (.v6(let from), .v6(let to)) where family == .ipv6:
            var info = cvrrp_in6_pktinfo()
            info.ipi6_addr = in6_addr(from)
            info.ipi6_ifindex = UInt32(bitPattern: ifindex)
            var name = sockaddr_in6(to, scopeID: UInt32(bitPattern: ifindex))
            sent = try sendMessage(vrrp, &name, level: CInt(IPPROTO_IPV6), type: IPV6_PKTINFO, info, operation())
        default:
            throw SystemError("\(operation()): address family mismatch on a \(family) socket", errno: EAFNOSUPPORT)
        }
        guard sent == vrrp.count else { throw SystemError("\(operation()): short send \(sent)", errno: EMSGSIZE) }
    }

    /// sendmsg with one control message; every pointer is scoped to this call.
    private func sendMessage<Name, Info>(_ payload: [UInt8], _ name: inout Name, level: CInt, type: CInt,
                                         _ info: Info, _ operation: @autoclosure () -> String) throws -> Int {
        let space = cvrrp_cmsg_space(MemoryLayout<Info>.size)
        let control = UnsafeMutableRawBufferPointer.allocate(byteCount: space, alignment: MemoryLayout<cmsghdr>.alignment)
        defer { control.deallocate() }
        control.initializeMemory(as: UInt8.self, repeating: 0)
        return try payload.withUnsafeBytes { data in
            var vector = iovec(iov_base: UnsafeMutableRawPointer(mutating: data.baseAddress), iov_len: data.count)
            return try withUnsafeMutablePointer(to: &vector) { vectorPointer in
                try withSockAddr(&name) { namePointer, nameLength in
                    var message = msghdr()
                    message.msg_name = UnsafeMutableRawPointer(namePointer)
                    message.msg_namelen = nameLength
                    message.msg_iov = vectorPointer
                    message.msg_iovlen = 1
                    message.msg_control = control.baseAddress
                    message.msg_controllen = space
                    let header = cvrrp_cmsg_firsthdr(&message)!
                    header.pointee.cmsg_level = level
                    header.pointee.cmsg_type = type
                    header.pointee.cmsg_len = cvrrp_cmsg_len(MemoryLayout<Info>.size)
                    UnsafeMutableRawPointer(cvrrp_cmsg_data(header)!).storeBytes(of: info, as: Info.self)
                    return try syscall(operation()) { sendmsg(fd.rawValue, &message, 0) }
                }
            }
        }
    }
}
