// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore
import VRRPLinux
@testable import VRRPRuntime
import VRRPTestSupport

/// A busy backup's socket is read once per window instead of once per advert (issue 16,
/// Daemon+Coalesce.swift), at simulated time: a ghost master's adverts are queued on the
/// backup's socket at chosen instants (the fake stamps each with its arrival, as
/// SO_TIMESTAMPNS does), so what sits in a held socket, and for how long, is exact.
@Suite("Runtime: a busy backup reads its socket once per window, and no takeover moves (issue 16)", .serialized)
struct ReceiveCoalescingTests {
    static let ghost = IPAddress("198.18.0.11")!
    static let group = IPAddress("224.0.0.18")!

    /// A backup with VI_1 (VRID 51) and VI_2 (VRID 52) at `priority`, v2 1 s, alone on the LAN.
    static func backup(priority: Int = 100) throws -> (FakeLAN, SimNode, FakeVRRPSocket) {
        let lan = FakeLAN()
        let config = instanceBlock("VI_1", vrid: 51, priority: priority, vip: "198.18.0.100/24")
            + "\n" + instanceBlock("VI_2", vrid: 52, priority: priority, vip: "198.18.0.101/24")
        let p = try SimNode(lan, "p2", addresses: [["198.18.0.12/24"]], config: config)
        let socket = try #require(p.host.sockets.first)
        return (lan, p, socket)
    }

    /// Queues one advert of the ghost master on `socket` now.
    static func inject(_ socket: FakeVRRPSocket, vrid: UInt8, priority: UInt8 = 150) throws {
        let vip = IPAddress(vrid == 51 ? "198.18.0.100" : "198.18.0.101")!
        let advert = Advertisement(version: .v2, vrid: vrid, priority: priority, interval: Centiseconds(100), addresses: [vip])
        socket.enqueue(try advert.encode(source: ghost, destination: group), source: ghost, destination: group)
    }

    /// The ghost master advertises both VRIDs at the same instant, once a second, `seconds`
    /// times (one wake-up reads both: nothing held), ending one second after the last.
    static func steady(_ lan: FakeLAN, _ socket: FakeVRRPSocket, seconds: Int, priority: UInt8 = 150) throws {
        for _ in 0..<seconds {
            try inject(socket, vrid: 51, priority: priority)
            try inject(socket, vrid: 52, priority: priority)
            lan.loop.advance(by: .s(1))
        }
    }

    /// Two wake-ups 5 ms apart: the second holds the socket.
    static func hold(_ lan: FakeLAN, _ socket: FakeVRRPSocket, vrid: UInt8 = 52, priority: UInt8 = 150) throws {
        try inject(socket, vrid: vrid, priority: priority)
        lan.loop.advance(by: .milliseconds(5))
        try inject(socket, vrid: vrid, priority: priority)
        lan.loop.advance(by: .zero)
        #expect(lan.loop.isPaused(socket.fileDescriptor), "the second wake-up within the window holds the socket")
    }

    static func received(_ p: SimNode, _ name: String) -> Int { p.instance(name)?.counters.advertiseRcvd ?? 0 }

    /// 1 ms on, a priority-0 advert for VI_1: VI_1 is still BACKUP 0.1 ms before arrival +
    /// `skew` and MASTER 0.1 ms after (the graceful takeover did not move).
    static func priorityZeroTakeover(_ lan: FakeLAN, _ p: SimNode, _ socket: FakeVRRPSocket, skew: Interval) throws {
        lan.loop.advance(by: .milliseconds(1))
        let arrival = lan.loop.now()
        try inject(socket, vrid: 51, priority: 0)
        lan.loop.advance(to: arrival + (skew - .microseconds(100)))
        #expect(p.state("VI_1") == "BACKUP")
        lan.loop.advance(by: .microseconds(200))
        #expect(p.state("VI_1") == "MASTER", "graceful takeover Skew_Time after the priority-0 advert arrived")
    }

