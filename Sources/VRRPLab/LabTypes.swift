// SPDX-License-Identifier: Apache-2.0
/// Value types the lab hands out. They name things; all state lives in `Lab`.

/// A LAN: one Linux bridge (`br0`) inside its own "switch" network namespace.
public struct LabLAN: Sendable, Hashable, CustomStringConvertible {
    /// The name given to `Lab.addLAN(_:)`.
    public let name: String
    /// The switch namespace that holds the bridge.
    public let namespace: String
    /// The bridge's name inside `namespace`.
    public let bridge: String

    public var description: String { "LAN \(name) (\(namespace))" }
}

/// One interface of a lab host: `ethN` inside the host namespace, cabled to a LAN.
public struct LabInterface: Sendable, Hashable {
    /// `eth0`, `eth1`, … in the order the LANs were given to `Lab.addHost`.
    public let name: String
    public let lan: LabLAN
    /// The bridge port (the veth peer) inside the LAN's switch namespace: the host's name.
    public let port: String
    /// Configured addresses in CIDR form, e.g. "198.18.0.11/24".
    public let ipv4: [String]
    public let ipv6: [String]
}

/// A host: a network namespace with one interface per LAN and a private run directory.
public struct LabHost: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public let namespace: String
    /// The host's private directory under the lab directory: put its config, pid file,
    /// status socket and logs here so several daemons never share a path.
    public let directory: String
    public let interfaces: [LabInterface]

    /// The first configured IPv4 address without its prefix length (e.g. "198.18.0.11").
    public var ipv4Address: String? { interfaces.lazy.flatMap(\.ipv4).first.map(stripPrefixLength) }
    /// The first configured IPv6 address without its prefix length (e.g. "2001:db8::11").
    public var ipv6Address: String? { interfaces.lazy.flatMap(\.ipv6).first.map(stripPrefixLength) }

    /// The interface cabled to `lan`, if any.
    public func interface(on lan: LabLAN) -> LabInterface? { interfaces.first { $0.lan == lan } }

    public var description: String { "host \(name) (\(namespace))" }
}

/// A background process started by `Lab.spawn`. It runs in its own process group.
public struct LabProcess: Sendable, Hashable, CustomStringConvertible {
    public let pid: Int32
    public let name: String
    /// The host it runs in.
    public let host: String
    /// stdout and stderr, combined.
    public let logPath: String

    public var description: String { "\(name) (pid \(pid) on \(host))" }
}

/// The outcome of `Lab.run`.
public struct ProcessResult: Sendable, Hashable {
    public let argv: [String]
    /// The exit code, or 128 + the signal number when a signal ended the process (as shells do).
    public let status: Int32
    public let stdout: String
    public let stderr: String

    public var succeeded: Bool { status == 0 }
}

public enum LabError: Error, CustomStringConvertible, Sendable {
    case invalidName(String, reason: String)
    case duplicate(String)
    case commandFailed(argv: [String], status: Int32, stderr: String)
    case spawnFailed(argv: [String], errno: Int32)
    case timedOut(String)
    case unexpectedOutput(String)
    case tornDown

    public var description: String {
        switch self {
        case .invalidName(let name, let reason):
            return "invalid lab name '\(name)': \(reason)"
        case .duplicate(let name):
            return "'\(name)' already exists in this lab"
        case .commandFailed(let argv, let status, let stderr):
            let detail = stderr.trimmingWhitespace()
            return "`\(argv.joined(separator: " "))` exited with status \(status)"
                + (detail.isEmpty ? "" : ": \(detail)")
        case .spawnFailed(let argv, let errno):
            return "could not start `\(argv.joined(separator: " "))` (errno \(errno))"
        case .timedOut(let what):
            return what
        case .unexpectedOutput(let what):
            return what
        case .tornDown:
            return "the lab was already torn down"
        }
    }
}

func stripPrefixLength(_ cidr: String) -> String {
    cidr.split(separator: "/", maxSplits: 1).first.map(String.init) ?? cidr
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
