import VRRPConfig
import VRRPCore
import VRRPStatus

extension Daemon {
    /// keepalived `vrrp_sync_group`: while one member is in FAULT for a reason of its own
    /// (interface, tracked item, …), every other member is held in FAULT too; when a member falls
    /// back from MASTER to BACKUP, the other members that are MASTER step down too, so the group
    /// moves as one.
    ///
    /// Only a member's own faults propagate, never the ones the group put on it: otherwise two
    /// members would hold each other in FAULT after the original cause cleared (member A faults,
    /// B follows, B's FAULT would fault A again, and neither could ever leave).
    func syncGroupMemberChanged(_ d: InstanceDriver, from: VirtualRouter.State, to state: VirtualRouter.State) {
        guard !shuttingDown else { return }
        for group in configuration.syncGroups where group.instances.contains(d.name) {
            let members = instances.filter { group.instances.contains($0.name) }
            let prefix = syncGroupReasonPrefix(group)
            let faulty = members.filter { m in m.faults.contains { !$0.hasPrefix(syncGroupReasonStart) } }
            for m in members {
                let wanted = Set(faulty.filter { $0 !== m }.map { "\(prefix)\($0.name) in FAULT" })
                for reason in m.faults where reason.hasPrefix(prefix) && reason.hasSuffix(" in FAULT")
                    && !wanted.contains(reason) {
                    setFault(m, reason, false)
                }
                for reason in wanted.sorted() { setFault(m, reason, true) }
            }
            if from == .master && state == .backup {
                for o in members where o !== d && o.router.state == .master {
                    // Step down through a momentary fault: VIPs released, election restarts.
                    let stepDown = "\(prefix)\(d.name) became BACKUP"
                    setFault(o, stepDown, true)
                    setFault(o, stepDown, false)
                }
            }
            let groupState = syncGroupState(group)
            if groupState != lastGroupStates[group.name] {
                lastGroupStates[group.name] = groupState
                runGroupNotify(group, state: groupState)
                writeNotifyFifos(type: "GROUP", name: group.name, state: groupState, priority: 0)
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

/// Every fault reason a sync group puts on its members starts with this.
let syncGroupReasonStart = "sync group "

func syncGroupReasonPrefix(_ group: SyncGroupConfiguration) -> String { "\(syncGroupReasonStart)\(group.name): " }
