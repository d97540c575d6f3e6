// SPDX-License-Identifier: Apache-2.0
/// The one description of the daemon's state. It feeds the status socket's JSON, `vrrpctl`,
/// the SIGUSR1 dump and the metrics, so those views can never disagree.
public struct Snapshot: Codable, Sendable, Equatable {
    public var daemon: DaemonInfo
    public var instances: [InstanceSnapshot]
    public var syncGroups: [SyncGroupSnapshot]

    public init(daemon: DaemonInfo, instances: [InstanceSnapshot], syncGroups: [SyncGroupSnapshot] = []) {
        self.daemon = daemon
        self.instances = instances
        self.syncGroups = syncGroups
    }

    public func instance(named name: String) -> InstanceSnapshot? {
        instances.first { $0.name == name }
    }
}

public struct DaemonInfo: Codable, Sendable, Equatable {
    public var version: String
    public var pid: Int32
    /// Seconds since the Unix epoch.
    public var startedAt: Double
    public var configFile: String
    public var lastReload: ReloadResult?
    /// How `track_process` sees exits and new processes, e.g. "exits by pidfd, new processes
    /// by /proc scan every 1000 ms" (nil: no process is tracked).
    public var processTracking: String?
    /// Seconds: the latest any timer of the event loop fired after its deadline, since start.
    /// Advert and Master_Down timers are among them, so a figure near the advert interval means
    /// the loop stalled long enough for a peer to notice (issue 19).
    public var loopLagMax: Double?
    /// Seconds: the same over the last one to two minutes.
    public var loopLagLastMinute: Double?

    public init(version: String, pid: Int32, startedAt: Double, configFile: String, lastReload: ReloadResult? = nil,
                processTracking: String? = nil, loopLagMax: Double? = nil, loopLagLastMinute: Double? = nil) {
        self.version = version
        self.pid = pid
        self.startedAt = startedAt
        self.configFile = configFile
        self.lastReload = lastReload
        self.processTracking = processTracking
        self.loopLagMax = loopLagMax
        self.loopLagLastMinute = loopLagLastMinute
    }
}

/// What a reload did: accepted (with the instances it touched) or refused with located errors.
public struct ReloadResult: Codable, Sendable, Equatable {
    public var at: Double
    public var ok: Bool
    public var errors: [String]
    public var warnings: [String]
    public var unchanged: [String]
    public var changed: [String]
    public var added: [String]
    public var removed: [String]

    public init(at: Double, ok: Bool, errors: [String] = [], warnings: [String] = [], unchanged: [String] = [],
                changed: [String] = [], added: [String] = [], removed: [String] = []) {
        self.at = at
        self.ok = ok
        self.errors = errors
        self.warnings = warnings
        self.unchanged = unchanged
        self.changed = changed
        self.added = added
        self.removed = removed
    }
}

public struct InstanceSnapshot: Codable, Sendable, Equatable {
    public var name: String
    public var vrid: Int
    public var interface: String
    public var version: Int
    /// "IPv4" or "IPv6".
    public var family: String
    /// "INIT", "BACKUP", "MASTER" or "FAULT" (keepalived's words).
    public var state: String
    /// Seconds since the Unix epoch.
    public var stateSince: Double
    public var lastTransitionReason: String
    public var configuredPriority: Int
    public var effectivePriority: Int
    public var tracked: [TrackedItem]
    public var master: MasterInfo?
    /// Centiseconds.
    public var advertIntervalConfigured: Int
    /// Centiseconds: Master_Adver_Interval (v3 learns it from the master).
    public var advertIntervalLearned: Int
    public var virtualAddresses: [VirtualAddressStatus]
    public var unicastPeers: [String]
    public var sourceAddress: String?
    public var counters: Counters
    public var lastAdvertisement: HeardAdvertisement?
    public var foreignAdvertisements: ForeignAdvertisements
    /// Master-down timer start to VIPs installed, in milliseconds, for the last takeover.
    public var lastTakeoverMilliseconds: Double?
    /// BACKUP only: why this node is not master (yet), from the protocol core's state.
    public var takeover: TakeoverStatus?

