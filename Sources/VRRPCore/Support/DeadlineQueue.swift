// SPDX-License-Identifier: Apache-2.0
/// A binary min-heap of items keyed by an `Instant`: the earliest comes out first, and items
/// due at the same instant come out in the order they were pushed. Plain data (no clock).
///
/// The one heap in the package: the daemon's `TimerHeap` (VRRPLinux) and the simulated LAN's
/// event queue (`VRRPTestSupport.InMemoryLAN`) are both built on it.
///
/// Inlinable, so that users in other modules get it specialized for their item type: the
/// unspecialized generic heap (witness-table `swapAt` and subscripts) was a tenth of a
/// backup's instructions in the callgrind profile of issue 16.
public struct DeadlineQueue<Item> {
    @usableFromInline
    struct Entry {
        @usableFromInline var at: Instant
        @usableFromInline var sequence: UInt64
        @usableFromInline var item: Item

        @inlinable
        init(at: Instant, sequence: UInt64, item: Item) {
            self.at = at
            self.sequence = sequence
            self.item = item
        }

        @inlinable
        func before(_ other: Entry) -> Bool {
            at.nanoseconds < other.at.nanoseconds || (at.nanoseconds == other.at.nanoseconds && sequence < other.sequence)
        }
    }

    @usableFromInline var heap: [Entry] = []
    @usableFromInline var nextSequence: UInt64 = 0

    @inlinable
    public init() {}

    @inlinable public var isEmpty: Bool { heap.isEmpty }
    @inlinable public var count: Int { heap.count }
    /// The earliest item, without removing it.
    @inlinable public var first: (at: Instant, item: Item)? { heap.first.map { ($0.at, $0.item) } }
    /// The instant of the earliest item.
    @inlinable public var nextInstant: Instant? { heap.first?.at }

    @inlinable
    public mutating func push(_ item: Item, at: Instant) {
        heap.append(Entry(at: at, sequence: nextSequence, item: item))
        nextSequence &+= 1
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].before(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest item.
    @inlinable
    @discardableResult
    public mutating func pop() -> (at: Instant, item: Item)? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var best = parent
            if left < heap.count, heap[left].before(heap[best]) { best = left }
            if right < heap.count, heap[right].before(heap[best]) { best = right }
            if best == parent { break }
            heap.swapAt(parent, best)
            parent = best
        }
        return (top.at, top.item)
    }
}

extension DeadlineQueue: Sendable where Item: Sendable {}
extension DeadlineQueue.Entry: Sendable where Item: Sendable {}
