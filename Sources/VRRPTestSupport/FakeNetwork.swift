// SPDX-License-Identifier: Apache-2.0
import Synchronization
import VRRPCore
import VRRPLinux

/// A simulated LAN for the runtime: hosts with links and addresses, VRRP sockets that carry
/// adverts between hosts, and a wire log. Everything runs on one ``ManualEventLoop``, so
/// several daemons can share it and time moves for all of them at once. Nothing here needs
/// root or touches the machine's network.
public final class FakeLAN: @unchecked Sendable {
    /// One VRRP message seen on the wire.
    public struct Sent: Hashable, Sendable {
        public var at: Instant
        public var host: String
        public var source: IPAddress
        public var destination: IPAddress
        public var vrrp: [UInt8]
        /// The interface the sending socket is on.
        public var ifindex: Int32 = 0

        /// The advert, decoded by the core's codec (nil if it does not decode).
        public var advertisement: Advertisement? {
            try? Advertisement.decode(vrrp, source: source, destination: destination).get()
        }
    }

    public let loop: ManualEventLoop
    public private(set) var hosts: [FakeHost] = []
    /// Every VRRP message any host sent, in order.
    public private(set) var wire: [Sent] = []
    private var nextFD: CInt = 10_000
    private var retained: [AnyObject] = []

    /// Keeps `object` (a daemon whose timers sit on ``loop``) alive as long as the LAN.
    public func retain(_ object: AnyObject) { retained.append(object) }

    public init(loop: ManualEventLoop = ManualEventLoop()) { self.loop = loop }

    /// Adds a host with one interface per entry (`eth0`, `eth1`, … with ifindex 2, 3, …).
    public func addHost(_ name: String, addresses: [[String]]) -> FakeHost {
        let host = FakeHost(name: name, lan: self, index: hosts.count)
        for (i, list) in addresses.enumerated() {
            host.addLink("eth\(i)", addresses: list)
        }
        hosts.append(host)
        return host
    }

    func allocateFD() -> CInt {
        nextFD += 1
        return nextFD
    }

    /// Adverts sent by `host` (all hosts when nil) after `since`.
    public func adverts(from host: String? = nil, since: Instant = .zero) -> [Sent] {
        wire.filter { (host == nil || $0.host == host) && $0.at >= since }
    }

    static func isMulticast(_ a: IPAddress) -> Bool {
        switch a {
        case .v4(let v4): v4.isMulticast
        case .v6(let v6): v6.isMulticast
        }
    }

    func transmit(_ vrrp: [UInt8], from source: IPAddress, to destination: IPAddress, by sender: FakeVRRPSocket) {
        wire.append(Sent(at: loop.now(), host: sender.host.name, source: source, destination: destination, vrrp: vrrp,
                         ifindex: sender.ifindex))
        guard !sender.host.isolated else { return }
        for host in hosts where host !== sender.host && !host.isolated {
            for socket in host.sockets where socket.family == sender.family && socket.isOpen {
                guard let link = host.link(index: socket.ifindex), link.isUp && link.isRunning else { continue }
                let forUs = Self.isMulticast(destination) ? socket.groups.contains(destination) : host.has(destination)
                guard forUs else { continue }
                socket.enqueue(vrrp, source: source, destination: destination)
            }
        }
    }
}

/// One simulated host: the kernel's view of its links and addresses (an
/// ``AddressConfigurator``), its VRRP and packet sockets, and its netlink notifications.
public final class FakeHost: AddressConfigurator, VirtualMACConfigurator, @unchecked Sendable {
    public let name: String
    unowned let lan: FakeLAN
    private let index: Int
    public private(set) var linkList: [LinkInfo] = []
    public private(set) var addressList: [InterfaceAddress] = []
    public private(set) var sockets: [FakeVRRPSocket] = []
    /// Gratuitous ARP / unsolicited NA frames sent, by ifindex.
    public private(set) var frames: [(ifindex: Int32, frame: [UInt8])] = []
    /// Every address request, in order ("add 198.18.0.100/24 eth0", "delete …").
    public private(set) var addressLog: [String] = []
    /// The kernel's routes and rules as (spec, added by vrrpd = tagged with our protocol).
    public private(set) var routeTable: [(route: RouteSpec, ours: Bool)] = []
    public private(set) var ruleTable: [(rule: RuleSpec, ours: Bool)] = []
    /// Every route and rule request, in order ("add route 198.18.5.0/24 table 254", "delete rule …").
    public private(set) var routeLog: [String] = []
    /// `/proc/sys` as the daemon left it (keys relative to /proc/sys); seeded by tests.
    public var sysctls: [String: String] = [:]
    /// Every address and link request, in the order they reached this host (addressLog and
    /// linkLog entries interleaved).
    public private(set) var requestLog: [String] = []
    /// Every link request, in order ("create macvlan vrrp.51 on eth0 00:00:5e:00:01:33", "up vrrp.51", "delete vrrp.51").
    public private(set) var linkLog: [String] = []
    /// While true the host neither sends nor hears anything (a cut cable, a crashed host).
    public var isolated = false
    private var events: FakeInterfaceEvents?