    @Test("a second wake-up within the window holds the socket: adverts sent meanwhile are read together at its end (v2 1 s, priority 100: W = 250 ms, a quarter of the interval)")
    func holdsAndReadsOnce() throws {
        let (lan, p, socket) = try Self.backup()
        try Self.steady(lan, socket, seconds: 3)
        #expect(lan.loop.pausedLog.isEmpty, "one clump per second is read in one wake-up: nothing to hold")
        try Self.hold(lan, socket)
        let start = lan.loop.now()
        let before = Self.received(p, "VI_1")
        for _ in 0..<3 {
            try Self.inject(socket, vrid: 51)
            lan.loop.advance(by: .milliseconds(10))
        }
        // Skew_Time / 2 = 304.7 ms and Master_Adver_Interval / 4 = 250 ms: W = 250 ms.
        lan.loop.advance(to: start + .milliseconds(249))
        #expect(Self.received(p, "VI_1") == before, "held: nothing read before the window ends")
        lan.loop.advance(to: start + .milliseconds(250))
        #expect(Self.received(p, "VI_1") == before + 3)
        #expect(lan.loop.isPaused(socket.fileDescriptor), "adverts came: held for another window")
        lan.loop.advance(by: .milliseconds(250))
        #expect(!lan.loop.isPaused(socket.fileDescriptor), "an empty read resumes the callbacks")
        #expect(p.state("VI_1") == "BACKUP" && p.state("VI_2") == "BACKUP")
    }

    @Test("Master_Down_Timer restarts from the held advert's arrival, not from when it was read (RFC 5798 §6.4.2)")
    func masterDownFromArrival() throws {
        let (lan, p, socket) = try Self.backup()
        try Self.steady(lan, socket, seconds: 3)
        try Self.hold(lan, socket)
        lan.loop.advance(by: .milliseconds(10))
        let arrival = lan.loop.now()
        try Self.inject(socket, vrid: 51)  // read 240 ms later, at the window's end
        // VI_2 keeps hearing its master; VI_1's master goes silent after `arrival`.
        for _ in 0..<3 {
            lan.loop.advance(by: .milliseconds(500))
            try Self.inject(socket, vrid: 52)
            lan.loop.advance(by: .milliseconds(500))
        }
        // Master_Down_Interval = 3 × 1 s + (256 − 100) / 256 s = 3.609375 s (RFC 3768 §6.1).
        let mdi = Interval(nanoseconds: 3_609_375_000)
        lan.loop.advance(to: arrival + (mdi - .milliseconds(1)))
        #expect(p.state("VI_1") == "BACKUP")
        lan.loop.advance(by: .milliseconds(2))
        #expect(p.state("VI_1") == "MASTER", "takeover Master_Down_Interval after the advert arrived, not 240 ms later")
        #expect(p.state("VI_2") == "BACKUP")
    }

    @Test("an advert that arrived in time but sits in the held socket when Master_Down_Timer fires prevents the takeover")
    func heldAdvertBeatsMasterDown() throws {
        let (lan, p, socket) = try Self.backup()
        try Self.steady(lan, socket, seconds: 3)
        // VI_1's last advert read at once; its Master_Down_Timer falls due at last + MDI.
        try Self.inject(socket, vrid: 51)
        try Self.inject(socket, vrid: 52)
        lan.loop.advance(by: .zero)
        let last = lan.loop.now()
        let mdi = Interval(nanoseconds: 3_609_375_000)
        for _ in 0..<3 {
            lan.loop.advance(by: .s(1))
            try Self.inject(socket, vrid: 52)
        }
        // Held from MDI − 30 ms to MDI + 20 ms; VI_1's advert comes at MDI − 10 ms, in time.
        lan.loop.advance(to: last + (mdi - .milliseconds(35)))
        try Self.hold(lan, socket)
        lan.loop.advance(to: last + (mdi - .milliseconds(10)))
        let arrival = lan.loop.now()
        try Self.inject(socket, vrid: 51)
        lan.loop.advance(to: last + (mdi + .milliseconds(1)))
        #expect(p.state("VI_1") == "BACKUP", "the held advert was read before the timer and restarted it")
        #expect(lan.adverts(from: "p2").isEmpty, "no advert from a false master")
        lan.loop.advance(to: arrival + (mdi - .milliseconds(1)))
        #expect(p.state("VI_1") == "BACKUP")
        lan.loop.advance(by: .milliseconds(2))
        #expect(p.state("VI_1") == "MASTER", "then it takes over Master_Down_Interval after that advert")
    }

