// SPDX-License-Identifier: Apache-2.0
extension VirtualRouter {
    /// The protocol timers (RFC 5798 §6.2) plus keepalived's gratuitous-ARP and preempt-delay timers.
    public enum TimerKind: String, Hashable, Sendable, CaseIterable {
        /// Master_Down_Timer (Backup only).
        case masterDown
        /// Adver_Timer (Master only).
        case adver
        /// The second gratuitous ARP / NA burst, `garp_master_delay` after becoming Master.
        case garpDelay
        /// The periodic gratuitous ARP / NA refresh (`garp_master_refresh`).
        case garpRefresh
        /// The end of the `preempt_delay` window (Backup only).
        case preemptDelay
        /// The second lower-priority GARP / NA burst, `garp_lower_prio_delay` after the first.
        case garpLowerPriorityDelay
    }

    /// Something that happened to the virtual router. The driver feeds these in, with "now".
    public enum Event: Equatable, Sendable {
        /// RFC 5798 §6.4.1 Startup.
        case startup
        /// RFC 5798 §6.4.2/§6.4.3 Shutdown (graceful stop).
        case shutdown
        /// A decoded advertisement for this router's interface.
        case advertisementReceived(ReceivedAdvertisement)
        /// A timer the router asked for with `.startTimer` expired.
        case timerFired(TimerKind)
        /// The effective priority changed (tracking: see ``PriorityCalculator``).
        case priorityChanged(UInt8)
        /// A fault appeared (interface down, failed weight-0 tracker, sync group member in FAULT…).
        /// Faults are kept by reason; the router stays in FAULT while any reason is raised.
        case faultRaised(String)
        /// The fault with this reason went away.
        case faultCleared(String)
        /// The primary address of the interface changed (nil: the interface has none).
        case localAddressChanged(IPAddress?)
        /// A sync group (keepalived `vrrp_sync_group`) asks this member to follow another member:
        /// `.master` takes a Backup to Master, `.backup` takes a Master to Backup; anything else, or
        /// a request for the current state, is ignored. Produced by ``SyncGroup``.
        case syncGroupRequest(State, reason: String)
    }

    /// Why the router changed state (reported in `.transitioned`; the driver logs it).
    public enum TransitionReason: Hashable, Sendable, CustomStringConvertible {
        /// Initialize → Backup on Startup (RFC 5798 §6.4.1).
        case startup
        /// → Master at once because priority is 255 (RFC 5798 §6.4.1; checklist F26).
        case addressOwner
        /// Backup → Master: Master_Down_Timer fired (RFC 5798 §6.4.2; checklist F29).
        case masterDownTimerExpired
        /// Master → Backup: an advert with a higher priority, or equal priority and a greater
        /// address (RFC 5798 §6.4.3; checklist F36).
        case preferredMasterSeen(priority: UInt8, address: IPAddress)
        /// → Fault (keepalived).
        case faultRaised(String)
        /// Fault → Backup or Master: every fault reason was cleared.
        case faultCleared
        /// → Initialize on Shutdown (RFC 5798 §6.4.2/§6.4.3).
        case shutdown
        /// Master ↔ Backup because another member of the sync group moved (keepalived).
        case syncGroup(String)

        public var description: String {
            switch self {
            case .startup: "startup"
            case .addressOwner: "address owner (priority 255)"
            case .masterDownTimerExpired: "master down timer expired"
            case .preferredMasterSeen(let p, let a): "preferred master \(a) with priority \(p)"
            case .faultRaised(let r): "fault: \(r)"
            case .faultCleared: "fault cleared"
            case .shutdown: "shutdown"
            case .syncGroup(let why): "sync group: \(why)"
            }
        }
    }

    /// What the driver must do. Executed in order.
    public enum Action: Equatable, Sendable {
        /// Send an advertisement with this priority (build it with ``VirtualRouter/advertisement(priority:)``).
        case sendAdvertisement(priority: UInt8)
        /// Configure the virtual addresses on the interface.
        case addVirtualAddresses
        /// Remove the virtual addresses from the interface.
        case removeVirtualAddresses
        /// Send `count` gratuitous ARPs (IPv4) or unsolicited NAs (IPv6) per virtual address.
        case announceVirtualAddresses(count: Int)
        /// Arm (or re-arm, replacing any earlier deadline) a timer; deliver `.timerFired` at `at`.
        case startTimer(TimerKind, at: Instant)
        /// Disarm a timer.
        case cancelTimer(TimerKind)
        /// The state changed.
        case transitioned(from: State, to: State, reason: TransitionReason)
        /// An advertisement was discarded by the checks of RFC 5798 §7.1 (one counter was incremented).
        case rejected(AdvertisementRejection)
    }
}
