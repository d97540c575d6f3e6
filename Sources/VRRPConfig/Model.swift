// SPDX-License-Identifier: Apache-2.0
import VRRPCore

/// A whole keepalived.conf, typed, with keepalived 2.2's defaults filled in.
public struct Configuration: Hashable, Sendable {
    public var globals: GlobalDefinitions
    /// `vrrp_instance` blocks in file order.
    public var instances: [InstanceConfiguration]
    /// `vrrp_script` blocks.
    public var scripts: [ScriptConfiguration]
    /// `vrrp_tcp_check`, `vrrp_http_check`, `vrrp_amqp_check` blocks (our extension).
    public var nativeChecks: [NativeCheckConfiguration]
    public var trackFiles: [TrackFileConfiguration]
    public var trackProcesses: [TrackProcessConfiguration]
    public var syncGroups: [SyncGroupConfiguration]
    /// How many LVS blocks (`virtual_server`, `virtual_server_group`) were skipped.
    public var ignoredLVSBlocks: Int
    /// `static_ipaddress`, `static_routes`, `static_rules`: installed at start-up whatever the
    /// VRRP state, left in place at exit (keepalived leaves them too).
    public var staticAddresses: [VirtualAddress] = []
    public var staticRoutes: [VirtualRoute] = []
    public var staticRules: [VirtualRule] = []

    public init(globals: GlobalDefinitions = GlobalDefinitions(), instances: [InstanceConfiguration] = [],
                scripts: [ScriptConfiguration] = [], nativeChecks: [NativeCheckConfiguration] = [],
                trackFiles: [TrackFileConfiguration] = [], trackProcesses: [TrackProcessConfiguration] = [],
                syncGroups: [SyncGroupConfiguration] = [], ignoredLVSBlocks: Int = 0) {
        self.globals = globals
        self.instances = instances
        self.scripts = scripts
        self.nativeChecks = nativeChecks
        self.trackFiles = trackFiles
        self.trackProcesses = trackProcesses
        self.syncGroups = syncGroups
        self.ignoredLVSBlocks = ignoredLVSBlocks
    }

    public func instance(named name: String) -> InstanceConfiguration? { instances.first { $0.name == name } }
    public func script(named name: String) -> ScriptConfiguration? { scripts.first { $0.name == name } }
    public func nativeCheck(named name: String) -> NativeCheckConfiguration? { nativeChecks.first { $0.name == name } }
    public func trackFile(named name: String) -> TrackFileConfiguration? { trackFiles.first { $0.name == name } }
    public func trackProcess(named name: String) -> TrackProcessConfiguration? { trackProcesses.first { $0.name == name } }
    /// The sync group an instance belongs to, if any.
    public func syncGroup(containing instance: String) -> SyncGroupConfiguration? {
        syncGroups.first { $0.instances.contains(instance) }
    }
}

/// `global_defs`.
public struct GlobalDefinitions: Hashable, Sendable {
    public var routerID: String?
    /// `vrrp_version`: the default for instances without `version`. keepalived: 2.
    public var vrrpVersion: VRRPVersion = .v2
    /// `vrrp_strict`: RFC-only behaviour (no auth, accept off by default, no unicast).
    public var vrrpStrict: Bool = false
    public var multicastGroup4: IPv4Address = .vrrpMulticast
    public var multicastGroup6: IPv6Address = .vrrpMulticast
    /// Seconds after becoming MASTER before the second burst of gratuitous ARPs. keepalived: 5.
    public var garpMasterDelay: Int = 5
    /// Gratuitous ARPs per burst. keepalived: 5.
    public var garpMasterRepeat: Int = 5
    /// Seconds between periodic gratuitous ARPs while MASTER; nil is off (keepalived's 0).
    public var garpMasterRefresh: Int?
    public var garpMasterRefreshRepeat: Int = 1
    /// Delay between gratuitous ARPs of one burst (`vrrp_garp_interval`, seconds, fractions allowed).
    public var garpInterval: Interval = .zero
    /// Delay between unsolicited NAs of one burst (`vrrp_gna_interval`).
    public var gnaInterval: Interval = .zero
    public var skipCheckAdvertisementAddresses: Bool = false
    public var scriptUser: String?
    /// Where `script_user` is written (for the check that the user exists).
    public var scriptUserLocation: SourceLocation?
    public var scriptGroup: String?
    public var enableScriptSecurity: Bool = false
    public var startupDelay: Interval = .zero
    /// keepalived's global defaults of the instance keywords of the same names.
    public var higherPrioritySendAdvert = false
    public var lowerPriorityNoAdvert = false
    public var garpLowerPriorityRepeat: Int?
    /// `vrrp_garp_lower_prio_delay` (seconds); nil: keepalived's default, `vrrp_garp_master_delay`.
    public var garpLowerPriorityDelay: Int?
    /// `notify_fifo` and `vrrp_notify_fifo`: FIFOs that get a line per state change.
    public var notifyFifo: String?
    public var vrrpNotifyFifo: String?
    /// `notify_fifo_script` / `vrrp_notify_fifo_script`: the reader the daemon starts, with the
    /// FIFO's path appended to its arguments.
    public var notifyFifoScript: FifoScript?
    public var vrrpNotifyFifoScript: FifoScript?
    /// `vrrp_priority` (nice), `vrrp_rt_priority` (SCHED_RR), `vrrp_rlimit_rttime` (µs), `vrrp_no_swap`.
    public var processNice: Int?
    public var realtimePriority: Int?
    public var realtimeTimeLimit: Int?
    public var lockMemory = false
    /// `max_auto_priority` (SCHED_RR ceiling when timers run late; nil/0/-1: off) and
    /// `min_auto_priority_delay` (µs; keepalived's default 1 000 000).
    public var maxAutoPriority: Int?
    public var minAutoPriorityDelay: Int?

