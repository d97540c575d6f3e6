// SPDX-License-Identifier: Apache-2.0
extension VirtualRouter {
    /// Feeds one event at `now`; returns what the driver must do, in order.
    public mutating func handle(_ event: Event, at now: Instant) -> [Action] {
        var actions: [Action] = []
        handle(event, at: now, into: &actions)
        return actions
    }

    /// The same, appending the actions to `actions`: a driver that passes a buffer it reuses
    /// (emptied, capacity kept) handles an advert without allocating (issue 16).
    public mutating func handle(_ event: Event, at now: Instant, into actions: inout [Action]) {
        switch event {
        case .startup: startup(now, &actions)
        case .shutdown: shutdown(now, &actions)
        case .advertisementReceived(let received): receive(received, now, &actions)
        case .timerFired(let kind): timerFired(kind, now, &actions)
        case .priorityChanged(let priority): priorityChanged(priority, now, &actions)
        case .faultRaised(let reason): raiseFault(reason, now, &actions)
        case .faultCleared(let reason): clearFault(reason, now, &actions)
        case .localAddressChanged(let address): localAddressChanged(address, now, &actions)
        case .syncGroupRequest(let target, let reason): syncGroupRequest(target, reason, now, &actions)
        }
        advertReadSlack = currentAdvertReadSlack
    }

    // MARK: Startup and shutdown

    /// RFC 5798 §6.4.1 (checklist F26): owner → Master at once; otherwise → Backup.
    private mutating func startup(_ now: Instant, _ actions: inout [Action]) {
        guard state == .initialize else { return }
        if let reason = faultReasons.sorted().first {
            transition(to: .fault, .faultRaised(reason), now, &actions)
            return
        }
        enterRunning(now, &actions, backupReason: .startup)
    }

    /// The start-up choice, used on Startup and when leaving FAULT (keepalived `vrrp_init_state`,
    /// `try_up_instance`): see ``InitialState``.
    private mutating func enterRunning(_ now: Instant, _ actions: inout [Action],
                                       backupReason: TransitionReason) {
        masterAdverInterval = configuration.advertisementInterval
        if effectivePriority == 255 {
            becomeMaster(now, &actions, reason: backupReason == .startup ? .addressOwner : backupReason)
            return
        }
        transition(to: .backup, backupReason, now, &actions)
        let down = configuration.initialState == .master ? shortMasterDownInterval : masterDownInterval
        startMasterDownTimer(after: down, now: now, &actions)
        if configuration.preempt, configuration.preemptDelay > .zero {
            // keepalived: preempt_time = now + preempt_delay at startup and on leaving FAULT.
            preemptAllowedAt = now + configuration.preemptDelay
            startTimer(.preemptDelay, at: now + configuration.preemptDelay, &actions)
        }
    }

    /// RFC 5798 §6.4.2 / §6.4.3 Shutdown (checklist F28, F33).
    private mutating func shutdown(_ now: Instant, _ actions: inout [Action]) {
        switch state {
        case .initialize:
            return
        case .master:
            cancelAllTimers(&actions)
            // RFC 5798 §6.4.3 (checklist F33): send an ADVERTISEMENT with Priority 0.
            send(priority: 0, &actions)
            actions.append(.removeVirtualAddresses)
        case .backup, .fault:
            cancelAllTimers(&actions)
        }
        transition(to: .initialize, .shutdown, now, &actions)
        masterAddress = nil
        masterPriority = nil
    }

    // MARK: Advertisements

    private mutating func receive(_ received: ReceivedAdvertisement, _ now: Instant, _ actions: inout [Action]) {
        guard state == .backup || state == .master else { return }
        if let rejection = filter(received) ?? validate(received) {
            // Our own advert looped back: nothing to report (it arrives once per advert sent).
            if rejection == .notForUs(.ownAdvertisement) { return }
            statistics.count(rejection)
            actions.append(.rejected(rejection))
            return
        }
        statistics.advertiseRcvd += 1
        let advert = received.advertisement
        if advert.priority == 0 { statistics.priorityZeroPktsRcvd += 1 }
        lastAdvertisement = LastAdvertisement(at: now, from: received.source, priority: advert.priority,
                                              interval: advert.interval)
        if state == .backup {
            backupReceived(advert, from: received.source, now, &actions)
        } else {
            masterReceived(advert, from: received.source, now, &actions)
        }
    }

