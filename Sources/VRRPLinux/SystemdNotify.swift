// SPDX-License-Identifier: Apache-2.0
import VRRPSystem
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif
// SOCK_DGRAM and SOCK_CLOEXEC: the release build (-c release --static-swift-stdlib) sees them
// only through the shim's <sys/socket.h>, as the other socket files of this module do.
import CVRRPLinux

/// systemd's readiness protocol (sd_notify(3)) without libsystemd: one datagram such as
/// `READY=1` sent to the Unix socket named by `$NOTIFY_SOCKET` (a path, or an abstract
/// address written with a leading `@`). Without `$NOTIFY_SOCKET` (not started by systemd with
/// `Type=notify`) nothing is sent.
public enum SystemdNotify {
    /// Sends `state` (e.g. `"READY=1"`, `"STOPPING=1"`) to `socketPath`, by default
    /// `$NOTIFY_SOCKET`. Returns false when there is no socket to tell.
    @discardableResult
    public static func send(_ state: String,
                            to socketPath: String? = getenv("NOTIFY_SOCKET").map { String(cString: $0) }) throws -> Bool {
        guard let socketPath, !socketPath.isEmpty else { return false }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socketPath.utf8)
        // "@name" is the abstract address "\0name" (sd_notify(3)).
        if path.first == UInt8(ascii: "@") { path[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else { throw SystemError("NOTIFY_SOCKET \(socketPath)", errno: ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.enumerated() { raw[i] = byte }
        }
        // Abstract addresses are not NUL-terminated: the length ends them.
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count + (path.first == 0 ? 0 : 1))
        let type = CInt(SOCK_DGRAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue)
        let fd = try syscall("socket(AF_UNIX, SOCK_DGRAM)") { socket(AF_UNIX, type, 0) }
        defer { close(fd) }
        let message = Array(state.utf8)
        _ = try withSockAddr(&address) { pointer, _ in
            try message.withUnsafeBytes { bytes in
                try syscall("sendto(NOTIFY_SOCKET \(socketPath))") {
                    sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), pointer, length)
                }
            }
        }
        return true
    }
}
