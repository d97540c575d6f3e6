// SPDX-License-Identifier: Apache-2.0
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
    let loop: any EventLoopProtocol
    let io: RuntimeIO
    var configuration: Configuration
    var instances: [InstanceDriver] = [] {
        didSet { demux = nil }
    }
    /// The addresses this process added (RTM_NEWADDR answered "added") and has not deleted.
    var addedAddresses: Set<PrefixedAddress> = []
    /// Our virtual address deletes whose RTM_DELADDR has not been read yet (Daemon+Addresses.swift).
    var ownDeletes: [LinkAddress: Int] = [:]
    /// `static_ipaddress`, `static_routes`, `static_rules` this process added (Daemon+Routes.swift).
    var statics = StaticEntries()
    /// Instances by socket and VRID for the per-packet lookup; nil when stale (rebuilt lazily).
    var demux: [SocketKey: SocketInstances]?
    var netlink: any AddressConfigurator { io.addresses }
    /// Address requests once started: off the loop thread (Daemon+Addresses.swift).
    let addressRequests: AddressRequestQueue
    var monitor: (any InterfaceEventSource)?
    var links: [Int32: LinkInfo] = [:]
    var interfaceAddresses: [Int32: [InterfaceAddress]] = [:]
    var sockets: [SocketKey: any VRRPTransport] = [:]
    /// Backup sockets read once per window instead of per advert (Daemon+Coalesce.swift).
    var held: [SocketKey: HeldSocket] = [:]
    /// Periodic adverts due in this loop turn, sent together at its end (one sendmmsg per socket).
    var outbox = AdvertOutbox()
    /// Emptied action buffers for `feed` to reuse (no allocation per event).
    var spareActions: [[VirtualRouter.Action]] = []
    var joinedGroups: Set<GroupMembership> = []
    /// nftables drop rules for Accept_Mode off (created only when an instance needs them).
    var acceptFilter: (any PacketFilterTable)?
    /// The set last sent to the table.
    var acceptBlocked: Set<IPAddress> = []
    /// The set it should hold: each address with how many instances block it now (an address
    /// may be in two instances); kept per transition (`updateAcceptFilter(after:)`).
    var acceptBlockCounts: [IPAddress: Int] = [:]
    /// The `use_vmac` macvlans in the table now (Daemon+VirtualMAC.swift `filterEntries`).
    var acceptMACs: [NftablesRequest.VirtualMACEntry] = []
    var packetSockets: [Int32: any PacketSender] = [:]
    /// Gratuitous ARPs / NAs waiting for their gap (`vrrp_garp_interval`, Daemon+Addresses.swift).
    var announcements = AnnouncementPacer<PendingAnnouncement>()
    var announcementTimer: TimerToken?
    /// `use_vmac` macvlans this run made or adopted, and the base sysctls to restore.
    var virtualMACs = VirtualMACRegistry()
    var statusServer: StatusServer?
    var metricsServer: MetricsServer?
    var health: HealthRuntime?
    /// False in runtime tests that deliver check verdicts themselves (`healthEvent`) instead of
    /// running scripts and probes on threads in real time.
    var runsCheckers = true
    let notifier: NotifyQueue
    var shuttingDown = false
    /// A SIGUSR1 dump is being rendered over loop turns (`dumpSnapshot`).
    var dumping = false
    var exitCode: Int32 = 0
    let startedAt: Double
    /// Wall-clock seconds at monotonic instant zero, fixed at start: the snapshot's times.
    let wallOffset: Double
    var lastReload: ReloadResult?
    /// Packets that matched no instance (wrong VRID, or undecodable before the VRID), by socket.
    var unmatchedPackets = 0
    /// The last state each sync group was notified for.
    var lastGroupStates: [String: String] = [:]
    /// `notify_fifo` / `vrrp_notify_fifo` (Daemon+NotifyFifo.swift).
    var notifyFifos: [NotifyFifo] = []
    /// A descriptor kept free for reload and SIGUSR1 dumps when clients use up the rest.
    let reserve = ReserveDescriptor()

    /// `io` and `loop` default to the real sockets and the epoll loop; tests pass fakes and a
    /// manual loop (VRRPTestSupport) to run the daemon without root at simulated time.
    public init(options: DaemonOptions, configuration: Configuration, logger: Logger,
                io: RuntimeIO? = nil, loop: (any EventLoopProtocol)? = nil) throws {
        self.options = options
        self.configuration = configuration
        self.log = logger
        self.loop = try loop ?? EventLoop()
        self.io = try io ?? RuntimeIO.linux()
        self.notifier = NotifyQueue()
        self.addressRequests = AddressRequestQueue(configurator: self.io.addresses, loop: self.loop,
                                                   mode: self.io.addressRequests)
        self.startedAt = wallClock()
        self.wallOffset = startedAt - Double(self.loop.now().nanoseconds) / 1e9
    }

    var pid: Int32 { ProcessEnvironment.processID }

    /// Runs until SIGTERM/SIGINT; returns the exit status.
    public func run() throws -> Int32 {
        try EventLoop.blockSignals([ProcessSignal.terminate, ProcessSignal.interrupt, ProcessSignal.hangup,
                                    ProcessSignal.user1, ProcessSignal.brokenPipe])
        try start()
        // systemd Type=notify (packaging/vrrpd.service): ready once sockets and instances are up.
        do { try SystemdNotify.send("READY=1") } catch { log.warning("cannot notify systemd: \(error)") }
        try loop.run()
        finish()
        return exitCode
    }

    /// Everything `run()` does before the loop runs: interfaces, leftovers, the status socket,
    /// the instances and their checks. Tests call it with a manual loop, then move time.
    func start() throws {
        try loop.onSignal([ProcessSignal.terminate, ProcessSignal.interrupt, ProcessSignal.hangup,
                           ProcessSignal.user1]) { [unowned self] signal in
            switch signal {
            case ProcessSignal.hangup: _ = self.reserve.whileReleased { self.reload(trigger: "SIGHUP") }
            case ProcessSignal.user1: self.dumpSnapshot()
            default: self.shutdown(signal: signal)
            }
        }
        applyProcessSettings()
        try refreshInterfaces()
        let settings = try buildSettings(configuration)
        try checkInterfaces(settings)
        logInitialLinkStates(settings)
        removeLeftoverAddresses()
        removeLeftoverRoutesAndRules(settings)
        removeLeftoverAcceptFilter(settings)
        statusServer = try StatusServer(daemon: self, path: options.statusSocket, group: options.statusGroup)
        if let metrics = options.metricsAddress {
            metricsServer = try MetricsServer(daemon: self, address: metrics)
        }
        openNotifyFifos()
        // Capabilities are per thread: drop them before anything starts a thread (checkers,
        // notify scripts of an instance that starts as MASTER), so every thread inherits the
        // reduced sets (HealthRuntime.dropCapabilities says what is kept).
        if runsCheckers {
            let runtime = HealthRuntime(daemon: self)
            health = runtime
            if options.dropCapabilities { runtime.dropCapabilities(configuration) }
        }
        // The request worker's thread starts here, after the capabilities were dropped, like
        // every other thread, and before the first takeover needs it (a thread created by the
        // first add would delay the virtual addresses). static_* entries are its first requests.
        addressRequests.start()
        syncStatics(configuration)
        // Starts the instances and configures the checkers (after vrrp_startup_delay, if set).
        startInstances(settings, after: configuration.globals.startupDelay)
        log.info("Startup complete")
    }

    /// After the loop stopped: checks, status and metrics closed, notify scripts finished.
    func finish() {
        // The deletes queued by the shutdown reach the kernel before the process ends.
        if !addressRequests.waitUntilIdle(limit: .seconds(15)) {
            log.error("address requests still pending at exit; virtual addresses may remain")
        }
        addressRequests.stop()
        closeNotifyFifos()
        health?.stop()
        statusServer?.close()
        metricsServer?.close()
        _ = notifier.waitUntilIdle(limit: .seconds(5))
    }

    // MARK: Instances

    func startInstance(_ s: InstanceSettings) {
        let d = InstanceDriver(settings: s, wallClock: wallClock())
        instances.append(d)
        bind(d)
        if d.settings.virtualMAC != nil { setUpVirtualMAC(d) }
        if !d.settings.addressVirtualMACs.isEmpty { setUpAddressVirtualMACs(d) }
        if let ifindex = d.socketIfindex { ensureSocket(SocketKey(ifindex: ifindex, family: s.family), for: d) }
        for reason in initialFaults(d) { feed(d, .faultRaised(reason)) }
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

    /// Feeds one event to an instance's state machine and executes what it returns; `inspect`
    /// then sees each action. The actions go into a buffer taken from `spareActions` and given
    /// back emptied with its capacity, so a received advert allocates nothing here (issue 16);
    /// a pool, not one buffer, because executing an action can feed another instance.
    /// `at`: when the event happened, if earlier than now (a held advert's arrival); an
    /// instance's event times never go backwards.
    func feed(_ d: InstanceDriver, _ event: VirtualRouter.Event, at time: Instant? = nil,
              inspect: (VirtualRouter.Action) -> Void = { _ in }) {
        let faultsBefore = d.router.faultReasons
        var actions = spareActions.popLast() ?? []
        let now = max(time ?? loop.now(), d.lastEventAt)
        d.lastEventAt = now
        let slackBefore = d.router.advertReadSlack
        d.router.handle(event, at: now, into: &actions)
        // A shorter read slack (MASTER now, a higher priority, a shorter learned interval) may
        // make a held socket's window too long: read it again at once (issue 16).
        let slackAfter = d.router.advertReadSlack
        if slackAfter != slackBefore {
            forgetHoldWindow(for: d)
            if slackAfter < slackBefore { resumeHeld(for: d) }
        }
        execute(actions, for: d)
        for action in actions { inspect(action) }
        // A fault raised or cleared without a transition (already in FAULT) still matters to
        // the member's sync group.
        if d.router.faultReasons != faultsBefore { syncGroupFaultsChanged(d) }
        actions.removeAll(keepingCapacity: true)
        spareActions.append(actions)
    }

    /// Runs the core's actions in order, except that a transition's bookkeeping for operators
    /// (log, notify, FIFO, status, sync group) runs after the batch's network actions: the core
    /// lists `.transitioned` first, and a new master's address add and advert must not wait for
    /// it (issue 16: 0.3 ms of cold logging and publishing came before the add on a first
    /// takeover). keepalived's order is the same (vrrp_state_become_master: addresses,
    /// adverts, then the notifies). The Accept_Mode filter is updated in place, before the adds.
    func execute(_ actions: [VirtualRouter.Action], for d: InstanceDriver) {
        var deferred: (from: VirtualRouter.State, to: VirtualRouter.State, reason: VirtualRouter.TransitionReason)?
        defer { if let t = deferred { announceTransition(d, from: t.from, to: t.to, reason: t.reason) } }
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
                arm(d, kind, at: at)
            case .cancelTimer:
                break  // lazily: the armed loop timer finds no deadline in the core (ArmedTimers)
            case .transitioned(let from, let to, let reason):
                if let t = deferred { announceTransition(d, from: t.from, to: t.to, reason: t.reason) }
                d.lastReason = reason.description
                updateAcceptFilter(after: d)
                deferred = (from, to, reason)
            case .rejected(let rejection):
                log.debug("(\(d.name)) discarded advertisement: \(rejection)", metadata: meta(d))
            }
        }
    }

    /// Arms the loop timer of `kind` for `deadline`, unless one armed earlier is still pending:
    /// that one re-arms itself at the core's deadline when it fires (``ArmedTimers``).
    func arm(_ d: InstanceDriver, _ kind: VirtualRouter.TimerKind, at deadline: Instant) {
        if let slot = d.timers[kind] {
            if slot.at <= deadline { return }
            _ = loop.cancel(slot.token)
        }
        // The core says how early a timer may fire (an Adver_Timer: when the loop is awake for
        // another instance's advert anyway, so they share a wake-up and a sendmmsg; issue 16).
        var earliest = deadline - d.reading { $0.earliness(kind) }
        var afterIO = false
        if kind == .masterDown {
            // The loop timer of a Master_Down_Timer is a check (ArmedTimers): the adverts heard
            // since it was armed moved the core's deadline later, and `timerDue` re-arms it there.
            // Checking up to a quarter of Master_Down_Interval (≈ one advert interval) early,
            // in a turn awake for received adverts anyway, costs no wake-up of its own; a check
            // never takes over early (the core's fire time is exact). Only while the window is
            // still ahead: a check re-armed inside it would be due again at once.
            let check = deadline - Interval(nanoseconds: d.reading { $0.masterDownInterval }.nanoseconds / 4)
            if check > loop.now() {
                earliest = check
                afterIO = true
            }
        }
        // An Adver_Timer fires early only beside another timer, never because a packet woke
        // the loop: a master would chase another master's adverts (with keepalived 2.2.7 as
        // that master, it stopped advertising; KeepalivedInteropTests authMismatch).
        let body: () -> Void
        if let made = d.timerBodies[kind] {
            body = made
        } else {
            body = { [unowned self, unowned d] in self.timerDue(d, kind) }
            d.timerBodies[kind] = body
        }
        let token = loop.schedule(at: deadline, earliest: earliest, afterIO: afterIO, body)
        d.timers[kind] = ArmedTimers.Slot(token: token, at: deadline)
    }

    /// An armed loop timer fired: re-armed at the core's deadline if that moved later, fed to
    /// the core if due (or within its early-fire window), dropped if the core cancelled it.
    func timerDue(_ d: InstanceDriver, _ kind: VirtualRouter.TimerKind) {
        // The socket is read before a due Master_Down_Timer: an advert that arrived in time
        // wins (issue 16). Only when due: the lazily re-armed timer fires about once per
        // Master_Down_Interval with its deadline already moved on. More queued than one read
        // takes: the rest is read in the next turns (bounded work per turn) and the timer is
        // looked at again then, unless an advert read meanwhile armed it anew.
        if kind == .masterDown, let due = d.router.timers[kind], due <= loop.now(), !readBeforeMasterDown(for: d, due: due),
           let still = d.router.timers[kind], still <= loop.now() {
            d.timers[kind] = nil
            loop.runNextTurn { [weak self, weak d] in
                guard let self, let d, d.timers[kind] == nil else { return }
                self.timerDue(d, kind)
            }
            return
        }
        d.timers[kind] = nil
        guard let deadline = d.router.timers[kind], let fireTime = d.reading({ $0.fireTime(kind) }) else { return }
        if fireTime > loop.now() {
            arm(d, kind, at: deadline)
        } else if kind == .adver && options.batchAdverts {
            // The steady master's advert: queued and sent with the others due in this turn.
            outbox.collecting = true
            feed(d, .timerFired(kind))
            outbox.collecting = false
        } else {
            feed(d, .timerFired(kind))
        }
    }

    /// A transition's bookkeeping for operators and sync groups (see `execute`).
    func announceTransition(_ d: InstanceDriver, from: VirtualRouter.State, to: VirtualRouter.State,
                            reason: VirtualRouter.TransitionReason) {
        switch to {
        case .master:
            log.notice("(\(d.name)) Entering MASTER STATE", metadata: meta(d))
        case .backup:
            log.notice("(\(d.name)) Entering BACKUP STATE (\(reason))", metadata: meta(d))
        case .fault:
            log.notice("(\(d.name)) Entering FAULT STATE (\(reason))", metadata: meta(d))
        case .initialize:
            log.notice("(\(d.name)) Entering INIT STATE (\(reason))", metadata: meta(d))
        }
        runNotify(d, state: to)
        notifyFifoTransition(d, state: to)
        statusServer?.publish(WatchEvent(at: wallClock(), kind: .transition, instance: d.name,
                                         from: from.keepalivedName, to: to.keepalivedName,
                                         reason: reason.description, priority: Int(d.router.effectivePriority)))
        syncGroupMemberChanged(d, from: from, to: to, reason: reason)
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
        removeStatics()
        removeAcceptFilter()
        removePidFile()
        loop.stop()
    }

    /// Shuts one instance down: priority 0 if master, addresses removed, timers cancelled.
    func stopInstance(_ d: InstanceDriver) {
        feed(d, .shutdown)
        removeAddresses(d)
        // Also while a creation is unanswered (deleted behind it).
        if d.settings.virtualMAC != nil { tearDownVirtualMAC(d) }
        if !d.addressMACIndexes.isEmpty || virtualMACs.creating.values.contains(where: { $0.owner == ObjectIdentifier(d) }) {
            tearDownAddressVirtualMACs(d)
        }
        for token in d.timers.removeAll() { _ = loop.cancel(token) }
        runNotify(d, state: nil)
        notifyFifoTransition(d, state: nil)
    }

    func removePidFile() {
        if let pidFile = options.pidFile { ProcessEnvironment.removeFile(pidFile) }
    }
}

func wallClock() -> Double { ProcessEnvironment.wallClock() }

func missingInterfaceReason(_ name: String) -> String { "interface \(name) does not exist" }
func interfaceDownReason(_ name: String) -> String { "interface \(name) is down" }
func noSourceReason(_ d: InstanceDriver) -> String {
    if let configured = d.settings.sourceAddress {
        return "source address \(configured) is not on \(d.settings.interface)"
    }
    return "no \(d.settings.family) source address on \(d.settings.interface)"
}
