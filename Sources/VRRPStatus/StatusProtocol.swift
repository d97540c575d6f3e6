// SPDX-License-Identifier: Apache-2.0
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A request line on the status socket (docs/status-socket.md).
public enum StatusRequest: Equatable, Sendable {
    /// `status`: the whole snapshot.
    case status
    /// `status NAME`: one instance.
    case instance(String)
    /// `watch`: the snapshot, then one line per transition or check change.
    case watch
    /// `reload`: re-read the configuration, as SIGHUP does.
    case reload

    /// Parses one request line (without its newline); nil for anything else.
    public init?(line: String) {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
        switch (words.first, words.count) {
        case ("status", 1): self = .status
        case ("status", 2): self = .instance(words[1])
        case ("watch", 1): self = .watch
        case ("reload", 1): self = .reload
        default: return nil
        }
    }

    public var line: String {
        switch self {
        case .status: "status"
        case .instance(let name): "status \(name)"
        case .watch: "watch"
        case .reload: "reload"
        }
    }
}

/// One change streamed by `watch`.
public struct WatchEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case transition
        case check
        case priority
        case reload
    }

    public var at: Double
    public var kind: Kind
    public var instance: String?
    public var from: String?
    public var to: String?
    public var reason: String
    public var priority: Int?

    public init(at: Double, kind: Kind, instance: String? = nil, from: String? = nil, to: String? = nil,
                reason: String, priority: Int? = nil) {
        self.at = at
        self.kind = kind
        self.instance = instance
        self.from = from
        self.to = to
        self.reason = reason
        self.priority = priority
    }
}

/// One JSON response line. Exactly one of the payload fields is set when `ok` is true (`daemon`
/// comes with `instance`).
public struct StatusReply: Codable, Sendable, Equatable {
    public var ok: Bool
    public var error: String?
    public var snapshot: Snapshot?
    public var instance: InstanceSnapshot?
    /// With `instance`: the daemon record, so `status NAME` shows the real header.
    public var daemon: DaemonInfo?
    public var event: WatchEvent?
    public var reload: ReloadResult?

    public init(ok: Bool = true, error: String? = nil, snapshot: Snapshot? = nil, instance: InstanceSnapshot? = nil,
                daemon: DaemonInfo? = nil, event: WatchEvent? = nil, reload: ReloadResult? = nil) {
        self.ok = ok
        self.error = error
        self.snapshot = snapshot
        self.instance = instance
        self.daemon = daemon
        self.event = event
        self.reload = reload
    }

    public static func failure(_ message: String) -> StatusReply { StatusReply(ok: false, error: message) }

    /// The reply as one JSON line, newline included.
    public func encodedLine() -> [UInt8] {
        // Encoding these plain value types cannot fail; fall back to an error line anyway.
        let data = (try? Self.lineEncoder().encode(self)) ?? Data(Self.encodingFailed.utf8)
        return Array(data) + [0x0A]
    }

    static let encodingFailed = #"{"ok":false,"error":"encoding failed"}"#

    /// The encoder of every line: the same options for a whole reply and for its parts
    /// (``SnapshotLineWriter``).
    static func lineEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static func decode(line: some Collection<UInt8>) throws -> StatusReply {
        try JSONDecoder().decode(StatusReply.self, from: Data(line))
    }
}

/// Splits a byte stream into lines, refusing lines longer than a bound (a hostile or broken
/// peer cannot make it grow without limit).
public struct LineBuffer: Sendable {
    public let maximumLineLength: Int
    private var pending: [UInt8] = []

    public init(maximumLineLength: Int) {
        self.maximumLineLength = maximumLineLength
    }

    public enum Output: Equatable, Sendable {
        case line([UInt8])
        case overflow
    }

    /// Appends bytes and returns the complete lines (without their newline).
    public mutating func append(_ bytes: some Collection<UInt8>) -> [Output] {
        var out: [Output] = []
        for byte in bytes {
            if byte == 0x0A {
                out.append(.line(pending))
                pending.removeAll(keepingCapacity: true)
            } else {
                pending.append(byte)
                if pending.count > maximumLineLength {
                    pending.removeAll()
                    out.append(.overflow)
                    return out
                }
            }
        }
        return out
    }
}

/// The `status` reply's line written a part at a time, so that a daemon with a thousand
/// instances encodes it over several loop turns instead of in one (JSON encoding costs ≈ 0.1 ms
/// per instance: a 0.1–0.3 s stall of the advert loop at 1 000 instances, long enough for a
/// backup at advert_int 0.01 s to take over; issue 16). The result is byte for byte
/// `StatusReply(snapshot: Snapshot(daemon:instances:syncGroups:)).encodedLine()`: keys sorted,
/// so `ok`, `snapshot`, and in it `daemon`, `instances`, `syncGroups` (StatusProtocolTests).
public struct SnapshotLineWriter {
    private let encoder = StatusReply.lineEncoder()
    private var bytes: [UInt8] = []
    private var failed = false
    public private(set) var instanceCount = 0

    public init(daemon: DaemonInfo) {
        bytes.append(contentsOf: #"{"ok":true,"snapshot":{"daemon":"#.utf8)
        append(daemon)
        bytes.append(contentsOf: #","instances":["#.utf8)
    }

    public mutating func append(instance: InstanceSnapshot) {
        if instanceCount > 0 { bytes.append(UInt8(ascii: ",")) }
        append(instance)
        instanceCount += 1
    }

    /// The line, newline included.
    public mutating func finish(syncGroups: [SyncGroupSnapshot]) -> [UInt8] {
        bytes.append(contentsOf: #"],"syncGroups":"#.utf8)
        append(syncGroups)
        bytes.append(contentsOf: "}}\n".utf8)
        return failed ? Array(StatusReply.encodingFailed.utf8) + [0x0A] : bytes
    }

    private mutating func append(_ value: some Encodable) {
        if let data = try? encoder.encode(value) { bytes.append(contentsOf: data) } else { failed = true }
    }
}
