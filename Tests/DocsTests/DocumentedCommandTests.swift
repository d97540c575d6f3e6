// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import Testing
@testable import VRRPControl
@testable import vrrpd

/// Issue 18: every `vrrpctl` / `vrrpd` command line the docs show must parse with the real
/// ArgumentParser commands (an unknown option such as `vrrpctl --status-socket` once slipped
/// into docs/operations.md and failed with rc 64).
@Suite("Command lines shown in the docs parse")
struct DocumentedCommandTests {
    static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    static func documents() throws -> [String] {
        let docs = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
        return docs + ["README.md", "packaging/vrrpd.service", "examples/README.md"]
            .filter { FileManager.default.fileExists(atPath: root.appendingPathComponent($0).path) }
    }

    @Test("the extractor finds commands in fences, pipelines, inline code and unit files")
    func extractor() {
        let text = """
            Run `vrrpd -t -f FILE` or `vrrpctl status NAME`; vrrpd is the daemon, `vrrpctl` a tool.
            ```sh
            $ sudo .build/release/vrrpctl watch    # comment
            tcpdump -i eth0 | vrrpctl decode && vrrpctl is-master VI_1 && echo yes
            ```
            ExecStart=/usr/sbin/vrrpd --dump-dir /run/vrrpd $VRRPD_OPTS
            """
        let found = DocumentedCommands.extract(from: text, file: "x.md").map { "\($0.tool) \($0.arguments.joined(separator: " "))" }
        #expect(found == ["vrrpd -t -f FILE", "vrrpctl status NAME", "vrrpctl watch", "vrrpctl decode",
                          "vrrpctl is-master VI_1", "vrrpd --dump-dir /run/vrrpd"])
    }

    @Test("a wrong option in a doc is caught (the check can fail)")
    func catchesUnknownOption() {
        #expect(DocumentedCommands.parseError(.init(tool: "vrrpctl", arguments: ["status", "--bogus", "x"],
                                                    file: "x", line: 1)) != nil)
        #expect(DocumentedCommands.parseError(.init(tool: "vrrpd", arguments: ["--status-sockets", "x"],
                                                    file: "x", line: 1)) != nil)
        #expect(DocumentedCommands.parseError(.init(tool: "vrrpctl", arguments: ["status", "--json"],
                                                    file: "x", line: 1)) == nil)
    }

    @Test("every vrrpctl/vrrpd command line in docs/*.md, README.md and the unit parses")
    func documentedCommandsParse() throws {
        var all: [DocumentedCommands.Command] = []
        for file in try Self.documents() {
            let text = try String(contentsOf: Self.root.appendingPathComponent(file), encoding: .utf8)
            all += DocumentedCommands.extract(from: text, file: file)
        }
        #expect(all.count >= 30, "the extractor found only \(all.count) command lines")
        #expect(all.contains { $0.tool == "vrrpd" } && all.contains { $0.tool == "vrrpctl" })
        for command in all {
            if let error = DocumentedCommands.parseError(command) {
                Issue.record("\(command.file):\(command.line): `\(command.tool) \(command.arguments.joined(separator: " "))`: \(error)")
            }
        }
    }

    @Test("options named in prose with their tools, \"`--socket PATH` (vrrpctl and vrrpd)\", are accepted by them")
    func documentedOptionsExist() throws {
        var all: [DocumentedCommands.OptionMention] = []
        for file in try Self.documents() {
            let text = try String(contentsOf: Self.root.appendingPathComponent(file), encoding: .utf8)
            all += DocumentedCommands.optionMentions(in: text, file: file)
        }
        for mention in all {
            if let error = DocumentedCommands.parseError(mention) {
                Issue.record("\(mention.file):\(mention.line): `\(mention.words.joined(separator: " "))` (\(mention.tools.joined(separator: ", "))): \(error)")
            }
        }
        let sample = DocumentedCommands.optionMentions(in: "use `--bogus PATH` (vrrpctl and vrrpd) or `--json` (vrrpctl).", file: "x")
        #expect(sample.map(\.tools) == [["vrrpctl", "vrrpd"], ["vrrpctl"]])
        #expect(sample.map { DocumentedCommands.parseError($0) == nil } == [false, true])
    }
}

enum DocumentedCommands {
    struct Command: Equatable {
        var tool: String
        var arguments: [String]
        var file: String
        var line: Int
        /// An inline code span (prose), not a line of a code block.
        var inline = false
    }

    /// Parses with the real root command (`parseAsRoot` runs `validate()` too); nil when fine.
    static func parseError(_ command: Command) -> String? {
        do {
            if command.tool == "vrrpctl" {
                _ = try VRRPCtl.parseAsRoot(command.arguments)
            } else {
                _ = try VRRPD.parseAsRoot(command.arguments)
            }
            return nil
        } catch {
            let message = command.tool == "vrrpctl" ? VRRPCtl.fullMessage(for: error) : VRRPD.fullMessage(for: error)
            let code = command.tool == "vrrpctl" ? VRRPCtl.exitCode(for: error) : VRRPD.exitCode(for: error)
            // --help / --version parse to a "clean exit".
            if code == .success { return nil }
            // Prose may name a subcommand alone (`vrrpctl lint`); it must exist, nothing more.
            if command.inline, command.arguments.count == 1, message.contains("Missing expected argument") { return nil }
            return message
        }
    }

