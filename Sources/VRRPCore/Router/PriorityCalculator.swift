/// Effective priority from tracked objects (keepalived `track_interface`, `track_script`,
/// `track_file`, … with `weight`).
///
/// keepalived semantics:
/// - a positive weight is added while the object is up; a negative weight is added while it is
///   down (`reverse` swaps up and down);
/// - weight 0: the object going down puts the instance in FAULT instead of changing the priority;
/// - the result is clamped to 1...254; the address owner (base 255) is never changed by weights.
public struct PriorityCalculator: Hashable, Sendable {
    /// One tracked object.
    public struct Tracker: Hashable, Sendable {
        public var weight: Int
        public var reverse: Bool
        public var isUp: Bool

        public init(weight: Int, reverse: Bool = false, isUp: Bool = true) {
            self.weight = weight
            self.reverse = reverse
            self.isUp = isUp
        }

        /// Up after `reverse` is applied.
        var effectivelyUp: Bool { isUp != reverse }

        /// What this tracker adds to the priority now.
        var contribution: Int {
            if weight > 0 { return effectivelyUp ? weight : 0 }
            if weight < 0 { return effectivelyUp ? 0 : weight }
            return 0
        }
    }

    /// The configured priority (1...255).
    public var base: UInt8
    public private(set) var trackers: [String: Tracker] = [:]

    public init(base: UInt8) { self.base = base }

    /// Adds or replaces a tracked object.
    public mutating func track(_ name: String, _ tracker: Tracker) { trackers[name] = tracker }

    /// Stops tracking an object.
    public mutating func untrack(_ name: String) { trackers[name] = nil }

    /// Records a tracked object's new state. Unknown names are ignored.
    public mutating func setUp(_ name: String, _ isUp: Bool) { trackers[name]?.isUp = isUp }

    /// Priority after the weights: base + sum, clamped to 1...254; 255 stays 255 (owner).
    public var effectivePriority: UInt8 {
        if base == 255 { return 255 }
        let total = trackers.values.reduce(Int(base)) { $0 + $1.contribution }
        return UInt8(min(max(total, 1), 254))
    }

    /// The weight-0 objects that are down: each one is a FAULT reason (sorted).
    public var faults: [String] {
        trackers.filter { $0.value.weight == 0 && !$0.value.effectivelyUp }.map(\.key).sorted()
    }

    /// The events that bring a router from `before` to `self`: fault raised/cleared per weight-0
    /// object and one `priorityChanged` if the effective priority moved.
    public func events(since before: PriorityCalculator) -> [VirtualRouter.Event] {
        var events: [VirtualRouter.Event] = []
        let old = Set(before.faults), new = Set(faults)
        for name in new.subtracting(old).sorted() { events.append(.faultRaised(name)) }
        for name in old.subtracting(new).sorted() { events.append(.faultCleared(name)) }
        if effectivePriority != before.effectivePriority { events.append(.priorityChanged(effectivePriority)) }
        return events
    }
}
