// SPDX-License-Identifier: Apache-2.0
/// A `vrrp_script`: a command line run without a shell every `interval`.
public struct ScriptCheck: Sendable, Hashable {
    /// The script line as written in keepalived.conf; split by `ScriptLine.split`.
    public var command: String
    /// Run as this user (keepalived `user USER [GROUP]`, else `script_user`); nil: keepalived's
    /// default (`keepalived_script` if it exists, else root). See `ScriptPolicy`.
    public var user: String?
    public var group: String?
    /// keepalived `enable_script_security`: refuse a script that a non-root user could modify.
    public var enforceScriptSecurity: Bool

    public init(command: String, user: String? = nil, group: String? = nil,
                enforceScriptSecurity: Bool = false) {
        self.command = command
        self.user = user
        self.group = group
        self.enforceScriptSecurity = enforceScriptSecurity
    }

    public var policy: ScriptPolicy {
        ScriptPolicy(user: user, group: group, enforceSecurity: enforceScriptSecurity)
    }
}

/// A TCP connect check: OK when the three-way handshake completes within the timeout.
public struct TCPCheck: Sendable, Hashable {
    /// An IPv4 or IPv6 literal, or a host name (resolved on the checker's thread).
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }
}

/// An HTTP/1.1 GET check (nginx): OK when the status code is one of `expectedStatus`.
public struct HTTPCheck: Sendable, Hashable {
    public var host: String
    public var port: UInt16
    public var path: String
    /// The Host header; nil: `host` (bracketed for IPv6) plus `:port` unless 80.
    public var hostHeader: String?
    /// Accepted codes as disjoint ranges; default any 2xx.
    public var expectedStatus: [ClosedRange<Int>]

    public init(host: String, port: UInt16 = 80, path: String = "/", hostHeader: String? = nil,
                expectedStatus: [ClosedRange<Int>] = [200...299]) {
        self.host = host
        self.port = port
        self.path = path
        self.hostHeader = hostHeader
        self.expectedStatus = expectedStatus
    }

    /// A code list (keepalived.conf `status_codes`, ranges expanded) as the fewest ranges:
    /// [200, 204] stays two codes; 200...299 is one range. Empty: any 2xx.
    public static func ranges(_ codes: [Int]) -> [ClosedRange<Int>] {
        var out: [ClosedRange<Int>] = []
        for code in Set(codes).sorted() {
            if let last = out.last, last.upperBound + 1 == code {
                out[out.count - 1] = last.lowerBound...code
            } else {
                out.append(code...code)
            }
        }
        return out.isEmpty ? [200...299] : out
    }

    public func accepts(_ code: Int) -> Bool { expectedStatus.contains { $0.contains(code) } }
}

/// An AMQP 0-9-1 handshake check (RabbitMQ): OK when the broker answers the protocol header
/// with a Connection.Start method frame.
public struct AMQPCheck: Sendable, Hashable {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16 = 5672) {
        self.host = host
        self.port = port
    }
}

public enum CheckKind: Sendable, Hashable {
    case script(ScriptCheck)
    case tcp(TCPCheck)
    case http(HTTPCheck)
    case amqp(AMQPCheck)
}

/// One periodic check with keepalived's `interval`, `timeout`, `rise`, `fall`, `weight`,
/// `reverse` and `init_fail`. The weight is carried for the daemon (see `WeightSemantics`);
/// the monitor itself only reports status.
public struct CheckSpec: Sendable, Hashable {
    public var name: String
    public var kind: CheckKind
    public var interval: Duration
    public var timeout: Duration
    public var rise: Int
    public var fall: Int
    public var weight: Int
    public var reverse: Bool
    public var initFail: Bool

    /// Defaults follow keepalived: interval 1 s, rise 1, fall 1, weight 0. keepalived's
    /// default script timeout is the interval; here it is explicit.
    public init(name: String, kind: CheckKind, interval: Duration = .seconds(1),
                timeout: Duration = .seconds(1), rise: Int = 1, fall: Int = 1, weight: Int = 0,
                reverse: Bool = false, initFail: Bool = false) {
        self.name = name
        self.kind = kind
        self.interval = interval
        self.timeout = timeout
        self.rise = rise
        self.fall = fall
        self.weight = weight
        self.reverse = reverse
        self.initFail = initFail
    }
}

/// The outcome of one run of a check, before rise/fall.
public struct CheckResult: Sendable, Hashable {
    public var success: Bool
    public var reason: String

    public init(success: Bool, reason: String) {
        self.success = success
        self.reason = reason
    }

    public static func ok(_ reason: String) -> CheckResult { CheckResult(success: true, reason: reason) }
    public static func failed(_ reason: String) -> CheckResult { CheckResult(success: false, reason: reason) }
}

extension Duration {
    /// Whole milliseconds, rounded up, at least 0.
    var wholeMilliseconds: Int {
        let (s, atto) = components
        let ms = s * 1000 + (atto + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int(max(0, ms))
    }
}
