// SPDX-License-Identifier: Apache-2.0
import VRRPSystem
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif
import Synchronization
import VRRPCore

/// rtnetlink requests: add and delete addresses, list links and addresses. Each call is one
/// blocking request/response exchange (serialised by a lock, 5 s receive timeout), so run it
/// off the event-loop thread or accept the short block.
///
/// Addresses we add carry IFA_PROTO = `addressProtocol` (Linux 6.1+), so a restart can find
/// what a crashed run left (`[InterfaceAddress].leftovers()`), and never mistakes an operator's
/// address for one of ours.
public final class RouteNetlink: Sendable {
    /// Our IFA_PROTO value. The kernel defines 0–3 (unspec, loopback, RA, link-local); 86 ('V')
    /// is ours.
    public static let addressProtocol: UInt8 = 86

    public enum AddResult: Hashable, Sendable {
        case added
        /// EEXIST: the address is already on the interface.
        case alreadyExists
    }

    public enum DeleteResult: Hashable, Sendable {
        case deleted
        /// EADDRNOTAVAIL: the address was not on the interface.
        case notPresent
    }

    private let socket: NetlinkSocket
    /// The next sequence number; the lock is held for a whole exchange.
    private let nextSequence: Mutex<UInt32>

    /// - Parameter firstSequence: injectable for tests; defaults to a clock-derived value.
    public init(firstSequence: UInt32 = UInt32(truncatingIfNeeded: EventLoop.now().nanoseconds / 1000)) throws {
        socket = try NetlinkSocket(receiveTimeoutSeconds: 5)
        nextSequence = Mutex(firstSequence)
    }

    /// `ip addr add` (see `NetlinkRequest.addAddress`).
    public func addAddress(_ address: IPAddress, prefix: UInt8, ifindex: Int32, label: String? = nil,
                           scope: AddressScope = .universe, broadcast: IPv4Address? = nil,
                           noDAD: Bool = false) throws -> AddResult {
        let errno = try acknowledged("RTM_NEWADDR \(address)/\(prefix) ifindex \(ifindex)") { sequence in
            NetlinkRequest.addAddress(sequence: sequence, address: address, prefix: prefix, ifindex: ifindex,
                                      label: label, scope: scope, broadcast: broadcast, noDAD: noDAD)
        }
        switch errno {
        case 0: return .added
        case EEXIST: return .alreadyExists
        default: throw SystemError("RTM_NEWADDR \(address)/\(prefix) ifindex \(ifindex)", errno: errno)
        }
    }

    /// `ip route add` (see `NetlinkRequest.route`); the route carries rtm_protocol `addressProtocol`.
    /// EEXIST (the route is already there) is `.alreadyExists`.
    public func addRoute(_ destination: IPAddress, prefix: UInt8, gateway: IPAddress? = nil, ifindex: Int32? = nil,
                         source: IPAddress? = nil, table: UInt32 = UInt32(RTNL.rtTableMain), metric: UInt32? = nil,
                         blackhole: Bool = false, scope: UInt8? = nil, onlink: Bool = false) throws -> AddResult {
        let what = "RTM_NEWROUTE \(destination)/\(prefix) table \(table)"
        let errno = try acknowledged(what) { sequence in
            NetlinkRequest.route(true, sequence: sequence, destination: destination, prefix: prefix, gateway: gateway,
                                 ifindex: ifindex, source: source, table: table, metric: metric, blackhole: blackhole,
                                 scope: scope, onlink: onlink)
        }
        switch errno {
        case 0: return .added
        case EEXIST: return .alreadyExists
        default: throw SystemError(what, errno: errno)
        }
    }

    /// `ip route del`; ESRCH (no such route) is `.notPresent`.
    public func deleteRoute(_ destination: IPAddress, prefix: UInt8, gateway: IPAddress? = nil, ifindex: Int32? = nil,
                            table: UInt32 = UInt32(RTNL.rtTableMain), metric: UInt32? = nil,
                            blackhole: Bool = false) throws -> DeleteResult {
        let what = "RTM_DELROUTE \(destination)/\(prefix) table \(table)"
        let errno = try acknowledged(what) { sequence in
            NetlinkRequest.route(false, sequence: sequence, destination: destination, prefix: prefix, gateway: gateway,
                                 ifindex: ifindex, table: table, metric: metric, blackhole: blackhole)
        }
        switch errno {
        case 0: return .deleted
        case ESRCH: return .notPresent
        default: throw SystemError(what, errno: errno)
        }
    }

    /// `ip addr del`.
    public func deleteAddress(_ address: IPAddress, prefix: UInt8, ifindex: Int32) throws -> DeleteResult {
        let errno = try acknowledged("RTM_DELADDR \(address)/\(prefix) ifindex \(ifindex)") { sequence in
            NetlinkRequest.deleteAddress(sequence: sequence, address: address, prefix: prefix, ifindex: ifindex)
        }
        switch errno {
        case 0: return .deleted
        case EADDRNOTAVAIL: return .notPresent
        default: throw SystemError("RTM_DELADDR \(address)/\(prefix) ifindex \(ifindex)", errno: errno)
        }
    }

