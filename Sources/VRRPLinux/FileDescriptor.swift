// SPDX-License-Identifier: Apache-2.0
import VRRPSystem
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif

/// Owns one file descriptor for the life of the object and closes it in `deinit`.
///
/// The descriptor is a constant and is closed only when the last reference goes away,
/// so sharing the owner between threads cannot race a use with a close: it is `Sendable`
/// without a lock. Callers that need to close early drop their reference.
public final class FileDescriptor: Sendable {
    /// The raw descriptor; valid while `self` is alive. Do not close it yourself.
    public let rawValue: CInt

    /// Takes ownership of `rawValue`, which must be a valid open descriptor.
    public init(owning rawValue: CInt) {
        precondition(rawValue >= 0, "invalid file descriptor \(rawValue)")
        self.rawValue = rawValue
    }

    deinit {
        // close(2) must not be retried on EINTR on Linux: the descriptor is already gone.
        _ = Glibc.close(rawValue)
    }

    /// Sets an option from a value whose size gives the option length (NIO `BaseSocket.setOption`).
    func setOption<T>(_ level: CInt, _ name: CInt, _ value: T, _ operation: @autoclosure () -> String) throws {
        _ = try withUnsafeBytes(of: value) { raw in
            try syscall(operation()) {
                Glibc.setsockopt(rawValue, level, name, raw.baseAddress, socklen_t(raw.count))
            }
        }
    }

    /// Sets an `int` option.
    func setOption(_ level: CInt, _ name: CInt, int value: CInt, _ operation: @autoclosure () -> String) throws {
        try setOption(level, name, value, operation())
    }

    /// Reads an `int` option.
    func intOption(_ level: CInt, _ name: CInt, _ operation: @autoclosure () -> String) throws -> CInt {
        var value: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        try syscall(operation()) { Glibc.getsockopt(rawValue, level, name, &value, &length) }
        return value
    }

    /// Turns on O_NONBLOCK.
    func setNonBlocking() throws {
        let flags = try syscall("fcntl(F_GETFL)") { Glibc.fcntl(rawValue, F_GETFL) }
        try syscall("fcntl(F_SETFL)") { Glibc.fcntl(rawValue, F_SETFL, flags | O_NONBLOCK) }
    }
}
