// SPDX-License-Identifier: Apache-2.0
/// keepalived's `vrrp_garp_interval` / `vrrp_gna_interval`: the minimum gap between two
/// successive gratuitous ARPs (or two unsolicited neighbour advertisements) on one interface,
/// shared by every instance that sends there (keepalived/vrrp/vrrp_arp.c `send_gratuitous_arp`
/// and `queue_garp`, vrrp_ndisc.c, vrrp_scheduler.c `vrrp_arp_thread`: one `garp_next_time` and
/// one `gna_next_time` per base interface). Plain data, no clock: "now" is a parameter.
///
/// A frame submitted while its lane is free goes at once; the others wait in their lane, in
/// the order they were submitted, and come out one per gap from ``due(at:)``. A gap of zero
/// sends everything at once (keepalived's default, no pacing).
///
/// Difference from keepalived 2.2.7, on purpose: keepalived keeps one "pending" flag per
/// address, so the repeats of one address that find the lane busy collapse into one frame
/// (with an interval set it sends fewer than `garp_master_repeat`). Here every repeat is
/// sent, each a gap after the previous one.
public struct AnnouncementPacer<Item> {
    public typealias Lane = AnnouncementLane

    private struct LaneState {
        var gap: Interval = .zero
        /// The earliest instant the next frame may go.
        var nextAllowed: Instant?
        var waiting: [Item] = []
        var head = 0
        var isEmpty: Bool { head == waiting.count }
    }

    private var lanes: [Lane: LaneState] = [:]

    public init() {}

    /// Queues `items` on `lane` with the lane's `gap` (the latest setting wins) and returns
    /// those that may be sent now, in order.
    public mutating func submit(_ items: [Item], lane: Lane, gap: Interval, at now: Instant) -> [Item] {
        guard !items.isEmpty else { return [] }
        var state = lanes[lane] ?? LaneState()
        state.gap = max(gap, .zero)
        if state.gap == .zero, state.isEmpty {
            state.nextAllowed = nil
            lanes[lane] = state
            return items
        }
        state.waiting.append(contentsOf: items)
        var out: [Item] = []
        Self.release(&state, now, into: &out)
        lanes[lane] = state.isEmpty && state.nextAllowed == nil ? nil : state
        return out
    }

    /// True when frames submitted on `lane` with `gap` now would all be returned at once (no
    /// gap, nothing waiting there): a caller may then send them without queueing them here.
    public func passesAtOnce(lane: Lane, gap: Interval) -> Bool {
        gap <= .zero && (lanes[lane]?.isEmpty ?? true)
    }

    /// The frames whose turn has come at `now`, in order (at most one per paced lane).
    public mutating func due(at now: Instant) -> [Item] {
        var out: [Item] = []
        for lane in Array(lanes.keys) {
            guard var state = lanes[lane], !state.isEmpty else { continue }
            Self.release(&state, now, into: &out)
            lanes[lane] = state
        }
        return out
    }

    /// When ``due(at:)`` has something to give, nil when nothing waits.
    public var nextDeadline: Instant? {
        lanes.values.filter { !$0.isEmpty }.compactMap { $0.nextAllowed }.min()
    }

    /// Frames still waiting, all lanes.
    public var waitingCount: Int { lanes.values.reduce(0) { $0 + $1.waiting.count - $1.head } }

    /// Drops the waiting frames that match (an instance leaving MASTER: keepalived's
    /// `vrrp_arp_thread` skips an instance that is no longer MASTER). The lanes keep their
    /// next allowed instant: the gap after the last frame sent still holds.
    public mutating func removeWaiting(where predicate: (Item) -> Bool) {
        for lane in Array(lanes.keys) {
            guard var state = lanes[lane] else { continue }
            state.waiting = Array(state.waiting[state.head...].filter { !predicate($0) })
            state.head = 0
            lanes[lane] = state
        }
    }

    private static func release(_ state: inout LaneState, _ now: Instant, into out: inout [Item]) {
        while !state.isEmpty {
            if state.gap > .zero, let next = state.nextAllowed, now < next { break }
            out.append(state.waiting[state.head])
            state.head += 1
            if state.gap > .zero {
                state.nextAllowed = now + state.gap
            } else {
                state.nextAllowed = nil
            }
        }
        if state.isEmpty {
            state.waiting.removeAll(keepingCapacity: true)
            state.head = 0
        }
    }
}

/// One interface and one kind of frame: ARP and NA are paced separately, as keepalived keeps
/// a `garp_next_time` and a `gna_next_time` per interface.
public struct AnnouncementLane: Hashable, Sendable {
    public var ifindex: Int32
    public var neighborAdvertisement: Bool
    public init(ifindex: Int32, neighborAdvertisement: Bool) {
        self.ifindex = ifindex
        self.neighborAdvertisement = neighborAdvertisement
    }
}
