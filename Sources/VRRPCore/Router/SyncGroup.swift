// SPDX-License-Identifier: Apache-2.0
/// keepalived's `vrrp_sync_group`: its members move together.
///
/// Pure helper: after a member's transition, or after its fault reasons changed, the driver asks
/// here and feeds the returned events to the members (keepalived `vrrp_sync.c` semantics):
/// - while a member is in FAULT for a reason of its own (interface, tracked item, …), every other
///   member is held in FAULT by a reason naming it; when its own faults clear, so does that reason;
/// - a member becoming MASTER takes the BACKUP members to MASTER;
/// - a member going from MASTER to BACKUP takes the MASTER members to BACKUP.
///
/// The group's own faults and transitions are never propagated again, so two members cannot
/// hold each other in FAULT after the original cause cleared, and nothing loops. The fault rule
/// is recomputed from every member's own faults (not from transitions), so a member that gets a
/// fault of its own while the group already holds it in FAULT still holds the others.
public struct SyncGroup: Hashable, Sendable {
    public let name: String
    public let members: [String]

    /// What the group needs to know of one member.
    public struct Member: Hashable, Sendable {
        public var state: VirtualRouter.State
        public var faultReasons: Set<String>

        public init(state: VirtualRouter.State, faultReasons: Set<String> = []) {
            self.state = state
            self.faultReasons = faultReasons
        }

        public init(_ router: VirtualRouter) {
            self.init(state: router.state, faultReasons: router.faultReasons)
        }
    }

    /// Every fault reason a sync group puts on a member starts with this.
    public static let reasonPrefix = "sync group "

    public init(name: String, members: [String]) {
        self.name = name
        self.members = members
    }

    /// The fault reason the other members carry while `member` is in FAULT.
    public func faultReason(for member: String) -> String { "\(Self.reasonPrefix)\(name): \(member) is in FAULT" }

    /// True when `reason` is a fault this group raised.
    public func isGroupFault(_ reason: String) -> Bool { reason.hasPrefix("\(Self.reasonPrefix)\(name): ") }

    /// True while `member` has a fault of its own (not one put on it by any sync group).
    public static func hasOwnFault(_ member: Member) -> Bool {
        member.faultReasons.contains { !$0.hasPrefix(reasonPrefix) }
    }

    /// The fault events that make every member's group faults match the other members' own
    /// faults. Empty when they already match (so calling it again is harmless).
    public func faultEvents(members view: [String: Member]) -> [(member: String, event: VirtualRouter.Event)] {
        let faulty = Set(members.filter { view[$0].map(Self.hasOwnFault) ?? false })
        var out: [(String, VirtualRouter.Event)] = []
        for m in members {
            guard let current = view[m] else { continue }
            let wanted = Set(faulty.filter { $0 != m }.map(faultReason(for:)))
            let held = Set(current.faultReasons.filter(isGroupFault))
            for reason in wanted.subtracting(held).sorted() { out.append((m, .faultRaised(reason))) }
            for reason in held.subtracting(wanted).sorted() { out.append((m, .faultCleared(reason))) }
        }
        return out
    }

    /// The events the members need after `member` went `from` → `to` for `reason`; `view` holds
    /// every member's current state and fault reasons (after the transition).
    public func events(after member: String, from: VirtualRouter.State, to: VirtualRouter.State,
                       reason: VirtualRouter.TransitionReason,
                       members view: [String: Member]) -> [(member: String, event: VirtualRouter.Event)] {
        guard members.contains(member) else { return [] }
        var out = faultEvents(members: view)
        if case .syncGroup = reason { return out }
        let why = "\(member) went \(to)"
        for other in members where other != member {
            if to == .master, view[other]?.state == .backup {
                out.append((other, .syncGroupRequest(.master, reason: why)))
            } else if from == .master, to == .backup, view[other]?.state == .master {
                out.append((other, .syncGroupRequest(.backup, reason: why)))
            }
        }
        return out
    }
}
