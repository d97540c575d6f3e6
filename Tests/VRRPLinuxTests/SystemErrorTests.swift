// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import VRRPLinux
#if canImport(Glibc)
import Glibc
#endif

@Test("syscall() throws the errno of the failed call")
func syscallThrowsErrno() {
    #expect(throws: SystemError("open /nonexistent", errno: ENOENT)) {
        try syscall("open /nonexistent") { open("/nonexistent/x", O_RDONLY) }
    }
}

@Suite("Syscall.retrying: the one EINTR/errno helper")
struct SyscallHelperTests {
    @Test("a call interrupted by signals (EINTR) is made again until it completes")
    func eintrIsRetried() {
        var calls = 0
        let result = Syscall.retrying("fake") { () -> Int32 in
            calls += 1
            if calls < 3 {
                errno = EINTR
                return -1
            }
            return 7
        }
        #expect(result == .success(7))
        #expect(calls == 3)
    }

    @Test("another errno is reported once, with the operation, and the call is not repeated")
    func otherErrnoIsReported() {
        var calls = 0
        let result = Syscall.retrying("fake open") { () -> Int32 in
            calls += 1
            errno = ENOENT
            return -1
        }
        #expect(result == .failure(SystemError("fake open", errno: ENOENT)))
        #expect(calls == 1)
    }

    @Test("a real failing call: EAGAIN on an empty non-blocking pipe reads as would-block")
    func wouldBlockFromARealCall() throws {
        var fds: [Int32] = [-1, -1]
        try #require(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        _ = fcntl(fds[0], F_SETFL, O_NONBLOCK)
        var byte: UInt8 = 0
        let result = Syscall.retrying("read") { read(fds[0], &byte, 1) }
        guard case .failure(let error) = result else {
            Issue.record("read of an empty pipe succeeded: \(result)")
            return
        }
        #expect(error.isWouldBlock)
        #expect(error.operation == "read")
    }

    @Test("the throwing form returns the value after EINTR and throws another errno")
    func throwingForm() throws {
        var calls = 0
        let value = try syscall("fake") { () -> Int in
            calls += 1
            if calls == 1 {
                errno = EINTR
                return -1
            }
            return 42
        }
        #expect(value == 42)
        #expect(throws: SystemError("fake", errno: EACCES)) {
            try syscall("fake") { () -> Int32 in
                errno = EACCES
                return -1
            }
        }
    }
}

@Test("Sysctl reads and writes under a settable root: value plus newline written, newline trimmed on read, missing entry nil")
func sysctlUnderTemporaryRoot() throws {
    var template = Array("/tmp/vrrp-sysctl-XXXXXX".utf8CString)
    let root = try #require(template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }.map { String(cString: $0) })
    defer { _ = unlink(root + "/arp_ignore"); _ = rmdir(root) }
    let sysctl = Sysctl(root: root)
    #expect(sysctl.read("arp_ignore") == nil)
    let fd = open(root + "/arp_ignore", O_CREAT | O_WRONLY, 0o600)
    close(fd)
    try sysctl.write("arp_ignore", "1")
    #expect(sysctl.read("arp_ignore") == "1")
    var buffer = [UInt8](repeating: 0, count: 8)
    let rfd = open(root + "/arp_ignore", O_RDONLY)
    let n = read(rfd, &buffer, 8)
    close(rfd)
    #expect(Array(buffer.prefix(max(0, n))) == Array("1\n".utf8))
    #expect(throws: SystemError.self) { try sysctl.write("missing/entry", "0") }
}
