// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing

/// Issue 18: the project is Apache-2.0. LICENSE holds the licence text, every source file
/// says so in an SPDX line (`scripts/spdx-headers` adds it), and packaging/copyright (installed
/// as /usr/share/doc/vrrpd/copyright) is in Debian's machine-readable format (DEP-5).
@Suite("Licence")
struct LicenseTests {
    static let root = PackagingTests.root

    @Test("LICENSE is the Apache License 2.0")
    func licenseFile() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("LICENSE"), encoding: .utf8)
        #expect(text.contains("Apache License\n                           Version 2.0, January 2004"))
        #expect(text.contains("TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION"))
        #expect(text.contains("END OF TERMS AND CONDITIONS"))
    }

    @Test("every Swift/C source file, script and maintainer script carries the SPDX line")
    func spdxHeaders() {
        let r = Shell.run([Self.root.path + "/scripts/spdx-headers", "--check"])
        #expect(r.status == 0, "without `SPDX-License-Identifier: Apache-2.0` (run scripts/spdx-headers):\n\(r.stdout)\(r.stderr)")
    }

    /// DEP-5 paragraphs: fields with continuation lines; blank lines separate paragraphs.
    static func paragraphs(_ text: String) -> [[(field: String, value: String, body: [String])]] {
        var out: [[(field: String, value: String, body: [String])]] = []
        var current: [(field: String, value: String, body: [String])] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces).isEmpty {
                if !current.isEmpty { out.append(current) }
                current = []
            } else if line.hasPrefix(" ") || line.hasPrefix("\t") {
                if !current.isEmpty { current[current.count - 1].body.append(String(line.dropFirst())) }
            } else if let colon = line.firstIndex(of: ":") {
                current.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces), []))
            } else {
                current.append(("<not a field>", String(line), []))
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    @Test("packaging/copyright is machine-readable: Files * is Apache-2.0 and every licence is defined")
    func debianCopyright() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("packaging/copyright"), encoding: .utf8)
        let ps = Self.paragraphs(text)
        let header = try #require(ps.first)
        #expect(header.first?.field == "Format")
        #expect(header.first?.value == "https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/")
        #expect(header.contains { $0.field == "Upstream-Name" && $0.value == "swift-vrrp" })
        for p in ps {
            #expect(!p.contains { $0.field == "<not a field>" }, "\(p)")
            // Continuation lines of License text use " ." for blank lines, never an empty line.
        }
        let files = ps.dropFirst().filter { $0.first?.field == "Files" }
        let standalone = ps.dropFirst().filter { $0.first?.field == "License" }
        #expect(!files.isEmpty)
        let main = try #require(files.first)
        #expect(main.first?.value == "*", "the first Files paragraph covers *")
        #expect(main.first { $0.field == "License" }?.value == "Apache-2.0")
        #expect(!text.lowercased().contains("unspecified"))
        let defined = Set(standalone.compactMap { $0.first?.value })
        for p in files {
            #expect(p.contains { $0.field == "Copyright" && !$0.value.isEmpty }, "\(p)")
            let license = try #require(p.first { $0.field == "License" }, "\(p)")
            // A short name is defined by text in the paragraph or by a stand-alone License paragraph.
            #expect(!license.body.isEmpty || defined.contains(license.value), "licence \(license.value) has no text")
        }
        let apache = try #require(standalone.first { $0.first?.value == "Apache-2.0" })
        #expect(apache.first?.body.joined(separator: "\n").contains("/usr/share/common-licenses/Apache-2.0") == true)
    }
}