    /// RFC 5798 §6.4.2 (checklist F30, F31, F38) with keepalived's `preempt_delay`.
    private mutating func backupReceived(_ advert: Advertisement, from source: IPAddress, _ now: Instant,
                                         _ actions: inout [Action]) {
        if advert.priority == 0 {
            // Checklist F30: Master_Down_Timer := Skew_Time for a fast takeover.
            startMasterDownTimer(after: skewTime, now: now, &actions)
            return
        }
        if advert.priority == 255, effectivePriority == 255 { lowerOwnPriority() }
        // Checklist F38: an owner always preempts, whatever Preempt_Mode says.
        let preempts = configuration.preempt || effectivePriority == 255
        let delaying = preemptDelayActive(now)
        // Checklist F31: an equal priority counts as valid here; no address tie-break in Backup.
        guard !preempts || advert.priority >= effectivePriority || delaying else {
            // Discard: the Master_Down_Timer runs out and we preempt. The view still follows
            // what the master advertises now (issue 18: no stale "master priority 150").
            masterAddress = source
            masterPriority = advert.priority
            if configuration.fastPreempt {
                // vrrpd `fast_preempt` (#17): the master has told us it is worse than us, so do
                // not wait Master_Down_Interval for the preemption the RFC reaches anyway; take
                // over after Skew_Time, as after a priority-0 advert (checklist F30). Never
                // pushes an earlier deadline later; the lower-priority master steps down on our
                // first advert (RFC 5798 §6.4.3).
                let at = now + skewTime
                if timers[.masterDown].map({ $0 > at }) ?? true {
                    startMasterDownTimer(after: skewTime, now: now, &actions)
                }
            }
            return
        }
        updatePreemptDelay(advertPriority: advert.priority, now, &actions)
        if configuration.version == .v3 {
            masterAdverInterval = advert.interval  // RFC 5798 §6.4.2: learn Master_Adver_Interval.
        }
        masterAddress = source
        masterPriority = advert.priority
        startMasterDownTimer(after: masterDownInterval, now: now, &actions)
    }

    /// keepalived: the delay runs while `preempt_time` is unset (it is set now) or in the future.
    private func preemptDelayActive(_ now: Instant) -> Bool {
        guard configuration.preemptDelay > .zero else { return false }
        guard let allowed = preemptAllowedAt else { return true }
        return now < allowed
    }

    /// keepalived `vrrp_state_backup`: a master at least as good as us stops the delay; the first
    /// lower-priority master seen starts it.
    private mutating func updatePreemptDelay(advertPriority: UInt8, _ now: Instant, _ actions: inout [Action]) {
        guard configuration.preemptDelay > .zero else { return }
        if advertPriority >= effectivePriority {
            preemptAllowedAt = nil
            cancelTimer(.preemptDelay, &actions)
        } else if preemptAllowedAt == nil {
            preemptAllowedAt = now + configuration.preemptDelay
            startTimer(.preemptDelay, at: now + configuration.preemptDelay, &actions)
        }
    }

