// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif
import Foundation

/// What a root-only test (or tool) needs from the machine. The one skip policy of the project
/// (`VRRPTestSupport`'s `.requires(…)` trait and `requireLab(…)` apply it): when a requirement
/// is missing a test is skipped with a message that says which and why, except under CI
/// (`CI=true`), where the namespace tests must run, so a missing requirement is a failure.
public enum LabRequirement: Sendable, Hashable, CustomStringConvertible {
    /// Root: network namespaces, veth pairs, raw sockets.
    case root
    /// iproute2's `ip`.
    case iproute2
    /// A built executable of this package (`vrrpd`, `vrrpctl`, `vrrp-benchmarks`), found by
    /// `LabBinaries`.
    case binary(String)
    /// Debian's keepalived (interop, benchmarks).
    case keepalived
    /// A program on the PATH or an absolute path (tcpdump, tshark, nginx, valgrind, …).
    case tool(String)
    /// A file that must exist (e.g. nginx's stream module).
    case file(String)

    public static let vrrpd = LabRequirement.binary("vrrpd")
    public static let vrrpctl = LabRequirement.binary("vrrpctl")
    /// What every namespace test needs: root, iproute2 and a built vrrpd.
    public static let namespaceLab: [LabRequirement] = [.root, .iproute2, .vrrpd]

    public var isMet: Bool {
        switch self {
        case .root: geteuid() == 0
        case .iproute2: Commands.findIP() != nil
        case .binary(let name): (try? LabBinaries.path(name)) != nil
        case .keepalived: Lab.keepalivedPath != nil
        case .tool(let name): LabRequirement.which(name) != nil
        case .file(let path): FileManager.default.fileExists(atPath: path)
        }
    }

    public var description: String {
        switch self {
        case .root: "root (network namespaces)"
        case .iproute2: "iproute2's `ip`"
        case .binary(let name): "a built \(name) (`swift build --product \(name)`, or VRRP_BIN_DIR)"
        case .keepalived: "keepalived (scripts/setup-debian installs it)"
        case .tool(let name): "\(name) (scripts/setup-debian installs it)"
        case .file(let path): path
        }
    }

    /// True when CI runs the tests (`CI=true` or `CI=1`): missing requirements fail there.
    public static var isCI: Bool {
        ["true", "1", "yes"].contains(ProcessInfo.processInfo.environment["CI"]?.lowercased() ?? "")
    }

    /// nil when every requirement is met; else "needs A, B": the message a skip or failure shows.
    public static func unmetReason(_ requirements: [LabRequirement]) -> String? {
        let unmet = requirements.filter { !$0.isMet }
        guard !unmet.isEmpty else { return nil }
        return "needs " + unmet.map(\.description).joined(separator: ", ")
    }

    /// The absolute path of `name` (itself when absolute) if it is an executable.
    public static func which(_ name: String) -> String? {
        if name.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = Commands.environment()["PATH"] ?? ""
        return path.split(separator: ":").map { "\($0)/\(name)" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }
}
