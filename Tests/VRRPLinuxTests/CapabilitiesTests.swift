// SPDX-License-Identifier: Apache-2.0
import CVRRPLinux
import Testing
import VRRPTestSupport
@testable import VRRPLinux

@Suite("Capabilities", .requires(.root))
struct CapabilitiesTests {
    @Test("root has the net capabilities; keeping only them drops the rest on the calling thread")
    func keepOnlyNet() throws {
        #expect(Capabilities.hasNetCapabilities())
        // Capabilities are per thread and cap_set_proc(3) changes only the caller's, so a
        // throwaway thread can drop its own without touching the test process.
        let (kept, sysAdminAfter) = try onNewThread {
            try Capabilities.keepOnly(Capabilities.network)
            return (Capabilities.hasNetCapabilities(), cvrrp_has_capability(CAP_SYS_ADMIN))
        }
        #expect(kept)
        #expect(sysAdminAfter == 0)
        #expect(cvrrp_has_capability(CAP_SYS_ADMIN) == 1)
    }
}
