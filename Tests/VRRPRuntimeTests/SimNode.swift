// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Logging
import Synchronization
import Testing
import VRRPConfig
import VRRPCore
import VRRPLinux
@testable import VRRPRuntime
import VRRPStatus
import VRRPTestSupport

/// Log lines a daemon wrote, for assertions.
final class LogSink: Sendable {
    let lines = Mutex<[String]>([])
    /// Called with each line as it is written (on the daemon's thread), e.g. to see what else
    /// had already happened at that moment.
    let onLine = Mutex<(@Sendable (String) -> Void)?>(nil)

    func logger(_ label: String) -> Logger {
        Logger(label: label) { _ in CapturingHandler(sink: self) }
    }

    var all: [String] { lines.withLock { $0 } }

    func contains(_ text: String) -> Bool { all.contains { $0.contains(text) } }
}

struct CapturingHandler: LogHandler {
    let sink: LogSink
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let line = "\(event.level): \(event.message)"
        sink.lines.withLock { $0.append(line) }
        sink.onLine.withLock { $0 }?(line)
    }
}

/// A scratch directory for a test's configs, status socket and notify output.
final class Scratch {
    let path: String

    init() {
        var template = Array("/tmp/vrrp-runtime-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        chmod(path, 0o700)
    }

    deinit {
        // Only files this test wrote; no recursion outside the directory.
        if let dir = opendir(path) {
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != "." && name != ".." { unlink("\(path)/\(name)") }
            }
            closedir(dir)
        }
        rmdir(path)
    }

    func write(_ name: String, _ text: String, mode: mode_t = 0o644) -> String {
        let file = "\(path)/\(name)"
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, mode)
        precondition(fd >= 0, "open \(file)")
        _ = Array(text.utf8).withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        fchmod(fd, mode)
        close(fd)
        return file
    }

    func read(_ name: String) -> String? {
        guard let f = fopen("\(path)/\(name)", "r") else { return nil }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n <= 0 { break }
            out += buffer[..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// One vrrpd on a ``FakeHost``: the real `Daemon`, its real configuration loader, fake IO,
/// and the LAN's manual clock. No root, no sockets but the status socket in a scratch dir.
final class SimNode {
    let host: FakeHost
    let daemon: Daemon
    let logs = LogSink()
    let scratch: Scratch
    let configPath: String

    /// `before` prepares the host (links, sysctls) before the daemon starts.
    init(_ lan: FakeLAN, _ name: String, addresses: [[String]], config: String, scratch: Scratch = Scratch(),
         io makeIO: ((FakeHost) -> RuntimeIO)? = nil, before: ((FakeHost) -> Void)? = nil,
         waitForInterfaces: Bool = false, batchAdverts: Bool = true, metricsAddress: String? = nil) throws {
        self.scratch = scratch
        host = lan.addHost(name, addresses: addresses)
        before?(host)
        configPath = scratch.write("\(name).conf", config)
        let loaded = ConfigurationLoader(fileSystem: LocalFileSystem()).load(path: configPath)
        guard let configuration = loaded.configuration else {
            throw SimError.config(loaded.diagnostics.map(\.description).joined(separator: "\n"))
        }
        var options = DaemonOptions(configFile: configPath, pidFile: nil, statusSocket: "\(scratch.path)/\(name).sock",
                                    dumpDirectory: scratch.path, waitForInterfaces: waitForInterfaces, dropCapabilities: false,
                                    version: "test")
        options.batchAdverts = batchAdverts
        options.metricsAddress = metricsAddress
        daemon = try Daemon(options: options, configuration: configuration, logger: logs.logger(name),
                            io: makeIO?(host) ?? host.io, loop: lan.loop)
        daemon.runsCheckers = false
        try daemon.start()
        lan.retain(self)
    }

    enum SimError: Error { case config(String) }

    var snapshot: Snapshot { daemon.snapshot() }

    func instance(_ name: String = "VI_1") -> InstanceSnapshot? { snapshot.instance(named: name) }

    func state(_ name: String = "VI_1") -> String { instance(name)?.state ?? "MISSING" }

    func priority(_ name: String = "VI_1") -> Int { instance(name)?.effectivePriority ?? -1 }

    /// Rewrites the config file and reloads as SIGHUP does.
    @discardableResult
    func reload(_ config: String) -> ReloadResult {
        _ = scratch.write("\(host.name).conf", config)
        return daemon.reload(trigger: "test")
    }

    /// SIGTERM: priority 0, addresses released, loop stopped.
    func terminate() { daemon.shutdown(signal: SIGTERM) }

    /// A crash: the host goes silent at once (no priority 0, addresses stay).
    func crash() { host.isolated = true }

    /// A tracked check's verdict, as the health runtime delivers it on the loop thread.
    func check(_ name: String, ok: Bool, reason: String = "test") {
        daemon.healthEvent(name: name, ok: ok, reason: reason)
    }
}

/// A keepalived.conf instance block for the simulated LAN.
func instanceBlock(_ name: String = "VI_1", vrid: Int = 51, priority: Int, interface: String = "eth0",
                   vip: String = "198.18.0.100/24", advertInt: String = "1", extra: String = "") -> String {
    """
    vrrp_instance \(name) {
        state BACKUP
        interface \(interface)
        virtual_router_id \(vrid)
        priority \(priority)
        advert_int \(advertInt)
        \(extra)
        virtual_ipaddress {
            \(vip)
        }
    }

    """
}

extension Interval {
    static func s(_ seconds: Double) -> Interval { .milliseconds(Int64(seconds * 1000)) }
}