    /// RFC 5798 §6.4.3 (checklist F35, F36, F37) and RFC 9568 §6.4.3.
    private mutating func masterReceived(_ advert: Advertisement, from source: IPAddress, _ now: Instant,
                                         _ actions: inout [Action]) {
        if advert.priority == 0 {
            // Checklist F35: send an ADVERTISEMENT at once and reset the Adver_Timer.
            send(priority: effectivePriority, &actions)
            startTimer(.adver, at: now + configuration.advertisementInterval.interval, &actions)
            return
        }
        statistics.masterConflicts += 1
        if advert.priority == 255, effectivePriority == 255 { lowerOwnPriority() }
        // Checklist F36; RFC 9568: addresses compare as unsigned network-order integers.
        let theyWin = advert.priority > effectivePriority
            || (advert.priority == effectivePriority && localAddress.map { source > $0 } ?? true)
        guard theyWin else {
            // Checklist F37: discard; RFC 9568 §6.4.3 / keepalived: answer with an advert at once.
            if configuration.lowerPriorityAnswer { send(priority: effectivePriority, &actions) }
            // keepalived `garp_lower_prio_repeat`: the sender believed it was Master, so hosts may
            // hold its MAC for our addresses; re-announce them (checklist F37 note).
            if configuration.garpLowerPriorityRepeat > 0 {
                actions.append(.announceVirtualAddresses(count: configuration.garpLowerPriorityRepeat))
                // keepalived `garp_lower_prio_delay`: the same burst again, later.
                if configuration.garpLowerPriorityDelay > .zero {
                    startTimer(.garpLowerPriorityDelay, at: now + configuration.garpLowerPriorityDelay, &actions)
                }
            }
            return
        }
        if configuration.higherPrioritySendAdvert { send(priority: effectivePriority, &actions) }
        cancelAllTimers(&actions)
        actions.append(.removeVirtualAddresses)
        transition(to: .backup, .preferredMasterSeen(priority: advert.priority, address: source), now, &actions)
        if configuration.version == .v3 { masterAdverInterval = advert.interval }
        masterAddress = source
        masterPriority = advert.priority
        startMasterDownTimer(after: masterDownInterval, now: now, &actions)
    }

    /// keepalived #1835 (checklist §1.6): two owners; the receiver steps down to 254.
    private mutating func lowerOwnPriority() {
        statistics.ownerConflicts += 1
        effectivePriority = 254
    }

    // MARK: Timers

    private mutating func timerFired(_ kind: TimerKind, _ now: Instant, _ actions: inout [Action]) {
        // A fire for a timer that is not armed, or armed later (re-armed after the driver queued
        // the fire), is stale: ignore it. Only the Adver_Timer may fire early (`earliness`).
        guard let deadline = timers[kind], let fireTime = fireTime(kind), fireTime <= now else { return }
        timers[kind] = nil
        switch (kind, state) {
        case (.masterDown, .backup):
            // RFC 5798 §6.4.2 (checklist F29).
            if let started = masterDownStartedAt { lastTakeover = now - started }
            becomeMaster(now, &actions, reason: .masterDownTimerExpired)
        case (.adver, .master):
            // RFC 5798 §6.4.3 (checklist F34). Fired early (`earliness`), the timer is reset from
            // the deadline it fired for, not from now: a busy loop fires every Adver_Timer as
            // early as allowed, and resets from the fire sent 16 adverts per 15 intervals (issue
            // 16). Fired late, from now: no burst to catch up.
            send(priority: effectivePriority, &actions)
            startTimer(.adver, at: max(deadline, now) + configuration.advertisementInterval.interval, &actions)
        case (.garpDelay, .master):
            actions.append(.announceVirtualAddresses(count: configuration.garpMasterRepeat))
        case (.garpRefresh, .master):
            actions.append(.announceVirtualAddresses(count: configuration.garpMasterRefreshRepeat))
            if let refresh = configuration.garpMasterRefresh {
                startTimer(.garpRefresh, at: now + refresh, &actions)
            }
        case (.garpLowerPriorityDelay, .master):
            actions.append(.announceVirtualAddresses(count: configuration.garpLowerPriorityRepeat))
        case (.preemptDelay, _):
            return  // the window is over: the next lower-priority advert is discarded.
        default:
            return
        }
    }

    // MARK: Becoming master

    /// RFC 5798 §6.4.1 / §6.4.2 (checklist F26, F29) and keepalived's GARP timers.
    private mutating func becomeMaster(_ now: Instant, _ actions: inout [Action], reason: TransitionReason) {
        cancelAllTimers(&actions)
        transition(to: .master, reason, now, &actions)
        statistics.becomeMaster += 1
        preemptAllowedAt = nil
        masterAddress = localAddress
        masterPriority = effectivePriority
        actions.append(.addVirtualAddresses)
        send(priority: effectivePriority, &actions)
        actions.append(.announceVirtualAddresses(count: configuration.garpMasterRepeat))
        startTimer(.adver, at: now + configuration.advertisementInterval.interval, &actions)
        if configuration.garpMasterDelay > .zero {
            startTimer(.garpDelay, at: now + configuration.garpMasterDelay, &actions)
        }
        if let refresh = configuration.garpMasterRefresh, refresh > .zero {
            startTimer(.garpRefresh, at: now + refresh, &actions)
        }
    }

