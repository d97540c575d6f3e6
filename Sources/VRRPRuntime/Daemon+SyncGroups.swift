// SPDX-License-Identifier: Apache-2.0
import VRRPConfig
import VRRPCore
import VRRPStatus

extension Daemon {
    /// keepalived `vrrp_sync_group`: the rules are the core's ``SyncGroup``; the driver only
    /// asks it after each member transition (and after a member's faults change without one)
    /// and feeds the events it returns to the members.
    func syncGroupMemberChanged(_ d: InstanceDriver, from: VirtualRouter.State, to state: VirtualRouter.State,
                                reason: VirtualRouter.TransitionReason) {
        guard !shuttingDown else { return }
        for group in syncGroups(containing: d) {
            deliver(group.events(after: d.name, from: from, to: state, reason: reason, members: memberView(group)))
            notifyIfGroupStateChanged(group)
        }
    }

    /// A member's fault reasons changed without a state change (it was already in FAULT).
    func syncGroupFaultsChanged(_ d: InstanceDriver) {
        guard !shuttingDown else { return }
        for group in syncGroups(containing: d) {
            deliver(group.faultEvents(members: memberView(group)))
            notifyIfGroupStateChanged(group)
        }
    }

    func syncGroups(containing d: InstanceDriver) -> [SyncGroup] {
        configuration.syncGroups.filter { $0.instances.contains(d.name) }
            .map { SyncGroup(name: $0.name, members: $0.instances) }
    }

    func memberView(_ group: SyncGroup) -> [String: SyncGroup.Member] {
        var view: [String: SyncGroup.Member] = [:]
        for d in instances where group.members.contains(d.name) { view[d.name] = SyncGroup.Member(d.router) }
        return view
    }

    private func deliver(_ events: [(member: String, event: VirtualRouter.Event)]) {
        for (member, event) in events {
            guard let d = instances.first(where: { $0.name == member }) else { continue }
            switch event {
            case .faultRaised(let reason): log.warning("(\(d.name)) \(reason)", metadata: meta(d))
            case .faultCleared(let reason): log.info("(\(d.name)) cleared: \(reason)", metadata: meta(d))
            default: break
            }
            feed(d, event)
        }
    }

    private func notifyIfGroupStateChanged(_ group: SyncGroup) {
        guard let config = configuration.syncGroups.first(where: { $0.name == group.name }) else { return }
        let groupState = syncGroupState(config)
        if groupState != lastGroupStates[group.name] {
            lastGroupStates[group.name] = groupState
            runGroupNotify(config, state: groupState)
            writeNotifyFifos(type: "GROUP", name: group.name, state: groupState, priority: 0)
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
