// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore
import VRRPLinux
@testable import VRRPRuntime
import VRRPTestSupport

/// The driver's work per advert (issue 16), counted at simulated time: no timing.
@Suite("Runtime: per-advert work (timers re-armed lazily, adverts batched)", .serialized)
struct HotPathTests {
    @Test("a backup's Master_Down_Timer is not re-scheduled on the loop for every advert it hears")
    func lazyMasterDownRearm() throws {
        let (lan, p1, p2) = try ElectionTests.pair()
        lan.loop.advance(by: .s(10))
        #expect(p1.state() == "MASTER" && p2.state() == "BACKUP")
        let since = lan.loop.now()
        let scheduled = lan.loop.scheduledTimers
        lan.loop.advance(by: .s(60))
        let adverts = lan.adverts(from: "p1", since: since).count
        #expect((60...61).contains(adverts))
        // The master schedules its Adver_Timer once per advert. The backup used to cancel and
        // schedule its Master_Down_Timer once per advert as well (2 × adverts in all); re-armed
        // lazily it touches the loop about once per Master_Down_Interval (≈ 3.6 adverts).
        let extra = lan.loop.scheduledTimers - scheduled - adverts
        #expect(extra <= adverts / 2, "the backup scheduled \(extra) loop timers for \(adverts) adverts")
        #expect(p2.state() == "BACKUP")
        #expect(p2.instance()?.counters.advertiseRcvd ?? 0 >= 60)
    }

