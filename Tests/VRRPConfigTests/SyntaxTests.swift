// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPConfig
import VRRPCore

@Suite("keepalived's syntax: braces, comments, quotes, include, parameters, conditionals")
struct SyntaxTests {
    let main = "/etc/keepalived/keepalived.conf"

    func tree(_ text: String) -> ([ConfigNode], [Diagnostic]) {
        ConfigurationLoader(fileSystem: InMemoryFileSystem(files: [main: text])).parseTree(path: main)
    }

    @Test("a brace may touch the word before it, and `{` may sit on the next line")
    func braces() throws {
        let (nodes, diagnostics) = tree("real_server 198.18.0.1 15677{\n weight 1}\nvrrp_script s\n{\n script x\n}\n")
        #expect(diagnostics.isEmpty)
        #expect(nodes.count == 2)
        #expect(nodes[0].keyword == "real_server")
        #expect(nodes[0].arguments.map(\.text) == ["198.18.0.1", "15677"])
        #expect(nodes[0].children?.map(\.keyword) == ["weight"])
        #expect(nodes[1].keyword == "vrrp_script" && nodes[1].children?.first?.arguments.first?.text == "x")
    }

    @Test("every token carries its file, line and column")
    func locations() throws {
        let (nodes, _) = tree("# comment\n  vrrp_instance  VI_1 {\n\tinterface eth0\n}\n")
        let vi = try #require(nodes.first)
        #expect(vi.location == SourceLocation(file: main, line: 2, column: 3))
        #expect(vi.arguments[0].location == SourceLocation(file: main, line: 2, column: 18))
        #expect(vi.children?[0].location == SourceLocation(file: main, line: 3, column: 2))
    }

    @Test("# and ! start comments anywhere outside quotes")
    func comments() throws {
        let (nodes, _) = tree("router_id a # trailing\n! whole line\nscript \"x # not a comment\" ! gone\n")
        #expect(nodes.count == 2)
        #expect(nodes[0].arguments.map(\.text) == ["a"])
        #expect(nodes[1].arguments.map(\.text) == ["x # not a comment"])
    }

    @Test("an unterminated quote is a located error")
    func unterminatedQuote() {
        let (_, diagnostics) = tree("script \"abc\n")
        #expect(diagnostics.contains { $0.severity == .error && $0.location.line == 1 && $0.location.column == 8 })
    }

    /// keepalived (lib/parser.c `alloc_strvec_quoted_escaped`) reads a script line with
    /// backslash escapes outside and inside quotes, then splits the command once more; so
    /// `script \"/etc/keepalived/check_apiserver.sh\"` (templated configs) runs that path.
    @Test("escaped quotes around a script path are read as keepalived reads them (issue #13)")
    func escapedQuotes() throws {
        let r = load("vrrp_script chk {\n script \\\"/etc/keepalived/check_apiserver.sh\\\"\n}\n"
                     + instance("track_script {\n chk\n}"))
        #expect(r.errors.isEmpty, "\(r.errors)")
        let script = try #require(r.configuration?.scripts.first)
        // The first pass keeps the (now unescaped) quotes; VRRPHealth's ScriptLine.split, the
        // second pass, removes them as keepalived's set_script_params_array does.
        #expect(script.script == "\"/etc/keepalived/check_apiserver.sh\"")
        let (nodes, diagnostics) = tree("script \"/bin/echo \\\"a b\\\" c\" x\\ y\n")
        #expect(diagnostics.isEmpty)
        #expect(nodes.first?.arguments.map(\.text) == ["/bin/echo \"a b\" c", "x y"])
    }

    @Test("a missing `}` points at the block that is never closed; a stray `}` at itself")
    func unbalanced() {
        let r = load("vrrp_instance VI_1 {\n interface eth0\n")
        #expect(r.configuration == nil)
        #expect(r.errors.contains { $0.message.contains("never closed") && $0.location.line == 1 && $0.location.column == 20 })
        let r2 = load("}\n")
        #expect(r2.errors.first?.location == SourceLocation(file: main, line: 1, column: 1))
    }

