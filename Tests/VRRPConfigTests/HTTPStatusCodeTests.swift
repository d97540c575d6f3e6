// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPConfig

/// Issue 18: docs/health-checks.md promises "any 2xx by default"; keepalived's HTTP_GET
/// `status_code` takes single codes and `low-high` ranges (keepalived.conf(5), check_http).
@Suite("vrrp_http_check status_codes")
struct HTTPStatusCodeTests {
    func codes(_ lines: String) throws -> [Int] {
        let r = load("vrrp_http_check chk {\n    port 8080\n\(lines)\n}\n" + instance("    track_script { chk }"))
        #expect(r.errors.isEmpty, "\(r.errors)")
        let check = try #require(r.configuration?.nativeCheck(named: "chk"))
        guard case .http(_, _, let statusCodes) = check.kind else {
            Issue.record("not an HTTP check: \(check.kind)")
            return []
        }
        return statusCodes
    }

    @Test("without status_codes every 2xx passes, 204 included")
    func defaultIsAny2xx() throws {
        let c = try codes("")
        #expect(c.contains(204))
        #expect(c == Array(200...299))
    }

    @Test("a list stays a list: 200 204 does not accept 201..203")
    func list() throws {
        #expect(try codes("    status_codes 200 204") == [200, 204])
    }

    @Test("ranges and lists mix (keepalived `status_code 200-299 302`), duplicates collapse")
    func ranges() throws {
        #expect(try codes("    status_codes 200-204 302 200-201") == [200, 201, 202, 203, 204, 302])
        // keepalived's spelling inside HTTP_GET is `status_code`.
        #expect(try codes("    status_code 204") == [204])
    }

    @Test("a bad range is an error with file:line:col")
    func badRange() {
        let r = load("vrrp_http_check chk {\n    status_codes 299-200\n}\n")
        #expect(r.hasError(containing: "status_codes"))
        #expect(r.errors.first?.location.line == 2)
        let r2 = load("vrrp_http_check chk {\n    status_codes 2xx\n}\n")
        #expect(r2.hasError(containing: "status_codes"))
    }
}
