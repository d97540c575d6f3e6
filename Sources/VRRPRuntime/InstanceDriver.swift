// SPDX-License-Identifier: Apache-2.0
import VRRPConfig
import VRRPCore
import VRRPHealth
import VRRPLinux
import VRRPStatus

/// The runtime side of one virtual router: its pure state machine plus what only the
/// driver knows (timers armed on the loop, installed addresses, tracking, history).
/// Confined to the event-loop thread.
final class InstanceDriver {
    var settings: InstanceSettings
    var router: VirtualRouter
    /// Reads the core's state machine in place. A computed property or method of `router`
    /// called as `d.router.x` ran on a copy of the whole `VirtualRouter` (memcpy, an outlined
    /// copy retaining each of its references, a destroy releasing them): four per advert sent,
    /// ≈ 2 800 of its 9 900 instructions (issue 16, callgrind). Through `inout` it is not copied.
    @inline(__always)
    func reading<T>(_ body: (inout VirtualRouter) -> T) -> T { body(&router) }
    /// The loop timers armed for the core's timers (re-armed lazily, see ``ArmedTimers``).
    var timers = ArmedTimers()
    /// The loop-timer body of each timer kind, made at its first arm and reused (issue 16: a
    /// closure per arm was an allocation, a free and unowned reference counting per advert).
    var timerBodies = PerTimerKind<() -> Void>()
    /// The instant of the last event fed to the core (``Daemon/feed``): never goes backwards.
    var lastEventAt = Instant(nanoseconds: 0)
    /// The last advert encoded (`Advertisement.encode(into:)`), reused for the next.
    var advertBuffer: [UInt8] = []
    /// The virtual addresses present for this instance (added by us, or already there).
    var installed: Set<IPAddress> = []
    /// The subset of `installed` that was on the interface without our IFA_PROTO tag when we
    /// went to add it: the operator's (typically the address owner's own interface address,
    /// RFC 5798 §5.2.4). Announced while master, never deleted.
    var borrowed: Set<IPAddress> = []
    /// Adds submitted and not answered yet (Daemon+Addresses.swift).
    var pendingAdds: [IPAddress: AddOutcome] = [:]

    /// Takes `address` out of `pendingAdds`; the last one out frees the dictionary's storage
    /// (issue 16: 1 000 masters kept ~130 KiB of empty tables after their adds came back).
    @discardableResult
    func takePendingAdd(_ address: IPAddress) -> AddOutcome? {
        let add = pendingAdds.removeValue(forKey: address)
        if pendingAdds.isEmpty { pendingAdds = [:] }
        return add
    }
    /// The gratuitous ARPs/NAs of this term as MASTER (sent on the worker); cancelled when the
    /// addresses are removed, so a frame still queued there is not sent for a VIP on its way out.
    var announcing: AnnouncementTicket?
    /// The addresses this instance counts for in the Accept_Mode drop set (Daemon+Addresses.swift).
    var acceptBlocking: [IPAddress] = []
    /// `virtual_routes` / `virtual_rules` this process added while MASTER, with the request used
    /// (deleted on leaving MASTER), and those found already there (someone else's: never deleted).
    var addedRoutes: [VirtualRoute: RouteSpec] = [:]
    var addedRules: [VirtualRule: RuleSpec] = [:]
    var presentRoutes: Set<VirtualRoute> = []
    var presentRules: Set<VirtualRule> = []
    /// Interface index of `settings.interface`, nil while it does not exist.
    var ifindex: Int32?
    /// The `use_vmac` macvlan's index while it exists (Daemon+VirtualMAC.swift).
    var virtualMACIndex: Int32?
    /// The `use_vmac_addr` macvlans this instance set up, by name (Daemon+VirtualMAC.swift).
    var addressMACIndexes: [String: Int32] = [:]
    /// The interface the VRRP socket is on: the macvlan (RFC 5798 §7.2: adverts carry the
    /// virtual MAC) unless `vmac_xmit_base`, else `ifindex`.
    var socketIfindex: Int32? {
        if let v = virtualMACIndex, settings.virtualMAC?.transmitOnBase == false { return v }
        return ifindex
    }
    /// The source address adverts go out with, nil while none is usable.
    var source: IPAddress?
    var lastReason = "configured"
    /// Tracked item status by name: true = OK.
    var trackStatus: [String: Bool] = [:]
    var trackReason: [String: String] = [:]
    /// Rise/fall counting against the status of a check ("failing 1/2"); nil when settled.
    var trackProgress: [String: String] = [:]
    /// Values read from tracked files (`vrrp_track_file`).
    var fileValues: [String: Int] = [:]
    var foreign = ForeignAdvertisements()
    /// Wall-clock time the driver was created (the state's "since" before the first transition).
    let createdAt: Double

    init(settings: InstanceSettings, wallClock: Double) {
        self.settings = settings
        self.router = VirtualRouter(configuration: settings.router, localAddress: nil)
        self.createdAt = wallClock
        self.appliedTracking = PriorityCalculator(base: settings.router.priority)
    }

    var name: String { settings.name }

    /// The tracking the state machine was last told about (see `Daemon.applyTracking`).
    var appliedTracking: PriorityCalculator

