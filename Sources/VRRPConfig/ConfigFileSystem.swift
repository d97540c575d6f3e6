// SPDX-License-Identifier: Apache-2.0
/// What the loader needs from a file system: read a file, expand a glob.
/// `LocalFileSystem` is the real one; `InMemoryFileSystem` serves tests.
public protocol ConfigFileSystem: Sendable {
    /// The file's bytes; throws `ConfigFileSystemError` when it cannot be read.
    func readFile(atPath path: String) throws(ConfigFileSystemError) -> [UInt8]
    /// The paths matching a `glob(3)` pattern, sorted; empty when nothing matches.
    func glob(_ pattern: String) -> [String]
    /// Whether a regular file exists at `path` (for `-t`'s script checks); nil when unknown.
    func regularFileExists(atPath path: String) -> Bool?
    /// Whether the password database has this user (keepalived's default script user); nil when unknown.
    func userExists(_ name: String) -> Bool?
}

extension ConfigFileSystem {
    public func regularFileExists(atPath path: String) -> Bool? { nil }
    public func userExists(_ name: String) -> Bool? { nil }
}

public struct ConfigFileSystemError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A file system held in a dictionary of absolute paths, for tests and tools.
public struct InMemoryFileSystem: ConfigFileSystem {
    public var files: [String: [UInt8]]

    public init(files: [String: String] = [:]) {
        self.files = files.mapValues { Array($0.utf8) }
    }

    public init(bytes: [String: [UInt8]]) { self.files = bytes }

    public func readFile(atPath path: String) throws(ConfigFileSystemError) -> [UInt8] {
        guard let bytes = files[Path.normalize(path)] else {
            throw ConfigFileSystemError("cannot open \(path): no such file")
        }
        return bytes
    }

    public func glob(_ pattern: String) -> [String] {
        let normalized = Path.normalize(pattern)
        let patternParts = normalized.split(separator: "/", omittingEmptySubsequences: true)
        return files.keys.filter { path in
            let parts = path.split(separator: "/", omittingEmptySubsequences: true)
            guard parts.count == patternParts.count else { return false }
            return zip(patternParts, parts).allSatisfy { Wildcard.matches(Array($0.utf8), Array($1.utf8)) }
        }.sorted()
    }
}

/// `fnmatch(3)`-style matching of one path component: `*`, `?`, `[abc]`, `[a-z]`, `[!a]`.
enum Wildcard {
    static func matches(_ pattern: [UInt8], _ text: [UInt8]) -> Bool {
        var p = 0, t = 0
        var starP = -1, starT = 0
        while t < text.count {
            if p < pattern.count {
                let c = pattern[p]
                if c == UInt8(ascii: "*") {
                    starP = p
                    starT = t
                    p += 1
                    continue
                }
                if c == UInt8(ascii: "?") {
                    p += 1
                    t += 1
                    continue
                }
                if c == UInt8(ascii: "["), let (matched, next) = matchClass(pattern, p, text[t]) {
                    if matched {
                        p = next
                        t += 1
                        continue
                    }
                } else if c == text[t] {
                    p += 1
                    t += 1
                    continue
                }
            }
            if starP >= 0 {
                p = starP + 1
                starT += 1
                t = starT
                continue
            }
            return false
        }
        while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }

    /// Matches `[...]` at `start`; nil when the class is not closed (then `[` is literal).
    private static func matchClass(_ pattern: [UInt8], _ start: Int, _ ch: UInt8) -> (Bool, Int)? {
        var i = start + 1
        var negate = false
        if i < pattern.count, pattern[i] == UInt8(ascii: "!") || pattern[i] == UInt8(ascii: "^") {
            negate = true
            i += 1
        }
        var matched = false
        var first = true
        while i < pattern.count {
            let c = pattern[i]
            if c == UInt8(ascii: "]"), !first { return (matched != negate, i + 1) }
            first = false
            if i + 2 < pattern.count, pattern[i + 1] == UInt8(ascii: "-"), pattern[i + 2] != UInt8(ascii: "]") {
                if ch >= c && ch <= pattern[i + 2] { matched = true }
                i += 3
            } else {
                if ch == c { matched = true }
                i += 1
            }
        }
        return nil
    }
}

/// Pure path helpers (no Foundation).
enum Path {
    /// Collapses `//`, `.` and `..` components; keeps a leading `/`.
    static func normalize(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
                continue
            }
            if part == "..", absolute { continue }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    static func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// `target` relative to the directory of `file` unless it is absolute.
    static func resolve(_ target: String, relativeTo file: String) -> String {
        if target.hasPrefix("/") { return normalize(target) }
        return normalize(directory(of: file) + "/" + target)
    }
}
