// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPLab

/// Issue 18: after a restart with the link down, "Netlink reports eth0 down" appeared only when
/// the link came back (admin up, carrier not yet: the kernel's linkwatch reports RUNNING up to
/// a second later), right before "eth0 up". The link state is logged once at start-up, in
/// order, and afterwards only when it changes.
@Suite("vrrpd link state in the log", .serialized)
struct LinkStateLogTests {
    @Test("started with eth0 down: 'eth0 down' before 'Startup complete', then one 'eth0 up' when it returns")
    func linkDownAtStartup() async throws {
        try await withDaemonLab(proxies: 1) { lab in
            let p1 = lab.proxies[0]
            try lab.lab.setLink(p1, "eth0", up: false)
            let daemon = try await lab.startDaemon(on: p1, config: config(for: p1, priority: 150))
            try await lab.waitForState(daemon, "FAULT")
            try lab.lab.setLink(p1, "eth0", up: true)
            try await lab.waitForState(daemon, "MASTER")

            let lines = daemon.log.split(separator: "\n").map(String.init)
            let linkLines = lines.filter { $0.contains("Netlink reports eth0") }
            #expect(linkLines.count == 2, "\(linkLines)")
            #expect(linkLines.first?.hasSuffix("Netlink reports eth0 down") == true, "\(linkLines)")
            #expect(linkLines.last?.hasSuffix("Netlink reports eth0 up") == true, "\(linkLines)")
            let down = lines.firstIndex { $0.hasSuffix("Netlink reports eth0 down") }
            let complete = lines.firstIndex { $0.contains("Startup complete") }
            #expect(down != nil && complete != nil && down! < complete!, "the start-up state comes first:\n\(lines.joined(separator: "\n"))")
        }
    }
}
