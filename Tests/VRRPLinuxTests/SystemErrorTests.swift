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
