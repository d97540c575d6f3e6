// SPDX-License-Identifier: Apache-2.0
import VRRPCore

/// A deterministic simulated LAN of VRRP routers: a clock, a timer queue per router (from the
/// routers' own start/cancel actions), advert delivery to every other router of the same VRID
/// with TTL 255 after `deliveryDelay`, seeded loss, partitions, crashes and graceful stops.
public struct InMemoryLAN: Sendable {
    /// Index of a router in the LAN (the order of ``add(_:address:)``).
    public typealias RouterID = Int

    /// One simulated node.
    public struct Node: Sendable {
        public var router: VirtualRouter
        public let address: IPAddress
        /// False after a crash (the router stops silently) until ``InMemoryLAN/restart(_:)``.
        public var isRunning: Bool
        /// The partition group; routers hear each other only within one group.
        public var group: Int
        /// True while the node has its VIPs configured (from add/remove actions).
        public var holdsVirtualAddresses: Bool
        /// Deadlines of the armed timers, as the driver sees them.
        public var timers: [VirtualRouter.TimerKind: Instant]
        /// Bumped on crash/restart so queued items of an earlier life are dropped.
        var epoch: Int
    }

    /// A state change, with the time it happened.
    public struct Transition: Hashable, Sendable {
        public var at: Instant
        public var router: RouterID
        public var from: VirtualRouter.State
        public var to: VirtualRouter.State
        public var reason: VirtualRouter.TransitionReason
    }

    /// An advert put on the wire.
    public struct SentAdvertisement: Hashable, Sendable {
        public var at: Instant
        public var router: RouterID
        public var advertisement: Advertisement
    }

    enum Item: Sendable {
        case event(RouterID, epoch: Int, VirtualRouter.Event)
        case timer(RouterID, epoch: Int, VirtualRouter.TimerKind)
    }

    public private(set) var now: Instant
    public private(set) var nodes: [Node] = []
    public private(set) var history: [Transition] = []
    /// Every advert sent, when `recordAdvertisements` is on.
    public private(set) var sentAdvertisements: [SentAdvertisement] = []
    public var recordAdvertisements: Bool
    /// One-way delivery delay of an advert.
    public var deliveryDelay: Interval
    /// Probability (0...1) that one delivery of an advert to one receiver is lost.
    public var lossProbability: Double
    /// Number of events handled so far.
    public private(set) var eventsHandled = 0
    private var queue = DeadlineQueue<Item>()
    private var rng: SplitMix64
    /// Routers per (family, VRID): IPv4 and IPv6 VRRP never hear each other (RFC 5798 §5.1).
    private var byVRID: [AddressFamily: [UInt8: [RouterID]]] = [:]

    public init(seed: UInt64 = 1, start: Instant = .zero, deliveryDelay: Interval = .milliseconds(1),
                lossProbability: Double = 0, recordAdvertisements: Bool = false) {
        now = start
        rng = SplitMix64(seed: seed)
        self.deliveryDelay = deliveryDelay
        self.lossProbability = lossProbability
        self.recordAdvertisements = recordAdvertisements
    }

    // MARK: building and controlling the LAN

    /// Adds a router (not started) and returns its id.
    @discardableResult
    public mutating func add(_ configuration: VirtualRouter.Configuration, address: IPAddress) -> RouterID {
        let id = nodes.count
        nodes.append(Node(router: VirtualRouter(configuration: configuration, localAddress: address),
                          address: address, isRunning: true, group: 0, holdsVirtualAddresses: false,
                          timers: [:], epoch: 0))
        byVRID[configuration.family, default: [:]][configuration.vrid, default: []].append(id)
        return id
    }

    /// Delivers `event` to a router at `at` (default: now).
    public mutating func schedule(_ event: VirtualRouter.Event, to id: RouterID, at: Instant? = nil) {
        queue.push(.event(id, epoch: nodes[id].epoch, event), at: at ?? now)
    }

    /// Starts routers (Startup event now, or at `at`).
    public mutating func start(_ ids: [RouterID]? = nil, at: Instant? = nil) {
        for id in ids ?? Array(nodes.indices) { schedule(.startup, to: id, at: at) }
    }

    /// The router stops silently: no shutdown advert, its timers and queued inputs are dropped.
    /// Its VIPs count as gone.
    public mutating func crash(_ id: RouterID) {
        nodes[id].isRunning = false
        nodes[id].epoch += 1
        nodes[id].timers = [:]
        nodes[id].holdsVirtualAddresses = false
    }