    init(name: String, lan: FakeLAN, index: Int) {
        self.name = name
        self.lan = lan
        self.index = index
    }

    /// The runtime's IO over this host.
    public var io: RuntimeIO {
        RuntimeIO(addresses: self,
                  openVRRPSocket: { [self] family, _, ifindex, mode in
                      let s = FakeVRRPSocket(host: self, fd: lan.allocateFD(), family: family, ifindex: ifindex, mode: mode)
                      sockets.append(s)
                      return s
                  },
                  openPacketSocket: { [self] ifindex in FakePacketSocket(host: self, ifindex: ifindex) },
                  openInterfaceEvents: { [self] in
                      let e = FakeInterfaceEvents(fd: lan.allocateFD(), loop: lan.loop)
                      events = e
                      return e
                  },
                  virtualMAC: self)
            .withPacketFilter(self)
    }

    func addLink(_ name: String, addresses: [String]) {
        let ifindex = Int32(linkList.count + 2)
        let mac: [UInt8] = [0x02, 0, 0, 0, UInt8(truncatingIfNeeded: index), UInt8(truncatingIfNeeded: ifindex)]
        linkList.append(LinkInfo(index: ifindex, name: name, mac: mac, isUp: true, isRunning: true, mtu: 1500))
        for text in addresses {
            let parts = text.split(separator: "/")
            guard let address = IPAddress(String(parts[0])) else { preconditionFailure("bad address \(text)") }
            let prefix = parts.count > 1 ? UInt8(parts[1])! : (address.family == .ipv4 ? 32 : 128)
            addressList.append(InterfaceAddress(ifindex: ifindex, address: address, prefix: prefix))
        }
    }

    public func link(index: Int32) -> LinkInfo? { linkList.first { $0.index == index } }
    public func link(named name: String) -> LinkInfo? { linkList.first { $0.name == name } }

    /// True when `address` is configured on any interface.
    public func has(_ address: IPAddress) -> Bool { addressList.contains { $0.address == address } }
    public func has(_ text: String) -> Bool { IPAddress(text).map(has) ?? false }

    /// Sets a link's carrier, as `ip link set … up|down` would, and tells the daemon.
    public func setLink(_ name: String, up: Bool) {
        guard let i = linkList.firstIndex(where: { $0.name == name }) else { return }
        linkList[i].isUp = up
        linkList[i].isRunning = up
        events?.post(.link(linkList[i]))
    }

    /// Another program adds an address (the operator, DHCP, …).
    public func operatorAdds(_ text: String, on link: String, tagged: Bool = false) {
        let parts = text.split(separator: "/")
        guard let address = IPAddress(String(parts[0])), let ifindex = self.link(named: link)?.index else { return }
        let a = InterfaceAddress(ifindex: ifindex, address: address, prefix: UInt8(parts.count > 1 ? String(parts[1]) : "32")!,
                                 addressProtocol: tagged ? RouteNetlink.addressProtocol : nil)
        addressList.append(a)
        events?.post(.addressAdded(a))
    }

    /// Another program deletes an address.
    public func operatorDeletes(_ text: String) {
        guard let address = IPAddress(text) else { return }
        for a in addressList where a.address == address { events?.post(.addressRemoved(a)) }
        addressList.removeAll { $0.address == address }
    }

    // MARK: AddressConfigurator

