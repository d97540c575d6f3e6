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
/// are tokens even when they touch a word (`15677{`); double quotes group words.
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
            if c == UInt8(ascii: "\"") {
                let start = i
                i += 1
                var bytes: [UInt8] = []
                var closed = false
                while i < n {
                    if line[i] == UInt8(ascii: "\\"), i + 1 < n {
                        bytes.append(line[i + 1])
                        i += 2
                        continue
                    }
                    if line[i] == UInt8(ascii: "\"") {
                        closed = true
                        i += 1
                        break
                    }
                    bytes.append(line[i])
                    i += 1
                }
                if !closed {
                    diagnostics.append(.error(loc(start), "unterminated quoted string: add a closing `\"` on the same line"))
                }
                tokens.append(ConfigToken(.word(String(decoding: bytes, as: UTF8.self)), loc(start)))
                continue
            }
            let start = i
            while i < n {
                let d = line[i]
                if d == UInt8(ascii: " ") || d == UInt8(ascii: "\t") || d == UInt8(ascii: "\r") || d == 0x0B || d == 0x0C
                    || d == UInt8(ascii: "{") || d == UInt8(ascii: "}") || d == UInt8(ascii: "#")
                    || d == UInt8(ascii: "!") || d == UInt8(ascii: "\"") {
                    break
                }
                i += 1
            }
            tokens.append(ConfigToken(.word(String(decoding: line[start..<i], as: UTF8.self)), loc(start)))
        }
        tokens.append(ConfigToken(.endOfLine, loc(n)))
        return tokens
    }
}
