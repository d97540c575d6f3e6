// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import CVRRPLinux
import Testing
@testable import VRRPLinux

/// sd_notify(3) readiness: a datagram to the socket systemd names in $NOTIFY_SOCKET.
@Suite("SystemdNotify")
struct SystemdNotifyTests {
    /// Binds a datagram socket at `address` (a path, or "@name" for an abstract one) and
    /// returns its fd.
    func listen(_ address: String) throws -> Int32 {
        let fd = try syscall("socket") { socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        var sun = sockaddr_un()
        sun.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(address.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &sun.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (bytes.first == 0 ? 0 : 1))
        _ = try withSockAddr(&sun) { pointer, _ in try syscall("bind") { bind(fd, pointer, length) } }
        return fd
    }

    func receive(_ fd: Int32) throws -> String {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        // Generous bound: only catches a datagram that never arrives.
        #expect(try syscall("poll") { poll(&pfd, 1, 5_000) } == 1)
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = try buffer.withUnsafeMutableBytes { raw in
            try syscall("recv") { recv(fd, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT)) }
        }
        return String(decoding: buffer[..<n], as: UTF8.self)
    }

    @Test("READY=1 reaches a socket named by a file-system path")
    func pathSocket() throws {
        let path = "/tmp/vrrp-notify-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        let fd = try listen(path)
        defer { close(fd); unlink(path) }
        #expect(try SystemdNotify.send("READY=1", to: path))
        #expect(try receive(fd) == "READY=1")
    }

    @Test("an @name address is the abstract socket name")
    func abstractSocket() throws {
        let name = "@vrrp-notify-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = try listen(name)
        defer { close(fd) }
        #expect(try SystemdNotify.send("STOPPING=1", to: name))
        #expect(try receive(fd) == "STOPPING=1")
    }

    @Test("without a notify socket nothing is sent; a dead socket is an error")
    func noSocket() throws {
        #expect(try SystemdNotify.send("READY=1", to: nil) == false)
        #expect(try SystemdNotify.send("READY=1", to: "") == false)
        #expect(throws: SystemError.self) {
            try SystemdNotify.send("READY=1", to: "/tmp/vrrp-notify-test-nobody-\(getpid()).sock")
        }
    }
}
