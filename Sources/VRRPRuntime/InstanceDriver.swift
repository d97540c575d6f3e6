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
    var timers: [VirtualRouter.TimerKind: TimerToken] = [:]
    /// The virtual addresses present for this instance (added by us, or already there).
    var installed: Set<IPAddress> = []
    /// The subset of `installed` that was on the interface without our IFA_PROTO tag when we
    /// went to add it: the operator's (typically the address owner's own interface address,
    /// RFC 5798 §5.2.4). Announced while master, never deleted.
    var borrowed: Set<IPAddress> = []
    /// Interface index of `settings.interface`, nil while it does not exist.
    var ifindex: Int32?
    /// The source address adverts go out with, nil while none is usable.
    var source: IPAddress?
    var stateSince: Double
    var lastReason = "configured"
    /// Tracked item status by name: true = OK.
    var trackStatus: [String: Bool] = [:]
    var trackReason: [String: String] = [:]
    /// Values read from tracked files (`vrrp_track_file`).
    var fileValues: [String: Int] = [:]
    /// Fault reasons raised by the runtime (interface down, failed weight-0 tracker, waiting for source).
    var faults: Set<String> = []
    /// The last advert accepted from the master: kept raw and formatted only for a snapshot
    /// (formatting the source per advert showed in the backup's profile).
    var lastHeard: (at: Double, from: IPAddress, priority: UInt8, interval: Centiseconds)?
    var foreign = ForeignAdvertisements()
    /// When the master-down timer was last armed from a master's advert (for the takeover time).
    var masterDownArmedAt: Instant?
    var lastTakeoverMilliseconds: Double?
    var lastAdvertSent: Instant?

    init(settings: InstanceSettings, wallClock: Double) {
        self.settings = settings
        self.router = VirtualRouter(configuration: settings.router, localAddress: nil)
        self.stateSince = wallClock
    }

    var name: String { settings.name }

    /// Base priority plus the weights of tracked items (keepalived: positive weights add while
    /// OK, negative ones subtract while failing; `reverse` swaps the two), clamped 1...254.
    /// The address owner (255) is never moved by tracking.
    var effectivePriority: UInt8 {
        let base = Int(settings.router.priority)
        if base == 255 { return 255 }
        return UInt8(clamping: min(254, max(1, base + trackedDelta)))
    }

    var trackedDelta: Int {
        settings.tracked.reduce(0) { $0 + contribution(of: $1) }
    }

    func contribution(of item: TrackReference) -> Int {
        if item.kind == .file {
            guard let value = fileValues[item.name] else { return 0 }
            return TrackFile.contribution(value: value, weight: item.weight, reverse: item.reverse).priorityDelta
        }
        guard item.weight != 0, let ok = trackStatus[item.name] else { return 0 }
        let weight = item.reverse ? -item.weight : item.weight
        if weight > 0 { return ok ? weight : 0 }
        return ok ? 0 : weight
    }

    /// The fault reasons that tracked weight-0 items raise now.
    var trackedFaults: Set<String> {
        var out: Set<String> = []
        for item in settings.tracked where item.kind == .file {
            if let value = fileValues[item.name],
               TrackFile.contribution(value: value, weight: item.weight, reverse: item.reverse).fault {
                out.insert("file \(item.name) reads \(value)")
            }
        }
        for item in settings.tracked where item.weight == 0 && item.kind != .file {
            if trackStatus[item.name] == false { out.insert("\(item.kind.rawValue) \(item.name) failed") }
        }
        return out
    }

    func snapshot(now: Instant, wallNow: Double) -> InstanceSnapshot {
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
        let tracked = settings.tracked.map { item in
            TrackedItem(name: item.name, kind: item.kind.rawValue,
                        status: item.kind == .file
                            ? (fileValues[item.name].map { "value \($0)" } ?? "unknown")
                            : (trackStatus[item.name].map { $0 ? "ok" : "failing" } ?? "unknown"),
                        weight: item.weight, contribution: contribution(of: item),
                        faultOnFailure: item.weight == 0, reason: trackReason[item.name] ?? "")
        }
        var master: MasterInfo?
        if router.state == .backup, let address = router.masterAddress {
            master = MasterInfo(address: address.description, priority: Int(router.masterPriority ?? 0))
        }
        return InstanceSnapshot(
            name: name, vrid: Int(settings.router.vrid), interface: settings.interface,
            version: Int(settings.router.version.rawValue), family: settings.family.rawValue,
            state: router.state.keepalivedName, stateSince: stateSince, lastTransitionReason: lastReason,
            configuredPriority: Int(settings.router.priority), effectivePriority: Int(router.effectivePriority),
            tracked: tracked, master: master,
            advertIntervalConfigured: Int(settings.router.advertisementInterval.value),
            advertIntervalLearned: Int(router.masterAdverInterval.value),
            virtualAddresses: settings.allAddresses.map {
                VirtualAddressStatus(address: $0.text, device: $0.device, installed: installed.contains($0.address))
            },
            unicastPeers: settings.unicastPeers.map(\.description),
            sourceAddress: source?.description, counters: counters,
            lastAdvertisement: lastHeard.map {
                HeardAdvertisement(at: $0.at, from: $0.from.description, priority: Int($0.priority),
                                   interval: Int($0.interval.value))
            }, foreignAdvertisements: foreign,
            lastTakeoverMilliseconds: lastTakeoverMilliseconds)
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
