// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Foundation
import VRRPLab
import VRRPStatus

/// Small helpers that act on a lab left up by `vrrp-lab up` (no `Lab` object any more: the
/// namespaces are addressed by name with `ip netns exec`).
enum Shell {
    static let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "ip"

    /// Runs `argv` (inside `namespace` when given); returns exit status and stdout.
    @discardableResult
    static func run(_ argv: [String], in namespace: String? = nil) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: namespace == nil ? "/usr/bin/env" : ip)
        process.arguments = (namespace.map { ["netns", "exec", $0] } ?? []) + argv
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return (127, "") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func addresses(_ host: LabState.Host) -> [String] {
        run([ip, "-o", "addr", "show", "dev", "eth0"], in: host.namespace).output
            .split(separator: "\n").compactMap { line in
                let words = line.split(separator: " ")
                guard let i = words.firstIndex(where: { $0 == "inet" || $0 == "inet6" }), i + 1 < words.count else { return nil }
                return String(words[i + 1])
            }
    }

    static func hasAddress(_ host: LabState.Host, _ cidr: String) -> Bool {
        let plain = cidr.split(separator: "/").first.map(String.init) ?? cidr
        return addresses(host).contains { $0.hasPrefix(plain + "/") }
    }

    /// The host's VRRP state: the status socket for vrrpd, the log for keepalived.
    static func state(_ host: LabState.Host) -> (state: String, detail: String) {
        guard host.role == "proxy" else { return ("-", host.role) }
        if host.daemon == "keepalived" {
            let log = (try? String(contentsOfFile: host.daemonLog ?? "", encoding: .utf8)) ?? ""
            return (Lab.lastLoggedState(log, instance: "VI_1") ?? "INIT", "keepalived (from its log)")
        }
        guard let socket = host.statusSocket, let client = try? StatusClient(path: socket),
              let reply = try? client.request(.instance("VI_1")), let instance = reply.instance else {
            return ("DOWN", "vrrpd not answering")
        }
        let master = instance.master.map { ", master \($0.address) prio \($0.priority)" } ?? ""
        return (instance.state, "vrrpd prio \(instance.effectivePriority)\(master)")
    }

    static func instance(_ host: LabState.Host) -> InstanceSnapshot? {
        guard let socket = host.statusSocket, let client = try? StatusClient(path: socket) else { return nil }
        return try? client.request(.instance("VI_1")).instance
    }

    static func now() -> Double { Date().timeIntervalSince1970 }

    /// True while `pid` runs: a zombie (exited, not yet reaped by its parent) is not alive.
    static func processAlive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        let state = stat[stat.index(after: close)...].drop(while: { $0 == " " }).first
        return state != "Z" && state != "X"
    }

    static func tool(_ name: String) -> String? {
        LabRequirement.which(name)
    }
}
