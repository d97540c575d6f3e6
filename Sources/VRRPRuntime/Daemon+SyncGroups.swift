import VRRPConfig
import VRRPCore
import VRRPStatus

extension Daemon {
    /// keepalived `vrrp_sync_group`: when one member goes FAULT, every member follows it into
    /// FAULT until it recovers; when one member falls back from MASTER to BACKUP, the other
    /// members that are MASTER step down too, so the group moves as one.
    func syncGroupMemberChanged(_ d: InstanceDriver, to state: VirtualRouter.State) {
        guard !shuttingDown else { return }
        for group in configuration.syncGroups where group.instances.contains(d.name) {
            let others = instances.filter { group.instances.contains($0.name) && $0 !== d }
            let reason = "sync group \(group.name): \(d.name) in FAULT"
            for o in others { setFault(o, reason, state == .fault) }
            if state == .backup {
                for o in others where o.router.state == .master {
                    // Step down through a momentary fault: VIPs released, election restarts.
                    let stepDown = "sync group \(group.name): \(d.name) became BACKUP"
                    setFault(o, stepDown, true)
                    setFault(o, stepDown, false)
                }
            }
            let groupState = syncGroupState(group)
            if groupState != lastGroupStates[group.name] {
                lastGroupStates[group.name] = groupState
                runGroupNotify(group, state: groupState)
            }
        }
    }

    func syncGroupState(_ group: SyncGroupConfiguration) -> String {
        let states = Set(instances.filter { group.instances.contains($0.name) }.map { $0.router.state.keepalivedName })
        if states.count == 1 { return states.first! }
        if states.contains("FAULT") { return "FAULT" }
        return "MIXED"
    }

    func syncGroupSnapshots() -> [SyncGroupSnapshot] {
        configuration.syncGroups.map { g in
            SyncGroupSnapshot(name: g.name, state: syncGroupState(g), members: g.instances.map { name in
                SyncGroupMember(instance: name,
                                state: instances.first { $0.name == name }?.router.state.keepalivedName ?? "MISSING")
            })
        }
    }
}
