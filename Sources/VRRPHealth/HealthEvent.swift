// SPDX-License-Identifier: Apache-2.0
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
    /// Rise/fall still counting against `status`: "failing 1/2" (an OK check has failed once of
    /// the 2 `fall` needs) or "recovering 1/3" (a failing check has passed once of 3 `rise`).
    /// nil when the latest result agrees with `status`.
    public var progress: String?

    public init(name: String, status: HealthStatus, reason: String, changed: Bool, progress: String? = nil) {
        self.name = name
        self.status = status
        self.reason = reason
        self.changed = changed
        self.progress = progress
    }

    public var description: String {
        "\(name): \(progress ?? status.rawValue)\(changed ? " (changed)" : "") - \(reason)"
    }
}

/// The closure a monitor reports to. Called from checker threads; must not block for long.
public typealias HealthSink = @Sendable (HealthEvent) -> Void
