// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif

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

/// The one syscall helper: retries EINTR, captures errno on the very next line and throws.
/// EBADF and EFAULT are programmer errors.
@discardableResult
@inline(__always)
public func syscall<T: FixedWidthInteger>(_ operation: @autoclosure () -> String,
                                          _ body: () throws -> T) throws -> T {
    while true {
        let result = try body()
        if result != -1 { return result }
        let err = Glibc.errno
        switch err {
        case EINTR:
            continue
        case EBADF, EFAULT:
            preconditionFailure("\(operation()): programmer error, errno \(err)")
        default:
            throw SystemError(operation(), errno: err)
        }
    }
}