    @Test("an idle master with nothing else configured arms only its Adver_Timer: no periodic loop timer")
    func noPeriodicTimersWhenIdle() throws {
        // Issue 16: every wake-up of an idle daemon must be an advert or a due protocol timer
        // (no status sweep without clients, no polling of checks, FIFO scripts or interfaces
        // that are not configured).
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]],
                             config: instanceBlock("VI_1", vrid: 1, priority: 150))
        lan.loop.advance(by: .s(10))
        #expect(p1.state() == "MASTER")
        let since = lan.loop.now()
        let scheduled = lan.loop.scheduledTimers
        lan.loop.advance(by: .s(60))
        let adverts = lan.adverts(from: "p1", since: since).count
        #expect((60...61).contains(adverts))
        #expect(lan.loop.scheduledTimers - scheduled == adverts,
                "\(lan.loop.scheduledTimers - scheduled) loop timers for \(adverts) adverts")
        #expect(lan.loop.pendingTimers == 1)
    }

    @Test("the driver feeds the core through reused action buffers: one spare buffer, with capacity, after 60 adverts")
    func actionBuffersReused() throws {
        let (lan, p1, p2) = try ElectionTests.pair()
        lan.loop.advance(by: .s(70))
        #expect(p1.state() == "MASTER" && p2.state() == "BACKUP")
        for daemon in [p1.daemon, p2.daemon] {
            // Every feed takes a buffer from the pool and gives it back emptied; nested feeds
            // (an action feeding another instance) would leave more than one.
            #expect(daemon.spareActions.count == 1, "\(daemon.spareActions.count) spare buffers")
            #expect(daemon.spareActions.allSatisfy { $0.isEmpty && $0.capacity > 0 })
        }
    }

    @Test("a lazily re-armed backup still takes over exactly Master_Down_Interval after the last advert (v3, 0.1 s)")
    func lazyRearmKeepsTheDeadline() throws {
        let (lan, p1, p2) = try ElectionTests.pair("version 3", "version 3", advertInt: "0.1")
        lan.loop.advance(by: .s(5))
        #expect(p1.state() == "MASTER" && p2.state() == "BACKUP")
        p1.crash()
        let last = lan.adverts(from: "p1").last!.at
        // 3 × 100 ms + Skew_Time (256 − 100) × 10 cs / 256 = 360.9375 ms (RFC 5798 §6.1).
        let mdi = Interval(nanoseconds: 360_937_500)
        lan.loop.advance(to: last + Interval(nanoseconds: mdi.nanoseconds - 100_000))
        #expect(p2.state() == "BACKUP")
        lan.loop.advance(by: Interval(nanoseconds: 200_000))
        #expect(p2.state() == "MASTER")
    }

    @Test("the periodic adverts of instances due in the same loop turn go out in one batch per socket (on by default, off per daemon)",
          arguments: [true, false])
    func advertsBatched(batch: Bool) throws {
        let lan = FakeLAN()
        let config = instanceBlock("VI_1", vrid: 1, priority: 150, vip: "198.18.0.101/24")
            + "\n" + instanceBlock("VI_2", vrid: 2, priority: 150, vip: "198.18.0.102/24")
            + "\n" + instanceBlock("VI_3", vrid: 3, priority: 150, vip: "198.18.0.103/24")
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: config, batchAdverts: batch)
        lan.loop.advance(by: .s(10))
        #expect(["VI_1", "VI_2", "VI_3"].allSatisfy { p1.state($0) == "MASTER" })
        let socket = try #require(p1.host.sockets.first)
        let before = socket.sentBatches.count
        let since = lan.loop.now()
        lan.loop.advance(by: .s(5))
        let batches = Array(socket.sentBatches[before...])
        let adverts = lan.adverts(from: "p1", since: since)
        #expect(adverts.count >= 15)
        #expect(Set(adverts.compactMap { $0.advertisement?.vrid }) == [1, 2, 3])
        if batch {
            // Three instances started together share their Adver_Timer deadlines: each interval's
            // three adverts leave in one batch (one sendmmsg on a real socket).
            #expect(!batches.isEmpty && batches.allSatisfy { $0 == 3 }, "batches: \(batches)")
            #expect(adverts.count == batches.reduce(0, +))
        } else {
            #expect(batches.isEmpty, "batches: \(batches)")
        }
    }
    @Test("a master's Adver_Timers that fall within 1/16 interval after an earlier one fire early with it, and each instance keeps its own rate")
    func adverTimersCoalesce() throws {
        // VI_2 (1.02 s) drifts 20 ms per interval against VI_1 (1.00 s): every 50 s their
        // deadlines pass within the 62.5 / 63.75 ms early windows of each other for a few
        // rounds, and those adverts go out in one wake-up. Without early fires they would share
        // none (their deadlines never coincide). Each keeps its configured rate: an early fire's
        // next deadline counts from the deadline it fired for (issue 16; reset from the fire,
        // VI_2 was pulled into VI_1's phase and sent at 1.00 s).
        let lan = FakeLAN()
        let config = instanceBlock("VI_1", vrid: 1, priority: 150, vip: "198.18.0.101/24", advertInt: "1", extra: "version 3")
            + "\n" + instanceBlock("VI_2", vrid: 2, priority: 150, vip: "198.18.0.102/24", advertInt: "1.02", extra: "version 3")
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: config)
        lan.loop.advance(by: .s(10))
        #expect(["VI_1", "VI_2"].allSatisfy { p1.state($0) == "MASTER" })
        let since = lan.loop.now()
        lan.loop.advance(by: .s(102))  // two cycles of the relative drift
        let adverts = lan.adverts(from: "p1", since: since)
        func times(_ vrid: UInt8) -> [Instant] { adverts.filter { $0.advertisement?.vrid == vrid }.map(\.at) }
        for (vrid, interval) in [(UInt8(1), Interval.milliseconds(1000)), (2, .milliseconds(1020))] {
            let t = times(vrid)
            // The configured rate: 102 and 100 adverts in 102 s (± the window's ends).
            #expect(abs(Double(t.count) - 102_000 / interval.milliseconds) <= 1.5, "VRID \(vrid): \(t.count) adverts")
            for (a, b) in zip(t, t.dropFirst()) {
                // Within 1/16 of the interval either way: far inside a backup's
                // Master_Down_Interval (3 intervals + Skew_Time).
                #expect(b - a <= Interval(nanoseconds: interval.nanoseconds * 17 / 16), "VRID \(vrid): gap \(b - a)")
                #expect(b - a >= Interval(nanoseconds: interval.nanoseconds * 15 / 16), "VRID \(vrid): gap \(b - a)")
            }
        }
        let shared = Set(times(1)).intersection(times(2)).count
        #expect(shared >= 4, "\(shared) wake-ups shared")
        let wakeUps = Set(adverts.map(\.at)).count
        #expect(wakeUps == adverts.count - shared)
    }

    @Test("a backup's Master_Down checks ride along the wake-ups of the adverts it hears, and it still takes over exactly on time")
    func masterDownChecksRideAlong() throws {
        let (lan, p1, p2) = try ElectionTests.pair("version 3", "version 3", advertInt: "0.1")
        lan.loop.advance(by: .s(5))
        #expect(p1.state() == "MASTER" && p2.state() == "BACKUP")
        let since = lan.loop.now()
        let wakeUps = lan.loop.wakeUps
        lan.loop.advance(by: .s(30))
        let adverts = lan.adverts(from: "p1", since: since).count
        #expect((300...301).contains(adverts))
        // The master wakes once per advert; the backup's lazily armed Master_Down check used to
        // wake the loop once per Master_Down_Interval (≈ 83 more in 30 s) on top of that.
        #expect(lan.loop.wakeUps - wakeUps <= adverts + 1, "\(lan.loop.wakeUps - wakeUps) wake-ups for \(adverts) adverts")
        #expect(p2.state() == "BACKUP")
        p1.crash()
        let last = lan.adverts(from: "p1").last!.at
        let mdi = Interval(nanoseconds: 360_937_500)  // 3 × 100 ms + (256 − 100) × 10 cs / 256
        lan.loop.advance(to: last + Interval(nanoseconds: mdi.nanoseconds - 1))
        #expect(p2.state() == "BACKUP")
        lan.loop.advance(by: Interval(nanoseconds: 1))
        #expect(p2.state() == "MASTER")
    }

    @Test("a master's advert never goes early because a packet woke the loop: it does not chase another master's adverts (keepalived 2.2.7 stops advertising when it does)")
    func advertNotEarlyOnReceive() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: instanceBlock("VI_1", vrid: 51, priority: 150))
        lan.loop.advance(by: .s(10))
        #expect(p1.state() == "MASTER")
        let socket = try #require(p1.host.sockets.first)
        for _ in 0..<5 {
            let last = try #require(lan.adverts(from: "p1").last).at
            // A foreign advert (another VRID) lands 30 ms before this master's next advert is due.
            lan.loop.advance(to: last + .milliseconds(970))
            try ReceiveCoalescingTests.inject(socket, vrid: 52)
            lan.loop.advance(to: last + .milliseconds(1_500))
            let next = try #require(lan.adverts(from: "p1", since: last + .milliseconds(1)).first).at
            #expect(next - last == .seconds(1), "advert \(next - last) after the previous one")
        }
    }
}