    /// The loop stalls (a slow turn) across both instances' Master_Down deadlines while the
    /// master keeps sending: each second `filler` adverts for VI_2, then one for VI_1. At the
    /// end of the stall they all sit in the socket, and both timers are overdue.
    static func stallWithBacklog(_ lan: FakeLAN, _ socket: FakeVRRPSocket, filler: Int) throws -> (last: Instant, lastVI1: Instant) {
        try steady(lan, socket, seconds: 3)
        try inject(socket, vrid: 51)
        try inject(socket, vrid: 52)
        lan.loop.advance(by: .zero)
        let last = lan.loop.now()
        var lastVI1 = last
        for _ in 0..<3 {
            lan.loop.stall(for: .s(1))
            for _ in 0..<filler { try inject(socket, vrid: 52) }
            try inject(socket, vrid: 51)
            lastVI1 = lan.loop.now()
        }
        lan.loop.stall(for: mdi - .s(3) + .milliseconds(5))
        #expect(socket.queued == 3 * (filler + 1))
        return (last, lastVI1)
    }

    // Master_Down_Interval = 3 × 1 s + (256 − 100) / 256 s = 3.609375 s (RFC 3768 §6.1).
    static let mdi = Interval(nanoseconds: 3_609_375_000)

    @Test("adverts that arrived in time but queued behind a slow turn are read before a due Master_Down_Timer: no false takeover, and the real one still comes Master_Down_Interval after the last advert",
          arguments: [250, 600])
    func backlogBeatsMasterDown(filler: Int) throws {
        let (lan, p, socket) = try Self.backup()
        let (_, lastVI1) = try Self.stallWithBacklog(lan, socket, filler: filler)
        lan.loop.advance(by: .zero)
        #expect(p.state("VI_1") == "BACKUP" && p.state("VI_2") == "BACKUP",
                "the adverts queued during the stall restarted both timers from their arrival")
        #expect(lan.adverts(from: "p2").isEmpty, "no advert from a false master")
        lan.loop.advance(to: lastVI1 + (Self.mdi - .milliseconds(1)))
        #expect(socket.queued == 0)
        #expect(p.state("VI_1") == "BACKUP")
        lan.loop.advance(by: .milliseconds(2))
        #expect(p.state("VI_1") == "MASTER", "VI_1's master went silent: takeover Master_Down_Interval after its last advert (its arrival, not when it was read)")
    }

    @Test("a backlog larger than one read postpones a due takeover only until it is read, not past it")
    func backlogDoesNotBlockTakeover() throws {
        let (lan, p, socket) = try Self.backup()
        let (last, _) = try Self.stallWithBacklog(lan, socket, filler: 0)
        // VI_1's master is gone (its three queued adverts are its last); 2 000 of VI_2's follow.
        _ = last
        lan.loop.stall(for: Self.mdi)
        for _ in 0..<2000 { try Self.inject(socket, vrid: 52) }
        lan.loop.advance(by: .zero)
        #expect(socket.queued == 0)
        #expect(p.state("VI_1") == "MASTER", "read to the end in bounded turns at the same instant, then taken over")
        #expect(p.state("VI_2") == "BACKUP")
    }

    @Test("a flood that never ends postpones a due takeover only until what arrived before the deadline is read")
    func floodDoesNotBlockTakeover() throws {
        let (lan, p, socket) = try Self.backup()
        _ = try Self.stallWithBacklog(lan, socket, filler: 0)
        // VI_1's master is gone. During a stall past VI_1's deadline 600 of VI_2's adverts
        // came, and whenever a read leaves fewer than 600 queued 600 more are there (after the
        // deadline): more than a read takes, until the flood stops after 20 refills.
        var refills = 0
        var refillsAtTakeover: Int?
        socket.afterRead = { [unowned socket] in
            if refillsAtTakeover == nil, p.state("VI_1") == "MASTER" { refillsAtTakeover = refills }
            guard refills < 20, socket.queued < 600 else { return }
            refills += 1
            for _ in 0..<600 { try? Self.inject(socket, vrid: 52) }
        }
        lan.loop.stall(for: Self.mdi)
        for _ in 0..<600 { try Self.inject(socket, vrid: 52) }
        lan.loop.advance(by: .zero)
        #expect(p.state("VI_1") == "MASTER")
        let at = try #require(refillsAtTakeover)
        #expect(at <= 2, "taken over once the adverts from before its deadline were read, not when the flood paused")
        #expect(p.state("VI_2") == "BACKUP")
    }

    @Test("a priority-0 advert sent while the socket is held still gives the takeover at arrival + Skew_Time (W ≤ Skew_Time / 2)")
    func priorityZeroWhileHeld() throws {
        // Priority 250: Skew_Time = 6/256 s = 23.4375 ms, so W = 11.71875 ms (not 50 ms).
        let (lan, p, socket) = try Self.backup(priority: 250)
        try Self.steady(lan, socket, seconds: 3, priority: 254)
        try Self.hold(lan, socket, priority: 254)
        try Self.priorityZeroTakeover(lan, p, socket, skew: Interval(nanoseconds: 23_437_500))
    }

    @Test("a priority rise that shortens Skew_Time while the socket is held ends the hold: a priority-0 advert still gives the takeover at arrival + Skew_Time")
    func priorityRiseEndsHold() throws {
        let lan = FakeLAN()
        let script = "vrrp_script chk {\n    script \"/bin/true\"\n    interval 1\n}\n\n"
        let config = script
            + instanceBlock("VI_1", vrid: 51, priority: 100, vip: "198.18.0.100/24", extra: "track_script {\n        chk weight 150\n    }")
            + "\n" + instanceBlock("VI_2", vrid: 52, priority: 100, vip: "198.18.0.101/24")
        let p = try SimNode(lan, "p2", addresses: [["198.18.0.12/24"]], config: config)
        let socket = try #require(p.host.sockets.first)
        try Self.steady(lan, socket, seconds: 3, priority: 254)
        try Self.hold(lan, socket, priority: 254)  // W = 250 ms at priority 100
        p.check("chk", ok: true)
        #expect(p.priority("VI_1") == 250)
        #expect(!lan.loop.isPaused(socket.fileDescriptor), "Skew_Time fell to 23.4 ms: the 250 ms hold ended")
        try Self.priorityZeroTakeover(lan, p, socket, skew: Interval(nanoseconds: 23_437_500))
    }

    @Test("a socket with a MASTER instance is never held, a held one resumes when an instance on it becomes MASTER, and it is held again once that one steps down")
    func neverHeldWithAMaster() throws {
        let (lan, p, socket) = try Self.backup()
        // Only VI_1 hears a master: VI_2 takes over after Master_Down_Interval.
        try Self.inject(socket, vrid: 51)
        lan.loop.advance(by: .s(1))
        try Self.inject(socket, vrid: 51)
        lan.loop.advance(by: .s(1))
        try Self.inject(socket, vrid: 51)
        lan.loop.advance(by: .milliseconds(1500))
        // Held (VI_1's master keeps sending every 10 ms) when VI_2's Master_Down_Timer
        // (3.609375 s after start) falls due.
        try Self.hold(lan, socket, vrid: 51)
        var steps = 0
        while p.state("VI_2") != "MASTER" && steps < 50 {
            #expect(lan.loop.isPaused(socket.fileDescriptor))
            try Self.inject(socket, vrid: 51)
            lan.loop.advance(by: .milliseconds(10))
            steps += 1
        }
        #expect(p.state("VI_2") == "MASTER" && p.state("VI_1") == "BACKUP")
        #expect(!lan.loop.isPaused(socket.fileDescriptor), "resumed when VI_2 became MASTER")
        let holds = lan.loop.pausedLog.count
        for _ in 0..<20 {
            try Self.inject(socket, vrid: 51)
            lan.loop.advance(by: .milliseconds(5))
            #expect(!lan.loop.isPaused(socket.fileDescriptor))
        }
        #expect(lan.loop.pausedLog.count == holds, "never held while VI_2 is MASTER")
        #expect(p.state("VI_1") == "BACKUP")
        // A preferred master for VI_2 appears: VI_2 steps down, and the socket, all backups
        // again, is held again (the window is computed anew when an instance's slack grows).
        try Self.inject(socket, vrid: 52, priority: 200)
        lan.loop.advance(by: .milliseconds(5))
        #expect(p.state("VI_2") == "BACKUP")
        for _ in 0..<3 {
            try Self.inject(socket, vrid: 51)
            try Self.inject(socket, vrid: 52, priority: 200)
            lan.loop.advance(by: .milliseconds(5))
        }
        #expect(lan.loop.isPaused(socket.fileDescriptor), "held again once no MASTER is on it")
    }

    @Test("a datagram the kernel truncated to its receive slot is a packet-length error of its VRID's instance, never decoded, and the adverts around it are handled")
    func truncatedDatagram() throws {
        let (lan, p, socket) = try Self.backup()
        try Self.steady(lan, socket, seconds: 2)
        let before = (Self.received(p, "VI_1"), Self.received(p, "VI_2"))
        // A valid VI_1 advert, as if it were the first 4 KiB of a longer datagram: decoded, it
        // would be accepted.
        let advert = Advertisement(version: .v2, vrid: 51, priority: 150, interval: Centiseconds(100),
                                   addresses: [IPAddress("198.18.0.100")!])
        let vrrp = try advert.encode(source: Self.ghost, destination: Self.group)
        guard case .v4(let s) = Self.ghost, case .v4(let d) = Self.group else { return }
        let bytes = IPv4Header(source: s, destination: d, payloadLength: vrrp.count).encode() + vrrp
        try Self.inject(socket, vrid: 52)
        socket.enqueue(RawPacket(bytes: bytes, source: Self.ghost, destination: Self.group, ttlOrHopLimit: 255,
                                 ifindex: socket.ifindex, arrival: lan.loop.now(), length: 65_535))
        try Self.inject(socket, vrid: 52)
        lan.loop.advance(by: .milliseconds(100))
        let one = try #require(p.instance("VI_1")), two = try #require(p.instance("VI_2"))
        #expect(one.counters.packetLengthErrors == 1)
        #expect(one.counters.advertiseRcvd == before.0, "the truncated datagram was decoded")
        #expect(two.counters.packetLengthErrors == 0)
        #expect(two.counters.advertiseRcvd == before.1 + 2)
    }

    @Test("a foreign advert read at the end of a hold is stamped in the status with its arrival, as a heard advert is, not with the read")
    func foreignStampedAtArrival() throws {
        let (lan, p, socket) = try Self.backup()
        try Self.steady(lan, socket, seconds: 3)
        try Self.hold(lan, socket)
        lan.loop.advance(by: .milliseconds(10))
        // At one instant: VI_2's master, and a VRID 51 advert with another address list.
        try Self.inject(socket, vrid: 52)
        let other = Advertisement(version: .v2, vrid: 51, priority: 150, interval: Centiseconds(100),
                                  addresses: [IPAddress("198.18.0.200")!])
        socket.enqueue(try other.encode(source: Self.ghost, destination: Self.group), source: Self.ghost, destination: Self.group)
        lan.loop.advance(by: .milliseconds(500))  // read at the window's end, 240 ms later
        let heard = try #require(p.instance("VI_2")?.lastAdvertisement?.at)
        let foreign = try #require(p.instance("VI_1")?.foreignAdvertisements)
        #expect(foreign.count == 1)
        #expect(foreign.lastAt == heard, "foreign advert stamped \(foreign.lastAt ?? 0), arrival \(heard)")
    }
}

extension Interval {
    static func microseconds(_ us: Int64) -> Interval { Interval(nanoseconds: us * 1000) }
}
