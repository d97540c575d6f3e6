// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Foundation
import Synchronization
import Testing
import VRRPCore
import VRRPLab
import VRRPStatus

/// One `vrrpd` started by the harness, with its private directory inside the host's directory.
struct Daemon: Sendable, CustomStringConvertible {
    let host: LabHost
    let process: LabProcess
    /// `<host dir>/<name>/`: config, pid file, status socket, dump dir.
    let directory: String
    let configPath: String
    let pidPath: String
    let socketPath: String
    let dumpDirectory: String

    var description: String { "vrrpd \(process.name) on \(host.name)" }
}

/// A lab with the standard topology (proxies p1…pN, client c) plus the daemons started in it.
/// Every helper waits with generous upper bounds only: they catch hangs, they do not measure.
final class DaemonLab: Sendable {
    let lab: Lab
    let topology: LabTopology
    private let daemons = Mutex<[Daemon]>([])

    /// Upper bound for every state or address wait.
    static let patience: Duration = .seconds(15)

    init(lab: Lab, topology: LabTopology) {
        self.lab = lab
        self.topology = topology
    }

    var proxies: [LabHost] { topology.proxies }
    var client: LabHost { topology.client }

    // MARK: Starting and stopping

    /// Writes `config` into a fresh directory under the host's directory and starts
    /// `vrrpd -f CONF --pid-file … --status-socket … --dump-dir … -D` in the host, in the
    /// foreground; its stderr goes to the process log. Returns once the status socket answers.
    @discardableResult
    func startDaemon(on host: LabHost, config: String, arguments: [String] = [],
                     waitForSocket: Bool = true) async throws -> Daemon {
        let vrrpd = try LabBinaries.vrrpd
        let index = daemons.withLock { list in list.filter { $0.host == host }.count + 1 }
        let name = "vrrpd-\(index)"
        let directory = "\(host.directory)/\(name)"
        try FileManager.default.createDirectory(atPath: "\(directory)/dump", withIntermediateDirectories: true)
        let configPath = "\(directory)/keepalived.conf"
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        let socketPath = "\(directory)/status.sock"
        let argv = [vrrpd, "-f", configPath, "--pid-file", "\(directory)/vrrpd.pid",
                    "--status-socket", socketPath, "--dump-dir", "\(directory)/dump", "-D"] + arguments
        let process = try lab.spawn(host, argv, name: name)
        let daemon = Daemon(host: host, process: process, directory: directory, configPath: configPath,
                            pidPath: "\(directory)/vrrpd.pid", socketPath: socketPath,
                            dumpDirectory: "\(directory)/dump")
        daemons.withLock { $0.append(daemon) }
        if waitForSocket {
            try await wait("\(daemon)'s status socket", daemon: daemon) { (try? self.snapshot(daemon)) != nil }
        }
        return daemon
    }

    /// Runs `vrrpd` with `config` in the host to completion (for start-up errors); returns its
    /// exit status and output. Times out (and fails) after `patience`.
    func runDaemonToExit(on host: LabHost, config: String, arguments: [String] = []) throws -> (result: ProcessResult, configPath: String) {
        let vrrpd = try LabBinaries.vrrpd
        let directory = "\(host.directory)/vrrpd-run-\(UInt16.random(in: 0...UInt16.max))"
        try FileManager.default.createDirectory(atPath: "\(directory)/dump", withIntermediateDirectories: true)
        let configPath = "\(directory)/keepalived.conf"
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        let argv = [vrrpd, "-f", configPath, "--pid-file", "\(directory)/vrrpd.pid",
                    "--status-socket", "\(directory)/status.sock", "--dump-dir", "\(directory)/dump"] + arguments
        return (try lab.run(host, argv, timeout: DaemonLab.patience), configPath)
    }

    /// SIGKILL: the daemon gets no chance to clean up (its VIPs stay).
    func crash(_ daemon: Daemon) throws {
        lab.signal(daemon.process, SIGKILL)
        guard lab.waitExit(daemon.process, timeout: .seconds(5)) != nil else {
            throw HarnessError.unexpected("\(daemon) survived SIGKILL")
        }
    }

    /// SIGTERM and wait for the exit; returns the exit status (nil: still running after `patience`).
    func terminate(_ daemon: Daemon) -> Int32? {
        lab.signal(daemon.process, SIGTERM)
        return lab.waitExit(daemon.process, timeout: DaemonLab.patience)
    }

