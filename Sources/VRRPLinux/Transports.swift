// SPDX-License-Identifier: Apache-2.0
import VRRPCore

// Narrow seams for the driver, so tests can swap in fakes (STYLE habit 8).

/// Sends and receives VRRP messages on one interface and family.
public protocol VRRPTransport: AnyObject, Sendable {
    /// Polled by the event loop; readable when a datagram is queued.
    var fileDescriptor: CInt { get }
    /// Sends a VRRP message (no IP header) from `source` to `destination`.
    func send(_ vrrp: [UInt8], from source: IPAddress, to destination: IPAddress) throws
    /// The next queued datagram, nil if none.
    func receive() throws -> RawPacket?
    /// Joins a multicast group on the socket's interface (idempotent).
    func join(_ group: IPAddress) throws
    /// Every queued datagram up to `limit`, handed to `body` in arrival order; how many there
    /// were. ``VRRPSocket``: recvmmsg(2), one call per batch (issue 16).
    func receive(upTo limit: Int, _ body: (RawPacket) -> Void) throws -> Int
    /// Sends several messages; the failures by index. ``VRRPSocket``: sendmmsg(2).
    func send(_ messages: [OutgoingVRRP]) -> [(index: Int, error: any Error)]
}

extension VRRPTransport {
    /// One `receive()` per datagram (fakes).
    public func receive(upTo limit: Int, _ body: (RawPacket) -> Void) throws -> Int {
        var count = 0
        while count < limit, let packet = try receive() {
            count += 1
            body(packet)
        }
        return count
    }

    /// One `send(_:from:to:)` per message (fakes).
    public func send(_ messages: [OutgoingVRRP]) -> [(index: Int, error: any Error)] {
        var failures: [(index: Int, error: any Error)] = []
        for (i, m) in messages.enumerated() {
            do { try send(m.vrrp, from: m.source, to: m.destination) } catch { failures.append((i, error)) }
        }
        return failures
    }
}

/// Sends prebuilt Ethernet frames (gratuitous ARP, unsolicited NA).
public protocol PacketSender: Sendable {
    func send(_ frame: [UInt8]) throws
}

/// Adds and removes addresses and lists the kernel's view of links and addresses.
public protocol AddressConfigurator: Sendable {
    func addAddress(_ address: IPAddress, prefix: UInt8, ifindex: Int32, label: String?, scope: AddressScope,
                    broadcast: IPv4Address?, noDAD: Bool) throws -> RouteNetlink.AddResult
    func deleteAddress(_ address: IPAddress, prefix: UInt8, ifindex: Int32) throws -> RouteNetlink.DeleteResult
    func links() throws -> [LinkInfo]
    func addresses() throws -> [InterfaceAddress]
}

/// The kernel's link and address notifications (RTNLGRP_LINK, IPV4/IPV6_IFADDR).
public protocol InterfaceEventSource: AnyObject, Sendable {
    /// Polled by the event loop; readable when notifications are queued.
    var fileDescriptor: CInt { get }
    /// Every queued notification; `.overflow` when the kernel dropped some.
    func readEvents() throws -> [InterfaceEvent]
}

/// What the driver's single thread runs on: fd readiness, timers on a monotonic clock, work
/// handed over from other threads, and signals. ``EventLoop`` is the epoll implementation;
/// tests use a manual one whose clock they advance (VRRPTestSupport `ManualEventLoop`).
public protocol EventLoopProtocol: AnyObject, Sendable {
    /// The loop's monotonic clock.
    func now() -> Instant
    func register(fd: CInt, onReadable: @escaping () -> Void) throws
    func unregister(fd: CInt)
    func schedule(at deadline: Instant, _ body: @escaping () -> Void) -> TimerToken
    /// True if the timer was still pending.
    @discardableResult
    func cancel(_ token: TimerToken) -> Bool
    /// Runs `body` on the loop thread (callable from any thread).
    func execute(_ body: @escaping @Sendable () -> Void)
    /// Runs `body` in the next loop turn, after that turn's IO and timers (bounded client work).
    func runNextTurn(_ body: @escaping () -> Void)
    /// How late timers fired: the maximum since start and over the last minute.
    var timerLag: (maximum: Interval, lastMinute: Interval) { get }
    func onSignal(_ signals: [CInt], _ handler: @escaping (CInt) -> Void) throws
    /// Runs until ``stop()``.
    func run() throws
    func stop()
}

extension EventLoopProtocol {
    public func schedule(after delay: Interval, _ body: @escaping () -> Void) -> TimerToken {
        schedule(at: now() + delay, body)
    }
}

/// Opens the driver's IO endpoints. ``linux()`` gives the real sockets; tests pass fakes
/// (VRRPTestSupport `FakeNetwork`), so the whole runtime runs without root at simulated time.
public struct RuntimeIO: Sendable {
    public var addresses: any AddressConfigurator
    public var openVRRPSocket: @Sendable (_ family: AddressFamily, _ interface: String, _ ifindex: Int32,
                                          _ mode: VRRPSocket.Mode) throws -> any VRRPTransport
    public var openPacketSocket: @Sendable (_ ifindex: Int32) throws -> any PacketSender
    public var openInterfaceEvents: @Sendable () throws -> any InterfaceEventSource

    public init(addresses: any AddressConfigurator,
                openVRRPSocket: @escaping @Sendable (AddressFamily, String, Int32, VRRPSocket.Mode) throws -> any VRRPTransport,
                openPacketSocket: @escaping @Sendable (Int32) throws -> any PacketSender,
                openInterfaceEvents: @escaping @Sendable () throws -> any InterfaceEventSource) {
        self.addresses = addresses
        self.openVRRPSocket = openVRRPSocket
        self.openPacketSocket = openPacketSocket
        self.openInterfaceEvents = openInterfaceEvents
    }

    /// Raw VRRP sockets, AF_PACKET, rtnetlink: what `vrrpd` runs on.
    public static func linux() throws -> RuntimeIO {
        RuntimeIO(addresses: try RouteNetlink(),
                  openVRRPSocket: { try VRRPSocket(family: $0, interface: $1, ifindex: $2, mode: $3) },
                  openPacketSocket: { try PacketSocket(ifindex: $0) },
                  openInterfaceEvents: { try NetlinkMonitor() })
    }
}

extension VRRPSocket: VRRPTransport {}
extension NetlinkMonitor: InterfaceEventSource {}
extension PacketSocket: PacketSender {}
extension RouteNetlink: AddressConfigurator {}
