// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import VRRPLab

/// The shipped two-proxy example must load: `vrrpd --config-test` exits 0 for both files.
@Suite("examples/nginx-rabbitmq")
struct ExampleConfigTests {
    @Test("vrrpd --config-test accepts proxy1.conf and proxy2.conf of both examples",
          arguments: ["nginx-rabbitmq", "nginx-rabbitmq-v3-fast"], ["proxy1.conf", "proxy2.conf"])
    func configTest(example: String, file: String) throws {
        let path = "\(LabBinaries.packageRoot)/examples/\(example)/\(file)"
        #expect(FileManager.default.fileExists(atPath: path))
        let run = try Lab.runHostCommand([try LabBinaries.vrrpd, "--config-test", "-f", path], timeout: .seconds(30))
        let text = run.output
        #expect(run.succeeded, "vrrpd --config-test \(file):\n\(text)")
        #expect(text.contains("configuration OK"))
        // One VRID, one VIP on both proxies; only the priority differs.
        #expect(text.contains("VRID 51"))
        #expect(text.contains(file == "proxy1.conf" ? "priority 150" : "priority 100"))
        #expect(text.contains(example == "nginx-rabbitmq" ? "VRRPv2" : "VRRPv3"))
        let source = try String(contentsOfFile: path, encoding: .utf8)
        #expect(source.contains("    fast_preempt\n"), "#17: the examples use fast_preempt")
        #expect(source.contains(example == "nginx-rabbitmq" ? "advert_int 1\n" : "advert_int 0.2\n"))
    }
}
