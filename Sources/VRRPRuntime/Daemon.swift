#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Logging
import VRRPConfig
import VRRPCore
import VRRPHealth
import VRRPLinux
import VRRPStatus

public enum DaemonError: Error, CustomStringConvertible {
    case configuration([String])
    case privileges(String)
    case interface(String)
    case startup(String)

    public var description: String {
        switch self {
        case .configuration(let lines): lines.joined(separator: "\n")
        case .privileges(let m), .interface(let m), .startup(let m): m
        }
    }
}

/// A socket is shared by every instance on one interface and family; adverts are
/// demultiplexed by VRID.
struct SocketKey: Hashable {
    var ifindex: Int32
    var family: AddressFamily
}

/// The driver: one serial event loop owns every instance's state, feeds it packets, timer
/// fires, interface and health events, and turns the returned actions into syscalls.
public final class Daemon: @unchecked Sendable {
    // Everything below is confined to the loop thread (see EventLoop's threading contract).
    let options: DaemonOptions
    let log: Logger
    let loop: EventLoop
    var configuration: Configuration
    var instances: [InstanceDriver] = [] {
        didSet { demux = nil }
    }
    /// The addresses this process added (RTM_NEWADDR answered "added") and has not deleted.
    var addedAddresses: Set<PrefixedAddress> = []
    /// Instances by socket and VRID for the per-packet lookup; nil when stale (rebuilt lazily).
    var demux: [SocketKey: SocketInstances]?
    let netlink: RouteNetlink
    var monitor: NetlinkMonitor?
    var links: [Int32: LinkInfo] = [:]
    var interfaceAddresses: [Int32: [InterfaceAddress]] = [:]
    var sockets: [SocketKey: VRRPSocket] = [:]
    var joinedGroups: Set<GroupMembership> = []
    /// nftables drop rules for Accept_Mode off (created only when an instance needs them).
    var acceptFilter: AcceptModeFilter?
    var acceptBlocked: Set<IPAddress> = []
    var packetSockets: [Int32: PacketSocket] = [:]
    var statusServer: StatusServer?
    var metricsServer: MetricsServer?
    var health: HealthRuntime?
    let notifier: NotifyQueue
    var shuttingDown = false
    var exitCode: Int32 = 0
    let startedAt: Double
    var lastReload: ReloadResult?
    /// Packets that matched no instance (wrong VRID, or undecodable before the VRID), by socket.
    var unmatchedPackets = 0
    /// The last state each sync group was notified for.
    var lastGroupStates: [String: String] = [:]

    public init(options: DaemonOptions, configuration: Configuration, logger: Logger) throws {
        self.options = options
        self.configuration = configuration
        self.log = logger
        self.loop = try EventLoop()
        self.netlink = try RouteNetlink()
        self.notifier = NotifyQueue()
        self.startedAt = wallClock()
    }

    var pid: Int32 { getpid() }

    /// Runs until SIGTERM/SIGINT; returns the exit status.
    public func run() throws -> Int32 {
        try EventLoop.blockSignals([SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGPIPE])
        try loop.onSignal([SIGTERM, SIGINT, SIGHUP, SIGUSR1]) { [unowned self] signal in
            switch signal {
            case SIGHUP: self.reload(trigger: "SIGHUP")
            case SIGUSR1: self.dumpSnapshot()
            default: self.shutdown(signal: signal)
            }
        }
        try refreshInterfaces()
        let settings = try buildSettings(configuration)
        try checkInterfaces(settings)
        removeLeftoverAddresses()
        removeLeftoverAcceptFilter(settings)
        statusServer = try StatusServer(daemon: self, path: options.statusSocket, group: options.statusGroup)
        if let metrics = options.metricsAddress {
            metricsServer = try MetricsServer(daemon: self, address: metrics)
        }
        for s in settings { startInstance(s) }
        health = HealthRuntime(daemon: self)
        health?.configure(configuration, instances: instances)
        if options.dropCapabilities {
            do {
                try Capabilities.keepOnlyNetCapabilities()
            } catch {
                log.warning("could not drop capabilities: \(error)")
            }
        }
        log.info("Startup complete")
        // systemd Type=notify (packaging/vrrpd.service): ready once sockets and instances are up.
        do { try SystemdNotify.send("READY=1") } catch { log.warning("cannot notify systemd: \(error)") }
        try loop.run()
        health?.stop()
        statusServer?.close()
        metricsServer?.close()
        _ = notifier.waitUntilIdle(limit: .seconds(5))
        return exitCode
    }

    // MARK: Instances

    func startInstance(_ s: InstanceSettings) {
        let d = InstanceDriver(settings: s, wallClock: wallClock())
        instances.append(d)
        bind(d)
        if let ifindex = d.ifindex { ensureSocket(SocketKey(ifindex: ifindex, family: s.family), for: d) }
        for reason in initialFaults(d) {
            d.faults.insert(reason)
            feed(d, .faultRaised(reason))
        }
        if let source = d.source { feed(d, .localAddressChanged(source)) }
        feed(d, .startup)
    }

