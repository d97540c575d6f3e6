// SPDX-License-Identifier: Apache-2.0
import Foundation
import VRRPConfig

enum Fixture {
    static func path(_ name: String) -> String {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(name).path
    }

    static let seeds = ["proxy1-keepalived.conf", "proxy2-keepalived.conf", "host-keepalived.conf"]
}

/// Loads `text` as /etc/keepalived/keepalived.conf of an in-memory file system.
func load(_ text: String, files: [String: String] = [:], configID: String? = nil) -> LoadResult {
    var all = files
    all["/etc/keepalived/keepalived.conf"] = text
    return ConfigurationLoader(fileSystem: InMemoryFileSystem(files: all), configID: configID)
        .load(path: "/etc/keepalived/keepalived.conf")
}

/// A minimal valid instance around extra lines.
func instance(_ lines: String, name: String = "VI_1", vrid: Int = 10, interface: String = "eth0",
              vips: String = "198.18.0.10") -> String {
    """
    vrrp_instance \(name) {
        interface \(interface)
        virtual_router_id \(vrid)
        virtual_ipaddress {
            \(vips)
        }
    \(lines)
    }

    """
}

extension LoadResult {
    func hasError(containing text: String) -> Bool { errors.contains { $0.message.contains(text) } }
    func hasWarning(containing text: String) -> Bool { warnings.contains { $0.message.contains(text) } }
}
