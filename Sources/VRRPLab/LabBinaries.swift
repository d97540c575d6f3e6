// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Where lab tests find the package's executables (`vrrpd`, `vrrpctl`): `$VRRP_BIN_DIR` if set
/// and non-empty, else the package's `.build/debug/` (the package root is derived from this
/// file's path).
public enum LabBinaries {
    /// The executable is not where it was looked for.
    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    public static var directory: String {
        if let dir = ProcessInfo.processInfo.environment["VRRP_BIN_DIR"], !dir.isEmpty { return dir }
        return "\(packageRoot)/.build/debug"
    }

    /// Sources/VRRPLab/LabBinaries.swift → the package root, three levels up.
    public static var packageRoot: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }

    /// The path of the executable `name`; throws `Missing` when it is not there.
    public static func path(_ name: String) throws -> String {
        let path = "\(directory)/\(name)"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw Missing(description:
                "\(name) not found at \(path): run `swift build --product \(name)` first, "
                    + "or point VRRP_BIN_DIR at the directory that holds it")
        }
        return path
    }

    public static var vrrpd: String { get throws { try path("vrrpd") } }
    public static var vrrpctl: String { get throws { try path("vrrpctl") } }
}