    public func addAddress(_ address: IPAddress, prefix: UInt8, ifindex: Int32, label: String?, scope: AddressScope,
                           broadcast: IPv4Address?, noDAD: Bool) throws -> RouteNetlink.AddResult {
        addressLog.append("add \(address)/\(prefix) \(link(index: ifindex)?.name ?? "?")")
        requestLog.append(addressLog.last!)
        if addressList.contains(where: { $0.address == address && $0.ifindex == ifindex }) { return .alreadyExists }
        let a = InterfaceAddress(ifindex: ifindex, address: address, prefix: prefix, label: label, scope: scope,
                                 addressProtocol: RouteNetlink.addressProtocol)
        addressList.append(a)
        events?.post(.addressAdded(a))
        return .added
    }

    public func deleteAddress(_ address: IPAddress, prefix: UInt8, ifindex: Int32) throws -> RouteNetlink.DeleteResult {
        addressLog.append("delete \(address)/\(prefix) \(link(index: ifindex)?.name ?? "?")")
        requestLog.append(addressLog.last!)
        guard let i = addressList.firstIndex(where: { $0.address == address && $0.ifindex == ifindex }) else {
            return .notPresent
        }
        let a = addressList.remove(at: i)
        events?.post(.addressRemoved(a))
        return .deleted
    }

    /// The operator (or a routing daemon) adds a route or rule vrrpd did not add.
    public func operatorAdds(route: RouteSpec) { routeTable.append((route, false)) }
    public func operatorAdds(rule: RuleSpec) { ruleTable.append((rule, false)) }

    public func addRoute(_ route: RouteSpec) throws -> RouteNetlink.AddResult {
        routeLog.append("add route \(Self.text(route))")
        if routeTable.contains(where: { $0.route == route }) { return .alreadyExists }
        routeTable.append((route, true))
        return .added
    }

    /// Like the kernel with our protocol in the request: only a route we added matches.
    public func deleteRoute(_ route: RouteSpec) throws -> RouteNetlink.DeleteResult {
        routeLog.append("delete route \(Self.text(route))")
        guard let i = routeTable.firstIndex(where: { $0.route == route && $0.ours }) else { return .notPresent }
        routeTable.remove(at: i)
        return .deleted
    }

    public func addRule(_ rule: RuleSpec) throws -> RouteNetlink.AddResult {
        routeLog.append("add rule \(Self.text(rule))")
        if ruleTable.contains(where: { $0.rule == rule }) { return .alreadyExists }
        ruleTable.append((rule, true))
        return .added
    }

    public func deleteRule(_ rule: RuleSpec) throws -> RouteNetlink.DeleteResult {
        routeLog.append("delete rule \(Self.text(rule))")
        guard let i = ruleTable.firstIndex(where: { $0.rule == rule && $0.ours }) else { return .notPresent }
        ruleTable.remove(at: i)
        return .deleted
    }

    /// `198.18.5.0/24 via 198.18.0.254 dev 2 table 254`, as in ``routeLog``.
    public static func text(_ r: RouteSpec) -> String {
        var t = "\(r.blackhole ? "blackhole " : "")\(r.destination)/\(r.prefix)"
        if let g = r.gateway { t += " via \(g)" }
        if let i = r.ifindex { t += " dev \(i)" }
        if let s = r.source { t += " src \(s)" }
        if let m = r.metric { t += " metric \(m)" }
        return t + " table \(r.table)"
    }

    /// `from 198.18.0.0/24 table 100 pref 50`, as in ``routeLog``.
    public static func text(_ r: RuleSpec) -> String {
        var t = r.invert ? "not " : ""
        if let f = r.from { t += "from \(f)/\(r.fromPrefix) " }
        if let d = r.to { t += "to \(d)/\(r.toPrefix) " }
        if let i = r.inputInterface { t += "iif \(i) " }
        if let o = r.outputInterface { t += "oif \(o) " }
        if let m = r.fwmark { t += "fwmark \(m)\(r.fwmask.map { "/\($0)" } ?? "") " }
        switch r.action {
        case .table(let n): t += "table \(n)"
        case .blackhole: t += "blackhole"
        case .unreachable: t += "unreachable"
        case .prohibit: t += "prohibit"
        }
        return t + (r.priority.map { " pref \($0)" } ?? "")
    }

