// SPDX-License-Identifier: Apache-2.0
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
        /// False until the object's first verdict: an unknown object adds nothing and raises no
        /// fault (a check that has not run yet neither helps nor hurts).
        public var isKnown: Bool
        /// `track_file`: the number read from the file (nil: not a file, or not read yet).
        public var fileValue: Int?
        /// True for a `track_file` tracker: its contribution is value × weight, not up/down.
        public var isFile: Bool

        public init(weight: Int, reverse: Bool = false, isUp: Bool = true, isKnown: Bool = true) {
            self.weight = weight
            self.reverse = reverse
            self.isUp = isUp
            self.isKnown = isKnown
            self.fileValue = nil
            self.isFile = false
        }

        /// keepalived `track_file` / `vrrp_track_file`: contributes `value × weight` (negated by
        /// `reverse`), clamped to -254...253; a result of -254 is a fault, and with weight 0 any
        /// non-zero value is a fault (`reverse`: a zero value is). Nil value: not read yet.
        public static func file(weight: Int, reverse: Bool = false, value: Int?) -> Tracker {
            var t = Tracker(weight: weight, reverse: reverse, isUp: true, isKnown: value != nil)
            t.isFile = true
            t.fileValue = value
            return t
        }

        /// Up after `reverse` is applied.
        var effectivelyUp: Bool { isUp != reverse }

        /// The file tracker's product, clamped to keepalived's -254...253.
        private var fileProduct: Int? {
            guard isFile, let value = fileValue, weight != 0 else { return nil }
            let (product, overflow) = value.multipliedReportingOverflow(by: weight * (reverse ? -1 : 1))
            if overflow { return value.signum() * weight.signum() * (reverse ? -1 : 1) < 0 ? -254 : 253 }
            return min(253, max(-254, product))
        }

        /// What this tracker adds to the priority now.
        public var contribution: Int {
            guard isKnown else { return 0 }
            if isFile {
                guard let product = fileProduct, product != -254 else { return 0 }
                return product
            }
            if weight > 0 { return effectivelyUp ? weight : 0 }
            if weight < 0 { return effectivelyUp ? 0 : weight }
            return 0
        }

        /// True while this tracker puts the instance in FAULT.
        public var isFault: Bool {
            guard isKnown else { return false }
            if isFile {
                if weight == 0 { return ((fileValue ?? 0) != 0) != reverse }
                return fileProduct == -254
            }
            return weight == 0 && !effectivelyUp
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
    public mutating func setUp(_ name: String, _ isUp: Bool) {
        trackers[name]?.isUp = isUp
        trackers[name]?.isKnown = true
    }

    /// Records a tracked file's new value. Unknown names are ignored.
    public mutating func setFileValue(_ name: String, _ value: Int) {
        trackers[name]?.fileValue = value
        trackers[name]?.isKnown = true
    }

    /// Priority after the weights: base + sum, clamped to 1...254; 255 stays 255 (owner).
    public var effectivePriority: UInt8 {
        if base == 255 { return 255 }
        let total = trackers.values.reduce(Int(base)) { $0 + $1.contribution }
        return UInt8(min(max(total, 1), 254))
    }

    /// The weight-0 objects that are down: each one is a FAULT reason (sorted).
    public var faults: [String] {
        trackers.filter { $0.value.isFault }.map(\.key).sorted()
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
