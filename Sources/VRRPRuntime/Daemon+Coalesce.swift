// SPDX-License-Identifier: Apache-2.0
import VRRPCore
import VRRPLinux

/// Coalesced receive on a backup (issue 16). A backup that hears adverts one at a time pays an
/// epoll wake-up and a recvmmsg per advert (≈ 15–25 µs per advert, against ≈ 0.5 µs of
/// decoding and handling). After a wake-up that read adverts, a busy socket whose
/// instances are all BACKUP (or INIT/FAULT) is *held*: its callbacks are paused
/// (`setReadable(fd:enabled: false)`, EPOLL_CTL_MOD) and it is read once more after a window W,
/// then again every W while adverts keep coming; a read that finds nothing resumes the callbacks.
///
/// Why no takeover moves and none is false:
/// - Each advert is fed to the core at the instant the kernel queued it (SO_TIMESTAMPNS,
///   ``RawPacket/arrival``), so Master_Down_Timer restarts from the arrival (RFC 5798 §6.4.2)
///   and a crash takeover still happens Master_Down_Interval after the master's last advert.
/// - Before a Master_Down_Timer fire is handled, the socket is read (``readBeforeMasterDown(for:)``):
///   an advert that arrived in time but sat in the socket restarts the timer instead of
///   losing to it.
/// - W never exceeds the core's `VirtualRouter.advertReadSlack` of any instance on the socket:
///   zero for a MASTER (a master sees a preferred advert at once), and for a backup Skew_Time
///   / 2 (a priority-0 or `fast_preempt` advert sets Master_Down to arrival + Skew_Time, so it
///   is read and that deadline armed before it falls due) and Master_Adver_Interval / 4. This
///   replaces a second, BPF-filtered socket for priority-0 adverts (docs/performance.md). When
///   an instance's slack shrinks (it became MASTER, its priority rose) a held socket is resumed
///   at once (``Daemon/feed``), the window being sized for the old slack.
/// W = min(250 ms, every instance's slack); below 1 ms nothing is held. The slack alone keeps
/// every takeover where it was; the cap only bounds how stale the status counters can be (a
/// held advert is counted when it is read; its `lastAdvertisement` time is its arrival). At
/// v2 1 s a backup's slack is 250 ms (a quarter of the interval; Skew_Time / 2 ≥ 250 ms up to
/// priority 128): 4 reads a second instead of the 20 of the first cap, 50 ms, which was a
/// starting value, not a bound anything relied on. Only a wake-up that comes less than W after the previous read holds:
/// adverts that come sparsely (or in one clump, as a master's sendmmsg batch arrives) are read
/// in one wake-up anyway, and holding would only add a timer and two epoll_ctl calls.
struct HeldSocket {
    /// The last read of the socket: every advert queued after it arrived no earlier (the
    /// lower clamp of an arrival stamp, against a stepped realtime clock).
    var lastReadAt: Instant?
    /// The pending read while the socket is held; nil: callbacks armed.
    var poll: TimerToken?
}

extension Daemon {
    static let holdCap = Interval.milliseconds(250)
    static let holdMinimum = Interval.milliseconds(1)
    /// Datagrams per wake-up read (one flooded interface cannot starve the others) and per
    /// held read. A window is at most a quarter of the shortest interval on the socket, so each
    /// sender's VRID advertises at most once in it: ≤ 255 VRIDs per socket, 512 covers two
    /// senders per VRID (a split brain); what is left is read at the next window, stamped
    /// with its arrival.
    static let wakeReadLimit = 64
    static let heldReadLimit = 512

    /// The hold window of a socket now: the core's `advertReadSlack` of every instance on it,
    /// capped; nil: it must stay armed (a MASTER on it, coalescing off, or a window too small
    /// to gain anything).
    /// Computed once per change, not per read: over 250 instances per socket, at a backup's
    /// 400 held reads a second per socket at 0.01 s, the minimum was 6 % of its CPU.
    func holdWindow(_ key: SocketKey, _ entry: SocketInstances) -> Interval? {
        guard options.coalesceReceive else { return nil }
        if let known = entry.holdWindow { return known }
        let slack = entry.all.reduce(Self.holdCap) { window, d in min(window, d.router.advertReadSlack) }
        let window = slack >= Self.holdMinimum ? slack : nil
        demux?[key]?.holdWindow = .some(window)
        return window
    }

    /// `d`'s read slack changed: its socket's window is computed again at its next use.
    func forgetHoldWindow(for d: InstanceDriver) {
        guard let ifindex = d.socketIfindex else { return }
        demux?[SocketKey(ifindex: ifindex, family: d.settings.family)]?.holdWindow = nil
    }