    public init() {}
}

/// A `notify_fifo_script` line and where it was written.
public struct FifoScript: Hashable, Sendable {
    public var command: String
    public var location: SourceLocation
    public init(command: String, location: SourceLocation) {
        self.command = command
        self.location = location
    }
}

/// The state an instance starts in (`state MASTER|BACKUP`). keepalived: BACKUP.
public enum InitialState: String, Hashable, Sendable {
    case master = "MASTER"
    case backup = "BACKUP"
}

/// One `virtual_ipaddress` line: `ADDR[/PREFIX] [dev IF] [brd ADDR] [scope S] [label L]`.
public struct VirtualAddress: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    /// Prefix length; /32 for IPv4 and /128 for IPv6 when not written.
    public var prefix: UInt8
    /// The interface to add the address to; nil means the instance's interface.
    public var dev: String?
    public var broadcast: IPv4Address?
    public var scope: String?
    public var label: String?
    /// `no_track`: a change of this address does not put the instance in FAULT.
    public var noTrack: Bool = false
    /// `use_vmac` on the address line (keepalived 2.2.7): the address goes on a macvlan with
    /// the virtual MAC on its `dev` (or, of the other family, on the instance's interface).
    public var useVirtualMAC: Bool = false

    public init(address: IPAddress, prefix: UInt8? = nil, dev: String? = nil, broadcast: IPv4Address? = nil,
                scope: String? = nil, label: String? = nil, noTrack: Bool = false) {
        self.address = address
        self.prefix = prefix ?? (address.family == .ipv4 ? 32 : 128)
        self.dev = dev
        self.broadcast = broadcast
        self.scope = scope
        self.label = label
        self.noTrack = noTrack
    }

    public var description: String { "\(address)/\(prefix)" }
}

/// A tracked object with an optional weight (`track_interface`, `track_script`, ... entries).
/// A nil weight means the tracked object's own weight (scripts) or FAULT on failure (interfaces).
public struct TrackedObject: Hashable, Sendable {
    public var name: String
    public var weight: Int?
    public var weightReverse: Bool = false
    /// Where the name is written; not part of equality (a reload that only moves lines changes nothing).
    public var location: SourceLocation?

    public init(name: String, weight: Int? = nil, weightReverse: Bool = false, location: SourceLocation? = nil) {
        self.name = name
        self.weight = weight
        self.weightReverse = weightReverse
        self.location = location
    }

    public static func == (a: TrackedObject, b: TrackedObject) -> Bool {
        a.name == b.name && a.weight == b.weight && a.weightReverse == b.weightReverse
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(weight)
        hasher.combine(weightReverse)
    }
}

/// `notify_master`, `notify_backup`, `notify_fault`, `notify_stop`, `notify` scripts.
public struct NotifyScripts: Hashable, Sendable {
    public var master: String?
    public var backup: String?
    public var fault: String?
    public var stop: String?
    /// `notify`: called on every transition with `TYPE NAME STATE PRIORITY`.
    public var any: String?
    public init() {}
    public var isEmpty: Bool { master == nil && backup == nil && fault == nil && stop == nil && any == nil }
}