    public func links() throws -> [LinkInfo] { linkList }
    public func addresses() throws -> [InterfaceAddress] { addressList }

    func recordFrame(_ frame: [UInt8], ifindex: Int32) { frames.append((ifindex, frame)) }

    /// Another program creates a link (an operator's interface that happens to have a vmac's name).
    public func operatorAddsLink(_ link: LinkInfo) {
        linkList.append(link)
        events?.post(.link(link))
    }

    /// Another program deletes a link.
    public func operatorDeletesLink(_ name: String) {
        guard let i = linkList.firstIndex(where: { $0.name == name }) else { return }
        let link = linkList.remove(at: i)
        addressList.removeAll { $0.ifindex == link.index }
        events?.post(.linkRemoved(index: link.index))
    }

    // MARK: PacketFilterTable

    /// Our nftables table as the daemon last applied it (nil: never made, or removed).
    public private(set) var packetFilter: (ipv4: [IPv4Address], ipv6: [IPv6Address], virtualMACs: [NftablesRequest.VirtualMACEntry])?
    /// Every table request, in order ("apply", "remove").
    public private(set) var packetFilterLog: [String] = []
    /// Every apply's IPv4 set with how many address requests had reached the host before it
    /// (`addressLog.count`): a drop rule must be in place before its VIP's add.
    public private(set) var packetFilterApplies: [(ipv4: [IPv4Address], afterAddressRequests: Int)] = []

    // MARK: VirtualMACConfigurator

    public func createMacvlan(name: String, parent: Int32, mac: [UInt8]) throws -> RouteNetlink.AddResult {
        let macText = mac.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
        linkLog.append("create macvlan \(name) on \(link(index: parent)?.name ?? "?") \(macText)")
        if link(named: name) != nil { return .alreadyExists }
        let index = (linkList.map(\.index).max() ?? 1) + 1
        let l = LinkInfo(index: index, name: name, mac: mac, isUp: false, isRunning: false, mtu: 1500,
                         kind: "macvlan", parentIndex: parent, macvlanMode: RTNL.macvlanModePrivate)
        linkList.append(l)
        events?.post(.link(l))
        return .added
    }

    public func raiseWithoutAutoLinkLocal(ifindex: Int32) throws {
        guard let i = linkList.firstIndex(where: { $0.index == ifindex }) else {
            throw SystemError("RTM_NEWLINK up ifindex \(ifindex)", errno: 19)
        }
        linkLog.append("up \(linkList[i].name)")
        linkList[i].isUp = true
        linkList[i].isRunning = true
        events?.post(.link(linkList[i]))
    }

    public func deleteLink(ifindex: Int32) throws -> RouteNetlink.DeleteResult {
        guard let i = linkList.firstIndex(where: { $0.index == ifindex }) else { return .notPresent }
        linkLog.append("delete \(linkList[i].name)")
        requestLog.append(linkLog.last!)
        let l = linkList.remove(at: i)
        addressList.removeAll { $0.ifindex == ifindex }
        events?.post(.linkRemoved(index: l.index))
        return .deleted
    }

    public func readSysctl(_ key: String) -> String? { sysctls[key] }

    public func writeSysctl(_ key: String, _ value: String) throws { sysctls[key] = value }
}

/// A VRRP socket on a ``FakeHost``: sends onto the ``FakeLAN``, receives what others sent.
public final class FakeVRRPSocket: VRRPTransport, @unchecked Sendable {
    public let host: FakeHost
    public let fileDescriptor: CInt
    public let family: AddressFamily
    public let ifindex: Int32
    public let mode: VRRPSocket.Mode
    private var queue: [RawPacket] = []
    var isOpen: Bool { host.lan.loop.isRegistered(fileDescriptor) }

    init(host: FakeHost, fd: CInt, family: AddressFamily, ifindex: Int32, mode: VRRPSocket.Mode) {
        self.host = host
        self.fileDescriptor = fd
        self.family = family
        self.ifindex = ifindex
        self.mode = mode
    }

    public func send(_ vrrp: [UInt8], from source: IPAddress, to destination: IPAddress) throws {
        host.lan.transmit(vrrp, from: source, to: destination, by: self)
    }

    public func receive() throws -> RawPacket? { queue.isEmpty ? nil : queue.removeFirst() }

