// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif
import Foundation
import VRRPStatus

/// How `Lab.startVRRPD` runs a vrrpd: every path it reads or writes is settable; by default
/// each lies in `directory` (the host's directory unless set) and is named after `tag`:
/// `<tag>.conf`, `<tag>.pid`, `<tag>.sock`, `<tag>.log`, the dump directory `directory` itself.
public struct LabVRRPDOptions: Sendable {
    public var tag: String
    /// nil: `LabBinaries.vrrpd`.
    public var binary: String?
    /// Where the files go when their own path is nil; nil: the host's directory.
    public var directory: String?
    public var configPath: String?
    public var pidPath: String?
    public var statusSocket: String?
    public var dumpDirectory: String?
    public var logPath: String?
    /// More vrrpd arguments after the paths ("-D", "--status-group", "--metrics-address", …).
    public var arguments: [String]
    /// argv put in front of vrrpd (e.g. `setpriv --no-new-privs`, valgrind).
    public var wrapper: [String] = []
    public var environment: [String: String] = [:]
    /// Wait until the status socket answers (the daemon has read its configuration and runs);
    /// nil: return at once.
    public var waitForStatus: Duration?

    public init(tag: String = "vrrpd", arguments: [String] = ["-l"], waitForStatus: Duration? = .seconds(20)) {
        self.tag = tag
        self.arguments = arguments
        self.waitForStatus = waitForStatus
    }
}

extension LabVRRPDOptions {
    /// The paths a vrrpd started with these options in `host` uses.
    struct Paths {
        var directory, config, pid, socket, dump, log: String
    }

    func paths(on host: LabHost) -> Paths {
        let dir = directory ?? host.directory
        return Paths(directory: dir, config: configPath ?? "\(dir)/\(tag).conf", pid: pidPath ?? "\(dir)/\(tag).pid",
                     socket: statusSocket ?? "\(dir)/\(tag).sock", dump: dumpDirectory ?? dir,
                     log: logPath ?? "\(dir)/\(tag).log")
    }

    /// The command line these options start vrrpd with in `host` (wrapper first).
    public func commandLine(on host: LabHost) throws -> [String] {
        let p = paths(on: host)
        return wrapper + [try binary ?? LabBinaries.vrrpd, "-f", p.config, "--pid-file", p.pid,
                          "--status-socket", p.socket, "--dump-dir", p.dump] + arguments
    }

    /// Creates the directories and writes `config`.
    func prepare(on host: LabHost, config: String) throws -> Paths {
        let p = paths(on: host)
        for directory in [p.directory, p.dump] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        try config.write(toFile: p.config, atomically: true, encoding: .utf8)
        return p
    }
}

extension Lab {
    /// Writes `config` and starts vrrpd in `host` with the paths of `options`; with
    /// `options.waitForStatus` it returns once the status socket answers (and throws, with the
    /// log, when the daemon exits first).
    public func startVRRPD(_ host: LabHost, config: String, options: LabVRRPDOptions = .init()) throws -> LabVRRPNode {
        let p = try options.prepare(on: host, config: config)
        try? FileManager.default.removeItem(atPath: p.socket)
        let process = try spawn(host, try options.commandLine(on: host), name: options.tag,
                                environment: options.environment, logPath: p.log)
        let node = LabVRRPNode(lab: self, daemon: .vrrpd, host: host, process: process, configPath: p.config,
                               statusSocket: p.socket, pidPath: p.pid, childPIDPath: nil, dumpDirectory: p.dump,
                               tag: options.tag)
        if let timeout = options.waitForStatus { try node.waitForStatus(timeout: timeout) }
        return node
    }

    /// `startVRRPD` with `binary` and `tag`, returning at once (interop tests and `vrrp-lab up`).
    public func startVRRPD(_ host: LabHost, binary: String, config: String, tag: String = "vrrpd",
                           extraArguments: [String] = []) throws -> LabVRRPNode {
        var options = LabVRRPDOptions(tag: tag, arguments: ["-l"] + extraArguments, waitForStatus: nil)
        options.binary = binary
        return try startVRRPD(host, config: config, options: options)
    }

    /// Runs vrrpd with `config` in `host` to completion (start-up errors, `-t`): its exit status
    /// and output, and the configuration's path. The paths are those of `options` (its
    /// `waitForStatus` is ignored); after `timeout` it is killed and `LabError.timedOut` thrown.
    public func runVRRPD(_ host: LabHost, config: String, options: LabVRRPDOptions = .init(arguments: []),
                         timeout: Duration = .seconds(20)) throws -> (result: ProcessResult, configPath: String) {
        let p = try options.prepare(on: host, config: config)
        return (try run(host, try options.commandLine(on: host), timeout: timeout), p.config)
    }

