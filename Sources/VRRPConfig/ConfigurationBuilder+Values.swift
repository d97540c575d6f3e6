// SPDX-License-Identifier: Apache-2.0
import VRRPCore

/// Argument readers: each reports a located error that says what to write, and returns nil.
extension ConfigurationBuilder {
    func example(_ block: KeywordInfo.Block, _ name: String) -> String {
        KeywordTable.lookup(block, name).map { "`\($0.example)`" } ?? "`\(name) VALUE`"
    }

    mutating func firstArgument(_ node: ConfigNode, _ block: KeywordInfo.Block) -> ConfigNode.Argument? {
        guard let arg = node.arguments.first else {
            error(node.location, "`\(node.keyword)` needs a value: write \(example(block, node.keyword))")
            return nil
        }
        return arg
    }

    mutating func string(_ node: ConfigNode, _ block: KeywordInfo.Block) -> String? {
        firstArgument(node, block)?.text
    }

    /// The rest of the line as one command (keepalived joins unquoted words the same way).
    mutating func command(_ node: ConfigNode, _ block: KeywordInfo.Block) -> String? {
        guard firstArgument(node, block) != nil else { return nil }
        return node.arguments.map(\.text).joined(separator: " ")
    }

    /// A keepalived flag that may carry `true`/`false` (also on/off, yes/no); alone it is true.
    /// nil (the setting unchanged) for anything else, as keepalived's `check_true_false`.
    mutating func flag(_ node: ConfigNode) -> Bool? {
        guard let arg = node.arguments.first else { return true }
        switch arg.text.lowercased() {
        case "true", "on", "yes": return true
        case "false", "off", "no": return false
        default:
            reported(arg.location, "`\(node.keyword)` takes true or false, not `\(arg.text)`; ignored, as keepalived ignores it: write `\(node.keyword) true`")
            return nil
        }
    }

    mutating func integer(_ node: ConfigNode, _ block: KeywordInfo.Block, _ range: ClosedRange<Int>) -> Int? {
        guard let arg = firstArgument(node, block) else { return nil }
        return integer(arg, keyword: node.keyword, block, range)
    }

    /// keepalived ignores an invalid value of some keywords ("'-1' invalid - ignoring", a
    /// CONFIG_GENERAL_ERROR): reported (-t exit 5) and the default stays, never a refusal.
    mutating func integerOrIgnored(_ node: ConfigNode, _ block: KeywordInfo.Block, _ range: ClosedRange<Int>) -> Int? {
        guard let arg = node.arguments.first else {
            reported(node.location, "`\(node.keyword)` needs a value; ignored, as keepalived ignores it: write \(example(block, node.keyword))")
            return nil
        }
        guard let value = Int(arg.text), range.contains(value) else {
            reported(arg.location, "`\(node.keyword)` takes an integer from \(range.lowerBound) to \(range.upperBound), not `\(arg.text)`; ignored, as keepalived ignores it: write \(example(block, node.keyword))")
            return nil
        }
        return value
    }

    /// keepalived clamps some values into their range with a config error ("must be greater
    /// than 0, setting to 1", "greater than maximum 99 - setting to maximum"): reported (-t exit
    /// 5) and clamped; a value that is not a number is reported and ignored.
    mutating func integerClamped(_ node: ConfigNode, _ block: KeywordInfo.Block, _ range: ClosedRange<Int>) -> Int? {
        guard let v = integerOrIgnored(node, block, Int(Int32.min)...Int(Int32.max)) else { return nil }
        guard !range.contains(v) else { return v }
        let clamped = min(max(v, range.lowerBound), range.upperBound)
        reported(node.arguments[0].location, "`\(node.keyword) \(v)` is outside \(range.lowerBound) to \(range.upperBound); set to \(clamped), as keepalived sets it: write `\(node.keyword) \(clamped)`")
        return clamped
    }

    mutating func integer(_ arg: ConfigNode.Argument, keyword: String, _ block: KeywordInfo.Block,
                          _ range: ClosedRange<Int>) -> Int? {
        guard let value = Int(arg.text), range.contains(value) else {
            error(arg.location, "`\(keyword)` takes an integer from \(range.lowerBound) to \(range.upperBound), not `\(arg.text)`: write \(example(block, keyword))")
            return nil
        }
        return value
    }

