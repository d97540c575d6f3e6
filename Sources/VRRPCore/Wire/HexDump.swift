// SPDX-License-Identifier: Apache-2.0
/// Reads packet bytes from text: `tcpdump -xx` / `-XX` output pasted as is, or plain hex.
///
/// - tcpdump form: lines `\t0x0010:  0028 0001 …`. A line at offset 0 starts a packet; the
///   decoded header lines tcpdump prints between packets are skipped (they become the
///   packet's caption), and so are dumps nested deeper than the frame dump (`tcpdump -vv`
///   prints option bytes as an indented `0x0000:` dump of their own). An ASCII column
///   (`-X`) after two spaces is ignored.
/// - plain form: hex digits with or without spaces, colons, commas or dashes, each group
///   optionally prefixed `0x`. Blank lines separate packets; lines starting with `#` are comments.
public enum HexDump {
    public struct Packet: Hashable, Sendable {
        public var bytes: [UInt8]
        /// The tcpdump lines printed before the bytes (joined by newlines), if any.
        public var caption: String?

        public init(bytes: [UInt8], caption: String? = nil) {
            self.bytes = bytes
            self.caption = caption
        }
    }

    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        /// 1-based line number.
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    public static func parse(_ text: String) -> Result<[Packet], ParseError> {
        // "\r\n" is one Character in Swift, so it is matched as a whole.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        let offsetLines = lines.compactMap(offsetLine)
        if offsetLines.isEmpty { return parsePlain(lines) }
        return parseTcpdump(lines, frameIndent: offsetLines.map(\.indent).min() ?? 0)
    }

    private struct OffsetLine {
        var indent: Int
        var offset: Int
        var hex: Substring
    }

    /// `<indent>0x<hex>:<hex groups>[  <ascii>]`, or nil.
    private static func offsetLine(_ line: Substring) -> OffsetLine? {
        var indent = 0
        var rest = line[...]
        while let c = rest.first, c == " " || c == "\t" {
            indent += c == "\t" ? 8 : 1
            rest = rest.dropFirst()
        }
        guard rest.hasPrefix("0x") || rest.hasPrefix("0X"), let colon = rest.firstIndex(of: ":") else { return nil }
        let digits = rest[rest.index(rest.startIndex, offsetBy: 2)..<colon]
        guard !digits.isEmpty, digits.count <= 8, let offset = Int(digits, radix: 16) else { return nil }
        var hex = rest[rest.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
        if let cut = hex.firstRange(of: "  ") { hex = hex[..<cut.lowerBound] }
        if let tab = hex.firstIndex(of: "\t") { hex = hex[..<tab] }
        return OffsetLine(indent: indent, offset: offset, hex: hex)
    }

    private static func parseTcpdump(_ lines: [Substring], frameIndent: Int) -> Result<[Packet], ParseError> {
        var packets: [Packet] = []
        var current: Packet?
        var caption: String?
        for (index, line) in lines.enumerated() {
            if let o = offsetLine(line) {
                guard o.indent == frameIndent else { continue }  // a nested dump (e.g. an NDP option)
                var bytes: [UInt8] = []
                for token in o.hex.split(separator: " ") {
                    guard let b = hexBytes(token) else {
                        return .failure(ParseError(line: index + 1, message: "'\(token)' is not hex"))
                    }
                    bytes += b
                }
                if o.offset == 0 {
                    if let c = current { packets.append(c) }
                    current = Packet(bytes: bytes, caption: caption)
                    caption = nil
                } else if current != nil, current!.bytes.count == o.offset {
                    current!.bytes += bytes
                } else {
                    let expected = current?.bytes.count ?? 0
                    return .failure(ParseError(
                        line: index + 1,
                        message: "offset 0x\(String(o.offset, radix: 16)) does not follow the previous line (expected 0x\(String(expected, radix: 16)))"))
                }
            } else {
                let trimmed = line.drop { $0 == " " || $0 == "\t" }
                guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
                if let c = current {
                    packets.append(c)
                    current = nil
                }
                caption = caption.map { $0 + "\n" + trimmed } ?? String(trimmed)
            }
        }
        if let c = current { packets.append(c) }
        return .success(packets)
    }

    private static func parsePlain(_ lines: [Substring]) -> Result<[Packet], ParseError> {
        var packets: [Packet] = []
        var current: [UInt8] = []
        for (index, line) in lines.enumerated() {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.hasPrefix("#") { continue }
            if trimmed.isEmpty {
                if !current.isEmpty { packets.append(Packet(bytes: current)) }
                current = []
                continue
            }
            for token in trimmed.split(whereSeparator: { " \t:,-".contains($0) }) {
                guard let b = hexBytes(token) else {
                    return .failure(ParseError(line: index + 1, message: "'\(token)' is not hex"))
                }
                current += b
            }
        }
        if !current.isEmpty { packets.append(Packet(bytes: current)) }
        return .success(packets)
    }

    /// An even number of hex digits, optionally after `0x`; nil otherwise.
    static func hexBytes(_ token: Substring) -> [UInt8]? {
        var digits = token.utf8[...]
        if token.hasPrefix("0x") || token.hasPrefix("0X") { digits = digits.dropFirst(2) }
        guard !digits.isEmpty, digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var high: UInt8?
        for c in digits {
            let v: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): v = c - UInt8(ascii: "A") + 10
            default: return nil
            }
            if let h = high {
                out.append(h << 4 | v)
                high = nil
            } else {
                high = v
            }
        }
        return out
    }
}
