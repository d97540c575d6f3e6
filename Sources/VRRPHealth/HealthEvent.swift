/// The reported state of one check, process tracker or script.
public enum HealthStatus: String, Sendable, Hashable, CustomStringConvertible {
    case ok
    case failing

    public var description: String { rawValue }
}

/// What a checker tells the daemon. VRRPHealth never touches VRRP state: the daemon's
/// event loop turns these into priority changes or FAULT (see `WeightSemantics`).
///
/// An event is emitted when a check's reported status changes (`changed == true`) or when
/// the reason for the current status changes (`changed == false`, e.g. "exit status 0" after
/// the initial assumed-OK state, or "HTTP 502" becoming "connection refused"). A reason that
/// repeats every interval (a missing binary, a refusing port) is therefore reported once.
public struct HealthEvent: Sendable, Equatable, CustomStringConvertible {
    /// The check's name (the `vrrp_script` / `track_process` name).
    public var name: String
    public var status: HealthStatus
    /// Why: "exit status 1", "connection refused", "HTTP 502", "no Connection.Start", ...
    public var reason: String
    /// True when `status` differs from the previously reported status.
    public var changed: Bool

    public init(name: String, status: HealthStatus, reason: String, changed: Bool) {
        self.name = name
        self.status = status
        self.reason = reason
        self.changed = changed
    }

    public var description: String {
        "\(name): \(status)\(changed ? " (changed)" : "") - \(reason)"
    }
}

/// The closure a monitor reports to. Called from checker threads; must not block for long.
public typealias HealthSink = @Sendable (HealthEvent) -> Void
