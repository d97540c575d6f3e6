// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import VRRPLab
import VRRPStatus

/// A harness failure with what the operator needs to see (the daemon's log, the command's output).
struct HarnessError: Error, CustomStringConvertible {
    var description: String
}

/// These tests need real namespaces: as CI runs them, as root. Not being root is a failure,
/// never a silent pass.
func requireRootAndBinaries() throws {
    try #require(geteuid() == 0, "StatusIntegrationTests create network namespaces and must run as root (CI does)")
    try #require(Lab.isSupported, "StatusIntegrationTests need iproute2's `ip`")
    _ = try LabBinaries.vrrpd
    _ = try LabBinaries.vrrpctl
}

/// One VRRP instance of a generated keepalived.conf: BACKUP on `interface`, advert_int 1, the
/// daemon's default version, VIP `vip`/24.
func vrrpInstance(name: String = "VI_1", vrid: Int = 51, priority: Int, vip: String = "198.18.0.100",
                  interface: String = "eth0") -> LabVRRPInstance {
    var instance = LabVRRPInstance()
    instance.name = name
    instance.vrid = vrid
    instance.priority = priority
    instance.virtualAddresses = ["\(vip)/24"]
    instance.interface = interface
    instance.version = nil
    instance.addressDevice = false
    return instance
}

func keepalivedConf(routerID: String, _ instances: [LabVRRPInstance]) -> String {
    LabVRRPInstance.configuration(routerID: routerID, instances)
}

/// A `vrrpd` running in a lab host, with its files in the host's private directory.
struct DaemonNode {
    let lab: Lab
    let host: LabHost
    let process: LabProcess
    var configPath: String { "\(host.directory)/keepalived.conf" }
    var socketPath: String { "\(host.directory)/vrrpd.sock" }
    var dumpDirectory: String { "\(host.directory)/dump" }
    var pidFile: String { "\(host.directory)/vrrpd.pid" }

    /// Writes `config` and starts `vrrpd` in `host`; returns once the status socket answers.
    static func start(_ lab: Lab, on host: LabHost, config: String, statusGroup: String = "root",
                      metricsPort: Int? = nil, prefix: [String] = []) throws -> DaemonNode {
        let configPath = "\(host.directory)/keepalived.conf"
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: "\(host.directory)/dump", withIntermediateDirectories: true)
        let argv = prefix + (try arguments(host, statusGroup: statusGroup, metricsPort: metricsPort))
        let process = try lab.spawn(host, argv, name: "vrrpd")
        let node = DaemonNode(lab: lab, host: host, process: process)
        try node.waitUntil("the status socket of \(host.name) to answer", timeout: .seconds(20)) {
            (try? node.status()) != nil
        }
        return node
    }

    /// The command line `start` runs vrrpd with in `host` (its files in the host's directory).
    static func arguments(_ host: LabHost, statusGroup: String = "root", metricsPort: Int? = nil) throws -> [String] {
        var argv = [try LabBinaries.vrrpd, "-f", "\(host.directory)/keepalived.conf",
                    "--pid-file", "\(host.directory)/vrrpd.pid",
                    "--status-socket", "\(host.directory)/vrrpd.sock",
                    "--status-group", statusGroup,
                    "--dump-dir", "\(host.directory)/dump", "-D"]
        if let metricsPort { argv += ["--metrics-address", "127.0.0.1:\(metricsPort)"] }
        return argv
    }

    /// The whole snapshot, over the status socket.
    func status() throws -> Snapshot {
        let reply = try StatusClient(path: socketPath).request(.status)
        guard let snapshot = reply.snapshot else { throw HarnessError(description: "status reply without a snapshot") }
        return snapshot
    }

    func instance(_ name: String = "VI_1") throws -> InstanceSnapshot {
        guard let instance = try status().instance(named: name) else {
            throw HarnessError(description: "no instance \(name) in the status of \(host.name)")
        }
        return instance
    }

    /// Waits for `condition`, failing early (with the log) if the daemon exits.
    func waitUntil(_ what: String, timeout: Duration = .seconds(20), _ condition: () throws -> Bool) throws {
        do {
            try VRRPLab.waitUntil(what, timeout: timeout) {
                guard lab.isRunning(process) else {
                    throw HarnessError(description: "vrrpd on \(host.name) exited while waiting for \(what)")
                }
                return try condition()
            }
        } catch {
            throw HarnessError(description: "\(error)\n--- vrrpd log on \(host.name) ---\n\(lab.log(process).suffix(4000))")
        }
    }

    func waitForState(_ state: String, instance name: String = "VI_1", timeout: Duration = .seconds(20)) throws {
        try waitUntil("\(name) on \(host.name) to be \(state)", timeout: timeout) {
            (try? instance(name))?.state == state
        }
    }

    /// Runs `vrrpctl ARGS… --socket SOCK` in the host (as root unless `asUser` wraps it).
    func vrrpctl(_ args: [String], prefix: [String] = []) throws -> ProcessResult {
        try lab.run(host, prefix + [try LabBinaries.vrrpctl] + args + ["--socket", socketPath],
                    timeout: .seconds(30))
    }

    /// The addresses on the instance interface, without prefix lengths.
    func addresses(_ ifname: String = "eth0") throws -> [String] {
        try lab.addresses(host, ifname: ifname).map { String($0.split(separator: "/")[0]) }
    }
}

extension VirtualAddressStatus {
    /// "198.18.0.100/24" → "198.18.0.100".
    var bareAddress: String { String(address.split(separator: "/")[0]) }
}
