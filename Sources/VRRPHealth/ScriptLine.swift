// SPDX-License-Identifier: Apache-2.0
/// Splits a keepalived script line into argv, without a shell.
///
/// Words are separated by blanks (space, tab). Inside single quotes everything is literal;
/// inside double quotes a backslash escapes `"` and `\`; outside quotes a backslash escapes
/// the next character. Quotes join with adjacent text (`a"b c"` is one word `ab c`).
/// keepalived's own splitter (`set_script_params_array`) also removes quotes this way.
public enum ScriptLine {
    public enum SplitError: Error, Equatable, CustomStringConvertible {
        case unterminatedQuote(Character)
        case empty

        public var description: String {
            switch self {
            case .unterminatedQuote(let q): "unterminated \(q) quote in script line"
            case .empty: "empty script line"
            }
        }
    }

    /// keepalived splits a script line twice (lib/notify.c `notify_script_init`, then
    /// `set_script_params_array` on the first word): a first word that is itself a quoted
    /// command line (`'killall -0 haproxy'`) becomes the program and its arguments.
    public static func split(_ line: String) throws(SplitError) -> [String] {
        let words = try splitOnce(line)
        guard let first = words.first, first.contains(where: { $0 == " " || $0 == "\t" }) else { return words }
        let inner = (try? splitOnce(first)) ?? [first]
        return inner + words.dropFirst()
    }

    static func splitOnce(_ line: String) throws(SplitError) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character? = nil
        var escaped = false
        for ch in line {
            if escaped {
                current.append(ch)
                escaped = false
                continue
            }
            if let q = quote {
                if ch == q {
                    quote = nil
                } else if ch == "\\" && q == "\"" {
                    escaped = true
                } else {
                    current.append(ch)
                }
                continue
            }
            switch ch {
            case " ", "\t", "\n", "\r":
                if inWord {
                    words.append(current)
                    current = ""
                    inWord = false
                }
            case "'", "\"":
                quote = ch
                inWord = true
            case "\\":
                escaped = true
                inWord = true
            default:
                current.append(ch)
                inWord = true
            }
        }
        if let q = quote { throw .unterminatedQuote(q) }
        if escaped { current.append("\\") }
        if inWord { words.append(current) }
        if words.isEmpty { throw .empty }
        return words
    }
}
