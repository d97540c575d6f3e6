// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import VRRPLab

extension HealthWiringTests {
    /// Issue 18: an nginx health location answering `204 No Content` failed the HTTP check
    /// ("HTTP 204") and cost the proxy its priority for good. Any 2xx passes by default;
    /// `status_codes` narrows it.
    @Test("vrrp_http_check against real nginx: 204 passes by default, 301 fails, status_codes 200 refuses 204")
    func httpStatusCodes() async throws {
        try await withLab { lab in
            let lan = try lab.addLAN("lan")
            let p1 = try lab.addHost("p1", on: [lan], ipv4: ["198.18.0.11/24"])
            _ = try lab.startNginx(p1, upstream: nil)
            let checks = """
                vrrp_http_check chk_204 {
                    port 80
                    path /health-204
                    interval 0.3
                    timeout 1
                }
                vrrp_http_check chk_301 {
                    port 80
                    path /moved
                    interval 0.3
                    timeout 1
                }
                vrrp_http_check chk_only_200 {
                    port 80
                    path /health-204
                    status_codes 200
                    interval 0.3
                    timeout 1
                }
                vrrp_http_check chk_range {
                    port 80
                    path /moved
                    status_codes 200-299 301
                    interval 0.3
                    timeout 1
                }
                """
            let names = ["chk_204", "chk_301", "chk_only_200", "chk_range"]
            let tracks = names.map { "\($0) weight -10" }
            let d = try startDaemon(lab, on: p1, config: Configs.proxy(routerID: "p1", priority: 100,
                                                                         checks: checks, tracks: tracks))
            try waitUntil("all four verdicts", timeout: .seconds(10)) {
                try names.map { try d.tracked($0) } == ["ok", "failing", "failing", "ok"]
            }
            #expect(try d.instance().effectivePriority == 80)
        }
    }
}