/// `vrrp_instance NAME { ... }`.
public struct InstanceConfiguration: Hashable, Sendable {
    public var name: String
    /// Where `vrrp_instance` was written.
    public var location: SourceLocation
    public var initialState: InitialState = .backup
    public var interface: String = ""
    public var virtualRouterID: UInt8 = 0
    /// keepalived: 100.
    public var priority: UInt8 = 100
    /// keepalived: 1 s. VRRPv2 uses whole seconds; VRRPv3 centiseconds.
    public var advertisementInterval: Centiseconds = .oneSecond
    public var version: VRRPVersion = .v2
    public var authentication: Authentication = .none
    public var virtualAddresses: [VirtualAddress] = []
    public var excludedVirtualAddresses: [VirtualAddress] = []
    /// `virtual_routes`: added after the addresses on becoming MASTER, removed on leaving it.
    public var virtualRoutes: [VirtualRoute] = []
    /// `virtual_rules`: added after the routes on becoming MASTER, removed first on leaving it.
    public var virtualRules: [VirtualRule] = []
    public var unicastSourceAddress: IPAddress?
    public var unicastPeers: [IPAddress] = []
    /// RFC 5798 §6.1 Preempt_Mode. keepalived: on; `nopreempt` turns it off.
    public var preempt: Bool = true
    public var preemptDelay: Interval = .zero
    /// RFC 5798 §6.1 Accept_Mode. keepalived: on, except off under `vrrp_strict`.
    public var acceptMode: Bool = true
    public var garpMasterDelay: Int = 5
    public var garpMasterRepeat: Int = 5
    public var garpMasterRefresh: Int?
    public var garpMasterRefreshRepeat: Int = 1
    public var garpLowerPriorityDelay: Int?
    public var garpLowerPriorityRepeat: Int?
    public var trackInterfaces: [TrackedObject] = []
    /// Names of `vrrp_script` or native checks.
    public var trackScripts: [TrackedObject] = []
    public var trackFiles: [TrackedObject] = []
    public var trackProcesses: [TrackedObject] = []
    public var notify: NotifyScripts = NotifyScripts()
    public var dontTrackPrimary: Bool = false
    /// `use_vmac [NAME] [MAC]`: a macvlan carries the VIPs with the virtual router MAC
    /// (RFC 5798 §7.2). Name default `vrrp.VRID`; MAC default 00:00:5e:00:01:VRID (IPv4) or
    /// 00:00:5e:00:02:VRID (IPv6).
    public var useVirtualMAC: Bool = false
    public var virtualMACInterfaceName: String?
    /// A MAC given to `use_vmac`: 6 octets, or 5 with the VRID as the sixth (keepalived).
    public var virtualMACAddress: [UInt8]?
    /// `vmac_xmit_base`: adverts go out on (and are read from) `interface`, not the macvlan.
    public var virtualMACTransmitBase: Bool = false
    /// `use_vmac_addr`: every VIP/eVIP on another interface (`dev`) or of the other family
    /// goes on a macvlan of its own with the virtual MAC of its family (keepalived 2.2.7).
    public var virtualMACForAddresses: Bool = false
    public var multicastSourceAddress: IPAddress?
    /// `unicast_ttl`: keepalived sends 255 and accepts any TTL unless set.
    public var unicastTTL: UInt8?
    public var checkUnicastSource: Bool = false
    public var multicastDestination: IPAddress?
    public var trackSourceAddress: Bool = false
    public var promoteSecondaries: Bool = false
    public var lowerPriorityNoAdvert: Bool = false
    public var higherPrioritySendAdvert: Bool = false
    /// vrrpd extension `fast_preempt` (see `VirtualRouter.Configuration.fastPreempt`).
    public var fastPreempt: Bool = false
    /// keepalived 2.2.8 `v3_checksum_as_v2`: leave the VIPs out of the v3 pseudo-header sum
    /// as pre-RFC 9568 implementations did.
    public var v3ChecksumAsV2: Bool = false

    public init(name: String, location: SourceLocation) {
        self.name = name
        self.location = location
    }

    /// The address family of the instance: that of its first virtual address (IPv4 when none).
    public var family: AddressFamily { virtualAddresses.first?.address.family ?? .ipv4 }
    /// Priority 255 marks the address owner (RFC 5798 §5.2.4).
    public var isAddressOwner: Bool { priority == 255 }
    public var usesUnicast: Bool { !unicastPeers.isEmpty }
}

