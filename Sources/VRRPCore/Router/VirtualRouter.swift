// SPDX-License-Identifier: Apache-2.0
/// One VRRP virtual router as seen by this node: the per-router state machine of RFC 5798 §6
/// (RFC 3768 for v2, RFC 9568 clarifications) plus keepalived's FAULT state.
///
/// Sans-IO: ``handle(_:at:)`` takes an event and "now" and returns the actions the driver must
/// carry out. It never reads a clock, touches a socket or logs.
///
/// ```
///              startup (priority < 255)            master down timer / sync group
///  INITIALIZE ─────────────────────────► BACKUP ───────────────────────────────► MASTER
///      │  ▲   startup (priority 255)       ▲  ◄──────────────────────────────────  │
///      │  └──────── shutdown ─────────── all states     preferred advert / sync     │
///      └──────────────────────────────────────────────────────────────────────────►┘
///  BACKUP/MASTER ── faultRaised ──► FAULT ── last faultCleared ──► BACKUP (owner: MASTER)
/// ```
///
/// Timers are data: `.startTimer(kind, at:)` replaces any earlier deadline of that kind, and the
/// router keeps the armed deadlines in ``timers`` so that a late or duplicate `.timerFired` is
/// ignored. Every advertisement it processes (Backup, Master) increments exactly one counter:
/// `advertiseRcvd` when valid, or the error counter of its `.rejected` reason.
public struct VirtualRouter: Sendable {
    /// The protocol states (RFC 5798 §6.4) plus keepalived's FAULT.
    public enum State: String, Hashable, Sendable, CustomStringConvertible {
        /// RFC 5798 §6.4.1: waiting for Startup; nothing is sent, no timer runs.
        ///
        /// Can transition to: `backup` (Startup, non-owner), `master` (Startup, owner), `fault`
        /// (Startup while a fault is raised).
        case initialize
        /// RFC 5798 §6.4.2: monitors the master; Master_Down_Timer runs; VIPs are not configured.
        ///
        /// Can transition to: `master` (Master_Down_Timer fired), `initialize` (Shutdown), `fault`.
        case backup
        /// RFC 5798 §6.4.3: forwards for the VIPs and sends adverts every Advertisement_Interval.
        ///
        /// Can transition to: `backup` (preferred advert seen), `initialize` (Shutdown), `fault`.
        case master
        /// keepalived's FAULT (not in the RFCs): an interface, address or weight-0 tracker failed.
        /// No adverts, no timers, VIPs removed.
        ///
        /// Can transition to: `backup` or, for the owner, `master` (all faults cleared),
        /// `initialize` (Shutdown).
        case fault

        public var description: String {
            switch self {
            case .initialize: "INIT"
            case .backup: "BACKUP"
            case .master: "MASTER"
            case .fault: "FAULT"
            }
        }
    }

    /// The last valid advertisement this router processed.
    public struct LastAdvertisement: Hashable, Sendable {
        public var at: Instant
        public var from: IPAddress
        public var priority: UInt8
        public var interval: Centiseconds
    }

    public let configuration: Configuration
    /// The primary address of the interface: the advert source and the tie-break address.
    public internal(set) var localAddress: IPAddress?
    public internal(set) var state: State = .initialize
    /// Priority after tracking; 255 for the owner unless a second owner was seen (keepalived #1835).
    public internal(set) var effectivePriority: UInt8
    /// Master_Adver_Interval (RFC 5798 §6.1): learnt from the master in v3 (§6.4.2).
    public internal(set) var masterAdverInterval: Centiseconds
    /// The current master as seen by a backup (ourselves while Master; nil otherwise), with the
    /// priority of its latest advert, also one a preempting backup discards.
    public internal(set) var masterAddress: IPAddress?
    public internal(set) var masterPriority: UInt8?
    public internal(set) var lastAdvertisement: LastAdvertisement?
    public internal(set) var statistics = Statistics()
    /// Time from the start of the Master_Down_Timer that expired to becoming Master.
    public internal(set) var lastTakeover: Interval?
    /// When the router last changed state (nil before the first transition).
    public internal(set) var lastTransition: Instant?
    /// How long a received advert may wait unread (`currentAdvertReadSlack`), as of the last
    /// event handled.
    public internal(set) var advertReadSlack = Interval(nanoseconds: .max)
    /// The armed timers and their deadlines.
    public internal(set) var timers = TimerDeadlines()
    /// The fault reasons currently raised.
    public internal(set) var faultReasons: Set<String> = []

    /// When the Master_Down_Timer was last (re)started, for ``lastTakeover``.
    var masterDownStartedAt: Instant?
    /// keepalived `preempt_time`: until this instant a backup does not preempt (nil: no window).
    var preemptAllowedAt: Instant?

    /// The fault reason used while the interface has no primary address.
    public static let noLocalAddressFault = "no local address"

    public init(configuration: Configuration, localAddress: IPAddress?) {
        precondition(configuration.priority >= 1, "VRRP priority 0 is reserved (RFC 5798 §5.2.4)")
        self.configuration = configuration
        self.localAddress = localAddress
        self.effectivePriority = configuration.priority
        self.masterAdverInterval = configuration.advertisementInterval
        if localAddress == nil { faultReasons.insert(Self.noLocalAddressFault) }
    }

    /// The advertisement this router sends with `priority` (the driver encodes it).
    public func advertisement(priority: UInt8) -> Advertisement {
        Advertisement(
            version: configuration.version, vrid: configuration.vrid, priority: priority,
            interval: configuration.advertisementInterval, addresses: configuration.virtualAddresses,
            authentication: configuration.version == .v2 ? configuration.authentication : .none)
    }

    /// True while the router keeps its VIPs configured.
    public var holdsVirtualAddresses: Bool { state == .master }
}
