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
    /// Every queued datagram up to `limit`, handed to `body` in place, in arrival order; how
    /// many there were. ``VRRPSocket``: recvmmsg(2), one call per batch (issue 16).
    func receiveInPlace(upTo limit: Int, _ body: (ReceivedDatagram) -> Void) throws -> Int
    /// Sends several messages; the failures by index. ``VRRPSocket``: sendmmsg(2).
    func send(_ messages: [OutgoingVRRP]) -> [(index: Int, error: any Error)]
}

extension VRRPTransport {
    /// One `receive()` per datagram (fakes).
    public func receiveInPlace(upTo limit: Int, _ body: (ReceivedDatagram) -> Void) throws -> Int {
        var count = 0
        while count < limit, let packet = try receive() {
            count += 1
            packet.withDatagram(body)
        }
        return count
    }

    /// As ``receiveInPlace(upTo:_:)``, each datagram copied out (tests, tools).
    public func receive(upTo limit: Int, _ body: (RawPacket) -> Void) throws -> Int {
        try receiveInPlace(upTo: limit) { body($0.packet) }
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

/// Adds and removes addresses, routes and rules, and lists the kernel's view of links and addresses.
public protocol AddressConfigurator: Sendable {
    func addAddress(_ address: IPAddress, prefix: UInt8, ifindex: Int32, label: String?, scope: AddressScope,
                    broadcast: IPv4Address?, noDAD: Bool) throws -> RouteNetlink.AddResult
    func deleteAddress(_ address: IPAddress, prefix: UInt8, ifindex: Int32) throws -> RouteNetlink.DeleteResult
    func links() throws -> [LinkInfo]
    func addresses() throws -> [InterfaceAddress]
    /// `ip route add|del` (virtual_routes, static_routes); our protocol tag on both, so a delete
    /// never removes the operator's route.
    func addRoute(_ route: RouteSpec) throws -> RouteNetlink.AddResult
    func deleteRoute(_ route: RouteSpec) throws -> RouteNetlink.DeleteResult
    /// `ip rule add|del` (virtual_rules, static_rules), tagged the same way.
    func addRule(_ rule: RuleSpec) throws -> RouteNetlink.AddResult
    func deleteRule(_ rule: RuleSpec) throws -> RouteNetlink.DeleteResult
    /// RTM_DELLINK: a `use_vmac` macvlan, deleted in order behind the requests for its
    /// addresses (Daemon+VirtualMAC.swift).
    func deleteLink(ifindex: Int32) throws -> RouteNetlink.DeleteResult
}

/// The virtual MAC interface of `use_vmac` (RFC 5798 §7.2): a macvlan created, raised and
/// deleted through rtnetlink, and the `/proc/sys` entries keepalived sets for it.
public protocol VirtualMACConfigurator: Sendable {
    func createMacvlan(name: String, parent: Int32, mac: [UInt8]) throws -> RouteNetlink.AddResult
    /// addrgenmode none, then up.
    func raiseWithoutAutoLinkLocal(ifindex: Int32) throws
    func deleteLink(ifindex: Int32) throws -> RouteNetlink.DeleteResult
    /// The links after a macvlan was made, and the base's link-local copied onto it, through
    /// this configurator's own rtnetlink socket (the address worker owns the other one).
    func links() throws -> [LinkInfo]
    func addAddress(_ address: IPAddress, prefix: UInt8, ifindex: Int32, label: String?, scope: AddressScope,
                    broadcast: IPv4Address?, noDAD: Bool) throws -> RouteNetlink.AddResult
    /// `key` is relative to /proc/sys (`net/ipv4/conf/eth0/arp_ignore`).
    func readSysctl(_ key: String) -> String?
    func writeSysctl(_ key: String, _ value: String) throws
}

/// rtnetlink for the links, ``Sysctl`` for the settings.
public struct LinuxVirtualMAC: VirtualMACConfigurator {
    public let netlink: RouteNetlink
    public let sysctl: Sysctl

    public init(netlink: RouteNetlink, sysctl: Sysctl = Sysctl()) {
        self.netlink = netlink
        self.sysctl = sysctl
    }

    public func createMacvlan(name: String, parent: Int32, mac: [UInt8]) throws -> RouteNetlink.AddResult {
        try netlink.createMacvlan(name: name, parent: parent, mac: mac)
    }
    public func raiseWithoutAutoLinkLocal(ifindex: Int32) throws { try netlink.raiseWithoutAutoLinkLocal(ifindex: ifindex) }
    public func deleteLink(ifindex: Int32) throws -> RouteNetlink.DeleteResult { try netlink.deleteLink(ifindex: ifindex) }
    public func links() throws -> [LinkInfo] { try netlink.links() }
    public func addAddress(_ address: IPAddress, prefix: UInt8, ifindex: Int32, label: String?, scope: AddressScope,
                           broadcast: IPv4Address?, noDAD: Bool) throws -> RouteNetlink.AddResult {
        try netlink.addAddress(address, prefix: prefix, ifindex: ifindex, label: label, scope: scope,
                               broadcast: broadcast, noDAD: noDAD)
    }
    public func readSysctl(_ key: String) -> String? { sysctl.read(key) }
    public func writeSysctl(_ key: String, _ value: String) throws { try sysctl.write(key, value) }
}

/// The daemon's own nftables tables (``AcceptModeFilter``): the Accept_Mode drop set and the
/// `use_vmac` membership-report rules, replaced as a whole on each change.
public protocol PacketFilterTable: Sendable {
    func apply(ipv4: [IPv4Address], ipv6: [IPv6Address], virtualMACs: [NftablesRequest.VirtualMACEntry]) throws
    func remove() throws
}

extension AcceptModeFilter: PacketFilterTable {}

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
    /// Stops or resumes the readable callbacks of a registered `fd` (what arrives meanwhile
    /// stays queued and is reported once resumed).
    func setReadable(fd: CInt, enabled: Bool)
    func schedule(at deadline: Instant, _ body: @escaping () -> Void) -> TimerToken
    /// A timer that may also fire from `earliest` on, in a turn in which an earlier timer fired
    /// (with `afterIO`, also in a turn woken by IO only); the loop never wakes for it before
    /// `deadline` (issue 16).
    func schedule(at deadline: Instant, earliest: Instant, afterIO: Bool, _ body: @escaping () -> Void) -> TimerToken
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
    /// Where requests to `addresses` run once the daemon has started (``AddressRequestQueue``):
    /// `.worker` for rtnetlink, `.inline` for fakes that answer at once.
    public var addressRequests: AddressRequestMode = .inline
    /// `use_vmac` interfaces; nil where they cannot be made (an instance with use_vmac then
    /// runs on its interface, with a logged error).
    public var virtualMAC: (any VirtualMACConfigurator)?
    /// Opens our nftables tables; nil: none are made (no Accept_Mode filter, no membership-report
    /// rules), so a fake host never touches the real kernel's tables.
    public var openPacketFilter: (@Sendable () throws -> any PacketFilterTable)?

    public init(addresses: any AddressConfigurator,
                openVRRPSocket: @escaping @Sendable (AddressFamily, String, Int32, VRRPSocket.Mode) throws -> any VRRPTransport,
                openPacketSocket: @escaping @Sendable (Int32) throws -> any PacketSender,
                openInterfaceEvents: @escaping @Sendable () throws -> any InterfaceEventSource,
                virtualMAC: (any VirtualMACConfigurator)? = nil) {
        self.addresses = addresses
        self.openVRRPSocket = openVRRPSocket
        self.openPacketSocket = openPacketSocket
        self.openInterfaceEvents = openInterfaceEvents
        self.virtualMAC = virtualMAC
    }

    /// Raw VRRP sockets, AF_PACKET, rtnetlink: what `vrrpd` runs on.
    public static func linux() throws -> RuntimeIO {
        // Address requests run on the request worker; the vmac requests on the loop thread:
        // each has its own rtnetlink socket (replies are matched per socket).
        var io = RuntimeIO(addresses: try RouteNetlink(),
                           openVRRPSocket: { try VRRPSocket(family: $0, interface: $1, ifindex: $2, mode: $3) },
                           openPacketSocket: { try PacketSocket(ifindex: $0) },
                           openInterfaceEvents: { try NetlinkMonitor() },
                           virtualMAC: LinuxVirtualMAC(netlink: try RouteNetlink()))
        io.addressRequests = .worker
        io.openPacketFilter = { try AcceptModeFilter() }
        return io
    }
}

extension VRRPSocket: VRRPTransport {}
extension NetlinkMonitor: InterfaceEventSource {}
extension PacketSocket: PacketSender {}
extension RouteNetlink: AddressConfigurator {}
