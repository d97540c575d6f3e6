// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import CVRRPLinux
import Logging
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
        var now = time(nil)
        var tm = tm()
        localtime_r(&now, &tm)
        var buffer = [CChar](repeating: 0, count: 64)
        strftime(&buffer, buffer.count, "%a %b %e %H:%M:%S %Y", &tm)
        let stamp = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var line = "\(stamp): \(event.message)"
        if detail {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            let meta = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            line = "\(stamp): [\(event.level)] \(event.message)" + (meta.isEmpty ? "" : " {\(meta)}")
        }
        line += "\n"
        Self.lock.withLock { _ in
            var bytes = Array(line.utf8)
            _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
        }
    }
}

/// Sends each line to syslog (facility daemon), as keepalived does without `-l`.
public struct SyslogLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]

    public init(ident: String) {
        cvrrp_openlog(strdup(ident))
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let priority: Int32
        switch event.level {
        case .trace, .debug: priority = LOG_DEBUG
        case .info: priority = LOG_INFO
        case .notice: priority = LOG_NOTICE
        case .warning: priority = LOG_WARNING
        case .error: priority = LOG_ERR
        case .critical: priority = LOG_CRIT
        }
        cvrrp_syslog(priority, "\(event.message)")
    }
}