    @Test("include expands globs relative to the including file, in sorted order")
    func include() throws {
        let r = load("include conf.d/*.conf\n", files: [
            "/etc/keepalived/conf.d/b.conf": instance("", name: "VI_B", vrid: 2),
            "/etc/keepalived/conf.d/a.conf": "include ../common/script.inc\n" + instance("track_script {\n chk\n}", name: "VI_A", vrid: 1),
            "/etc/keepalived/common/script.inc": "vrrp_script chk {\n script /bin/true\n}\n",
            "/etc/keepalived/conf.d/c.txt": "garbage {",
        ])
        #expect(r.errors.isEmpty, "\(r.errors)")
        let c = try #require(r.configuration)
        #expect(c.instances.map(\.name) == ["VI_A", "VI_B"])
        #expect(c.instances[0].location.file == "/etc/keepalived/conf.d/a.conf")
        #expect(c.scripts.first?.location == SourceLocation(file: "/etc/keepalived/common/script.inc", line: 1, column: 1))
    }

    @Test("a glob that matches nothing warns; a missing plain include is an error at the include line")
    func includeMissing() {
        let r = load("include none/*.conf\ninclude missing.conf\n")
        #expect(r.hasWarning(containing: "matches no file"))
        #expect(r.errors.contains { $0.location.line == 2 && $0.location.column == 9 && $0.message.contains("missing.conf") })
    }

    @Test("a self-include and an include loop are located errors, not a stack overflow")
    func includeLoops() {
        let selfInclude = load("include keepalived.conf\n")
        #expect(selfInclude.errors.count == 1)
        #expect(selfInclude.errors.first?.message.contains("includes itself") == true)
        #expect(selfInclude.errors.first?.location.line == 1)
        let loop = load("include a.conf\n", files: [
            "/etc/keepalived/a.conf": "include b.conf\n",
            "/etc/keepalived/b.conf": "\n\ninclude /etc/keepalived/a.conf\n",
        ])
        let e = loop.errors.first
        #expect(e?.message.contains("include loop") == true)
        #expect(e?.location == SourceLocation(file: "/etc/keepalived/b.conf", line: 3, column: 9))
    }

    @Test("the same file included twice (no loop) is fine")
    func includeTwiceNoLoop() {
        let r = load("include s.inc\ninclude s.inc\n", files: ["/etc/keepalived/s.inc": "global_defs {\n}\n"])
        #expect(r.errors.isEmpty)
    }

    @Test("$NAME=value parameters are substituted as $NAME and ${NAME}")
    func parameters() throws {
        let r = load("$IF=eth7\n$VIP=198.18.0.77\n$NET=${VIP}/24\n" + instance("", interface: "$IF", vips: "${NET} dev ${IF}"))
        let i = try #require(r.configuration?.instances.first)
        #expect(i.interface == "eth7")
        #expect(i.virtualAddresses == [VirtualAddress(address: IPAddress("198.18.0.77")!, prefix: 24, dev: "eth7")])
        let undefined = load(instance("", interface: "$NOPE"))
        #expect(undefined.hasWarning(containing: "$NOPE is not defined"))
    }

    @Test("@name lines apply only to that config id, @^name lines to all others")
    func conditionals() throws {
        let text = instance("@lb1 priority 200\n@^lb1 priority 50")
        let lb1 = try #require(load(text, configID: "lb1").configuration?.instances.first)
        #expect(lb1.priority == 200)
        let other = try #require(load(text, configID: "lb2").configuration?.instances.first)
        #expect(other.priority == 50)
        let none = try #require(load(text).configuration?.instances.first)
        #expect(none.priority == 50)
    }

    @Test("blocks nested absurdly deep are an error, not a crash")
    func deepNesting() {
        let depth = 10_000
        let text = String(repeating: "a {\n", count: depth) + String(repeating: "}\n", count: depth)
        let r = load(text)
        #expect(r.hasError(containing: "nested more than"))
    }
}

@Suite("The in-memory file system's glob")
struct GlobTests {
    @Test("*, ? and [..] match within one path component")
    func wildcards() {
        let fs = InMemoryFileSystem(files: ["/a/x1.conf": "", "/a/x2.conf": "", "/a/y.conf": "", "/a/sub/x3.conf": ""])
        #expect(fs.glob("/a/*.conf") == ["/a/x1.conf", "/a/x2.conf", "/a/y.conf"])
        #expect(fs.glob("/a/x?.conf") == ["/a/x1.conf", "/a/x2.conf"])
        #expect(fs.glob("/a/x[!1].conf") == ["/a/x2.conf"])
        #expect(fs.glob("/a/[a-x]*") == ["/a/x1.conf", "/a/x2.conf"])
        #expect(fs.glob("/a/*/*.conf") == ["/a/sub/x3.conf"])
    }
}
