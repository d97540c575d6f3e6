// SPDX-License-Identifier: Apache-2.0
import Foundation
import VRRPLab

/// What `vrrp-lab up` leaves behind for the other subcommands (`lab.json` in the lab directory).
struct LabState: Codable {
    struct Host: Codable {
        var name: String
        var namespace: String
        var directory: String
        /// "proxy", "client" or "rabbitmq".
        var role: String
        var address: String
        /// "vrrpd" or "keepalived" for proxies.
        var daemon: String?
        var daemonPID: Int32?
        var daemonLog: String?
        var statusSocket: String?
        var nginxPID: Int32?
        var priority: Int?
    }

    var name: String
    var prefix: String
    var directory: String
    var vip: String
    var advertInterval: Double
    var binDir: String
    var hosts: [Host]

    var proxies: [Host] { hosts.filter { $0.role == "proxy" } }
    var client: Host? { hosts.first { $0.role == "client" } }

    static let root = "/run/vrrp-lab"
    static func prefix(for name: String) -> String { "lab-\(name)" }
    static func directory(for name: String) -> String { "\(root)/vrrplab-\(prefix(for: name))" }
    static func path(for name: String) -> String { "\(directory(for: name))/lab.json" }

    static func load(name: String) throws -> LabState {
        let path = path(for: name)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("no lab named '\(name)' is up (no \(path)); start one with `vrrp-lab up --name \(name)`")
        }
        return try JSONDecoder().decode(LabState.self, from: data)
    }

    func save() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: "\(directory)/lab.json"))
    }

    func host(_ name: String) throws -> Host {
        guard let host = hosts.first(where: { $0.name == name }) else {
            throw ValidationError("no host '\(name)' in lab '\(self.name)' (hosts: \(hosts.map(\.name).joined(separator: ", ")))")
        }
        return host
    }
}

import ArgumentParser