    /// Reads up to `limit` datagrams and hands each to its instance at its arrival instant
    /// (clamped to the last read and to now); how many were read.
    @discardableResult
    func readSocket(_ key: SocketKey, limit: Int) -> Int {
        guard let socket = sockets[key] else { return 0 }
        let now = loop.now()
        // Datagrams are queued in arrival order: each one's stamp is clamped to the previous
        // one's (and the first to the last read's end), against a stepped realtime clock.
        var floor = held[key]?.lastReadAt ?? now
        var count = 0
        defer {
            // A read that stopped at its limit left datagrams queued that arrived before now:
            // the next read's floor is the last one read, not now (issue 16: a backlog after
            // a slow turn would be stamped late, and its Master_Down_Timer fire late).
            held[key, default: HeldSocket()].lastReadAt = count < limit ? now : floor
        }
        guard let entry = instancesOn(key) else {
            // No instance (all stopped): what is queued is dropped as before.
            count = (try? socket.receiveInPlace(upTo: limit) { _ in }) ?? 0
            return count
        }
        do {
            count = try socket.receiveInPlace(upTo: limit) { packet in
                let arrival = min(max(packet.arrival ?? now, floor), now)
                floor = arrival
                handle(packet, key: key, entry: entry, at: arrival)
            }
            return count
        } catch {
            log.warning("receive on \(links[key.ifindex]?.name ?? "?"): \(error)")
            return 1  // something was there
        }
    }

    /// After a wake-up read `count` datagrams: holds the socket for a window if the previous
    /// read was less than a window ago and only backups are on it.
    func considerHolding(_ key: SocketKey, count: Int, previousRead: Instant?) {
        guard count > 0, held[key]?.poll == nil, let previous = previousRead, let socket = sockets[key],
              let entry = instancesOn(key), let window = holdWindow(key, entry) else { return }
        let now = loop.now()
        guard now - previous < window else { return }  // sparse: nothing to gain
        loop.setReadable(fd: socket.fileDescriptor, enabled: false)
        held[key, default: HeldSocket()].poll = loop.schedule(at: now + window) { [unowned self] in self.heldReadDue(key) }
    }

    /// The held socket's window ended: read it; hold it again if adverts came and it may still
    /// be held, else resume its callbacks.
    func heldReadDue(_ key: SocketKey) {
        guard held[key]?.poll != nil else { return }
        held[key]?.poll = nil
        let count = readSocket(key, limit: Self.heldReadLimit)
        guard let socket = sockets[key] else { return }
        if count > 0, held[key]?.poll == nil, let entry = instancesOn(key), let window = holdWindow(key, entry) {
            held[key]?.poll = loop.schedule(at: loop.now() + window) { [unowned self] in self.heldReadDue(key) }
        } else if held[key]?.poll == nil {
            loop.setReadable(fd: socket.fileDescriptor, enabled: true)
        }
    }

    /// Before `d`'s due Master_Down_Timer is handled: reads its socket, held or not, so an
    /// advert that arrived in time wins over the timer (no false takeover). Not only a held
    /// socket: after a slow turn (hundreds of instances changing state at once, a descheduled
    /// thread) the adverts that came meanwhile sit in the socket while their instances'
    /// timers are overdue, and the turn reads only `wakeReadLimit` of them before running the
    /// timers; each advert unread was a takeover, and each takeover more work for the next
    /// turn (the scale ceiling's "did not settle": the backup flapped ~1 000 times a second).
    /// True when what arrived before `due` is read: the socket was read to its end, or the
    /// read stopped at its limit at a datagram that arrived at or after `due` (what is still
    /// queued came later, and a flood that never ends cannot postpone a takeover past the
    /// time it takes to read what came before it); false when a datagram that arrived before
    /// `due` may still be queued.
    func readBeforeMasterDown(for d: InstanceDriver, due: Instant) -> Bool {
        guard let ifindex = d.socketIfindex else { return true }
        let key = SocketKey(ifindex: ifindex, family: d.settings.family)
        guard sockets[key] != nil else { return true }
        if readSocket(key, limit: Self.heldReadLimit) < Self.heldReadLimit { return true }
        // Stopped at its limit: the floor is the arrival of the last datagram read.
        return (held[key]?.lastReadAt ?? loop.now()) >= due
    }

    /// `d`'s read slack shrank (it became MASTER, its Skew_Time fell): its socket's callbacks
    /// resume now (what is queued is read in the next turn, level-triggered).
    func resumeHeld(for d: InstanceDriver) {
        guard let ifindex = d.socketIfindex else { return }
        let key = SocketKey(ifindex: ifindex, family: d.settings.family)
        guard let token = held[key]?.poll else { return }
        _ = loop.cancel(token)
        held[key]?.poll = nil
        if let socket = sockets[key] { loop.setReadable(fd: socket.fileDescriptor, enabled: true) }
    }

    /// The socket of `ifindex` closes: its holds end.
    func forgetHeld(ifindex: Int32) {
        for key in held.keys where key.ifindex == ifindex {
            if let token = held.removeValue(forKey: key)?.poll { _ = loop.cancel(token) }
        }
    }
}
