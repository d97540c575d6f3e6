// SPDX-License-Identifier: Apache-2.0

extension VirtualRouter {
    /// Why a Backup has not taken over (yet), read from the router's own state so that every
    /// view (status socket, `vrrpctl`, dumps) tells the same story during a fault.
    public enum TakeoverOutlook: Hashable, Sendable {
        /// The master advertises a priority at least ours (RFC 5798 §6.4.2: valid, no address
        /// tie-break in Backup): we stay Backup; the Master_Down_Timer runs out at
        /// `masterDownAt` only if it falls silent.
        case masterPreferred(masterDownAt: Instant?)
        /// The master advertises less than our priority and we preempt: its adverts are
        /// discarded (§6.4.2), so the running Master_Down_Timer makes us Master at `takeoverAt`.
        case lowerPriorityMaster(takeoverAt: Instant?)
        /// keepalived `preempt_delay`: a lower-priority master is accepted until `until`.
        case preemptDelay(until: Instant?)
        /// `nopreempt` (Preempt_Mode False, §6.1): a lower-priority master is kept for good.
        case noPreempt
        /// No advert heard since we became Backup: Master at `takeoverAt` unless one arrives.
        case noMasterHeard(takeoverAt: Instant?)

        /// When this node becomes Master if nothing changes (nil: not by itself).
        public var takeoverAt: Instant? {
            switch self {
            case .masterPreferred, .noPreempt: nil
            case .lowerPriorityMaster(let at), .noMasterHeard(let at): at
            case .preemptDelay(let until): until
            }
        }
    }

    /// nil unless Backup. Mirrors the decisions of `backupReceived` (checklist F31, F38).
    public var takeoverOutlook: TakeoverOutlook? {
        guard state == .backup else { return nil }
        let masterDown = timers[.masterDown]
        guard let heard = masterPriority else { return .noMasterHeard(takeoverAt: masterDown) }
        if heard >= effectivePriority { return .masterPreferred(masterDownAt: masterDown) }
        let preempts = configuration.preempt || effectivePriority == 255
        if !preempts { return .noPreempt }
        // `preemptDelayActive`: the delay runs until its timer fires (or before it is set).
        if configuration.preemptDelay > .zero, preemptAllowedAt == nil || timers[.preemptDelay] != nil {
            return .preemptDelay(until: timers[.preemptDelay])
        }
        return .lowerPriorityMaster(takeoverAt: masterDown)
    }
}
