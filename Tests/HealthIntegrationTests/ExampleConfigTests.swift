import Foundation
import Testing
import VRRPLab

/// The shipped two-proxy example must load: `vrrpd --config-test` exits 0 for both files.
@Suite("examples/nginx-rabbitmq")
struct ExampleConfigTests {
    @Test("vrrpd --config-test accepts proxy1.conf and proxy2.conf", arguments: ["proxy1.conf", "proxy2.conf"])
    func configTest(file: String) throws {
        let path = "\(LabBinaries.packageRoot)/examples/nginx-rabbitmq/\(file)"
        #expect(FileManager.default.fileExists(atPath: path))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try LabBinaries.vrrpd)
        process.arguments = ["--config-test", "-f", path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "vrrpd --config-test \(file):\n\(text)")
        #expect(text.contains("configuration OK"))
        // One VRID, one VIP on both proxies; only the priority differs.
        #expect(text.contains("VRID 51"))
        #expect(text.contains(file == "proxy1.conf" ? "priority 150" : "priority 100"))
    }
}
