import VRRPCore

/// A min-heap of timed items; items at the same instant come out in insertion order.
public struct EventQueue<Item>: Sendable where Item: Sendable {
    private struct Entry: Sendable {
        var at: Instant
        var sequence: UInt64
        var item: Item
        func before(_ other: Entry) -> Bool { (at, sequence) < (other.at, other.sequence) }
    }

    private var heap: [Entry] = []
    private var nextSequence: UInt64 = 0

    public init() {}

    public var isEmpty: Bool { heap.isEmpty }
    public var count: Int { heap.count }
    /// The instant of the earliest item.
    public var nextInstant: Instant? { heap.first?.at }

    public mutating func push(_ item: Item, at: Instant) {
        heap.append(Entry(at: at, sequence: nextSequence, item: item))
        nextSequence += 1
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].before(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

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
