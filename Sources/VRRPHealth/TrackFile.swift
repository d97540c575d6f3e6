// SPDX-License-Identifier: Apache-2.0
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
}

/// Polls tracked files once a second (a plain poll is robust against editors and
/// `mv`-into-place replacement, which inotify on the file itself would miss) and reports a
/// `TrackFileEvent` whenever a file's value changes, plus the initial value of each.
public final class TrackFileMonitor: Sendable {
    public let specs: [TrackFileSpec]
    private let sink: @Sendable (TrackFileEvent) -> Void
    private let interval: Int
    private let workers = WorkerThreads()
    private let values: Mutex<[String: Int]> = Mutex([:])

    public init(specs: [TrackFileSpec], pollInterval: Duration = .seconds(1),
                sink: @escaping @Sendable (TrackFileEvent) -> Void) {
        self.specs = specs
        self.sink = sink
        self.interval = max(10, pollInterval.wholeMilliseconds)
    }

    public static func readValue(path: String) -> Int {
        TrackFile.parseValue(ProcFS.read(path, limit: 127) ?? [])
    }

    public func value(of name: String) -> Int? { values.withLock { $0[name] } }

    /// Reads every file now (initial events on the caller's thread), then polls on a thread.
    public func start() {
        guard let pipe = workers.begin() else { return }
        poll(initial: true)
        workers.spawn(pipe) { [self] stop in
            while !stop.wait(milliseconds: self.interval) { self.poll(initial: false) }
        }
    }

    /// Stops polling; returns at once (the thread ends within its current read).
    public func stop() {
        workers.stop()
    }

    /// Waits up to `limit` for the polling thread to end after `stop()`.
    @discardableResult
    public func waitUntilStopped(limit: Duration) -> Bool {
        workers.waitUntilStopped(limit: limit)
    }

    private func poll(initial: Bool) {
        for spec in specs {
            let value = Self.readValue(path: spec.path)
            let changed = values.withLock { v -> Bool in
                if v[spec.name] == value && !initial { return false }
                v[spec.name] = value
                return true
            }
            if changed { sink(TrackFileEvent(name: spec.name, value: value)) }
        }
    }
}
