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
