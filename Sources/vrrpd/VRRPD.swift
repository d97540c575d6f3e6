// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import ArgumentParser
import Logging
import VRRPConfig
import VRRPLinux
import VRRPRuntime

let vrrpdVersion = "0.1.0"

struct VRRPD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vrrpd",
        abstract: "A VRRP (RFC 3768 / RFC 5798) daemon that reads keepalived.conf.",
        discussion: """
            Runs in the foreground (systemd style). SIGTERM/SIGINT: masters send priority 0 and \
            every virtual address is removed. SIGHUP: reload. SIGUSR1: write vrrpd.data and \
            vrrpd.json to the dump directory. keepalived's -f -l -D -n -P -p -r flags are accepted.
            """,
        version: vrrpdVersion)

    @Option(name: [.customShort("f"), .customLong("use-file")], help: "The keepalived.conf to read.")
    var configFile: String?

    @Flag(name: [.customShort("t"), .customLong("config-test")], help: "Check the configuration, print a summary and exit (0: usable).")
    var configTest = false

    @Flag(name: .customLong("strict"), help: "Refuse a configuration keepalived would run after correcting it (every correction becomes a refusal).")
    var strict = false

    @Flag(name: [.customShort("l"), .customLong("log-console")], help: "Log to stderr (the default unless --log-syslog).")
    var logConsole = false

    @Flag(name: .customLong("log-syslog"), help: "Log to syslog (facility daemon) instead of stderr.")
    var logSyslog = false

    @Flag(name: [.customShort("D"), .customLong("log-detail")], help: "Detailed logs: levels, metadata and debug messages.")
    var logDetail = false

    @Flag(name: [.customShort("n"), .customLong("dont-fork")], help: "Accepted for keepalived compatibility: vrrpd always stays in the foreground.")
    var dontFork = false

    @Flag(name: [.customShort("P"), .customLong("vrrp")], help: "Accepted for keepalived compatibility: vrrpd only does VRRP.")
    var vrrpOnly = false

    @Option(name: [.customLong("pid-file"), .customShort("p"), .customLong("pid")], help: "Write the daemon's PID here.")
    var pidFile: String?

    @Option(name: [.customShort("r"), .customLong("vrrp_pid")], help: "keepalived's VRRP-child PID file: written too, with the same PID.")
    var vrrpPidFile: String?

    @Option(name: .customLong("status-socket"), help: "The status socket path.")
    var statusSocket = "/run/vrrpd/vrrpd.sock"

    @Option(name: .customLong("status-group"), help: "Group owning the status socket (mode 0660).")
    var statusGroup: String?

    @Option(name: .customLong("dump-dir"), help: "Where SIGUSR1 writes vrrpd.data and vrrpd.json (created 0750 if missing; must not be writable by others).")
    var dumpDirectory = "/run/vrrpd"

    @Option(name: .customLong("metrics-address"), help: "Serve Prometheus metrics on HOST:PORT (off by default).")
    var metricsAddress: String?

    @Flag(name: .customLong("wait-for-interfaces"), help: "Wait in FAULT for interfaces that do not exist yet instead of exiting 1.")
    var waitForInterfaces = false

    @Flag(name: .customLong("keep-capabilities"), help: "Do not drop capabilities after start-up.")
    var keepCapabilities = false

    @Flag(name: .customLong("no-advert-batching"),
          help: "Send every periodic advert with its own sendmsg instead of one sendmmsg per interface and loop turn.")
    var noAdvertBatching = false

    @Flag(name: .customLong("no-receive-coalescing"),
          help: "Read a backup's VRRP socket on every wake-up instead of once per short window while adverts keep coming.")
    var noReceiveCoalescing = false

    func resolvedConfigFile() -> String {
        if let configFile { return configFile }
        for candidate in ["/etc/vrrpd/keepalived.conf", "/etc/keepalived/keepalived.conf"]
        where access(candidate, R_OK) == 0 {
            return candidate
        }
        return "/etc/keepalived/keepalived.conf"
    }

    func run() throws {
        let path = resolvedConfigFile()
        if configTest {
            let outcome = ConfigTest.run(path: path, strict: strict)
            for line in outcome.lines { print(line) }
            throw ExitCode(outcome.exitCode)
        }
        let syslog = logSyslog && !logConsole
        let detail = logDetail
        LoggingSystem.bootstrap { _ in
            syslog ? AnyLogHandler(SyslogLogHandler(ident: "vrrpd")) : AnyLogHandler(KeepalivedStyleLogHandler(detail: detail))
        }
        let log = Logger(label: "vrrpd")
        log.info("Starting vrrpd v\(vrrpdVersion)")
        log.info("Configuration file \(path)")

        let loaded = ConfigurationLoader(fileSystem: LocalFileSystem(), strict: strict).load(path: path)
        for d in loaded.diagnostics {
            if d.severity == .error { log.error("\(d)") } else { log.warning("\(d)") }
        }
        guard let configuration = loaded.configuration else {
            printError("vrrpd: \(path): configuration refused (errors above); nothing started")
            throw ExitCode(1)
        }
        guard Capabilities.hasNetCapabilities() else {
            printError("vrrpd: needs CAP_NET_RAW (raw VRRP sockets) and CAP_NET_ADMIN (virtual addresses): run it as root or grant both")
            throw ExitCode(1)
        }
        // Another daemon on the same files: stop before touching anything (no address removed,
        // no socket unlinked). keepalived logs "daemon is already running" and exits 0.
        var locks: [PidFileLock] = []
        for file in [pidFile, vrrpPidFile].compactMap({ $0 }) {
            do {
                switch try PidFileLock.acquire(file) {
                case .acquired(let lock):
                    locks.append(lock)
                case .heldByAnother(let pid):
                    alreadyRunning(log, "pid \(pid.map(String.init) ?? "?") holds the lock on \(file)")
                }
            } catch {
                printError("vrrpd: cannot write the PID file \(file): \(error)")
                throw ExitCode(1)
            }
        }
        if unixSocketIsLive(statusSocket) {
            alreadyRunning(log, "another vrrpd answers on \(statusSocket)")
        }
        var options = DaemonOptions(
            configFile: path, pidFile: pidFile, statusSocket: statusSocket, statusGroup: statusGroup,
            dumpDirectory: dumpDirectory, metricsAddress: metricsAddress, waitForInterfaces: waitForInterfaces,
            dropCapabilities: !keepCapabilities, logToSyslog: syslog, logDetail: detail, version: vrrpdVersion)
        options.strictConfiguration = strict
        options.batchAdverts = !noAdvertBatching
        options.coalesceReceive = !noReceiveCoalescing
        let code: Int32
        do {
            let daemon = try Daemon(options: options, configuration: configuration, logger: log)
            code = try daemon.run()
        } catch {
            log.error("\(error)")
            printError("vrrpd: \(error)")
            for lock in locks { lock.remove() }
            throw ExitCode(1)
        }
        if let vrrpPidFile { unlink(vrrpPidFile) }
        withExtendedLifetime(locks) {}
        log.info("Stopped vrrpd v\(vrrpdVersion)")
        throw ExitCode(code)
    }

    /// keepalived's answer to a second start (main.c): "daemon is already running", exit 0.
    func alreadyRunning(_ log: Logger, _ detail: String) -> Never {
        log.info("daemon is already running")
        printError("vrrpd: daemon is already running (\(detail)); nothing done")
        Glibc.exit(0)
    }
}

/// Type-erases a log handler so the bootstrap closure can choose one at run time.
struct AnyLogHandler: LogHandler {
    var base: any LogHandler
    init(_ base: any LogHandler) { self.base = base }
    var logLevel: Logger.Level {
        get { base.logLevel }
        set { base.logLevel = newValue }
    }
    var metadata: Logger.Metadata {
        get { base.metadata }
        set { base.metadata = newValue }
    }
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { base[metadataKey: key] = newValue }
    }
    func log(event: LogEvent) { base.log(event: event) }
}

func printError(_ message: String) {
    var bytes = Array((message + "\n").utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}