    // MARK: Priority

    /// Tracking changed the effective priority. Priority 0 is never advertised as a normal
    /// priority: it is taken as 1 (a weight-0 failure is a fault, not a priority).
    private mutating func priorityChanged(_ newPriority: UInt8, _ now: Instant, _ actions: inout [Action]) {
        let priority = max(newPriority, 1)
        let old = effectivePriority
        guard priority != old else { return }
        effectivePriority = priority
        switch state {
        case .master:
            // #17: every change is advertised at once, not at the next Adver_Timer. A drop lets a
            // better backup preempt now (it discards our lower advert, or with `fast_preempt`
            // arms its Master_Down_Timer at Skew_Time); a rise tells a backup that is about to
            // preempt us that we are its better again.
            send(priority: priority, &actions)
            startTimer(.adver, at: now + configuration.advertisementInterval.interval, &actions)
        default:
            // Backup: the new Skew_Time applies from the next timer reset; a backup that now
            // outranks the master discards its adverts and preempts at Master_Down_Timer expiry.
            break
        }
    }

    // MARK: Faults

    private mutating func raiseFault(_ reason: String, _ now: Instant, _ actions: inout [Action]) {
        let inserted = faultReasons.insert(reason).inserted
        guard inserted, state == .backup || state == .master else { return }
        if state == .master {
            // keepalived (leaving master for fault): priority 0 so a backup takes over quickly
            // (the driver drops it when the link is down), then release the VIPs.
            cancelAllTimers(&actions)
            send(priority: 0, &actions)
            actions.append(.removeVirtualAddresses)
        } else {
            cancelAllTimers(&actions)
        }
        preemptAllowedAt = nil
        masterAddress = nil
        masterPriority = nil
        transition(to: .fault, .faultRaised(reason), now, &actions)
    }

    private mutating func clearFault(_ reason: String, _ now: Instant, _ actions: inout [Action]) {
        guard faultReasons.remove(reason) != nil, faultReasons.isEmpty, state == .fault else { return }
        // keepalived `vrrp_fault` / `try_up_instance`: leaving FAULT restarts the election.
        enterRunning(now, &actions, backupReason: .faultCleared)
    }

    private mutating func localAddressChanged(_ address: IPAddress?, _ now: Instant, _ actions: inout [Action]) {
        localAddress = address
        if address == nil {
            raiseFault(Self.noLocalAddressFault, now, &actions)
        } else {
            clearFault(Self.noLocalAddressFault, now, &actions)
        }
    }

    // MARK: Sync groups

    /// keepalived `vrrp_sync_master` / `vrrp_sync_backup`: members follow each other.
    private mutating func syncGroupRequest(_ target: State, _ reason: String, _ now: Instant,
                                           _ actions: inout [Action]) {
        switch (state, target) {
        case (.backup, .master):
            becomeMaster(now, &actions, reason: .syncGroup(reason))
        case (.master, .backup):
            cancelAllTimers(&actions)
            actions.append(.removeVirtualAddresses)
            transition(to: .backup, .syncGroup(reason), now, &actions)
            masterAddress = nil
            masterPriority = nil
            startMasterDownTimer(after: masterDownInterval, now: now, &actions)
        default:
            return
        }
    }

    // MARK: Helpers

    private mutating func send(priority: UInt8, _ actions: inout [Action]) {
        statistics.advertisementsSent += 1
        if priority == 0 { statistics.priorityZeroPktsSent += 1 }
        actions.append(.sendAdvertisement(priority: priority))
    }

    private mutating func transition(to newState: State, _ reason: TransitionReason, _ now: Instant,
                                     _ actions: inout [Action]) {
        let old = state
        state = newState
        lastTransition = now
        actions.append(.transitioned(from: old, to: newState, reason: reason))
    }
}
