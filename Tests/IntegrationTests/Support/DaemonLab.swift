// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Foundation
import Synchronization
import Testing
import VRRPCore
import VRRPLab
import VRRPTestSupport
import VRRPStatus


/// A lab with the standard topology (proxies p1…pN, client c) plus the daemons started in it.
/// Every helper waits with generous upper bounds only: they catch hangs, they do not measure.
final class DaemonLab: Sendable {
    let lab: Lab
    let topology: LabTopology
    private let daemons = Mutex<[LabVRRPNode]>([])

    /// Upper bound for every state or address wait.
    static let patience: Duration = .seconds(15)

    init(lab: Lab, topology: LabTopology) {
        self.lab = lab
        self.topology = topology
    }

    var proxies: [LabHost] { topology.proxies }
    var client: LabHost { topology.client }

    // MARK: Starting and stopping

    /// Writes `config` into a fresh directory `<host dir>/vrrpd-N/` and starts
    /// `vrrpd -f …/keepalived.conf --pid-file … --status-socket … --dump-dir …/dump -D` in the
    /// host through `Lab.startVRRPD`. Returns once the status socket answers.
    @discardableResult
    func startDaemon(on host: LabHost, config: String, arguments: [String] = [],
                     waitForSocket: Bool = true) async throws -> LabVRRPNode {
        let index = daemons.withLock { list in list.filter { $0.host == host }.count + 1 }
        let daemon = try lab.startVRRPD(host, config: config, options: options("vrrpd-\(index)", on: host, arguments))
        daemons.withLock { $0.append(daemon) }
        if waitForSocket {
            try await wait("\(daemon)'s status socket", daemon: daemon) { (try? daemon.snapshot()) != nil }
        }
        return daemon
    }

    /// Runs `vrrpd` with `config` in the host to completion (for start-up errors); returns its
    /// exit status and output. Times out (and fails) after `patience`.
    func runDaemonToExit(on host: LabHost, config: String, arguments: [String] = []) throws -> (result: ProcessResult, configPath: String) {
        let tag = "vrrpd-run-\(UInt16.random(in: 0...UInt16.max))"
        return try lab.runVRRPD(host, config: config, options: options(tag, on: host, arguments, detailed: false),
                                timeout: DaemonLab.patience)
    }

    /// The harness's layout: every file of a run in `<host dir>/<tag>/`.
    private func options(_ tag: String, on host: LabHost, _ arguments: [String], detailed: Bool = true) -> LabVRRPDOptions {
        var options = LabVRRPDOptions(tag: tag, arguments: (detailed ? ["-D"] : []) + arguments, waitForStatus: nil)
        let directory = "\(host.directory)/\(tag)"
        options.directory = directory
        options.configPath = "\(directory)/keepalived.conf"
        options.pidPath = "\(directory)/vrrpd.pid"
        options.statusSocket = "\(directory)/status.sock"
        options.dumpDirectory = "\(directory)/dump"
        return options
    }

    /// Waits until each daemon's instance is in the state given for it.
    func waitForStates(_ expected: [(LabVRRPNode, String)], instance: String = "VI_1",
                       timeout: Duration = DaemonLab.patience,
                       fileID: String = #fileID, line: Int = #line) async throws {
        try await lab.waitForStates(expected, instance: instance, timeout: timeout, fileID: fileID, line: line)
    }

    func waitForState(_ daemon: LabVRRPNode, _ state: String, instance: String = "VI_1",
                      timeout: Duration = DaemonLab.patience,
                      fileID: String = #fileID, line: Int = #line) async throws {
        try await lab.waitForStates([(daemon, state)], instance: instance, timeout: timeout, fileID: fileID, line: line)
    }

    // MARK: Addresses

    /// True when `cidr` (as the daemon installs it, e.g. "198.18.0.100/24") is on the host's `ifname`.
    func hasVIP(_ host: LabHost, _ cidr: String, ifname: String = "eth0") throws -> Bool {
        try lab.addresses(host, ifname: ifname).contains(cidr)
    }

    /// Waits until `cidr` is on exactly the hosts in `owners` among `among` (default: all proxies).
    func waitForVIP(_ cidr: String, on owners: [LabHost], among: [LabHost]? = nil,
                    timeout: Duration = DaemonLab.patience,
                    fileID: String = #fileID, line: Int = #line) async throws {
        let hosts = among ?? proxies
        let names = owners.map(\.name).joined(separator: ", ")
        try await wait("\(cidr) on exactly [\(names)]", timeout: timeout, fileID: fileID, line: line) {
            try hosts.allSatisfy { try self.hasVIP($0, cidr) == owners.contains($0) }
        }
    }

    /// Waits until `address` answers a ping from the client (a few may be lost while the
    /// client's neighbour cache catches up).
    func waitForPing(_ address: String, fileID: String = #fileID, line: Int = #line) async throws {
        try await wait("the client to ping \(address)", fileID: fileID, line: line) {
            try self.lab.ping(from: self.client, address)
        }
    }

    /// The interface's MAC.
    func mac(_ host: LabHost, ifname: String = "eth0") throws -> MACAddress {
        let text = try lab.mac(host, ifname: ifname)
        guard let mac = MACAddress(text) else { throw LabError.unexpectedOutput("bad MAC \(text) on \(host)") }
        return mac
    }

    // MARK: Waiting and logs

    /// `waitUntil` that gives up at once (with the log) when one of `daemons` has exited.
    func wait(_ what: String, daemon: LabVRRPNode? = nil, daemons: [LabVRRPNode] = [],
              timeout: Duration = DaemonLab.patience,
              fileID: String = #fileID, line: Int = #line,
              _ condition: () throws -> Bool) async throws {
        try await lab.waitFor(what, watching: daemons + (daemon.map { [$0] } ?? []), timeout: timeout,
                                fileID: fileID, line: line, condition)
    }

    /// Every daemon's log, each under a header.
    func logs() -> String {
        daemons.withLock { $0 }.map { d in
            "──── \(d) log (\(d.process.logPath)) ────\n\(d.log)"
        }.joined(separator: "\n")
    }
}

/// Builds a lab with `proxies` proxies and a client, runs `body`, prints every daemon's log
/// when `body` throws (a failed `#require` or a timed-out wait), and tears the lab down on every
/// path. `VRRP_ITEST_LOGS=1` prints the logs always.
func withDaemonLab(proxies: Int = 2, _ body: (DaemonLab) async throws -> Void) async throws {
    try requireLab(LabRequirement.namespaceLab + [.vrrpctl])
    try await withLab { lab in
        let daemonLab = DaemonLab(lab: lab, topology: try LabTopology(in: lab, proxies: proxies))
        do {
            try await body(daemonLab)
            if ProcessInfo.processInfo.environment["VRRP_ITEST_LOGS"] == "1" { print(daemonLab.logs()) }
        } catch {
            print("integration test failed: \(error)\n\(daemonLab.logs())")
            throw error
        }
    }
}
