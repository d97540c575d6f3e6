// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore

@Suite("DeadlineQueue and SplitMix64")
struct SupportTests {
    @Test("the earliest instant comes out first; equal instants in push order")
    func deadlineQueueOrder() {
        var queue = DeadlineQueue<String>()
        for (name, ns) in [("c", 30), ("a1", 10), ("early", 5), ("a2", 10), ("b", 20), ("a3", 10)] {
            queue.push(name, at: Instant(nanoseconds: Int64(ns)))
        }
        #expect(queue.count == 6)
        #expect(queue.nextInstant == Instant(nanoseconds: 5))
        #expect(queue.first?.item == "early")
        var out: [String] = []
        while let next = queue.pop() { out.append(next.item) }
        #expect(out == ["early", "a1", "a2", "a3", "b", "c"])
        #expect(queue.isEmpty && queue.pop() == nil)
    }

    @Test("many random pushes come out sorted by instant, stable for equal instants")
    func deadlineQueueRandom() {
        var rng = SplitMix64(seed: 42)
        var queue = DeadlineQueue<Int>()
        var pushed: [(Int64, Int)] = []
        for i in 0..<2_000 {
            let at = Int64.random(in: 0..<100, using: &rng)
            pushed.append((at, i))
            queue.push(i, at: Instant(nanoseconds: at))
        }
        var out: [Int] = []
        while let next = queue.pop() { out.append(next.item) }
        // A stable sort by instant of the pushed order.
        let expected = pushed.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element.1)
        #expect(out == expected)
    }

    @Test("SplitMix64 gives the reference sequence (seed 0) and replays from its seed")
    func splitMixReference() {
        var rng = SplitMix64(seed: 0)
        // The reference values of Vigna's splitmix64.c for a state of 0.
        #expect(rng.next() == 0xE220_A839_7B1D_CDAF)
        #expect(rng.next() == 0x6E78_9E6A_A1B9_65F4)
        var a = SplitMix64(seed: 7), b = SplitMix64(seed: 7)
        #expect((0..<10).map { _ in a.next() } == (0..<10).map { _ in b.next() })
    }
}
