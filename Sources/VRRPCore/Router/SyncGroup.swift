/// keepalived's `vrrp_sync_group`: its members move together.
///
/// Pure helper: the driver reports each member's `.transitioned` action here and feeds the
/// returned events to the other members (keepalived `vrrp_sync.c` semantics):
/// - a member entering FAULT puts every other member in FAULT (a fault reason naming it); its
///   leaving FAULT clears that reason;
/// - a member becoming MASTER takes the Backup members to MASTER;
/// - a member going from MASTER to BACKUP takes the Master members to BACKUP.
/// Transitions that the group itself caused are not propagated again (no loops).
public struct SyncGroup: Hashable, Sendable {
    public let name: String
    public let members: [String]

    public init(name: String, members: [String]) {
        self.name = name
        self.members = members
    }

    /// The fault reason the other members carry while `member` is in FAULT.
    public func faultReason(for member: String) -> String { "sync group \(name): \(member) is in FAULT" }

    /// True when `reason` is a fault this group raised.
    public func isGroupFault(_ reason: String) -> Bool { reason.hasPrefix("sync group \(name): ") }

    /// The events the other members need after `member` went `from` → `to` for `reason`;
    /// `states` holds every member's current state.
    public func events(after member: String, from: VirtualRouter.State, to: VirtualRouter.State,
                       reason: VirtualRouter.TransitionReason,
                       states: [String: VirtualRouter.State]) -> [(member: String, event: VirtualRouter.Event)] {
        guard members.contains(member) else { return [] }
        let others = members.filter { $0 != member }
        switch reason {
        case .syncGroup: return []
        case .faultRaised(let why) where isGroupFault(why): return []
        default: break
        }
        var out: [(String, VirtualRouter.Event)] = []
        if to == .fault {
            for other in others { out.append((other, .faultRaised(faultReason(for: member)))) }
        } else if from == .fault {
            for other in others { out.append((other, .faultCleared(faultReason(for: member)))) }
        }
        let why = "\(member) went \(to)"
        if to == .master {
            for other in others where states[other] == .backup { out.append((other, .syncGroupRequest(.master, reason: why))) }
        } else if from == .master, to == .backup {
            for other in others where states[other] == .master { out.append((other, .syncGroupRequest(.backup, reason: why))) }
        }
        return out
    }
}