    public init(name: String, vrid: Int, interface: String, version: Int, family: String, state: String,
                stateSince: Double, lastTransitionReason: String, configuredPriority: Int, effectivePriority: Int,
                tracked: [TrackedItem] = [], master: MasterInfo? = nil, advertIntervalConfigured: Int,
                advertIntervalLearned: Int, virtualAddresses: [VirtualAddressStatus], unicastPeers: [String] = [],
                sourceAddress: String? = nil, counters: Counters = Counters(),
                lastAdvertisement: HeardAdvertisement? = nil,
                foreignAdvertisements: ForeignAdvertisements = ForeignAdvertisements(),
                lastTakeoverMilliseconds: Double? = nil, takeover: TakeoverStatus? = nil) {
        self.name = name
        self.vrid = vrid
        self.interface = interface
        self.version = version
        self.family = family
        self.state = state
        self.stateSince = stateSince
        self.lastTransitionReason = lastTransitionReason
        self.configuredPriority = configuredPriority
        self.effectivePriority = effectivePriority
        self.tracked = tracked
        self.master = master
        self.advertIntervalConfigured = advertIntervalConfigured
        self.advertIntervalLearned = advertIntervalLearned
        self.virtualAddresses = virtualAddresses
        self.unicastPeers = unicastPeers
        self.sourceAddress = sourceAddress
        self.counters = counters
        self.lastAdvertisement = lastAdvertisement
        self.foreignAdvertisements = foreignAdvertisements
        self.lastTakeoverMilliseconds = lastTakeoverMilliseconds
        self.takeover = takeover
    }
}

/// One tracked item (script, native check, interface, file, process) and what it adds.
public struct TrackedItem: Codable, Sendable, Equatable {
    public var name: String
    /// "script", "tcp", "http", "amqp", "interface", "file", "process".
    public var kind: String
    /// "ok", "failing" or "unknown".
    public var status: String
    public var weight: Int
    /// What it adds to the priority now (negative when it subtracts).
    public var contribution: Int
    /// True when its failure puts the instance in FAULT (weight 0).
    public var faultOnFailure: Bool
    public var reason: String

    public init(name: String, kind: String, status: String, weight: Int, contribution: Int,
                faultOnFailure: Bool, reason: String = "") {
        self.name = name
        self.kind = kind
        self.status = status
        self.weight = weight
        self.contribution = contribution
        self.faultOnFailure = faultOnFailure
        self.reason = reason
    }
}

/// Why a BACKUP has not taken over, and when it will if nothing changes.
public struct TakeoverStatus: Codable, Sendable, Equatable {
    public enum Reason: String, Codable, Sendable {
        /// The master advertises a priority at least ours: no takeover while it advertises.
        case masterPreferred = "master-preferred"
        /// The master advertises less than ours; its adverts are discarded (RFC 5798 §6.4.2).
        case lowerPriorityMaster = "lower-priority-master"
        /// keepalived `preempt_delay` holds a lower-priority master for a while.
        case preemptDelay = "preempt-delay"
        /// `nopreempt`: a lower-priority master is kept.
        case noPreempt = "nopreempt"
        /// Nothing heard since this node became BACKUP.
        case noMasterHeard = "no-master-heard"
    }

    public var reason: Reason
    /// Seconds since the Unix epoch: when this node becomes MASTER if nothing changes
    /// (master-preferred: when the master-down timer expires should the master fall silent).
    public var at: Double?

    public init(reason: Reason, at: Double?) {
        self.reason = reason
        self.at = at
    }

    /// One line for an operator: "lower-priority master heard; taking over in 2.1 s".
    public func describe(now: Double) -> String {
        let when = at.map { "in \(oneDecimal(max(0, $0 - now))) s" } ?? "when no timer runs: never by itself"
        switch reason {
        case .masterPreferred: return "master priority at least ours; taking over \(when) if it falls silent"
        case .lowerPriorityMaster: return "lower-priority master heard; taking over \(when)"
        case .preemptDelay: return "lower-priority master heard; preempt_delay: taking over \(when)"
        case .noPreempt: return "lower-priority master heard; nopreempt: staying backup"
        case .noMasterHeard: return "no master heard; taking over \(when)"
        }
    }
}

