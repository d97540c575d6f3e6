// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif

// The one syscall helper for every module that makes system calls (VRRPLinux, VRRPHealth,
// VRRPStatus, VRRPLab, and through VRRPLinux the runtime and vrrpd): Glibc only, no other
// dependency, so that vrrpctl (VRRPStatus) stays small.

/// A failed system call: the operation and the errno it left, captured right after the call.
public struct SystemError: Error, Hashable, Sendable, CustomStringConvertible {
    public var operation: String
    public var errno: Int32

    public init(_ operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
    }

    public var description: String {
        "\(operation): \(String(cString: strerror(errno))) (errno \(errno))"
    }
}

/// The one syscall helper for every module: EINTR is retried, errno is captured on the very
/// next line after the call.
public enum Syscall {
    /// Runs `body` (a call that returns -1 and sets errno on failure) until it is not interrupted
    /// by a signal (EINTR); returns its result or the errno it failed with. `@inlinable`: each
    /// call site is specialized, so no `Result<T, SystemError>` metadata is built at run time
    /// (the first use of each `T` scanned the binary's conformances: issue 16, takeover path).
    @inlinable @inline(__always)
    public static func retrying<T: FixedWidthInteger>(_ operation: @autoclosure () -> String = "",
                                                      _ body: () throws -> T) rethrows -> Result<T, SystemError> {
        while true {
            let result = try body()
            if result != -1 { return .success(result) }
            let err = Glibc.errno
            if err == EINTR { continue }
            return .failure(SystemError(operation(), errno: err))
        }
    }
}

/// Throwing form of `Syscall.retrying`: EINTR is retried, another errno is thrown as a
/// `SystemError`. EBADF and EFAULT are programmer errors.
@discardableResult
@inlinable @inline(__always)
public func syscall<T: FixedWidthInteger>(_ operation: @autoclosure () -> String,
                                          _ body: () throws -> T) throws -> T {
    switch try Syscall.retrying(operation(), body) {
    case .success(let value):
        return value
    case .failure(let error):
        if error.errno == EBADF || error.errno == EFAULT {
            preconditionFailure("\(error.operation): programmer error, errno \(error.errno)")
        }
        throw error
    }
}

extension SystemError {
    /// True for EAGAIN/EWOULDBLOCK: a non-blocking call had nothing to do.
    public var isWouldBlock: Bool { errno == EAGAIN || errno == EWOULDBLOCK }

    /// strerror(3) of the errno.
    public var reason: String { String(cString: strerror(errno)) }
}

extension Syscall {
    /// Sleeps for `nanoseconds`, going on with the remaining time when a signal interrupts
    /// nanosleep(2).
    public static func sleep(nanoseconds: Int64) {
        guard nanoseconds > 0 else { return }
        var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) == -1 && Glibc.errno == EINTR { request = remaining }
    }
}