    /// `ip link add link PARENT name NAME address MAC type macvlan mode private` (see
    /// `NetlinkRequest.createMacvlan`); EEXIST (a link of that name exists) is `.alreadyExists`.
    public func createMacvlan(name: String, parent: Int32, mac: [UInt8]) throws -> AddResult {
        let what = "RTM_NEWLINK macvlan \(name) on ifindex \(parent)"
        let errno = try acknowledged(what) { sequence in
            NetlinkRequest.createMacvlan(sequence: sequence, name: name, parent: parent, mac: mac)
        }
        switch errno {
        case 0: return .added
        case EEXIST: return .alreadyExists
        default: throw SystemError(what, errno: errno)
        }
    }

    /// `ip link set dev IFINDEX addrgenmode none`, then `ip link set dev IFINDEX up`.
    public func raiseWithoutAutoLinkLocal(ifindex: Int32) throws {
        let mode = "RTM_NEWLINK addrgenmode none ifindex \(ifindex)"
        let errno = try acknowledged(mode) { NetlinkRequest.disableIPv6AddressGeneration(sequence: $0, ifindex: ifindex) }
        // EAFNOSUPPORT: IPv6 disabled on the host; nothing to generate then.
        if errno != 0 && errno != EAFNOSUPPORT { throw SystemError(mode, errno: errno) }
        let up = "RTM_NEWLINK up ifindex \(ifindex)"
        let upErrno = try acknowledged(up) { NetlinkRequest.setLinkUp(sequence: $0, ifindex: ifindex) }
        if upErrno != 0 { throw SystemError(up, errno: upErrno) }
    }

    /// `ip link del dev IFINDEX`; ENODEV (already gone) is `.notPresent`.
    public func deleteLink(ifindex: Int32) throws -> DeleteResult {
        let what = "RTM_DELLINK ifindex \(ifindex)"
        let errno = try acknowledged(what) { NetlinkRequest.deleteLink(sequence: $0, ifindex: ifindex) }
        switch errno {
        case 0: return .deleted
        case ENODEV: return .notPresent
        default: throw SystemError(what, errno: errno)
        }
    }

    /// `ip link show`.
    public func links() throws -> [LinkInfo] {
        try dump("RTM_GETLINK", NetlinkRequest.dumpLinks).compactMap { message in
            guard case .link(let link) = try message.body() else { return nil }
            return LinkInfo(link)
        }
    }

    /// `ip addr show`, both families.
    public func addresses() throws -> [InterfaceAddress] {
        try dump("RTM_GETADDR", NetlinkRequest.dumpAddresses).compactMap { message in
            guard case .address(let address) = try message.body() else { return nil }
            return InterfaceAddress(address)
        }
    }

    // MARK: Exchanges

    /// Sends a request with NLM_F_ACK and returns the errno of its NLMSG_ERROR (0 = ACK).
    func acknowledged(_ operation: String, _ build: (UInt32) -> NetlinkMessage) throws -> Int32 {
        try nextSequence.withLock { next in
            let sequence = next
            next &+= 1
            try socket.send(build(sequence).encode())
            while true {
                for message in try receiveMessages(operation) where message.sequence == sequence {
                    if case .error(let error) = try message.body() { return error.errno }
                }
            }
        }
    }

    /// Sends a dump request and collects the multipart reply up to NLMSG_DONE. A dump the
    /// kernel marks interrupted (NLM_F_DUMP_INTR: the table changed meanwhile) is retried.
    private func dump(_ operation: String, _ build: (UInt32) -> NetlinkMessage) throws -> [NetlinkMessage] {
        try nextSequence.withLock { next in
            attempts: for _ in 0..<5 {
                let sequence = next
                next &+= 1
                try socket.send(build(sequence).encode())
                var collected: [NetlinkMessage] = []
                var interrupted = false
                while true {
                    for message in try receiveMessages(operation) where message.sequence == sequence {
                        if message.flags & RTNL.dumpInterrupted != 0 { interrupted = true }
                        switch try message.body() {
                        case .done:
                            if interrupted { continue attempts }
                            return collected
                        case .error(let error) where error.errno != 0:
                            throw SystemError(operation, errno: error.errno)
                        default:
                            collected.append(message)
                        }
                    }
                }
            }
            throw SystemError("\(operation): dump interrupted 5 times", errno: EBUSY)
        }
    }

    private func receiveMessages(_ operation: String) throws -> [NetlinkMessage] {
        do {
            return try NetlinkMessage.decode(socket.receive())
        } catch let error as SystemError where error.isWouldBlock {
            throw SystemError("\(operation): no reply from the kernel", errno: ETIMEDOUT)
        }
    }
}
