import VRRPCore

/// A clock the test moves by hand.
public struct ManualClock: Sendable {
    public private(set) var now: Instant

    public init(start: Instant = .zero) { now = start }

    public mutating func advance(by interval: Interval) { now = now + interval }
    public mutating func advance(to instant: Instant) {
        precondition(instant >= now, "time never goes backwards")
        now = instant
    }
}
