// SPDX-License-Identifier: Apache-2.0
/// One lexical token of a keepalived.conf, with where it came from.
public struct ConfigToken: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// A bare or quoted word (`vrrp_instance`, `"/usr/bin/check x"`).
        case word(String)
        case openBrace
        case closeBrace
        /// The end of a line: keepalived's statements are line-oriented.
        case endOfLine
    }

    public var kind: Kind
    public var location: SourceLocation

    public init(_ kind: Kind, _ location: SourceLocation) {
        self.kind = kind
        self.location = location
    }

    public var text: String? {
        if case .word(let w) = kind { return w }
        return nil
    }
}

/// Splits one line of keepalived.conf into tokens.
///
/// keepalived's rules: `#` and `!` start a comment anywhere outside quotes; `{` and `}`
/// are tokens even when they touch a word (`15677{`); double quotes group words; a
/// backslash escapes the next character, inside quotes or not.
enum Lexer {
    static func tokenize(line: [UInt8], file: String, lineNumber: Int,
                         diagnostics: inout [Diagnostic]) -> [ConfigToken] {
        var tokens: [ConfigToken] = []
        var i = 0
        let n = line.count
        func loc(_ index: Int) -> SourceLocation { SourceLocation(file: file, line: lineNumber, column: index + 1) }
        while i < n {
            let c = line[i]
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") || c == 0x0B || c == 0x0C {
                i += 1
                continue
            }
            if c == UInt8(ascii: "#") || c == UInt8(ascii: "!") { break }
            if c == UInt8(ascii: "{") {
                tokens.append(ConfigToken(.openBrace, loc(i)))
                i += 1
                continue
            }
            if c == UInt8(ascii: "}") {
                tokens.append(ConfigToken(.closeBrace, loc(i)))
                i += 1
                continue
            }
            // A word: unquoted bytes, `"..."` parts and backslash escapes, joined until a
            // blank, a brace or a comment outside quotes. This is keepalived's
            // `alloc_strvec_quoted_escaped` (lib/parser.c), which it applies to script and
            // notify lines: `\"/etc/check.sh\"` is the word `"/etc/check.sh"`, whose quotes
            // the script splitter (second pass, as in keepalived) then removes.
            let start = i
            var bytes: [UInt8] = []
            var quoteStart: Int?
            while i < n {
                let d = line[i]
                if d == UInt8(ascii: "\\") {
                    guard i + 1 < n else {
                        bytes.append(d)
                        i += 1
                        break
                    }
                    bytes.append(Self.escaped(line[i + 1]))
                    i += 2
                    continue
                }
                if quoteStart != nil {
                    if d == UInt8(ascii: "\"") { quoteStart = nil } else { bytes.append(d) }
                    i += 1
                    continue
                }
                if d == UInt8(ascii: "\"") {
                    quoteStart = i
                    i += 1
                    continue
                }
                if d == UInt8(ascii: " ") || d == UInt8(ascii: "\t") || d == UInt8(ascii: "\r") || d == 0x0B || d == 0x0C
                    || d == UInt8(ascii: "{") || d == UInt8(ascii: "}") || d == UInt8(ascii: "#")
                    || d == UInt8(ascii: "!") {
                    break
                }
                bytes.append(d)
                i += 1
            }
            if let q = quoteStart {
                diagnostics.append(.error(loc(q), "unterminated quoted string: add a closing `\"` on the same line"))
            }
            tokens.append(ConfigToken(.word(String(decoding: bytes, as: UTF8.self)), loc(start)))
        }
        tokens.append(ConfigToken(.endOfLine, loc(n)))
        return tokens
    }

    /// keepalived's one-character escapes (`\n`, `\t`, ...); any other byte stands for itself.
    private static func escaped(_ b: UInt8) -> UInt8 {
        switch b {
        case UInt8(ascii: "a"): 0x07
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "E"): 0x1B
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "t"): 0x09
        case UInt8(ascii: "v"): 0x0B
        default: b
        }
    }
}