public struct MasterInfo: Codable, Sendable, Equatable {
    public var address: String
    public var priority: Int

    public init(address: String, priority: Int) {
        self.address = address
        self.priority = priority
    }
}

public struct VirtualAddressStatus: Codable, Sendable, Equatable {
    /// "198.18.0.100/32".
    public var address: String
    public var device: String
    public var installed: Bool

    public init(address: String, device: String, installed: Bool) {
        self.address = address
        self.device = device
        self.installed = installed
    }
}

/// What a backup has heard: the question behind most split-brain reports.
public struct HeardAdvertisement: Codable, Sendable, Equatable {
    public var at: Double
    public var from: String
    public var priority: Int
    /// Centiseconds.
    public var interval: Int

    public init(at: Double, from: String, priority: Int, interval: Int) {
        self.at = at
        self.from = from
        self.priority = priority
        self.interval = interval
    }
}

/// Adverts on our VRID from senders that are not our peers or with another address list:
/// usually a VRID collision with another cluster on the same LAN.
public struct ForeignAdvertisements: Codable, Sendable, Equatable {
    public var count: Int
    public var lastFrom: String?
    public var lastAt: Double?
    public var lastReason: String?

    public init(count: Int = 0, lastFrom: String? = nil, lastAt: Double? = nil, lastReason: String? = nil) {
        self.count = count
        self.lastFrom = lastFrom
        self.lastAt = lastAt
        self.lastReason = lastReason
    }
}

/// The RFC 6527 (VRRPv3 MIB) statistics, with the RFC 2787 auth counters for v2.
public struct Counters: Codable, Sendable, Equatable {
    public var becomeMaster: Int = 0
    public var advertiseRcvd: Int = 0
    public var advertiseIntervalErrors: Int = 0
    public var authFailures: Int = 0
    public var ipTtlErrors: Int = 0
    public var priorityZeroPktsRcvd: Int = 0
    public var priorityZeroPktsSent: Int = 0
    public var invalidTypePktsRcvd: Int = 0
    public var addressListErrors: Int = 0
    public var invalidAuthType: Int = 0
    public var authTypeMismatch: Int = 0
    public var packetLengthErrors: Int = 0
    public var checksumErrors: Int = 0
    public var versionErrors: Int = 0
    public var vrIdErrors: Int = 0

    public init() {}

    /// Every counter with its RFC 6527 name, in a fixed order (for the text dump and metrics).
    public var all: [(name: String, value: Int)] {
        [("becomeMaster", becomeMaster), ("advertiseRcvd", advertiseRcvd),
         ("advertiseIntervalErrors", advertiseIntervalErrors), ("authFailures", authFailures),
         ("ipTtlErrors", ipTtlErrors), ("priorityZeroPktsRcvd", priorityZeroPktsRcvd),
         ("priorityZeroPktsSent", priorityZeroPktsSent), ("invalidTypePktsRcvd", invalidTypePktsRcvd),
         ("addressListErrors", addressListErrors), ("invalidAuthType", invalidAuthType),
         ("authTypeMismatch", authTypeMismatch), ("packetLengthErrors", packetLengthErrors),
         ("checksumErrors", checksumErrors), ("versionErrors", versionErrors), ("vrIdErrors", vrIdErrors)]
    }
}

public struct SyncGroupSnapshot: Codable, Sendable, Equatable {
    public var name: String
    public var state: String
    public var members: [SyncGroupMember]

    public init(name: String, state: String, members: [SyncGroupMember]) {
        self.name = name
        self.state = state
        self.members = members
    }
}

public struct SyncGroupMember: Codable, Sendable, Equatable {
    public var instance: String
    public var state: String

    public init(instance: String, state: String) {
        self.instance = instance
        self.state = state
    }
}
