// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import VRRPLab
import VRRPTestSupport

/// Issue #13: every file of `../shared/corpus/keepalived-samples/` gets the same `-t` exit code
/// from vrrpd as from Debian's keepalived 2.2.7, both run in one lab host whose interfaces carry
/// the names the files use (eth0-eth3, eth0.1). The files are read in place, never copied into
/// the repository. A difference is allowed only when docs/configuration.md lists it (file,
/// keepalived's code, vrrpd's code and the reason) in its "-t verdict differences" table.
@Suite("keepalived -t verdicts on the shared corpus", .serialized,
       .requires(all: LabRequirement.namespaceLab + [.keepalived]))
struct CorpusVerdictTests {
    static let corpus = LabBinaries.packageRoot + "/../shared/corpus/keepalived-samples"
    static let doc = LabBinaries.packageRoot + "/docs/configuration.md"

    /// `| `file` | keepalived | vrrpd | reason |` rows of the documented differences.
    static func documentedDifferences() throws -> [String: (Int32, Int32)] {
        let text = try String(contentsOfFile: doc, encoding: .utf8)
        guard let start = text.range(of: "### -t verdict differences") else { return [:] }
        var out: [String: (Int32, Int32)] = [:]
        for line in text[start.upperBound...].split(separator: "\n").prefix(while: { !$0.hasPrefix("#") }) where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4, let k = Int32(cells[1]), let v = Int32(cells[2]), !cells[3].isEmpty else { continue }
            out[cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = (k, v)
        }
        return out
    }

    @Test("vrrpd -t exits as keepalived -t on every corpus file, or the difference is documented")
    func sameVerdicts() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.corpus).filter { $0.hasSuffix(".conf") }.sorted()
        try #require(files.count >= 20, "the corpus at \(Self.corpus) is missing")
        let documented = try Self.documentedDifferences()
        let keepalived = try #require(Lab.keepalivedPath)
        let vrrpd = try LabBinaries.vrrpd

        let lab = try Lab()
        defer { lab.teardown() }
        let lans = try (0..<4).map { try lab.addLAN("l\($0)") }
        let host = try lab.addHost("node", on: lans, ipv4: ["198.18.0.2/24"])
        try lab.runChecked(host, ["ip", "link", "add", "eth0.1", "type", "veth", "peer", "name", "peer01"])
        try lab.runChecked(host, ["ip", "link", "set", "eth0.1", "up"])

        var report: [String] = []
        var undocumented: [String] = []
        for file in files {
            let path = "\(Self.corpus)/\(file)"
            let k = try lab.run(host, [keepalived, "-t", "-f", path]).status
            let v = try lab.run(host, [vrrpd, "-t", "-f", path]).status
            report.append("\(k) \(v) \(file)")
            guard k != v else { continue }
            if let d = documented[file], d == (k, v) { continue }
            undocumented.append("\(file): keepalived \(k), vrrpd \(v)")
        }
        #expect(undocumented.isEmpty, "undocumented -t differences:\n\(undocumented.joined(separator: "\n"))\nall (keepalived vrrpd file):\n\(report.joined(separator: "\n"))")
        // A documented difference that no longer occurs is stale documentation.
        let stale = documented.keys.filter { file in report.contains { $0.hasSuffix(" \(file)") && $0.split(separator: " ")[0] == $0.split(separator: " ")[1] } }
        #expect(stale.isEmpty, "documented differences that no longer occur: \(stale)")
    }
}
