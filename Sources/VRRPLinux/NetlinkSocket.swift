// SPDX-License-Identifier: Apache-2.0
import VRRPSystem
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif
import CVRRPLinux

/// An AF_NETLINK/NETLINK_ROUTE socket bound with `nl_pid = 0` (the kernel picks the port).
/// Moves datagrams only; the codec is `NetlinkMessage`.
final class NetlinkSocket: Sendable {
    let fd: FileDescriptor

    /// - Parameters:
    ///   - groups: RTNLGRP_* numbers to join with NETLINK_ADD_MEMBERSHIP.
    ///   - nonBlocking: SOCK_NONBLOCK for event-loop use.
    ///   - receiveTimeoutSeconds: SO_RCVTIMEO for request/response use, so a lost reply cannot hang.
    init(groups: [UInt32] = [], nonBlocking: Bool = false, receiveTimeoutSeconds: Int = 0,
         protocol netlinkProtocol: CInt = NETLINK_ROUTE) throws {
        var type = CInt(SOCK_RAW.rawValue) | CInt(SOCK_CLOEXEC.rawValue)
        if nonBlocking { type |= CInt(SOCK_NONBLOCK.rawValue) }
        fd = FileDescriptor(owning: try syscall("socket(AF_NETLINK)") { socket(AF_NETLINK, type, netlinkProtocol) })
        var address = sockaddr_nl()
        address.nl_family = sa_family_t(AF_NETLINK)
        _ = try withUnsafePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                try syscall("bind(AF_NETLINK)") {
                    bind(fd.rawValue, sa, socklen_t(MemoryLayout<sockaddr_nl>.size))
                }
            }
        }
        for group in groups {
            try fd.setOption(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, int: CInt(group), "NETLINK_ADD_MEMBERSHIP \(group)")
        }
        if !groups.isEmpty {
            try fd.setOption(SOL_SOCKET, SO_RCVBUF, int: 1 << 20, "SO_RCVBUF")
        }
        if receiveTimeoutSeconds > 0 {
            try fd.setOption(SOL_SOCKET, SO_RCVTIMEO, timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0), "SO_RCVTIMEO")
        }
    }

    /// Sends one request to the kernel (port 0).
    func send(_ bytes: [UInt8]) throws {
        var kernel = sockaddr_nl()
        kernel.nl_family = sa_family_t(AF_NETLINK)
        let sent = try bytes.withUnsafeBytes { buffer in
            try withUnsafePointer(to: &kernel) { pointer in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                    try syscall("sendto(AF_NETLINK)") {
                        sendto(fd.rawValue, buffer.baseAddress, buffer.count, 0, sa, socklen_t(MemoryLayout<sockaddr_nl>.size))
                    }
                }
            }
        }
        guard sent == bytes.count else { throw SystemError("sendto(AF_NETLINK): short write", errno: EMSGSIZE) }
    }

    /// Receives one datagram. With MSG_TRUNC netlink returns the real length, so a datagram
    /// larger than the buffer is reported as EMSGSIZE instead of silently cut.
    ///
    /// The buffer is uninitialized scratch and the datagram is copied out at its size: a zeroed
    /// 64 KiB array per reply cost a memset per address request and made each page of it
    /// resident (the address worker's malloc arena, 280 KB at 1 000 instances; issue 16).
    func receive(capacity: Int = 1 << 16) throws -> [UInt8] {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        defer { scratch.deallocate() }
        let length = try syscall("recv(AF_NETLINK)") { recv(fd.rawValue, scratch.baseAddress, capacity, CInt(MSG_TRUNC)) }
        guard length <= capacity else { throw SystemError("recv(AF_NETLINK): \(length)-byte message truncated", errno: EMSGSIZE) }
        return Array(scratch[..<length])
    }
}