    /// The tracked items as the core's ``PriorityCalculator`` sees them now, keyed by
    /// ``trackKey(_:)``: the one place where weights, `reverse`, file values and weight-0 faults
    /// are computed (keepalived semantics, tested in VRRPCoreTests).
    var tracking: PriorityCalculator {
        var calc = PriorityCalculator(base: settings.router.priority)
        for item in settings.tracked {
            if item.kind == .file {
                calc.track(trackKey(item), .file(weight: item.weight, reverse: item.reverse, value: fileValues[item.name]))
            } else {
                let status = trackStatus[item.name]
                calc.track(trackKey(item), .init(weight: item.weight, reverse: item.reverse,
                                                 isUp: status ?? true, isKnown: status != nil))
            }
        }
        return calc
    }

    /// The tracker's name in the calculator, and so the fault reason of a failing weight-0 item.
    func trackKey(_ item: TrackReference) -> String { "tracked \(item.kind.rawValue) \(item.name)" }

    /// The status of this instance; `wallOffset` turns the core's monotonic instants into
    /// wall-clock seconds (fixed at start, so a time reads the same in every snapshot).
    func snapshot(wallOffset: Double) -> InstanceSnapshot {
        func wall(_ instant: Instant) -> Double { wallOffset + Double(instant.nanoseconds) / 1e9 }
        let c = router.statistics
        var counters = Counters()
        counters.becomeMaster = Int(clamping: c.becomeMaster)
        counters.advertiseRcvd = Int(clamping: c.advertiseRcvd)
        counters.advertiseIntervalErrors = Int(clamping: c.advertiseIntervalErrors)
        counters.authFailures = Int(clamping: c.authFailures)
        counters.ipTtlErrors = Int(clamping: c.ipTtlErrors)
        counters.priorityZeroPktsRcvd = Int(clamping: c.priorityZeroPktsRcvd)
        counters.priorityZeroPktsSent = Int(clamping: c.priorityZeroPktsSent)
        counters.invalidTypePktsRcvd = Int(clamping: c.invalidTypePktsRcvd)
        counters.addressListErrors = Int(clamping: c.addressListErrors)
        counters.invalidAuthType = Int(clamping: c.invalidAuthType)
        counters.authTypeMismatch = Int(clamping: c.authTypeMismatch)
        counters.packetLengthErrors = Int(clamping: c.packetLengthErrors)
        counters.checksumErrors = Int(clamping: c.checksumErrors)
        counters.versionErrors = Int(clamping: c.versionErrors)
        counters.vrIdErrors = Int(clamping: c.vrIdErrors)
        let calc = tracking
        let tracked = settings.tracked.map { item in
            TrackedItem(name: item.name, kind: item.kind.rawValue,
                        status: item.kind == .file
                            ? (fileValues[item.name].map { "value \($0)" } ?? "unknown")
                            : trackProgress[item.name] ?? (trackStatus[item.name].map { $0 ? "ok" : "failing" } ?? "unknown"),
                        weight: item.weight, contribution: calc.trackers[trackKey(item)]?.contribution ?? 0,
                        faultOnFailure: item.weight == 0, reason: trackReason[item.name] ?? "")
        }
        var master: MasterInfo?
        if router.state == .backup, let address = router.masterAddress {
            master = MasterInfo(address: address.description, priority: Int(router.masterPriority ?? 0))
        }
        // Issue 18: the reason comes from the core's state, converted to wall-clock time here.
        var takeover: TakeoverStatus?
        if let outlook = router.takeoverOutlook {
            let reason: TakeoverStatus.Reason = switch outlook {
            case .masterPreferred: .masterPreferred
            case .lowerPriorityMaster: .lowerPriorityMaster
            case .preemptDelay: .preemptDelay
            case .noPreempt: .noPreempt
            case .noMasterHeard: .noMasterHeard
            }
            let at: Instant? = if case .masterPreferred(let down) = outlook { down } else { outlook.takeoverAt }
            takeover = TakeoverStatus(reason: reason, at: at.map(wall))
        }
        return InstanceSnapshot(
            name: name, vrid: Int(settings.router.vrid), interface: settings.interface,
            version: Int(settings.router.version.rawValue), family: settings.family.rawValue,
            state: router.state.keepalivedName, stateSince: router.lastTransition.map(wall) ?? createdAt, lastTransitionReason: lastReason,
            configuredPriority: Int(settings.router.priority), effectivePriority: Int(router.effectivePriority),
            tracked: tracked, master: master,
            advertIntervalConfigured: Int(settings.router.advertisementInterval.value),
            advertIntervalLearned: Int(router.masterAdverInterval.value),
            virtualAddresses: settings.allAddresses.map {
                VirtualAddressStatus(address: $0.text, device: $0.device, installed: installed.contains($0.address))
            },
            unicastPeers: settings.unicastPeers.map(\.description),
            sourceAddress: source?.description, counters: counters,
            lastAdvertisement: router.lastAdvertisement.map {
                HeardAdvertisement(at: wall($0.at), from: $0.from.description, priority: Int($0.priority),
                                   interval: Int($0.interval.value))
            }, foreignAdvertisements: foreign,
            lastTakeoverMilliseconds: router.lastTakeover?.milliseconds, takeover: takeover)
    }
}

extension VirtualRouter.State {
    /// keepalived's words, which existing log alerts and scripts match.
    var keepalivedName: String {
        switch self {
        case .initialize: "INIT"
        case .backup: "BACKUP"
        case .master: "MASTER"
        case .fault: "FAULT"
        }
    }
}