    /// A crashed router comes back with a fresh state machine and starts up now.
    public mutating func restart(_ id: RouterID) {
        let config = nodes[id].router.configuration
        nodes[id].router = VirtualRouter(configuration: config, localAddress: nodes[id].address)
        nodes[id].isRunning = true
        nodes[id].epoch += 1
        nodes[id].timers = [:]
        schedule(.startup, to: id)
    }

    /// Graceful stop: a Shutdown event now.
    public mutating func stop(_ id: RouterID) { schedule(.shutdown, to: id) }

    /// Splits the LAN: each inner list is one group; routers not listed form group 0.
    public mutating func partition(_ groups: [[RouterID]]) {
        for id in nodes.indices { nodes[id].group = 0 }
        for (index, group) in groups.enumerated() {
            for id in group { nodes[id].group = index + 1 }
        }
    }

    /// Everyone hears everyone again.
    public mutating func heal() { partition([]) }

    // MARK: running

    /// Handles every queued item up to and including `limit`; the clock ends at `limit`.
    public mutating func run(until limit: Instant) {
        while let next = queue.nextInstant, next <= limit {
            let (at, item) = queue.pop()!
            now = at
            dispatch(item)
        }
        if limit > now { now = limit }
    }

    public mutating func run(for interval: Interval) { run(until: now + interval) }

    private mutating func dispatch(_ item: Item) {
        switch item {
        case .event(let id, let epoch, let event):
            guard nodes[id].isRunning, nodes[id].epoch == epoch else { return }
            deliver(event, to: id)
        case .timer(let id, let epoch, let kind):
            guard nodes[id].isRunning, nodes[id].epoch == epoch, nodes[id].timers[kind] == now else { return }
            nodes[id].timers[kind] = nil
            deliver(.timerFired(kind), to: id)
        }
    }

    private mutating func deliver(_ event: VirtualRouter.Event, to id: RouterID) {
        eventsHandled += 1
        let actions = nodes[id].router.handle(event, at: now)
        for action in actions { execute(action, for: id) }
    }

    private mutating func execute(_ action: VirtualRouter.Action, for id: RouterID) {
        switch action {
        case .sendAdvertisement(let priority):
            broadcast(nodes[id].router.advertisement(priority: priority), from: id)
        case .addVirtualAddresses:
            nodes[id].holdsVirtualAddresses = true
        case .removeVirtualAddresses:
            nodes[id].holdsVirtualAddresses = false
        case .announceVirtualAddresses, .rejected:
            break
        case .startTimer(let kind, let at):
            nodes[id].timers[kind] = at
            queue.push(.timer(id, epoch: nodes[id].epoch, kind), at: at)
        case .cancelTimer(let kind):
            nodes[id].timers[kind] = nil
        case .transitioned(let from, let to, let reason):
            history.append(Transition(at: now, router: id, from: from, to: to, reason: reason))
        }
    }

    private mutating func broadcast(_ advertisement: Advertisement, from sender: RouterID) {
        if recordAdvertisements {
            sentAdvertisements.append(SentAdvertisement(at: now, router: sender, advertisement: advertisement))
        }
        let source = nodes[sender].address
        let destination: IPAddress = source.family == .ipv4 ? .v4(.vrrpMulticast) : .v6(.vrrpMulticast)
        let family = nodes[sender].router.configuration.family
        for receiver in byVRID[family]?[advertisement.vrid] ?? [] where receiver != sender {
            guard nodes[receiver].isRunning, nodes[receiver].group == nodes[sender].group else { continue }
            if lossProbability > 0, Double.random(in: 0..<1, using: &rng) < lossProbability { continue }
            let received = ReceivedAdvertisement(advertisement: advertisement, source: source,
                                                 destination: destination, ttl: 255)
            queue.push(.event(receiver, epoch: nodes[receiver].epoch, .advertisementReceived(received)),
                       at: now + deliveryDelay)
        }
    }

    // MARK: queries

    /// The routers in Master state (optionally of one VRID), running ones only.
    public func masters(vrid: UInt8? = nil) -> [RouterID] {
        nodes.indices.filter { id in
            nodes[id].isRunning && nodes[id].router.state == .master
                && (vrid == nil || nodes[id].router.configuration.vrid == vrid)
        }
    }

    /// The state of one router.
    public func state(_ id: RouterID) -> VirtualRouter.State { nodes[id].router.state }

    /// The router itself (for statistics and timers).
    public func router(_ id: RouterID) -> VirtualRouter { nodes[id].router }

    /// Changes of one router, in order.
    public func history(of id: RouterID) -> [Transition] { history.filter { $0.router == id } }

    /// The routers of one VRID and family.
    public func routers(vrid: UInt8, family: AddressFamily = .ipv4) -> [RouterID] { byVRID[family]?[vrid] ?? [] }
}
