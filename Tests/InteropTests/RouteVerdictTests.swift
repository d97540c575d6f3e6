// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import VRRPLab
import VRRPTestSupport

/// Issue #13: `vrrpd -t` and Debian's `keepalived -t` (2.2.7) give the same exit code on route,
/// rule and static lines, each case in its own file, run in one lab host with eth0 and eth1.
/// keepalived's remarks (deprecated `gw`, untracked routes, automatic preference) and the lines it
/// drops make it exit 5; options it applies and vrrpd does not keep 0 on both sides.
@Suite("keepalived -t verdicts on routes and rules", .serialized,
       .requires(all: LabRequirement.namespaceLab + [.keepalived]))
struct RouteVerdictTests {
    static let cases: [String] = [
        "virtual_routes {\n 198.18.5.0/24 via 198.18.0.254 dev eth0 table 100\n}",
        "virtual_routes {\n 198.18.5.0/24 via 198.18.0.254 dev eth0 table nosuch\n}",
        "virtual_routes {\n 198.18.5.0/24 via 2001:db8::1 dev eth0\n}",
        "virtual_routes {\n 198.18.5.0/24 via 198.18.0.254\n}",
        "virtual_routes {\n 198.18.5.0/24 gw 198.18.0.254 dev eth0\n}",
        "virtual_routes {\n blackhole 198.18.6.0/24 no_track\n}",
        "virtual_routes {\n 198.18.5.0/24 dev eth0 scope site onlink metric 5\n}",
        "virtual_routes {\n src 198.18.0.2 198.18.9.0/24 via 198.18.0.254 dev eth0\n}",
        "virtual_routes {\n 198.18.5.0/24 via 198.18.0.254 dev eth0 mtu 1400\n}",
        "virtual_routes {\n unreachable 198.18.5.0/24 dev eth0\n}",
        "virtual_routes {\n to blackhole 198.18.5.0/24 dev eth0\n}",
        "virtual_routes {\n inet6 2001:db8::/32 dev eth0\n}",
        "virtual_routes {\n 198.18.0.0/33 dev eth0\n}",
        "virtual_rules {\n from 198.18.0.0/24 table 1 preference 5\n}",
        "virtual_rules {\n from 198.18.0.0/24 table 1\n}",
        "virtual_rules {\n to 198.18.200./24 table 2 preference 5\n}",
        "virtual_rules {\n from 198.18.0.0/24 preference 5\n}",
        "virtual_rules {\n from 198.18.0.0/24 table 1 blackhole preference 5\n}",
        "virtual_rules {\n not to 2001:db8::/32 iif eth0 oif eth1 fwmark 0x10/0xff lookup 1000 preference 6\n}",
        "virtual_rules {\n fwmark 0xzz table 1 preference 5\n}",
        "virtual_rules {\n to 198.18.9.0/24 prohibit preference 7\n}",
        "virtual_rules {\n inet6 from all unreachable preference 8\n}",
        "static_ipaddress {\n 198.18.1.1/24 dev eth0\n 198.18.1.2/24\n}",
        "static_routes {\n 198.18.9.0/24 via 198.18.0.254 dev eth0\n}",
        "static_routes {\n 198.18.9.0/24 via 198.18.0.254\n}",
        "static_rules {\n to 198.18.9.0/24 table 9 preference 90\n}",
    ]

    static func file(_ lines: String) -> String {
        let inInstance = lines.hasPrefix("virtual_")
        let instance = """
            vrrp_instance VI_1 {
                interface eth0
                virtual_router_id 10
                virtual_ipaddress {
                    198.18.0.10
                }
                \(inInstance ? lines : "")
            }

            """
        return inInstance ? instance : lines + "\n" + instance
    }

    @Test("vrrpd -t exits as keepalived -t on each route, rule and static case")
    func sameVerdicts() throws {
        let keepalived = try #require(Lab.keepalivedPath)
        let vrrpd = try LabBinaries.vrrpd
        let lab = try Lab()
        defer { lab.teardown() }
        let lans = try (0..<2).map { try lab.addLAN("l\($0)") }
        let host = try lab.addHost("node", on: lans, ipv4: ["198.18.0.2/24"])
        var differences: [String] = []
        var codes: Set<Int32> = []
        for (n, lines) in Self.cases.enumerated() {
            let path = "\(lab.directory)/case\(n).conf"
            try Self.file(lines).write(toFile: path, atomically: true, encoding: .utf8)
            let k = try lab.run(host, [keepalived, "-t", "-f", path])
            let v = try lab.run(host, [vrrpd, "-t", "-f", path])
            codes.insert(k.status)
            if k.status != v.status {
                differences.append("keepalived \(k.status), vrrpd \(v.status): \(lines)\n  keepalived: \(k.output)\n  vrrpd: \(v.output)")
            }
        }
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
        // The cases must exercise both verdicts, or the comparison proves nothing.
        #expect(codes == [0, 5], "keepalived's codes: \(codes)")
    }
}
