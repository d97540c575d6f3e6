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
/// the stack) and with every structural mistake reported at its location.
enum TreeParser {
    /// Blocks nested deeper than this are skipped with an error; keepalived's own blocks go 4 deep.
    static let maximumDepth = 32

    private struct Frame {
        var owner: ConfigNode?
        var opener: SourceLocation?
        var statements: [ConfigNode] = []
        var pending: ConfigNode?
    }

    static func parse(_ tokens: [ConfigToken], diagnostics: inout [Diagnostic]) -> [ConfigNode] {
        var stack: [Frame] = [Frame(owner: nil, opener: nil)]
        var skippedDepth = 0
        var skippedOpener: SourceLocation?

        func finishPending() {
            if let p = stack[stack.count - 1].pending {
                stack[stack.count - 1].statements.append(p)
                stack[stack.count - 1].pending = nil
            }
        }

        for token in tokens {
            if skippedDepth > 0 {
                switch token.kind {
                case .openBrace: skippedDepth += 1
                case .closeBrace: skippedDepth -= 1
                default: break
                }
                continue
            }
            switch token.kind {
            case .word(let text):
                if stack[stack.count - 1].pending == nil {
                    stack[stack.count - 1].pending = ConfigNode(keyword: text, location: token.location)
                } else {
                    stack[stack.count - 1].pending!.arguments.append(.init(text: text, location: token.location))
                }
            case .endOfLine:
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
                    diagnostics.append(.error(token.location, "`{` without a keyword before it: write `keyword {` or remove the brace"))
                    skippedDepth = 1
                    skippedOpener = token.location
                    continue
                }
                if stack.count > maximumDepth {
                    diagnostics.append(.error(token.location, "blocks nested more than \(maximumDepth) deep: a `}` is probably missing above"))
                    skippedDepth = 1
                    skippedOpener = token.location
                    continue
                }
                owner.children = []
                stack.append(Frame(owner: owner, opener: token.location))
            case .closeBrace:
                finishPending()
                if stack.count == 1 {
                    diagnostics.append(.error(token.location, "`}` closes no block: remove it or add the missing `keyword {` above"))
                    continue
                }
                let frame = stack.removeLast()
                var owner = frame.owner!
                owner.children = frame.statements
                stack[stack.count - 1].statements.append(owner)
            }
        }
        if skippedDepth > 0, let opener = skippedOpener {
            diagnostics.append(.error(opener, "block opened here is never closed: add `}`"))
        }
        finishPending()
        while stack.count > 1 {
            let frame = stack.removeLast()
            var owner = frame.owner!
            diagnostics.append(.error(frame.opener ?? owner.location,
                                      "`\(owner.keyword)` block opened here is never closed: add `}` at its end"))
            owner.children = frame.statements
            stack[stack.count - 1].statements.append(owner)
            finishPending()
        }
        return stack[0].statements
    }
}
