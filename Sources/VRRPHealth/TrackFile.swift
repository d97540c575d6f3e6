import Synchronization

/// keepalived `vrrp_track_file`: a file holding an integer that, times the weight, adjusts
/// the priority of the instances tracking it.
public struct TrackFileSpec: Sendable, Hashable {
    public var name: String
    public var path: String
    public var weight: Int
    public var reverse: Bool

    public init(name: String, path: String, weight: Int = 1, reverse: Bool = false) {
        self.name = name
        self.path = path
        self.weight = weight
        self.reverse = reverse
    }
}

/// The value read from a tracked file (changes only; the first reading always).
public struct TrackFileEvent: Sendable, Equatable {
    public var name: String
    public var value: Int

    public init(name: String, value: Int) {
        self.name = name
        self.value = value
    }
}

public enum TrackFile {
    /// keepalived reads at most 127 bytes and parses them with `strtol(buf, NULL, 0)`:
    /// leading blanks, an optional sign, `0x` hex, a leading `0` octal, else decimal, up to
    /// the first non-digit. No digits, an unreadable or a missing file: 0. The value is then
    /// clamped to -254...254 (keepalived `process_track_file`).
    public static func parseValue(_ bytes: [UInt8]) -> Int {
        let b = Array(bytes.prefix(127))
        var i = 0
        while i < b.count, [0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D].contains(b[i]) { i += 1 }
        var negative = false
        if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            negative = b[i] == UInt8(ascii: "-")
            i += 1
        }
        var base = 10
        if i + 1 < b.count, b[i] == UInt8(ascii: "0"), b[i + 1] | 0x20 == UInt8(ascii: "x"),
           i + 2 < b.count, digit(b[i + 2], base: 16) != nil {
            base = 16
            i += 2
        } else if i < b.count, b[i] == UInt8(ascii: "0") {
            base = 8
        }
        var value = 0
        while i < b.count, let d = digit(b[i], base: base) {
            value = min(value * base + d, 1_000_000)   // saturate; the result is clamped anyway
            i += 1
        }
        if negative { value = -value }
        return min(254, max(-254, value))
    }

    private static func digit(_ c: UInt8, base: Int) -> Int? {
        let d: Int
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): d = Int(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): d = Int(c - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): d = Int(c - UInt8(ascii: "A")) + 10
        default: return nil
        }
        return d < base ? d : nil
    }

    /// keepalived `update_track_file_status`:
    /// - weight 0: a non-zero value means FAULT (with `reverse`: a zero value means FAULT).
    /// - otherwise `value × weight` (negated with `reverse`), clamped to -254...253; -254
    ///   means FAULT, anything else is the priority change.
    public static func contribution(value: Int, weight: Int, reverse: Bool)
        -> (priorityDelta: Int, fault: Bool)
    {
        if weight == 0 {
            return (0, (value != 0) != reverse)
        }
        let product = value * weight * (reverse ? -1 : 1)
        let clamped = min(253, max(-254, product))
        return clamped == -254 ? (0, true) : (clamped, false)
    }
}

/// Polls tracked files once a second (a plain poll is robust against editors and
/// `mv`-into-place replacement, which inotify on the file itself would miss) and reports a
/// `TrackFileEvent` whenever a file's value changes, plus the initial value of each.
public final class TrackFileMonitor: Sendable {
    public let specs: [TrackFileSpec]
    private let sink: @Sendable (TrackFileEvent) -> Void
    private let interval: Int
    private let shared: Mutex<(pipe: WakePipe?, thread: JoinableThread?, values: [String: Int])> =
        Mutex((nil, nil, [:]))

    public init(specs: [TrackFileSpec], pollInterval: Duration = .seconds(1),
                sink: @escaping @Sendable (TrackFileEvent) -> Void) {
        self.specs = specs
        self.sink = sink
        self.interval = max(10, pollInterval.wholeMilliseconds)
    }

    public static func readValue(path: String) -> Int {
        TrackFile.parseValue(ProcFS.read(path, limit: 127) ?? [])
    }

    public func value(of name: String) -> Int? { shared.withLock { $0.values[name] } }

    /// Reads every file now (initial events on the caller's thread), then polls on a thread.
    public func start() {
        let pipe = WakePipe()
        let fresh = shared.withLock { s -> Bool in
            if s.pipe != nil { return false }
            s.pipe = pipe
            return true
        }
        guard fresh else { return }
        poll(initial: true)
        let thread = JoinableThread { [self] in
            while !pipe.wait(milliseconds: self.interval) { self.poll(initial: false) }
        }
        shared.withLock { $0.thread = thread }
    }

    public func stop() {
        guard let (pipe, thread) = shared.withLock({ s -> (WakePipe, JoinableThread?)? in
            guard let p = s.pipe else { return nil }
            let t = s.thread
            s.thread = nil
            return (p, t)
        }) else { return }
        pipe.wake()
        thread?.join()
        shared.withLock { $0.pipe = nil }
    }

    private func poll(initial: Bool) {
        for spec in specs {
            let value = Self.readValue(path: spec.path)
            let changed = shared.withLock { s -> Bool in
                if s.values[spec.name] == value && !initial { return false }
                s.values[spec.name] = value
                return true
            }
            if changed { sink(TrackFileEvent(name: spec.name, value: value)) }
        }
    }
}