    /// `204` or `200-299` (keepalived HTTP_GET `status_code`), within 100...599.
    mutating func statusCodeRange(_ arg: ConfigNode.Argument, keyword: String, _ block: KeywordInfo.Block) -> ClosedRange<Int>? {
        let parts = arg.text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map { Int($0) }
        let valid = 100...599
        if parts.count == 1, let code = parts[0], valid.contains(code) { return code...code }
        if parts.count == 2, let low = parts[0], let high = parts[1], valid.contains(low), valid.contains(high), low <= high {
            return low...high
        }
        error(arg.location, "`\(keyword)` takes HTTP status codes from 100 to 599 or ranges `low-high`, not `\(arg.text)`: write \(example(block, "status_codes"))")
        return nil
    }

    mutating func seconds(_ node: ConfigNode, _ block: KeywordInfo.Block, max: Int64 = 1_000_000) -> Interval? {
        guard let arg = firstArgument(node, block) else { return nil }
        guard let value = Self.parseSeconds(arg.text), value.nanoseconds <= max * 1_000_000_000 else {
            error(arg.location, "`\(node.keyword)` takes seconds (fractions allowed, at most \(max)), not `\(arg.text)`: write \(example(block, node.keyword))")
            return nil
        }
        return value
    }

    /// `12`, `0.5`, `1.25` as an exact interval; nil for anything else or absurd sizes.
    static func parseSeconds(_ text: String) -> Interval? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 24 else { return nil }
        var whole: Int64 = 0
        var fraction: Int64 = 0
        var fractionDigits = 0
        var seenDot = false
        var digits = 0
        for b in bytes {
            if b == UInt8(ascii: ".") {
                guard !seenDot else { return nil }
                seenDot = true
                continue
            }
            guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return nil }
            digits += 1
            let d = Int64(b - UInt8(ascii: "0"))
            if seenDot {
                guard fractionDigits < 9 else { continue }
                fraction = fraction * 10 + d
                fractionDigits += 1
            } else {
                // Nine whole digits at most (~31 years): more would overflow Int64 nanoseconds
                // below (found by the config fuzzer: `advert_int 99999999999` trapped).
                guard whole < 100_000_000 else { return nil }
                whole = whole * 10 + d
            }
        }
        guard digits > 0 else { return nil }
        while fractionDigits < 9 { fraction *= 10; fractionDigits += 1 }
        return Interval(nanoseconds: whole * 1_000_000_000 + fraction)
    }

    mutating func address(_ node: ConfigNode, _ block: KeywordInfo.Block) -> IPAddress? {
        guard let arg = firstArgument(node, block) else { return nil }
        return address(arg, keyword: node.keyword, block)
    }

    mutating func address(_ arg: ConfigNode.Argument, keyword: String, _ block: KeywordInfo.Block) -> IPAddress? {
        guard let a = IPAddress(arg.text) else {
            error(arg.location, "`\(arg.text)` is not an IPv4 or IPv6 address: write \(example(block, keyword))")
            return nil
        }
        return a
    }

    /// `weight W [reverse]` starting at `index` of the arguments (keepalived: -253..253).
    mutating func weight(_ node: ConfigNode, at index: Int, _ block: KeywordInfo.Block) -> (Int, Bool)? {
        guard index < node.arguments.count else {
            error(node.location, "`weight` needs a number from -253 to 253: write `weight -20`")
            return nil
        }
        let arg = node.arguments[index]
        guard let w = Int(arg.text), (-253...253).contains(w) else {
            error(arg.location, "weight takes an integer from -253 to 253, not `\(arg.text)`: write `weight -20`")
            return nil
        }
        var reverse = false
        if index + 1 < node.arguments.count {
            let next = node.arguments[index + 1]
            if next.text == "reverse" {
                reverse = true
            } else {
                warning(next.location, "unexpected `\(next.text)` after the weight; ignored (only `reverse` may follow)")
            }
        }
        return (w, reverse)
    }

    /// Entries of a list block (`track_script { NAME [weight W [reverse]] }`).
    mutating func trackedObjects(_ node: ConfigNode, _ block: KeywordInfo.Block) -> [TrackedObject] {
        guard let children = blockChildren(node, block) else { return [] }
        var out: [TrackedObject] = []
        for child in children {
            var tracked = TrackedObject(name: child.keyword, location: child.location)
            if let first = child.arguments.first {
                if first.text == "weight" {
                    if let (w, r) = weight(child, at: 1, block) {
                        tracked.weight = w
                        tracked.weightReverse = r
                    }
                } else {
                    warning(first.location, "unexpected `\(first.text)` after `\(child.keyword)`; ignored (write `\(child.keyword) weight -10`)")
                }
            }
            if child.children != nil {
                error(child.location, "`\(child.keyword)` inside `\(node.keyword)` cannot open a block: remove the braces")
            }
            out.append(tracked)
        }
        return out
    }

    /// The statements of a `{ }` block, or an error when the braces are missing.
    mutating func blockChildren(_ node: ConfigNode, _ block: KeywordInfo.Block) -> [ConfigNode]? {
        guard let children = node.children else {
            error(node.location, "`\(node.keyword)` needs a `{ ... }` block: write \(example(block, node.keyword))")
            return nil
        }
        return children
    }

    /// A `vrrp_xxx NAME { ... }` block's name and statements.
    mutating func namedBlock(_ node: ConfigNode) -> (String, [ConfigNode])? {
        guard let name = node.arguments.first?.text else {
            error(node.location, "`\(node.keyword)` needs a name: write `\(node.keyword) NAME { ... }`")
            return nil
        }
        guard let children = node.children else {
            error(node.location, "`\(node.keyword) \(name)` needs a `{ ... }` block after its name")
            return nil
        }
        if node.arguments.count > 1 {
            warning(node.arguments[1].location, "`\(node.keyword)` takes one name; `\(node.arguments[1].text)` and what follows are ignored")
        }
        return (name, children)
    }

    /// A keyword vrrpd accepts without applying: a warning that says so and what is lost.
    /// Returns true for keepalived-only keywords (nothing more to read).
    mutating func notApplied(_ node: ConfigNode, _ block: KeywordInfo.Block) -> Bool {
        guard let info = KeywordTable.lookup(block, node.keyword), case .notApplied(let lost) = info.support else { return false }
        let message = "`\(node.keyword)` is ignored: not applied by vrrpd (keepalived 2.2.7 applies it); you lose \(lost)"
        if ["lvs_sync_daemon_interface", "global_tracking"].contains(node.keyword) {
            // keepalived reports these as deprecated (CONFIG_GENERAL_ERROR): `-t` exits 5.
            reported(node.location, message + "; deprecated in keepalived")
        } else if ["vrrp_iptables", "vrrp_ipsets"].contains(node.keyword) {
            // Debian's keepalived 2.2.7 is built with nftables only: it reports `vrrp_iptables`
            // ("iptables not supported, using nftables instead") and does not know `vrrp_ipsets`.
            reported(node.location, message + "; Debian's keepalived 2.2.7 reports it too (built without iptables: use `nftables`)")
        } else {
            warning(node.location, message)
        }
        return info.argument == .ignored
    }

    /// keepalived prints "Unknown keyword" too (CONFIG_UNKNOWN_KEYWORD), so `-t` exits 5.
    mutating func unknown(_ node: ConfigNode, in block: KeywordInfo.Block) {
        diagnostics.append(.reported(node.location, "unknown keyword `\(node.keyword)` in \(block.rawValue); ignored (keepalived reports and ignores it too)"))
    }

    /// A mistake keepalived corrects before running the file: the same correction, at error level.
    mutating func correction(_ location: SourceLocation, _ message: String) {
        diagnostics.append(.correction(location, message))
    }

    /// A remark keepalived prints as well (deprecated or ignored values): `-t` exits 5.
    mutating func reported(_ location: SourceLocation, _ message: String) {
        diagnostics.append(.reported(location, message))
    }

    /// keepalived's `alloc_value_block` (lib/parser.c): `track_interface eth1` without braces
    /// tracks nothing ("Block has extra parameters"), and the lines below, up to the first one
    /// that ends in `}`, are read as the block's entries, so they are lost. vrrpd corrects the
    /// same way: the keyword gets an empty block and the swallowed statements are dropped.
    mutating func bracelessValueBlocks(_ nodes: [ConfigNode], _ keywords: Set<String>) -> [ConfigNode] {
        var out: [ConfigNode] = []
        var k = 0
        while k < nodes.count {
            var node = nodes[k]
            k += 1
            guard keywords.contains(node.keyword), node.children == nil, let first = node.arguments.first else {
                out.append(node)
                continue
            }
            var swallowed: [ConfigNode] = []
            while k < nodes.count {
                let next = nodes[k]
                k += 1
                swallowed.append(next)
                if next.children != nil { break }
            }
            let lost = swallowed.isEmpty ? "" : "; as in keepalived, the statements below up to the next `}` are read as its entries and lost (" + swallowed.map { "`\($0.keyword)` at line \($0.location.line)" }.joined(separator: ", ") + ")"
            correction(first.location, "`\(node.keyword) \(first.text)` has no braces: keepalived does not apply `\(first.text)`\(lost); write `\(node.keyword) { \(first.text) }`")
            node.arguments = []
            node.children = []
            out.append(node)
        }
        return out
    }

    mutating func error(_ location: SourceLocation, _ message: String) {
        diagnostics.append(.error(location, message))
    }

    mutating func warning(_ location: SourceLocation, _ message: String) {
        diagnostics.append(.warning(location, message))
    }

    // MARK: routes and rules

    /// The words of a block line with their locations (the line's first word is its keyword).
    private func words(_ line: ConfigNode) -> [ConfigNode.Argument] {
        [ConfigNode.Argument(text: line.keyword, location: line.location)] + line.arguments
    }

    /// `virtual_routes` / `static_routes`: each line parsed as keepalived's `alloc_route` does
    /// (keepalived/vrrp/vrrp_iproute.c). A line keepalived cannot read is reported and dropped
    /// while the rest runs (a correction: `-t` exits 5); its remarks on good lines are kept.
    mutating func routes(_ node: ConfigNode, _ b: KeywordInfo.Block, tracked: Bool) -> [VirtualRoute] {
        var out: [VirtualRoute] = []
        for line in blockChildren(node, b) ?? [] {
            let w = words(line)
            if let gw = w.first(where: { $0.text == "gw" }) {
                reported(gw.location, "`gw` in a route is deprecated (keepalived reports it): write `via`")
            }
            if let or = w.first(where: { $0.text == "or" }) {
                reported(or.location, "`or` in a route is deprecated (keepalived reports it): write `nexthop`")
            }
            do {
                let route = try VirtualRoute(words: w.map(\.text))
                if tracked, route.device == nil, !route.noTrack {
                    reported(line.location, "keepalived cannot track a route without `dev` and reports it (the route is not tracked): add `dev IF`, or `no_track`")
                }
                out.append(route)
            } catch {
                let at = w[min(error.word, w.count - 1)].location
                if error.unsupported {
                    warning(at, "\(error.message): this route is not applied (keepalived applies it); add it with your network configuration or drop the option")
                } else {
                    correction(at, "\(error.message); the route is dropped as keepalived drops it")
                }
            }
        }
        return out
    }

    /// `virtual_rules` / `static_rules`: each line parsed as keepalived's `alloc_rule` does
    /// (keepalived/vrrp/vrrp_iprule.c); a bad line is reported and dropped, a rule without
    /// `preference` gets keepalived's automatic one (16384 counting down) with its remark.
    mutating func rules(_ node: ConfigNode, _ b: KeywordInfo.Block) -> [VirtualRule] {
        var out: [VirtualRule] = []
        for line in blockChildren(node, b) ?? [] {
            let w = words(line)
            do {
                var rule = try VirtualRule(words: w.map(\.text))
                if rule.preference == nil {
                    let value = nextRulePreference[rule.family] ?? 16384
                    nextRulePreference[rule.family] = value - 1
                    rule.preference = value
                    reported(line.location, "rule without `preference`: set to \(value) as keepalived sets it (probably not what you want): add `preference 100`")
                }
                out.append(rule)
            } catch {
                let at = w[min(error.word, w.count - 1)].location
                if error.unsupported {
                    warning(at, "\(error.message): this rule is not applied (keepalived applies it); add it with your network configuration or drop the option")
                } else {
                    correction(at, "\(error.message); the rule is dropped as keepalived drops it")
                }
            }
        }
        return out
    }
}

extension ConfigurationBuilder {
    /// keepalived: "garp_master_repeat must be greater than 0, setting to 1".
    static func atLeastOne(_ v: Int, _ node: ConfigNode, _ b: inout ConfigurationBuilder) -> Int {
        guard v == 0 else { return v }
        b.reported(node.arguments[0].location, "`\(node.keyword)` must be greater than 0; set to 1, as keepalived sets it: write `\(node.keyword) 1`")
        return 1
    }
}