    /// An option named in prose and attributed to tools: "`--socket PATH` (vrrpctl and vrrpd)".
    struct OptionMention: Equatable {
        var words: [String]
        var tools: [String]
        var file: String
        var line: Int
    }

    /// nil when every attributed tool accepts the option (vrrpctl: the root or any subcommand).
    static func parseError(_ mention: OptionMention) -> String? {
        var failures: [String] = []
        for tool in mention.tools {
            if tool == "vrrpd" {
                if let error = parseError(Command(tool: "vrrpd", arguments: mention.words, file: mention.file, line: mention.line)) {
                    failures.append(error)
                }
            } else {
                let candidates = [[]] + VRRPCtl.configuration.subcommands.map { [$0.configuration.commandName ?? ""] }
                let ok = candidates.contains { prefix in
                    let error = parseError(Command(tool: "vrrpctl", arguments: prefix + mention.words, file: mention.file, line: mention.line))
                    return error == nil || !(error!.contains("Unknown option") || error!.contains("Missing value"))
                }
                if !ok { failures.append("no vrrpctl command accepts `\(mention.words.joined(separator: " "))`") }
            }
        }
        return failures.isEmpty ? nil : failures.joined(separator: "; ")
    }

    static func optionMentions(in text: String, file: String) -> [OptionMention] {
        var out: [OptionMention] = []
        var fence = false
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if raw.trimmingCharacters(in: .whitespaces).hasPrefix("```") {
                fence.toggle()
                continue
            }
            if fence { continue }
            let parts = raw.split(separator: "`", omittingEmptySubsequences: false)
            for n in stride(from: 1, to: parts.count - 1, by: 2) where parts[n].hasPrefix("-") {
                let after = parts[n + 1].trimmingCharacters(in: .whitespaces)
                guard after.hasPrefix("("), let close = after.firstIndex(of: ")") else { continue }
                let inside = after[after.index(after: after.startIndex)..<close]
                    .split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
                let tools = inside.filter { $0 != "and" }
                guard !tools.isEmpty, tools.allSatisfy({ $0 == "vrrpctl" || $0 == "vrrpd" }) else { continue }
                out.append(OptionMention(words: shellWords(String(parts[n])), tools: tools, file: file, line: index + 1))
            }
        }
        return out
    }

    /// Command lines: lines of code fences and inline code spans whose command word is
    /// vrrpctl or vrrpd (any directory), split at `|`, `&&`, `||`, `;`; unit `ExecStart=` lines.
    static func extract(from text: String, file: String) -> [Command] {
        var out: [Command] = []
        var fence = false
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("```") {
                fence.toggle()
                continue
            }
            var candidates: [String] = []
            if fence {
                candidates.append(line)
            } else if line.hasPrefix("ExecStart=") || line.hasPrefix("ExecReload=") {
                candidates.append(String(line.drop { $0 != "=" }.dropFirst()))
            } else {
                let parts = line.split(separator: "`", omittingEmptySubsequences: false)
                for (n, part) in parts.enumerated() where n % 2 == 1 {
                    var span = String(part)
                    if span.hasPrefix("ExecStart=") { span = String(span.dropFirst("ExecStart=".count)) }
                    // A bare `vrrpctl` names the tool; a command has arguments.
                    if span.contains(" ") { candidates.append(span) }
                }
            }
            for candidate in candidates {
                for segment in segments(candidate) {
                    var words = shellWords(segment)
                    while let first = words.first, ["$", "#", "sudo"].contains(first) { words.removeFirst() }
                    guard let first = words.first else { continue }
                    let tool = first.split(separator: "/").last.map(String.init) ?? first
                    guard tool == "vrrpctl" || tool == "vrrpd" else { continue }
                    // `$VRRPD_OPTS` and similar are the user's own additions.
                    let arguments = words.dropFirst().filter { !$0.hasPrefix("$") }
                    out.append(Command(tool: tool, arguments: Array(arguments), file: file, line: index + 1, inline: !fence))
                }
            }
        }
        return out
    }

    /// The text before a `#` comment, split into pipeline / list segments.
    static func segments(_ line: String) -> [String] {
        var text = line
        if let comment = text.range(of: " #") { text = String(text[..<comment.lowerBound]) }
        var out: [String] = []
        var current = ""
        var chars = Array(text)[...]
        while let c = chars.first {
            chars = chars.dropFirst()
            if c == "|" || c == ";" || (c == "&" && chars.first == "&") {
                if (c == "|" && chars.first == "|") || c == "&" { chars = chars.dropFirst() }
                out.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        out.append(current)
        return out.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Words split at blanks, with '…' and "…" quoting; a redirection ends the command.
    static func shellWords(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var inWord = false
        for c in text {
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
            } else if c == "'" || c == "\"" {
                quote = c
                inWord = true
            } else if c == " " || c == "\t" {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else if (c == ">" || c == "<") && !inWord {
                break
            } else {
                current.append(c)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words.filter { $0 != "\\" }
    }
}