    /// Resolves the instance's interface and source address from the current tables.
    func bind(_ d: InstanceDriver) {
        d.ifindex = links.values.first { $0.name == d.settings.interface }?.index
        demux = nil
        d.source = d.ifindex.flatMap { chooseSource(d, ifindex: $0) }
    }

    func initialFaults(_ d: InstanceDriver) -> Set<String> {
        var out: Set<String> = []
        guard let ifindex = d.ifindex else {
            out.insert(missingInterfaceReason(d.settings.interface))
            return out
        }
        if !d.settings.dontTrackPrimary, links[ifindex]?.isUp != true || links[ifindex]?.isRunning != true {
            out.insert(interfaceDownReason(d.settings.interface))
        }
        if d.source == nil { out.insert(noSourceReason(d)) }
        return out
    }

    /// Feeds one event to an instance's state machine and executes what it returns.
    func feed(_ d: InstanceDriver, _ event: VirtualRouter.Event) {
        let actions = d.router.handle(event, at: EventLoop.now())
        execute(actions, for: d)
    }

    func execute(_ actions: [VirtualRouter.Action], for d: InstanceDriver) {
        for action in actions {
            switch action {
            case .sendAdvertisement(let priority):
                sendAdvertisement(d, priority: priority)
            case .addVirtualAddresses:
                installAddresses(d)
            case .removeVirtualAddresses:
                removeAddresses(d)
            case .announceVirtualAddresses(let count):
                announce(d, count: count)
            case .startTimer(let kind, let at):
                if let old = d.timers.removeValue(forKey: kind) { _ = loop.cancel(old) }
                if kind == .masterDown { d.masterDownArmedAt = EventLoop.now() }
                d.timers[kind] = loop.schedule(at: at) { [unowned self, unowned d] in
                    d.timers[kind] = nil
                    self.feed(d, .timerFired(kind))
                }
            case .cancelTimer(let kind):
                if let old = d.timers.removeValue(forKey: kind) { _ = loop.cancel(old) }
            case .transitioned(let from, let to, let reason):
                transitioned(d, from: from, to: to, reason: reason)
            case .rejected(let rejection):
                log.debug("(\(d.name)) discarded advertisement: \(rejection)", metadata: meta(d))
            }
        }
    }

    func transitioned(_ d: InstanceDriver, from: VirtualRouter.State, to: VirtualRouter.State,
                      reason: VirtualRouter.TransitionReason) {
        d.stateSince = wallClock()
        d.lastReason = reason.description
        switch to {
        case .master:
            if case .masterDownTimerExpired = reason, let armed = d.masterDownArmedAt {
                d.lastTakeoverMilliseconds = (EventLoop.now() - armed).milliseconds
            }
            log.notice("(\(d.name)) Entering MASTER STATE", metadata: meta(d))
        case .backup:
            log.notice("(\(d.name)) Entering BACKUP STATE (\(reason))", metadata: meta(d))
        case .fault:
            log.notice("(\(d.name)) Entering FAULT STATE (\(reason))", metadata: meta(d))
        case .initialize:
            log.notice("(\(d.name)) Entering INIT STATE (\(reason))", metadata: meta(d))
        }
        runNotify(d, state: to)
        updateAcceptFilter()
        statusServer?.publish(WatchEvent(at: wallClock(), kind: .transition, instance: d.name,
                                         from: from.keepalivedName, to: to.keepalivedName,
                                         reason: reason.description, priority: Int(d.router.effectivePriority)))
        syncGroupMemberChanged(d, from: from, to: to)
    }

    func meta(_ d: InstanceDriver) -> Logger.Metadata {
        ["vrid": "\(d.settings.router.vrid)", "interface": "\(d.settings.interface)",
         "family": "\(d.settings.family)"]
    }

    // MARK: Shutdown

    /// SIGTERM/SIGINT: every master sends priority 0 and every instance removes its addresses
    /// (RFC 5798 §6.4.3 Shutdown), then the loop stops. A second signal finds nothing left to do.
    func shutdown(signal: CInt) {
        guard !shuttingDown else {
            log.info("shutdown already in progress")
            return
        }
        shuttingDown = true
        log.info("Stopping (signal \(signal))")
        for d in instances { stopInstance(d) }
        instances.removeAll()
        removeAcceptFilter()
        removePidFile()
        loop.stop()
    }

    /// Shuts one instance down: priority 0 if master, addresses removed, timers cancelled.
    func stopInstance(_ d: InstanceDriver) {
        feed(d, .shutdown)
        removeAddresses(d)
        for (_, token) in d.timers { _ = loop.cancel(token) }
        d.timers.removeAll()
        runNotify(d, state: nil)
    }

    func removePidFile() {
        if let pidFile = options.pidFile { unlink(pidFile) }
    }
}

func wallClock() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func missingInterfaceReason(_ name: String) -> String { "interface \(name) does not exist" }
func interfaceDownReason(_ name: String) -> String { "interface \(name) is down" }
func noSourceReason(_ d: InstanceDriver) -> String {
    if let configured = d.settings.sourceAddress {
        return "source address \(configured) is not on \(d.settings.interface)"
    }
    return "no \(d.settings.family) source address on \(d.settings.interface)"
}