    /// Writes `config` and starts Debian's keepalived in `host` (`ip netns exec`), VRRP only,
    /// in the foreground, logging to the console only (`-l -G`: never to the machine's
    /// syslog; `-D` detailed unless `detailed` is false), every PID file its own inside
    /// `host.directory` so instances never collide with each other or with a keepalived of the
    /// machine. keepalived also serves as the peer of interop tests and `vrrp-lab up --peer`.
    public func startKeepalived(_ host: LabHost, config: String, tag: String = "keepalived",
                                binary: String = Lab.keepalivedPath ?? "keepalived",
                                detailed: Bool = true) throws -> LabVRRPNode {
        let conf = "\(host.directory)/\(tag).conf"
        try config.write(toFile: conf, atomically: true, encoding: .utf8)
        let d = host.directory
        let argv = [binary, "-n", "-l"] + (detailed ? ["-D"] : []) + ["-G", "-P", "-f", conf,
                    "-p", "\(d)/\(tag).pid", "-r", "\(d)/\(tag)-vrrp.pid",
                    "-c", "\(d)/\(tag)-checkers.pid", "-b", "\(d)/\(tag)-bfd.pid"]
        let process = try spawn(host, argv, name: tag)
        return LabVRRPNode(lab: self, daemon: .keepalived, host: host, process: process, configPath: conf,
                           statusSocket: nil, pidPath: "\(d)/\(tag).pid", childPIDPath: "\(d)/\(tag)-vrrp.pid",
                           dumpDirectory: nil, tag: tag)
    }
}

extension LabVRRPNode {
    /// The daemon's output so far.
    public var log: String { lab.log(process) }

    /// True until the daemon's process has exited.
    public var isRunning: Bool { lab.isRunning(process) }

    /// The daemon's processes: vrrpd's one; keepalived's parent and, once it exists, its VRRP
    /// child (read from the child's PID file).
    public var pids: [Int32] {
        var out = [process.pid]
        if let childPIDPath, let text = try? String(contentsOfFile: childPIDPath, encoding: .utf8),
           let child = Int32(text.trimmingWhitespace()), child != process.pid {
            out.append(child)
        }
        return out
    }

    // MARK: Status

    /// vrrpd's snapshot over its status socket (the library's client).
    public func snapshot() throws -> Snapshot {
        guard let statusSocket else { throw LabError.unexpectedOutput("\(self) has no status socket") }
        let reply = try StatusClient(path: statusSocket).request(.status)
        guard let snapshot = reply.snapshot else {
            throw LabError.unexpectedOutput("\(self) answered `status` without a snapshot: \(reply)")
        }
        return snapshot
    }

    /// The snapshot as `vrrpctl status --socket SOCK --json` prints it (run in the host).
    public func vrrpctlSnapshot() throws -> Snapshot {
        let result = try vrrpctl(["status", "--json"])
        guard result.succeeded else {
            throw LabError.unexpectedOutput("vrrpctl status on \(host.name) exited \(result.status): \(result.stderr)")
        }
        return try JSONDecoder().decode(Snapshot.self, from: Data(result.stdout.utf8))
    }

    /// Runs `vrrpctl ARGS… --socket SOCK` in the host, behind `prefix` (e.g. `setpriv` as
    /// another user); a non-zero exit is returned, not thrown.
    public func vrrpctl(_ args: [String], prefix: [String] = [], timeout: Duration = .seconds(30)) throws -> ProcessResult {
        guard let statusSocket else { throw LabError.unexpectedOutput("\(self) has no status socket") }
        return try lab.run(host, prefix + [try LabBinaries.vrrpctl] + args + ["--socket", statusSocket], timeout: timeout)
    }

    /// One instance of the snapshot.
    public func instance(_ name: String = "VI_1") throws -> InstanceSnapshot {
        guard let instance = try snapshot().instance(named: name) else {
            throw LabError.unexpectedOutput("\(self) has no instance \(name)")
        }
        return instance
    }

    /// "MASTER", "BACKUP", "FAULT" or "INIT": vrrpd's from its status socket, keepalived's
    /// from its log; nil when not known (yet).
    public func state(_ instance: String = "VI_1") -> String? {
        switch daemon {
        case .vrrpd: (try? self.instance(instance))?.state
        case .keepalived: lab.loggedState(self, instance: instance)
        }
    }

