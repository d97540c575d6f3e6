// SPDX-License-Identifier: Apache-2.0
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

    public init(old: Configuration, new: Configuration) {
        globalsChanged = old.globals != new.globals
        var unchanged: [String] = [], changed: [String] = [], added: [String] = []
        for instance in new.instances {
            guard let before = old.instance(named: instance.name) else {
                added.append(instance.name)
                continue
            }
            if !globalsChanged, Self.fingerprint(before, in: old) == Self.fingerprint(instance, in: new) {
                unchanged.append(instance.name)
            } else {
                changed.append(instance.name)
            }
        }
        self.unchanged = unchanged
        self.changed = changed
        self.added = added
        self.removed = old.instances.map(\.name).filter { new.instance(named: $0) == nil }
    }

    public var isEmpty: Bool { changed.isEmpty && added.isEmpty && removed.isEmpty && !globalsChanged }

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
