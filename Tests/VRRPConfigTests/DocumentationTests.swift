// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import VRRPConfig

/// docs/configuration.md carries a keyword reference generated from `KeywordTable.all`.
/// These tests fail when the table and the doc drift apart.
/// `VRRP_UPDATE_DOCS=1 swift test --filter DocumentationTests` rewrites the generated part.
@Suite("Configuration documentation")
struct DocumentationTests {
    static let docPath: String = {
        // Tests/VRRPConfigTests/DocumentationTests.swift → the package root.
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("docs/configuration.md").path
    }()

    static func readDoc() throws -> String {
        try String(contentsOfFile: docPath, encoding: .utf8)
    }

    /// The text between the two marker lines, or nil when a marker is missing.
    static func generatedPart(of doc: String) -> (prefix: String, body: String, suffix: String)? {
        guard let begin = doc.range(of: KeywordTable.markdownBegin + "\n"),
              let end = doc.range(of: KeywordTable.markdownEnd, range: begin.upperBound..<doc.endIndex)
        else { return nil }
        return (String(doc[..<begin.upperBound]), String(doc[begin.upperBound..<end.lowerBound]),
                String(doc[end.lowerBound...]))
    }

    /// (block heading, keyword) pairs listed in the doc's keyword tables.
    static func documentedKeywords(in markdown: String) -> Set<String> {
        var heading = ""
        var found: Set<String> = []
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("### ") {
                heading = String(line.dropFirst(4))
            } else if line.hasPrefix("| `") {
                let cell = line.dropFirst(3).prefix { $0 != "`" }
                found.insert("\(heading) \(cell)")
            }
        }
        return found
    }

    @Test("docs/configuration.md contains the keyword reference that KeywordTable renders")
    func generatedReferenceIsCurrent() throws {
        let doc = try Self.readDoc()
        let part = try #require(Self.generatedPart(of: doc),
                                "docs/configuration.md lacks the generated-reference markers")
        let rendered = KeywordTable.markdownReference()
        if ProcessInfo.processInfo.environment["VRRP_UPDATE_DOCS"] == "1", part.body != rendered {
            try (part.prefix + rendered + part.suffix).write(toFile: Self.docPath, atomically: true, encoding: .utf8)
            return
        }
        #expect(part.body == rendered,
                "docs/configuration.md is stale: run VRRP_UPDATE_DOCS=1 swift test --filter DocumentationTests")
    }

    @Test("every keyword of KeywordTable.all is documented under its block")
    func noKeywordMissing() throws {
        let documented = Self.documentedKeywords(in: try Self.readDoc())
        let missing = KeywordTable.all
            .map { "\(KeywordTable.markdownHeading($0.block)) \($0.name)" }
            .filter { !documented.contains($0) }
        #expect(missing.isEmpty, "keywords missing from docs/configuration.md: \(missing)")
    }

    @Test("the doc-drift check notices a keyword that the doc lacks")
    func driftIsDetected() {
        var table = KeywordTable.all
        let documented = Self.documentedKeywords(in: KeywordTable.markdownReference(table))
        table.append(KeywordInfo(.instance, "brand_new_keyword", .none, example: "brand_new_keyword"))
        let missing = table.map { "\(KeywordTable.markdownHeading($0.block)) \($0.name)" }
            .filter { !documented.contains($0) }
        #expect(missing == ["`vrrp_instance` brand_new_keyword"])
    }

    @Test("the rendered reference escapes pipes and shows a dash for a missing default")
    func renderingDetails() {
        let text = KeywordTable.markdownReference([
            KeywordInfo(.globalDefs, "demo", .choice(["a", "b"]), example: "demo a|b", notes: "x | y"),
            KeywordInfo(.globalDefs, "count", .integer(1...255), default: "3", example: "count 3"),
        ])
        #expect(text.contains("### `global_defs`"))
        #expect(text.contains("| `demo` | one of `a`, `b` | — | `demo a\\|b` | applied | x \\| y |"))
        #expect(text.contains("| `count` | integer 1–255 | 3 | `count 3` | applied |  |"))
        #expect(!text.contains("### `vrrp_instance`"), "blocks without keywords get no section")
    }
}