    /// Up to `limit` datagrams, as recvmmsg hands them over; what is left keeps the descriptor
    /// readable (the epoll loop is level-triggered), so it is read in the next turn.
    public func receiveInPlace(upTo limit: Int, _ body: (ReceivedDatagram) -> Void) throws -> Int {
        var count = 0
        while count < limit, !queue.isEmpty {
            count += 1
            queue.removeFirst().withDatagram(body)
        }
        afterRead?()
        if !queue.isEmpty { host.lan.loop.markReadable(fileDescriptor) }
        return count
    }

    /// Called after every read (a test's endless flood tops the queue up here).
    public var afterRead: (() -> Void)?

    /// How many datagrams are queued and not read yet.
    public var queued: Int { queue.count }

    /// The size of every batch handed to `send(_:)` (sendmmsg on a real socket), in order.
    public private(set) var sentBatches: [Int] = []

    public func send(_ messages: [OutgoingVRRP]) -> [(index: Int, error: any Error)] {
        sentBatches.append(messages.count)
        var failures: [(index: Int, error: any Error)] = []
        for (i, m) in messages.enumerated() {
            do { try send(m.vrrp, from: m.source, to: m.destination) } catch { failures.append((i, error)) }
        }
        return failures
    }

    /// The multicast groups joined: adverts sent to one of them reach this socket.
    public private(set) var groups: Set<IPAddress> = []

    public func join(_ group: IPAddress) throws { groups.insert(group) }

    /// Queues a datagram as the kernel would hand it over (IPv4 with its header, TTL 255;
    /// IPv6 the VRRP part with the hop limit beside it) and wakes the loop.
    public func enqueue(_ vrrp: [UInt8], source: IPAddress, destination: IPAddress, ttl: UInt8 = 255) {
        var bytes = vrrp
        if case .v4(let s) = source, case .v4(let d) = destination {
            bytes = IPv4Header(source: s, destination: d, payloadLength: vrrp.count, ttl: ttl).encode() + vrrp
        }
        queue.append(RawPacket(bytes: bytes, source: source, destination: destination, ttlOrHopLimit: ttl, ifindex: ifindex,
                               arrival: host.lan.loop.now()))
        host.lan.loop.markReadable(fileDescriptor)
    }

    /// Queues a datagram as the kernel delivered it (e.g. truncated to its receive slot).
    public func enqueue(_ packet: RawPacket) {
        queue.append(packet)
        host.lan.loop.markReadable(fileDescriptor)
    }
}

/// The AF_PACKET sender of a ``FakeHost``: records the frames.
final class FakePacketSocket: PacketSender, @unchecked Sendable {
    let host: FakeHost
    let ifindex: Int32

    init(host: FakeHost, ifindex: Int32) {
        self.host = host
        self.ifindex = ifindex
    }

    func send(_ frame: [UInt8]) throws { host.recordFrame(frame, ifindex: ifindex) }
}

/// The netlink monitor of a ``FakeHost``: events posted by the host wake the loop.
final class FakeInterfaceEvents: InterfaceEventSource, @unchecked Sendable {
    let fileDescriptor: CInt
    private unowned let loop: ManualEventLoop
    private var queue: [InterfaceEvent] = []

    init(fd: CInt, loop: ManualEventLoop) {
        self.fileDescriptor = fd
        self.loop = loop
    }

    func post(_ event: InterfaceEvent) {
        queue.append(event)
        loop.markReadable(fileDescriptor)
    }

    func readEvents() throws -> [InterfaceEvent] {
        defer { queue.removeAll() }
        return queue
    }
}

extension FakeHost: PacketFilterTable {
    public func apply(ipv4: [IPv4Address], ipv6: [IPv6Address], virtualMACs: [NftablesRequest.VirtualMACEntry]) throws {
        packetFilterLog.append("apply")
        packetFilterApplies.append((ipv4, addressLog.count))
        packetFilter = (ipv4, ipv6, virtualMACs)
    }

    public func remove() throws {
        packetFilterLog.append("remove")
        packetFilter = nil
    }
}

extension RuntimeIO {
    func withPacketFilter(_ table: any PacketFilterTable) -> RuntimeIO {
        var io = self
        io.openPacketFilter = { table }
        return io
    }
}

