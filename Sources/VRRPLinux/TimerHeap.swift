import VRRPCore

/// Identifies a scheduled timer so it can be cancelled.
public struct TimerToken: Hashable, Sendable {
    let id: UInt64
}

/// A binary min-heap of timer deadlines, ordered by deadline and then by scheduling order
/// (timers due at the same instant fire first-scheduled first). Pure; no clock.
/// Cancelling removes the body; the heap entry is skipped lazily when it reaches the top.
struct TimerHeap<Body> {
    private struct Entry {
        var deadline: Instant
        var id: UInt64
        func before(_ other: Entry) -> Bool {
            (deadline, id) < (other.deadline, other.id)
        }
    }

    private var heap: [Entry] = []
    private var bodies: [UInt64: Body] = [:]
    private var nextID: UInt64 = 1

    var isEmpty: Bool { bodies.isEmpty }
    var count: Int { bodies.count }

    mutating func schedule(at deadline: Instant, _ body: Body) -> TimerToken {
        let id = nextID
        nextID += 1
        bodies[id] = body
        heap.append(Entry(deadline: deadline, id: id))
        siftUp(heap.count - 1)
        return TimerToken(id: id)
    }

    /// Returns true if the timer was pending (it had not fired or been cancelled yet).
    @discardableResult
    mutating func cancel(_ token: TimerToken) -> Bool {
        bodies.removeValue(forKey: token.id) != nil
    }

    /// The earliest live deadline, dropping cancelled entries on the way.
    mutating func earliestDeadline() -> Instant? {
        while let top = heap.first {
            if bodies[top.id] != nil { return top.deadline }
            popTop()
        }
        return nil
    }

    /// Removes and returns the earliest live timer if it is due at `now`.
    mutating func popDue(now: Instant) -> Body? {
        popDueWithDeadline(now: now)?.body
    }

    /// Removes and returns the earliest live timer and its deadline if it is due at `now`.
    mutating func popDueWithDeadline(now: Instant) -> (deadline: Instant, body: Body)? {
        while let top = heap.first {
            guard let body = bodies[top.id] else { popTop(); continue }
            guard top.deadline <= now else { return nil }
            popTop()
            bodies.removeValue(forKey: top.id)
            return (top.deadline, body)
        }
        return nil
    }

    private mutating func popTop() {
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
    }

    private mutating func siftUp(_ index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].before(heap[parent]) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].before(heap[smallest]) { smallest = left }
            if right < heap.count, heap[right].before(heap[smallest]) { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
