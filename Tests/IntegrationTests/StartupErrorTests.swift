// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPLab

/// `vrrpd` refuses to start, with exit status 1 and an error that says what and where.
@Suite("vrrpd start-up errors", .serialized)
struct StartupErrorTests {
    @Test("an interface that does not exist: exit 1, and the error names the interface")
    func missingInterface() async throws {
        try await withDaemonLab(proxies: 1) { lab in
            let p1 = lab.proxies[0]
            let (result, _) = try lab.runDaemonToExit(on: p1, config: config(for: p1, priority: 100) {
                $0.interface = "eth9"
            })
            #expect(result.status == 1, "stderr: \(result.stderr)")
            #expect(result.stderr.contains("eth9"), "stderr: \(result.stderr)")
            #expect(try !lab.hasVIP(p1, VIP.v4))
        }
    }

    @Test("a malformed configuration: exit 1, and the error points at file:line:column")
    func badConfiguration() async throws {
        try await withDaemonLab(proxies: 1) { lab in
            let p1 = lab.proxies[0]
            // Line 5 holds the error: a priority that is not a number.
            let text = """
                vrrp_instance VI_1 {
                    state BACKUP
                    interface eth0
                    virtual_router_id 51
                    priority lots
                    advert_int 1
                    virtual_ipaddress {
                        198.18.0.100/24
                    }
                }

                """
            let (result, path) = try lab.runDaemonToExit(on: p1, config: text)
            #expect(result.status == 1, "stderr: \(result.stderr)")
            #expect(Self.mentionsLocation(result.stderr, file: path, line: 5), "stderr: \(result.stderr)")
            #expect(try !lab.hasVIP(p1, VIP.v4))
        }
    }

    /// True when `text` contains `FILE:LINE:COLUMN` (COLUMN a positive number).
    static func mentionsLocation(_ text: String, file: String, line: Int) -> Bool {
        let marker = "\(file):\(line):"
        var rest = Substring(text)
        while let range = rest.range(of: marker) {
            let after = rest[range.upperBound...]
            if let digit = after.first, digit.isNumber, digit != "0" { return true }
            rest = after
        }
        return false
    }
}
