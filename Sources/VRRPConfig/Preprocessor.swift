// SPDX-License-Identifier: Apache-2.0
/// keepalived's text layer: `include` (globs, relative to the including file),
/// `$NAME=value` parameters and their `$NAME` / `${NAME}` uses, and `@name` / `@^name`
/// conditional lines. Hands every token, with its file, line and column, to `tree` as the
/// line is read (no token array for the whole file is kept).
struct Preprocessor {
    /// Includes nested deeper than this are refused (keepalived stops at a similar depth).
    static let maximumIncludeDepth = 32
    /// A parameter value longer than this is refused, so `$A` chains cannot blow up memory.
    static let maximumLineLength = 65_536

    let fileSystem: any ConfigFileSystem
    /// The `-i` config id: `@ID` lines are kept, `@^ID` lines dropped.
    let configID: String?
    var parameters: [String: String] = [:]
    var diagnostics: [Diagnostic] = []
    /// The statement tree being built from the tokens (its diagnostics come after ours).
    var tree = TreeParser()
    private var includeStack: [String] = []
    private var filesRead = 0
    /// More file reads than this (a glob fan-out repeated at every level) is refused.
    static let maximumFilesRead = 1_000
    private var warnedUnknownParameters: Set<String> = []

    init(fileSystem: any ConfigFileSystem, configID: String?) {
        self.fileSystem = fileSystem
        self.configID = configID
    }

    mutating func process(path: String, from includer: SourceLocation?) {
        let path = Path.normalize(path)
        let origin = includer ?? SourceLocation(file: path, line: 1, column: 1)
        if includeStack.contains(path) {
            let chain = (includeStack + [path]).joined(separator: " → ")
            let message = includeStack.last == path
                ? "\(path) includes itself: remove this include line"
                : "include loop: \(chain); remove one of these include lines"
            diagnostics.append(.error(origin, message))
            return
        }
        if includeStack.count >= Self.maximumIncludeDepth {
            diagnostics.append(.error(origin, "includes nested more than \(Self.maximumIncludeDepth) deep at \(path): flatten the include chain"))
            return
        }
        filesRead += 1
        if filesRead > Self.maximumFilesRead {
            if filesRead == Self.maximumFilesRead + 1 {
                diagnostics.append(.error(origin, "more than \(Self.maximumFilesRead) included files: narrow the include globs"))
            }
            return
        }
        let bytes: [UInt8]
        do {
            bytes = try fileSystem.readFile(atPath: path)
        } catch {
            diagnostics.append(.error(origin, "\(error.message); check the path (relative includes start from the including file's directory)"))
            return
        }
        includeStack.append(path)
        defer { includeStack.removeLast() }
        var lineNumber = 0
        var start = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
            lineNumber += 1
            if start < bytes.count || end > start {
                processLine(Array(bytes[start..<end]), file: path, lineNumber: lineNumber)
            }
            start = end + 1
        }
    }

    private mutating func processLine(_ raw: [UInt8], file: String, lineNumber: Int) {
        var line = raw
        var offset = 0
        while offset < line.count, line[offset] == UInt8(ascii: " ") || line[offset] == UInt8(ascii: "\t") { offset += 1 }
        let here = SourceLocation(file: file, line: lineNumber, column: offset + 1)

        // `@name rest` keeps `rest` only when name is the config id; `@^name rest` the opposite.
        if offset < line.count, line[offset] == UInt8(ascii: "@") {
            var nameEnd = offset + 1
            let negated = nameEnd < line.count && line[nameEnd] == UInt8(ascii: "^")
            if negated { nameEnd += 1 }
            let nameStart = nameEnd
            while nameEnd < line.count, line[nameEnd] != UInt8(ascii: " "), line[nameEnd] != UInt8(ascii: "\t") { nameEnd += 1 }
            let name = String(decoding: line[nameStart..<nameEnd], as: UTF8.self)
            let matches = configID == name
            guard matches != negated else { return }
            // Blank out the condition so columns stay true.
            for i in offset..<nameEnd { line[i] = UInt8(ascii: " ") }
        }

        // `$NAME=value` defines a parameter.
        if offset < line.count, line[offset] == UInt8(ascii: "$") {
            var i = offset + 1
            while i < line.count, Self.isNameByte(line[i]) { i += 1 }
            if i > offset + 1, i < line.count, line[i] == UInt8(ascii: "=") {
                let name = String(decoding: line[(offset + 1)..<i], as: UTF8.self)
                var value = Array(line[(i + 1)...])
                while let last = value.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") || last == UInt8(ascii: "\r") {
                    value.removeLast()
                }
                let expanded = substitute(value, at: here)
                parameters[name] = String(decoding: expanded, as: UTF8.self)
                return
            }
        }

        if line.contains(UInt8(ascii: "$")) { line = substitute(line, at: here) }
        let lineTokens = Lexer.tokenize(line: line, file: file, lineNumber: lineNumber, diagnostics: &diagnostics)

        if let first = lineTokens.first, first.text == "include" {
            let patterns = lineTokens.dropFirst().compactMap { token in token.text.map { ($0, token.location) } }
            if patterns.isEmpty {
                diagnostics.append(.error(first.location, "include needs a file name or glob: write `include /etc/keepalived/conf.d/*.conf`"))
            }
            for (pattern, location) in patterns {
                include(pattern: pattern, from: location, includingFile: file)
            }
            return
        }
        for token in lineTokens { tree.consume(token) }
    }

    private mutating func include(pattern: String, from location: SourceLocation, includingFile: String) {
        let resolved = Path.resolve(pattern, relativeTo: includingFile)
        let hasWildcard = resolved.contains(where: { $0 == "*" || $0 == "?" || $0 == "[" })
        let matches = hasWildcard ? fileSystem.glob(resolved) : [resolved]
        if matches.isEmpty {
            // keepalived carries on when a glob matches nothing.
            diagnostics.append(.warning(location, "include \(pattern) matches no file"))
            return
        }
        for match in matches {
            process(path: match, from: location)
        }
    }

    /// Replaces `$NAME` and `${NAME}` by defined parameters, once (no re-expansion).
    private mutating func substitute(_ line: [UInt8], at location: SourceLocation) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(line.count)
        var i = 0
        while i < line.count {
            guard line[i] == UInt8(ascii: "$") else {
                out.append(line[i])
                i += 1
                continue
            }
            var nameStart = i + 1
            var nameEnd = nameStart
            var braced = false
            if nameStart < line.count, line[nameStart] == UInt8(ascii: "{") {
                braced = true
                nameStart += 1
                nameEnd = nameStart
            }
            while nameEnd < line.count, Self.isNameByte(line[nameEnd]) { nameEnd += 1 }
            var after = nameEnd
            if braced {
                guard nameEnd < line.count, line[nameEnd] == UInt8(ascii: "}") else {
                    out.append(line[i])
                    i += 1
                    continue
                }
                after = nameEnd + 1
            }
            let name = String(decoding: line[nameStart..<nameEnd], as: UTF8.self)
            if !name.isEmpty, let value = parameters[name], out.count + value.utf8.count <= Self.maximumLineLength {
                out.append(contentsOf: value.utf8)
                i = after
            } else {
                if !name.isEmpty, parameters[name] == nil, warnedUnknownParameters.insert(name).inserted {
                    diagnostics.append(.warning(location, "parameter $\(name) is not defined: define it with a `$\(name)=value` line before its first use"))
                }
                out.append(line[i])
                i += 1
            }
        }
        return out
    }

    private static func isNameByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")) || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_")
    }
}
