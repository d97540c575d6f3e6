// SPDX-License-Identifier: Apache-2.0
/// Renders `KeywordTable.all` as the Markdown keyword reference of docs/configuration.md.
/// The documentation test compares the doc with this output, so a keyword added to the table
/// without regenerating the doc fails `swift test` (VRRP_UPDATE_DOCS=1 rewrites the doc).
extension KeywordTable {
    /// The marker lines around the generated part of docs/configuration.md.
    public static let markdownBegin = "<!-- BEGIN GENERATED KEYWORD REFERENCE: edit KeywordTable.swift, then run VRRP_UPDATE_DOCS=1 swift test --filter DocumentationTests -->"
    public static let markdownEnd = "<!-- END GENERATED KEYWORD REFERENCE -->"

    /// One `###` section per block, in `KeywordInfo.Block.allCases` order, each with a table of
    /// keyword, argument, default, example, what vrrpd does with it (applied, applied with a
    /// difference, or not applied and what is lost) and notes.
    public static func markdownReference(_ keywords: [KeywordInfo] = all) -> String {
        var out: [String] = []
        for block in KeywordInfo.Block.allCases {
            let rows = keywords.filter { $0.block == block }
            guard !rows.isEmpty else { continue }
            out.append("### \(markdownHeading(block))")
            out.append("")
            out.append("| keyword | argument | default | example | vrrpd | notes |")
            out.append("| --- | --- | --- | --- | --- | --- |")
            for k in rows {
                let cells = [
                    "`\(k.name)`",
                    markdownCell(k.argument.documentation),
                    k.defaultValue.map(markdownCell) ?? "—",
                    "`\(k.example.replacingPipes())`",
                    markdownCell(k.support.documentation),
                    markdownCell(k.notes),
                ]
                out.append("| " + cells.joined(separator: " | ") + " |")
            }
            out.append("")
        }
        return out.joined(separator: "\n")
    }

    /// The heading of a block's section: the block keyword, or "Top level".
    public static func markdownHeading(_ block: KeywordInfo.Block) -> String {
        block == .topLevel ? "Top level" : "`\(block.rawValue)`"
    }

    static func markdownCell(_ text: String) -> String {
        text.replacingPipes()
    }
}

extension KeywordInfo.Support {
    /// The "vrrpd" cell of the keyword reference.
    public var documentation: String {
        switch self {
        case .applied: "applied"
        case .differs(let how): "applied, with a difference: \(how)"
        case .notApplied(let lost): "**not applied** (a warning says so); you lose \(lost)"
        }
    }
}

extension KeywordInfo.ArgumentKind {
    /// How the argument is written, for people.
    public var documentation: String {
        switch self {
        case .none: return "none (a flag)"
        case .integer(let range):
            if range.upperBound == Int(Int32.max) { return "integer ≥ \(range.lowerBound)" }
            return "integer \(range.lowerBound)–\(range.upperBound)"
        case .seconds: return "seconds (fractions allowed)"
        case .address: return "IPv4 or IPv6 address"
        case .string: return "text"
        case .command: return "command line (quote it when it has spaces)"
        case .choice(let values): return "one of " + values.map { "`\($0)`" }.joined(separator: ", ")
        case .weight: return "weight -253–253, optionally `reverse`"
        case .block: return "block `{ … }`"
        case .namedBlock: return "NAME and block `{ … }`"
        case .ignored: return "ignored with a warning"
        }
    }
}

extension String {
    /// A Markdown table cell may not contain a bare `|`.
    fileprivate func replacingPipes() -> String {
        var out = ""
        for c in self {
            if c == "|" { out += "\\|" } else { out.append(c) }
        }
        return out
    }
}
