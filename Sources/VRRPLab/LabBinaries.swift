// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Where the lab (tests, `vrrp-lab`, chaos, benchmarks) finds the package's executables
/// (`vrrpd`, `vrrpctl`), in this order: `$VRRPD` / `$VRRPCTL` (the file itself), the directory
/// `$VRRP_BIN_DIR`, the directory of the running executable (the test bundle or `vrrp-lab` in
/// `.build/<config>/`, an installed `vrrp-lab`), the package's `.build/debug/` (the package
/// root is derived from this file's path).
public enum LabBinaries {
    /// The executable is not where it was looked for.
    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    /// The directories searched, in order.
    public static var directories: [String] {
        var dirs: [String] = []
        if let dir = ProcessInfo.processInfo.environment["VRRP_BIN_DIR"], !dir.isEmpty { dirs.append(dir) }
        dirs.append(executableDirectory)
        dirs.append("\(packageRoot)/.build/debug")
        return dirs
    }

    /// The directory of the running executable (/proc/self/exe).
    public static var executableDirectory: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent().path
    }

    /// Sources/VRRPLab/LabBinaries.swift → the package root, three levels up.
    public static var packageRoot: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }

    /// The path of the executable `name`; throws `Missing` when it is in none of the places.
    public static func path(_ name: String) throws -> String {
        let variable = name.uppercased().replacingOccurrences(of: "-", with: "_")
        var candidates = ProcessInfo.processInfo.environment[variable].map { [$0] } ?? []
        candidates += directories.map { "\($0)/\(name)" }
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw Missing(description:
                "\(name) not found (looked at \(candidates.joined(separator: ", "))): run `swift build --product \(name)` "
                    + "first, or point $\(variable) at it or VRRP_BIN_DIR at the directory that holds it")
        }
        return path
    }

    public static var vrrpd: String { get throws { try path("vrrpd") } }
    public static var vrrpctl: String { get throws { try path("vrrpctl") } }
}
