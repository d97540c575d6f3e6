// SPDX-License-Identifier: Apache-2.0
/// One statement of keepalived's block grammar: `keyword args... [{ children }]`.
public struct ConfigNode: Hashable, Sendable {
    public var keyword: String
    public var location: SourceLocation
    public var arguments: [Argument]
    /// nil for a plain statement; the statements inside `{ }` otherwise.
    public var children: [ConfigNode]?

    public struct Argument: Hashable, Sendable {
        public var text: String
        public var location: SourceLocation
    }

    public init(keyword: String, location: SourceLocation, arguments: [Argument] = [], children: [ConfigNode]? = nil) {
        self.keyword = keyword
        self.location = location
        self.arguments = arguments
        self.children = children
    }
}

/// Builds the statement tree from tokens, without recursion (deep nesting cannot overflow
/// the stack) and with every structural mistake reported at its location. Incremental: the
/// preprocessor hands it each line's tokens as it reads them, so no token array for the whole
/// file exists (at 1 000 instances that array was the daemon's peak heap, 3.6 MB; issue 16).
struct TreeParser {
    /// Blocks nested deeper than this are skipped with an error; keepalived's own blocks go 4 deep.
    static let maximumDepth = 32

    /// Top-level keywords that always own a block. keepalived (lib/parser.c `process_stream`)
    /// reports "Missing '{' at beginning of configuration block" when the line after one of
    /// them is not `{`, and reads what follows as its block up to the matching `}`.
    static let blockKeywords: Set<String> = [
        "global_defs", "vrrp_instance", "vrrp_sync_group", "vrrp_script", "vrrp_track_file", "vrrp_track_process",
        "vrrp_tcp_check", "vrrp_http_check", "vrrp_amqp_check",
    ]

    private struct Frame {
        var owner: ConfigNode?
        var opener: SourceLocation?
        var statements: [ConfigNode] = []
        var pending: ConfigNode?
    }

    /// The structural mistakes found so far, in token order.
    private(set) var diagnostics: [Diagnostic] = []
    private var stack: [Frame] = [Frame(owner: nil, opener: nil)]
    private var skippedDepth = 0
    private var skippedOpener: SourceLocation?
    private var awaitingBrace = false

    private mutating func finishPending() {
        if let p = stack[stack.count - 1].pending {
            stack[stack.count - 1].statements.append(p)
            stack[stack.count - 1].pending = nil
        }
    }

    mutating func consume(_ token: ConfigToken) {
        if awaitingBrace {
            switch token.kind {
            case .endOfLine, .openBrace:
                break
            case .word, .closeBrace:
                var owner = stack[0].statements.removeLast()
                diagnostics.append(.correction(owner.location, "`\(([owner.keyword] + owner.arguments.map(\.text)).joined(separator: " "))` has no `{`; the lines below up to the matching `}` are read as its block, as keepalived reads them: add `{` at the end of this line"))
                owner.children = []
                stack.append(Frame(owner: owner, opener: owner.location))
            }
            if token.kind != .endOfLine { awaitingBrace = false }
        }
        if skippedDepth > 0 {
            switch token.kind {
            case .openBrace: skippedDepth += 1
            case .closeBrace: skippedDepth -= 1
            default: break
            }
            return
        }
        switch token.kind {
        case .word(let text):
            if stack[stack.count - 1].pending == nil {
                stack[stack.count - 1].pending = ConfigNode(keyword: text, location: token.location)
            } else {
                stack[stack.count - 1].pending!.arguments.append(.init(text: text, location: token.location))
            }
        case .endOfLine:
            if stack.count == 1, let p = stack[0].pending, Self.blockKeywords.contains(p.keyword) { awaitingBrace = true }
            finishPending()
        case .openBrace:
            var owner: ConfigNode
            if let p = stack[stack.count - 1].pending {
                owner = p
                stack[stack.count - 1].pending = nil
            } else if let last = stack[stack.count - 1].statements.last, last.children == nil {
                // `vrrp_instance VI_1` with its `{` on the next line.
                owner = last
                stack[stack.count - 1].statements.removeLast()
            } else {
                // keepalived: "Unexpected '{' - ignoring" (the block is skipped).
                diagnostics.append(.correction(token.location, "`{` without a keyword before it; its block is skipped, as keepalived skips it: write `keyword {` or remove the brace"))
                skippedDepth = 1
                skippedOpener = token.location
                return
            }
            if stack.count > Self.maximumDepth {
                diagnostics.append(.error(token.location, "blocks nested more than \(Self.maximumDepth) deep: a `}` is probably missing above"))
                skippedDepth = 1
                skippedOpener = token.location
                return
            }
            owner.children = []
            stack.append(Frame(owner: owner, opener: token.location))
        case .closeBrace:
            finishPending()
            if stack.count == 1 {
                // keepalived reads it as an unknown keyword and goes on.
                diagnostics.append(.correction(token.location, "`}` closes no block; ignored as keepalived ignores it: remove it or add the missing `keyword {` above"))
                return
            }
            let frame = stack.removeLast()
            var owner = frame.owner!
            owner.children = frame.statements
            stack[stack.count - 1].statements.append(owner)
        }
    }

    /// Closes what is still open (with a diagnostic each) and returns the top-level statements.
    mutating func finish() -> [ConfigNode] {
        if skippedDepth > 0, let opener = skippedOpener {
            diagnostics.append(.correction(opener, "block opened here is never closed; closed at the end of the file as keepalived does: add `}`"))
        }
        finishPending()
        while stack.count > 1 {
            let frame = stack.removeLast()
            var owner = frame.owner!
            // keepalived closes open blocks at the end of the file and runs it.
            diagnostics.append(.correction(frame.opener ?? owner.location,
                                           "`\(owner.keyword)` block opened here is never closed; closed at the end of the file as keepalived does: add `}` at its end"))
            owner.children = frame.statements
            stack[stack.count - 1].statements.append(owner)
            finishPending()
        }
        let nodes = stack[0].statements
        stack = [Frame(owner: nil, opener: nil)]
        return nodes
    }
}
