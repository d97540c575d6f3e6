// SPDX-License-Identifier: Apache-2.0
/// A point on the driver's monotonic clock, in nanoseconds since an arbitrary origin.
/// The core never reads a clock: "now" is always a parameter.
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static let zero = Instant(nanoseconds: 0)

    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    public static func + (lhs: Instant, rhs: Interval) -> Instant {
        Instant(nanoseconds: lhs.nanoseconds &+ rhs.nanoseconds)
    }

    public static func - (lhs: Instant, rhs: Interval) -> Instant {
        Instant(nanoseconds: lhs.nanoseconds &- rhs.nanoseconds)
    }

    public static func - (lhs: Instant, rhs: Instant) -> Interval {
        Interval(nanoseconds: lhs.nanoseconds &- rhs.nanoseconds)
    }

    public var description: String { "t=\(Interval(nanoseconds: nanoseconds))" }
}

/// A span of time in nanoseconds; exact for every VRRP timer (v2 skew is a multiple of
/// 1/256 s = 3 906 250 ns; v3 skew a multiple of 1/256 cs = 39 062.5 ns, kept to the ns).
public struct Interval: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static func milliseconds(_ ms: Int64) -> Interval { Interval(nanoseconds: ms * 1_000_000) }
    public static func seconds(_ s: Int64) -> Interval { Interval(nanoseconds: s * 1_000_000_000) }
    public static func centiseconds(_ cs: Int64) -> Interval { Interval(nanoseconds: cs * 10_000_000) }

    public static let zero = Interval(nanoseconds: 0)

    public static func < (lhs: Interval, rhs: Interval) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
    public static func + (lhs: Interval, rhs: Interval) -> Interval { Interval(nanoseconds: lhs.nanoseconds + rhs.nanoseconds) }
    public static func - (lhs: Interval, rhs: Interval) -> Interval { Interval(nanoseconds: lhs.nanoseconds - rhs.nanoseconds) }
    public static func * (lhs: Interval, rhs: Int64) -> Interval { Interval(nanoseconds: lhs.nanoseconds * rhs) }

    /// Seconds as a floating-point value (for display and JSON only).
    public var seconds: Double { Double(nanoseconds) / 1e9 }
    public var milliseconds: Double { Double(nanoseconds) / 1e6 }

    public var description: String {
        let ms = Double(nanoseconds) / 1e6
        return "\(ms)ms"
    }
}

/// The VRRPv3 advertisement-interval unit (RFC 5798 §5.2.7): 12 bits of centiseconds.
public struct Centiseconds: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var value: UInt16

    public init(_ value: UInt16) { self.value = value }

    /// The largest value the 12-bit field holds: 40.95 s.
    public static let max = Centiseconds(4095)
    /// The default interval, one second.
    public static let oneSecond = Centiseconds(100)

    public var interval: Interval { .centiseconds(Int64(value)) }

    public static func < (lhs: Centiseconds, rhs: Centiseconds) -> Bool { lhs.value < rhs.value }

    public var description: String { "\(value)cs" }
}
