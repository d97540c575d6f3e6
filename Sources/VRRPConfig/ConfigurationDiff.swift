// SPDX-License-Identifier: Apache-2.0
import VRRPCore
/// What a reload changes: instances compared by name (keepalived's `clear_diff_vrrp` idea,
/// as a pure function). Source locations are not compared, so moving a block is no change.
/// An instance also counts as changed when a script, check, track file or track process it
/// tracks changed, or when it moved to another sync group, or when global_defs changed.
public struct ConfigurationDiff: Hashable, Sendable {
    public var unchanged: [String]
    public var changed: [String]
    public var added: [String]
    public var removed: [String]
    public var globalsChanged: Bool
    /// The `changed` instances that must restart (stop, then start from INIT): what the state
    /// machine or the installed addresses depend on differs. The other changed instances are
    /// updated in place and keep their state, as keepalived keeps it across a reload: a new
    /// base priority, tracking (track_* lines and the tracked objects' definitions), notify
    /// scripts, virtual routes and rules, sync group, or global_defs that no instance protocol setting reads.
    /// A priority change to or from 255 restarts: the address owner's startup and timers
    /// differ (RFC 5798 §6.4.1, §6.4.3).
    public var restarts: [String]

    public init(old: Configuration, new: Configuration) {
        globalsChanged = old.globals != new.globals
        var unchanged: [String] = [], changed: [String] = [], added: [String] = [], restarts: [String] = []
        for instance in new.instances {
            guard let before = old.instance(named: instance.name) else {
                added.append(instance.name)
                continue
            }
            if !globalsChanged, Self.fingerprint(before, in: old) == Self.fingerprint(instance, in: new) {
                unchanged.append(instance.name)
            } else {
                changed.append(instance.name)
                if Self.protocolFingerprint(before, in: old, other: instance)
                    != Self.protocolFingerprint(instance, in: new, other: before) {
                    restarts.append(instance.name)
                }
            }
        }
        self.restarts = restarts
        self.unchanged = unchanged
        self.changed = changed
        self.added = added
        self.removed = old.instances.map(\.name).filter { new.instance(named: $0) == nil }
    }

    public var isEmpty: Bool { changed.isEmpty && added.isEmpty && removed.isEmpty && !globalsChanged }

    /// What a restart depends on: the instance without its location, priority (unless either
    /// side is the owner, 255), tracking and notify scripts, and the global_defs its protocol
    /// settings read (multicast groups, address-list check, strict mode).
    private struct ProtocolFingerprint: Hashable {
        var instance: InstanceConfiguration
        var multicastGroup4: IPv4Address
        var multicastGroup6: IPv6Address
        var skipCheckAdvertisementAddresses: Bool
        var vrrpStrict: Bool
    }

    private static func protocolFingerprint(_ i: InstanceConfiguration, in c: Configuration,
                                            other: InstanceConfiguration) -> ProtocolFingerprint {
        var instance = i
        instance.location = SourceLocation(file: "", line: 0, column: 0)
        if i.priority != 255, other.priority != 255 { instance.priority = 0 }
        instance.trackInterfaces = []
        instance.trackScripts = []
        instance.trackFiles = []
        instance.trackProcesses = []
        instance.notify = NotifyScripts()
        // Routes and rules are reconciled in place (the runtime adds and deletes the difference).
        instance.virtualRoutes = []
        instance.virtualRules = []
        return ProtocolFingerprint(instance: instance, multicastGroup4: c.globals.multicastGroup4,
                                   multicastGroup6: c.globals.multicastGroup6,
                                   skipCheckAdvertisementAddresses: c.globals.skipCheckAdvertisementAddresses,
                                   vrrpStrict: c.globals.vrrpStrict)
    }

    /// Everything that determines how an instance behaves, without source locations.
    private struct Fingerprint: Hashable {
        var instance: InstanceConfiguration
        var scripts: [ScriptConfiguration?]
        var checks: [NativeCheckConfiguration?]
        var files: [TrackFileConfiguration?]
        var processes: [TrackProcessConfiguration?]
        var syncGroup: SyncGroupConfiguration?
    }

    private static func fingerprint(_ i: InstanceConfiguration, in c: Configuration) -> Fingerprint {
        let here = SourceLocation(file: "", line: 0, column: 0)
        var instance = i
        instance.location = here
        var group = c.syncGroup(containing: i.name)
        group?.location = here
        return Fingerprint(
            instance: instance,
            scripts: i.trackScripts.map { t in c.script(named: t.name).map { var s = $0; s.location = here; return s } },
            checks: i.trackScripts.map { t in c.nativeCheck(named: t.name).map { var s = $0; s.location = here; return s } },
            files: i.trackFiles.map { t in c.trackFile(named: t.name).map { var s = $0; s.location = here; return s } },
            processes: i.trackProcesses.map { t in c.trackProcess(named: t.name).map { var s = $0; s.location = here; return s } },
            syncGroup: group)
    }
}