    // MARK: Status

    /// The daemon's snapshot over its status socket.
    func snapshot(_ daemon: Daemon) throws -> Snapshot {
        let client = try StatusClient(path: daemon.socketPath)
        guard let snapshot = try client.request(.status).snapshot else {
            throw HarnessError.unexpected("\(daemon) answered `status` without a snapshot")
        }
        return snapshot
    }

    /// The snapshot as `vrrpctl status --socket SOCK --json` prints it.
    func vrrpctlSnapshot(_ daemon: Daemon) throws -> Snapshot {
        let result = try lab.run(daemon.host, [try LabBinaries.vrrpctl, "status", "--socket", daemon.socketPath, "--json"])
        guard result.succeeded else {
            throw HarnessError.unexpected("vrrpctl status exited \(result.status): \(result.stderr)")
        }
        return try JSONDecoder().decode(Snapshot.self, from: Data(result.stdout.utf8))
    }

    func instance(_ daemon: Daemon, _ name: String = "VI_1") throws -> InstanceSnapshot {
        guard let instance = try snapshot(daemon).instance(named: name) else {
            throw HarnessError.unexpected("\(daemon) has no instance \(name)")
        }
        return instance
    }

    /// "MASTER", "BACKUP", "FAULT" or "INIT".
    func state(_ daemon: Daemon, _ instance: String = "VI_1") throws -> String {
        try self.instance(daemon, instance).state
    }

    /// Waits until each daemon's instance is in the state given for it.
    func waitForStates(_ expected: [(Daemon, String)], instance: String = "VI_1",
                       timeout: Duration = DaemonLab.patience,
                       fileID: String = #fileID, line: Int = #line) async throws {
        let what = expected.map { "\($0.0.host.name) \($0.1)" }.joined(separator: ", ")
        try await wait(what, daemons: expected.map(\.0), timeout: timeout, fileID: fileID, line: line) {
            expected.allSatisfy { daemon, state in (try? self.state(daemon, instance)) == state }
        }
    }

    func waitForState(_ daemon: Daemon, _ state: String, instance: String = "VI_1",
                      timeout: Duration = DaemonLab.patience,
                      fileID: String = #fileID, line: Int = #line) async throws {
        try await waitForStates([(daemon, state)], instance: instance, timeout: timeout, fileID: fileID, line: line)
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
        guard let mac = MACAddress(text) else { throw HarnessError.unexpected("bad MAC \(text) on \(host)") }
        return mac
    }

    // MARK: Waiting and logs

    /// `waitUntil` that gives up at once (with the log) when one of `daemons` has exited.
    func wait(_ what: String, daemon: Daemon? = nil, daemons: [Daemon] = [],
              timeout: Duration = DaemonLab.patience,
              fileID: String = #fileID, line: Int = #line,
              _ condition: () throws -> Bool) async throws {
        let watched = daemons + (daemon.map { [$0] } ?? [])
        try await waitUntil(what, timeout: timeout, fileID: fileID, line: line) { () async throws -> Bool in
            for d in watched where !self.lab.isRunning(d.process) {
                throw HarnessError.daemonExited(
                    "\(d) exited (status \(self.lab.waitExit(d.process, timeout: .zero) ?? -1)) while waiting for \(what)")
            }
            return try condition()
        }
    }

    /// Every daemon's log, each under a header.
    func logs() -> String {
        daemons.withLock { $0 }.map { d in
            "──── \(d) log (\(d.process.logPath)) ────\n\(lab.log(d.process))"
        }.joined(separator: "\n")
    }

    func log(_ daemon: Daemon) -> String { lab.log(daemon.process) }
}

/// Fails (never skips) when the tests cannot build namespaces: CI runs them as root.
func requireLabSupport() throws {
    try #require(Lab.isSupported,
                 "the integration tests need root and iproute2 (CI runs them as root): `sudo swift test --filter IntegrationTests`")
}

/// Builds a lab with `proxies` proxies and a client, runs `body`, prints every daemon's log
/// when `body` throws (a failed `#require` or a timed-out wait), and tears the lab down on every
/// path. `VRRP_ITEST_LOGS=1` prints the logs always.
func withDaemonLab(proxies: Int = 2, _ body: (DaemonLab) async throws -> Void) async throws {
    try requireLabSupport()
    _ = try LabBinaries.vrrpd
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
