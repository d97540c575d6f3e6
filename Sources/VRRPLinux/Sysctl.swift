// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif

/// Reads and writes `/proc/sys` entries (`net/ipv4/conf/vrrp.51/arp_ignore`). The root is a
/// parameter so tests write into a directory of their own. `/proc/sys/net` shows the network
/// namespace of the process, so a daemon in a namespace changes only that namespace.
public struct Sysctl: Sendable {
    public var root: String

    public init(root: String = "/proc/sys") { self.root = root }

    public func path(_ key: String) -> String { root + "/" + key }

    /// The value without its trailing newline; nil if the entry cannot be read.
    public func read(_ key: String) -> String? {
        let fd = open(path(key), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard n >= 0 else { return nil }
        return String(decoding: buffer.prefix(n), as: UTF8.self).trimmingSuffix("\n")
    }

    /// Writes `value` followed by a newline, as `sysctl -w` does.
    public func write(_ key: String, _ value: String) throws {
        let fd = try syscall("open(\(path(key)))") { open(path(key), O_WRONLY | O_CLOEXEC | O_TRUNC) }
        defer { close(fd) }
        let bytes = Array((value + "\n").utf8)
        let written = try syscall("write(\(path(key)))") { bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } }
        if written != bytes.count { throw SystemError("write(\(path(key))): short write", errno: EIO) }
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: Character) -> String {
        var s = self
        while s.last == suffix { s.removeLast() }
        return s
    }
}
