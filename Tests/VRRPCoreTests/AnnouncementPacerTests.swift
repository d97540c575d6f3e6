// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore

/// keepalived `vrrp_garp_interval` / `vrrp_gna_interval` (issue #13): the gap between two
/// successive gratuitous ARPs (or NAs) on one interface, shared by every instance there.
@Suite("Announcement pacing (vrrp_garp_interval / vrrp_gna_interval)")
struct AnnouncementPacerTests {
    let eth0 = AnnouncementPacer<String>.Lane(ifindex: 2, neighborAdvertisement: false)
    let eth0NA = AnnouncementPacer<String>.Lane(ifindex: 2, neighborAdvertisement: true)
    let eth1 = AnnouncementPacer<String>.Lane(ifindex: 3, neighborAdvertisement: false)
    let t0 = Instant(nanoseconds: 1_000_000_000)

    @Test("without a gap the whole burst goes at once and nothing waits")
    func noGap() {
        var p = AnnouncementPacer<String>()
        #expect(p.submit(["a", "a", "b"], lane: eth0, gap: .zero, at: t0) == ["a", "a", "b"])
        #expect(p.nextDeadline == nil)
        #expect(p.waitingCount == 0)
    }

    @Test("passesAtOnce says whether a submit would return everything: no gap and nothing waiting on that lane")
    func passesAtOnce() {
        var p = AnnouncementPacer<String>()
        #expect(p.passesAtOnce(lane: eth0, gap: .zero))
        #expect(!p.passesAtOnce(lane: eth0, gap: .milliseconds(100)))
        #expect(p.submit(["a1", "a2"], lane: eth0, gap: .milliseconds(100), at: t0) == ["a1"])
        // The gap was set to zero meanwhile, but a2 still waits: a new frame goes behind it.
        #expect(!p.passesAtOnce(lane: eth0, gap: .zero))
        #expect(p.passesAtOnce(lane: eth1, gap: .zero))
        #expect(p.due(at: t0 + .milliseconds(100)) == ["a2"])
        #expect(p.passesAtOnce(lane: eth0, gap: .zero))
    }

    @Test("with a gap the first frame goes at once, then one per gap, in order")
    func spaced() {
        var p = AnnouncementPacer<String>()
        let gap = Interval.milliseconds(100)
        #expect(p.submit(["a1", "b1", "a2"], lane: eth0, gap: gap, at: t0) == ["a1"])
        #expect(p.nextDeadline == t0 + gap)
        #expect(p.due(at: t0 + .milliseconds(99)).isEmpty, "a frame left before its gap was over")
        #expect(p.due(at: t0 + gap) == ["b1"])
        // Late wake-up: still one frame, and the next gap counts from when it was sent.
        let late = t0 + .milliseconds(350)
        #expect(p.due(at: late) == ["a2"])
        #expect(p.nextDeadline == nil)
        // The gap after the last frame still holds for the next burst.
        #expect(p.submit(["c"], lane: eth0, gap: gap, at: late + .milliseconds(10)).isEmpty)
        #expect(p.nextDeadline == late + gap)
        #expect(p.due(at: late + gap) == ["c"])
    }

    @Test("two instances on one interface share the gap; other interfaces and NAs have their own lane")
    func lanesAreIndependent() {
        var p = AnnouncementPacer<String>()
        let gap = Interval.milliseconds(50)
        #expect(p.submit(["vi1"], lane: eth0, gap: gap, at: t0) == ["vi1"])
        #expect(p.submit(["vi2"], lane: eth0, gap: gap, at: t0).isEmpty, "a second instance on eth0 ignored the gap")
        #expect(p.submit(["x"], lane: eth1, gap: gap, at: t0) == ["x"])
        #expect(p.submit(["na"], lane: eth0NA, gap: .milliseconds(200), at: t0) == ["na"])
        #expect(p.submit(["na2"], lane: eth0NA, gap: .milliseconds(200), at: t0).isEmpty)
        #expect(p.due(at: t0 + gap) == ["vi2"])
        #expect(p.nextDeadline == t0 + .milliseconds(200))
        #expect(p.due(at: t0 + .milliseconds(200)) == ["na2"])
    }

    @Test("frames of an instance leaving MASTER are dropped; the gap still holds")
    func removeWaiting() {
        var p = AnnouncementPacer<String>()
        let gap = Interval.milliseconds(10)
        _ = p.submit(["vi1", "vi2", "vi1", "vi2"], lane: eth0, gap: gap, at: t0)
        p.removeWaiting { $0 == "vi1" }
        #expect(p.waitingCount == 2)
        #expect(p.due(at: t0 + .milliseconds(5)).isEmpty)
        #expect(p.due(at: t0 + gap) == ["vi2"])
        #expect(p.due(at: t0 + gap * 2) == ["vi2"])
        #expect(p.waitingCount == 0)
    }

    @Test("no frame is ever sent closer than the gap to the previous one of its lane")
    func neverCloserThanGap() {
        var p = AnnouncementPacer<Int>()
        var rng = SplitMix64(seed: 13)
        let gap = Interval.milliseconds(7)
        var now = t0
        var sent: [Instant] = []
        var submitted = 0
        for _ in 0..<2_000 {
            now = now + Interval(nanoseconds: Int64(rng.next() % 9_000) * 1_000)
            if rng.next() % 4 == 0 {
                let n = Int(rng.next() % 5) + 1
                let out = p.submit(Array(submitted..<submitted + n), lane: eth0, gap: gap, at: now)
                submitted += n
                sent += out.map { _ in now }
            }
            sent += p.due(at: now).map { _ in now }
        }
        while let next = p.nextDeadline { now = next; sent += p.due(at: now).map { _ in now } }
        #expect(sent.count == submitted)
        for (a, b) in zip(sent, sent.dropFirst()) { #expect(b - a >= gap) }
    }
}