    /// The addresses on the host's `ifname`, without prefix lengths.
    public func addresses(_ ifname: String = "eth0") throws -> [String] {
        try lab.addresses(host, ifname: ifname).map(stripPrefixLength)
    }

    // MARK: Waiting

    /// `waitUntil` that gives up at once when the daemon exits; a timeout or exit error carries
    /// the end of the daemon's log.
    public func waitUntil(_ what: String, timeout: Duration = .seconds(20), poll: Duration = .milliseconds(50),
                          fileID: String = #fileID, line: Int = #line, _ condition: () throws -> Bool) throws {
        do {
            try VRRPLab.waitUntil(what, timeout: timeout, poll: poll, fileID: fileID, line: line) {
                guard isRunning else {
                    throw LabError.unexpectedOutput("\(self) exited (status \(lab.waitExit(process, timeout: .zero) ?? -1)) while waiting for \(what)")
                }
                return try condition()
            }
        } catch let error as LabError {
            throw LabError.unexpectedOutput("\(error)\n--- log of \(self) (\(process.logPath)) ends with ---\n\(log.suffix(4000))")
        }
    }

    /// Waits until the status socket answers (vrrpd) or the VRRP child exists (keepalived).
    public func waitForStatus(timeout: Duration = .seconds(20)) throws {
        try waitUntil("\(self) to answer on its status socket", timeout: timeout, poll: .milliseconds(20)) {
            daemon == .vrrpd ? (try? snapshot()) != nil : pids.count == 2
        }
    }

    /// Waits until `instance` is in `state`.
    public func waitForState(_ state: String, instance: String = "VI_1", timeout: Duration = .seconds(20),
                             fileID: String = #fileID, line: Int = #line) throws {
        try waitUntil("\(instance) of \(self) to be \(state)", timeout: timeout, fileID: fileID, line: line) {
            self.state(instance) == state
        }
    }

    // MARK: Ending

    /// SIGKILL (by PID, to the process group and keepalived's VRRP child): the daemon gets no
    /// chance to clean up, so its VIPs stay. Throws when it survives.
    public func crash() throws {
        let all = pids
        lab.signal(process, SIGKILL, group: true)
        for pid in all where pid != process.pid { _ = kill(pid, SIGKILL) }
        guard lab.waitExit(process, timeout: .seconds(5)) != nil else {
            throw LabError.unexpectedOutput("\(self) survived SIGKILL")
        }
    }

    /// SIGTERM to the daemon's PID, and wait up to `timeout` for the exit: its status, nil when
    /// it still runs (it is left running: the caller decides).
    @discardableResult
    public func terminate(timeout: Duration = .seconds(15)) -> Int32? {
        lab.signal(process, SIGTERM)
        return lab.waitExit(process, timeout: timeout)
    }

    /// SIGTERM to the process group, SIGKILL after `grace`; keepalived's VRRP child is killed
    /// too. Returns the exit status.
    @discardableResult
    public func stop(grace: Duration = .seconds(10)) -> Int32? {
        let all = pids
        let status = lab.stop(process, grace: grace)
        for pid in all where pid != process.pid { _ = kill(pid, SIGKILL) }
        return status
    }
}

extension Lab {
    /// `waitUntil` for async code watching several daemons: gives up at once when one of
    /// `nodes` exits (naming it and its exit status).
    public func waitFor(_ what: String, watching nodes: [LabVRRPNode], timeout: Duration = .seconds(20),
                          poll: Duration = .milliseconds(50), fileID: String = #fileID, line: Int = #line,
                          _ condition: () throws -> Bool) async throws {
        try await VRRPLab.waitUntil(what, timeout: timeout, poll: poll, fileID: fileID, line: line) { () async throws -> Bool in
            for node in nodes where !node.isRunning {
                throw LabError.unexpectedOutput(
                    "\(node) exited (status \(waitExit(node.process, timeout: .zero) ?? -1)) while waiting for \(what)")
            }
            return try condition()
        }
    }

    /// Waits until each node's `instance` is in the state given for it.
    public func waitForStates(_ expected: [(LabVRRPNode, String)], instance: String = "VI_1",
                              timeout: Duration = .seconds(20), fileID: String = #fileID, line: Int = #line) async throws {
        let what = expected.map { "\($0.0.host.name) \($0.1)" }.joined(separator: ", ")
        try await waitFor(what, watching: expected.map(\.0), timeout: timeout, fileID: fileID, line: line) {
            expected.allSatisfy { node, state in node.state(instance) == state }
        }
    }
}
