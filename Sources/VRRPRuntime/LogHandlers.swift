// SPDX-License-Identifier: Apache-2.0
import Logging
import VRRPLinux
import Synchronization

/// Writes keepalived-style lines to stderr: `Wed Nov 25 09:45:13 2026: (VI_1) Entering MASTER STATE`,
/// so log alerts written for keepalived keep matching. `detail` adds level and metadata.
public struct KeepalivedStyleLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    let detail: Bool
    private static let lock = Mutex(())

    public init(detail: Bool) {
        self.detail = detail
        if detail { logLevel = .debug }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let stamp = ProcessEnvironment.localTimestamp()
        var line = "\(stamp): \(event.message)"
        if detail {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            let meta = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            line = "\(stamp): [\(event.level)] \(event.message)" + (meta.isEmpty ? "" : " {\(meta)}")
        }
        line += "\n"
        Self.lock.withLock { _ in ProcessEnvironment.writeStandardError(Array(line.utf8)) }
    }
}

/// Sends each line to syslog (facility daemon), as keepalived does without `-l`.
public struct SyslogLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]

    public init(ident: String) {
        SystemLog.open(ident: ident)
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let priority: SystemLog.Priority
        switch event.level {
        case .trace, .debug: priority = .debug
        case .info: priority = .info
        case .notice: priority = .notice
        case .warning: priority = .warning
        case .error: priority = .error
        case .critical: priority = .critical
        }
        SystemLog.send(priority, "\(event.message)")
    }
}