/// `vrrp_script NAME { ... }`.
public struct ScriptConfiguration: Hashable, Sendable {
    public var name: String
    public var location: SourceLocation
    public var script: String = ""
    /// keepalived: 1 s.
    public var interval: Interval = .seconds(1)
    /// keepalived: the interval when not set.
    public var timeout: Interval?
    /// keepalived: 0 (the script only decides FAULT).
    public var weight: Int = 0
    public var weightReverse: Bool = false
    public var rise: Int = 1
    public var fall: Int = 1
    public var user: String?
    public var group: String?
    /// `init_fail`: start in the failed state rather than the good one.
    public var initFail: Bool = false

    public init(name: String, location: SourceLocation) {
        self.name = name
        self.location = location
    }

    public var effectiveTimeout: Interval { timeout ?? interval }
}

/// A native health check (our extension): TCP connect, HTTP GET, AMQP handshake.
public struct NativeCheckConfiguration: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case tcp
        /// `path` default "/"; `statusCodes` sorted, ranges expanded, default 200...299.
        case http(path: String, hostHeader: String?, statusCodes: [Int])
        /// `vhost` default "/".
        case amqp(virtualHost: String)

        public var keyword: String {
            switch self {
            case .tcp: "vrrp_tcp_check"
            case .http: "vrrp_http_check"
            case .amqp: "vrrp_amqp_check"
            }
        }
    }

    public var name: String
    public var location: SourceLocation
    public var kind: Kind
    public var host: IPAddress = .v4(IPv4Address(127, 0, 0, 1))
    /// Default: 80 for HTTP, 5672 for AMQP; required for TCP.
    public var port: UInt16 = 0
    /// nil means `timeout`.
    public var connectTimeout: Interval?
    public var interval: Interval = .seconds(1)
    /// nil means the interval.
    public var timeout: Interval?
    public var rise: Int = 1
    public var fall: Int = 1
    public var weight: Int = 0
    public var weightReverse: Bool = false
    public var initFail: Bool = false

    public init(name: String, location: SourceLocation, kind: Kind) {
        self.name = name
        self.location = location
        self.kind = kind
        switch kind {
        case .tcp: port = 0
        case .http: port = 80
        case .amqp: port = 5672
        }
    }

    public var effectiveTimeout: Interval { timeout ?? interval }
    public var effectiveConnectTimeout: Interval { connectTimeout ?? effectiveTimeout }
}

/// `vrrp_track_file NAME { file PATH  weight W [reverse]  init_file [VALUE] [overwrite] }`.
public struct TrackFileConfiguration: Hashable, Sendable {
    public var name: String
    public var location: SourceLocation
    public var path: String = ""
    /// keepalived: 1 (the file's number is multiplied by it).
    public var weight: Int = 1
    public var weightReverse: Bool = false
    /// `init_file`: create the file with this value at startup when missing.
    public var initialValue: Int?
    /// `init_file ... overwrite`: write the value even when the file exists.
    public var initOverwrite: Bool = false

    public init(name: String, location: SourceLocation) {
        self.name = name
        self.location = location
    }
}

/// `vrrp_track_process NAME { ... }`.
public struct TrackProcessConfiguration: Hashable, Sendable {
    public enum ParameterMatch: String, Hashable, Sendable {
        case exact, partial, initial
    }

    public var name: String
    public var location: SourceLocation
    public var process: String = ""
    public var parameters: [String] = []
    public var parameterMatch: ParameterMatch = .exact
    public var weight: Int = 0
    public var weightReverse: Bool = false
    /// keepalived: 1.
    public var quorum: Int = 1
    public var quorumMax: Int?
    /// Delay before reporting either change (sets both others when they are unset).
    public var delay: Interval?
    public var terminateDelay: Interval?
    public var forkDelay: Interval?

    public init(name: String, location: SourceLocation) {
        self.name = name
        self.location = location
    }
}

/// `vrrp_sync_group NAME { group { ... } ... }`.
public struct SyncGroupConfiguration: Hashable, Sendable {
    public var name: String
    public var location: SourceLocation
    public var instances: [String] = []
    public var notify: NotifyScripts = NotifyScripts()
    public var trackScripts: [TrackedObject] = []
    public var trackInterfaces: [TrackedObject] = []
    public var trackFiles: [TrackedObject] = []

    public init(name: String, location: SourceLocation) {
        self.name = name
        self.location = location
    }
}
