// SPDX-License-Identifier: Apache-2.0
import VRRPSystem
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif

/// A non-blocking netlink socket joined to RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR and
/// RTNLGRP_IPV6_IFADDR. Register `fileDescriptor` on the `EventLoop` and call `readEvents()`
/// when it is readable. It only reports values; the driver decides what they mean.
public final class NetlinkMonitor: Sendable {
    private let socket: NetlinkSocket

    public init() throws {
        socket = try NetlinkSocket(groups: [RTNL.groupLink, RTNL.groupIPv4Address, RTNL.groupIPv6Address],
                                   nonBlocking: true)
    }

    /// The descriptor to watch for readability; owned by the monitor.
    public var fileDescriptor: CInt { socket.fd.rawValue }

    /// Drains every queued notification. Returns `.overflow` (once, last) if the kernel dropped
    /// events because the socket buffer was full (ENOBUFS); the caller should then re-dump.
    /// A malformed datagram throws `NetlinkDecodeError`: events already read in this call are
    /// lost (treat it like `.overflow` and re-dump); later datagrams stay queued.
    public func readEvents() throws -> [InterfaceEvent] {
        var events: [InterfaceEvent] = []
        while true {
            let datagram: [UInt8]
            do {
                datagram = try socket.receive()
            } catch let error as SystemError where error.isWouldBlock {
                return events
            } catch let error as SystemError where error.errno == ENOBUFS {
                events.append(.overflow)
                continue
            }
            for message in try NetlinkMessage.decode(datagram) {
                if let event = try InterfaceEvent(message) { events.append(event) }
            }
        }
    }
}
