import Foundation

/// Where the integration tests find `vrrpd` and `vrrpctl`: `$VRRP_BIN_DIR` if set, else the
/// package's `.build/debug/` (the package root is derived from this file's path).
enum Binaries {
    static var directory: String {
        if let dir = ProcessInfo.processInfo.environment["VRRP_BIN_DIR"], !dir.isEmpty { return dir }
        return "\(packageRoot)/.build/debug"
    }

    /// Tests/IntegrationTests/Support/Binaries.swift → the package root, four levels up.
    static var packageRoot: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }

    static func path(_ name: String) throws -> String {
        let path = "\(directory)/\(name)"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw HarnessError.missingBinary(
                "\(name) not found at \(path): run `swift build --product \(name)` first, "
                    + "or point VRRP_BIN_DIR at the directory that holds it")
        }
        return path
    }

    static var vrrpd: String { get throws { try path("vrrpd") } }
    static var vrrpctl: String { get throws { try path("vrrpctl") } }
}

enum HarnessError: Error, CustomStringConvertible {
    case missingBinary(String)
    case daemonExited(String)
    case unexpected(String)

    var description: String {
        switch self {
        case .missingBinary(let why), .daemonExited(let why), .unexpected(let why): why
        }
    }
}
