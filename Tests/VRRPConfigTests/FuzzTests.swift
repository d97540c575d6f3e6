// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import VRRPConfig
import VRRPCore

@Suite("Mutated configurations never crash or hang the parser")
struct FuzzTests {
    static let main = "/etc/keepalived/keepalived.conf"
    /// The wider corpus of public keepalived.conf files (issue #13), Tests/Fixtures/corpus.
    static let corpusDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/corpus").path
    static let sources: [[UInt8]] = (Fixture.seeds + ["full-keepalived.conf", "routes-keepalived.conf"]).map {
        Array(FileManager.default.contents(atPath: Fixture.path($0))!)
    } + ((try? FileManager.default.contentsOfDirectory(atPath: corpusDirectory)) ?? []).filter { $0.hasSuffix(".conf") }.sorted().map {
        Array(FileManager.default.contents(atPath: corpusDirectory + "/" + $0)!)
    }

    @Test("the fuzzer's sources include the full fixture's new syntax and the wider corpus")
    func sourcesCoverNewSyntax() {
        #expect(Self.sources.count >= 4 + 15)
        let all = Self.sources.map { String(decoding: $0, as: UTF8.self) }.joined()
        for keyword in ["vrrp_garp_interval", "vrrp_garp_lower_prio_delay", "garp_lower_prio_delay", "max_auto_priority",
                        "min_auto_priority_delay", "notify_fifo_script", "vrrp_notify_fifo_script"] {
            #expect(all.contains(keyword), "no fuzz source uses \(keyword)")
        }
    }

    static func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        let interesting: [UInt8] = Array("{}\"#!$@/.:-0 \n\t".utf8) + [0, 0xFF, 0xC3, 0x80]
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let at = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<11, using: &rng) {
            case 0: // flip a byte
                if !bytes.isEmpty { bytes[at] ^= UInt8.random(in: 1...255, using: &rng) }
            case 1: // an interesting byte
                if !bytes.isEmpty { bytes[at] = interesting.randomElement(using: &rng)! }
            case 2: // cut a line
                let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
                var kept = Array(lines)
                if !kept.isEmpty { kept.remove(at: Int.random(in: 0..<kept.count, using: &rng)) }
                bytes = Array(kept.joined(separator: [UInt8(ascii: "\n")]))
            case 3: // truncate
                bytes = Array(bytes[..<at])
            case 4: // remove a brace
                if let i = bytes.indices.filter({ bytes[$0] == UInt8(ascii: "{") || bytes[$0] == UInt8(ascii: "}") })
                    .randomElement(using: &rng) { bytes.remove(at: i) }
            case 5: // a huge or odd number
                let n = ["99999999999999999999999999999", "-1", "0", "256", "4096", "1e9", "0.0001", "18446744073709551616"]
                bytes.insert(contentsOf: Array((" " + n.randomElement(using: &rng)! + " ").utf8), at: at)
            case 6: // deep nesting
                let depth = Int.random(in: 1...300, using: &rng)
                bytes.insert(contentsOf: Array(String(repeating: "x {\n", count: depth).utf8), at: at)
            case 7: // include loops
                let line = ["\ninclude keepalived.conf\n", "\ninclude loop/*.conf\n", "\ninclude /etc/keepalived/keepalived.conf\n"]
                bytes.insert(contentsOf: Array(line.randomElement(using: &rng)!.utf8), at: at)
            case 8: // duplicate a slice
                let end = min(bytes.count, at + Int.random(in: 0...200, using: &rng))
                bytes.insert(contentsOf: Array(bytes[at..<end]), at: end)
            case 10: // route and rule words, where they make sense and where they do not (issue 13)
                let words = ["via", "gw", "dev", "oif", "src", "table", "metric", "blackhole", "unreachable", "to", "from",
                             "inet6", "inet", "no_track", "nexthop", "default", "preference", "fwmark", "0x", "/", "lookup",
                             "not", "iif", "prohibit", "main", "2001:db8::/129", "198.18.0.0/33", "0xffffffff/0x",
                             "\nvirtual_routes {\n", "\nvirtual_rules {\n", "\nstatic_routes {\n", "\nstatic_rules {\n",
                             "\nstatic_ipaddress {\n"]
                bytes.insert(contentsOf: Array((" " + words.randomElement(using: &rng)! + " ").utf8), at: at)
            default: // parameters and conditionals
                let s = ["\n$X=$X$X$X\n", "$X", "${X}", "\n@a ", "\n@^b ", "\"", "\n$Y=${X}{\n"]
                bytes.insert(contentsOf: Array(s.randomElement(using: &rng)!.utf8), at: at)
            }
        }
        return bytes
    }

    @Test("20 000 mutated example configs: no crash, no hang, every failure a located error")
    func mutations() {
        var rng = SplitMix64(seed: 0x5EED_0F_C0FF_EE)
        let clock = ContinuousClock()
        let start = clock.now
        var failures = 0
        for iteration in 0..<20_000 {
            let source = Self.sources[iteration % Self.sources.count]
            let mutated = Self.mutate(source, &rng)
            let fs = InMemoryFileSystem(bytes: [
                Self.main: mutated,
                "/etc/keepalived/loop/a.conf": Array("include b.conf\n".utf8),
                "/etc/keepalived/loop/b.conf": Array("include ../keepalived.conf\n".utf8),
            ])
            let result = ConfigurationLoader(fileSystem: fs).load(path: Self.main)
            for d in result.diagnostics {
                if d.location.file.isEmpty || d.location.line < 1 || d.location.column < 1 || d.message.isEmpty {
                    Issue.record("unlocated diagnostic in iteration \(iteration): \(d)")
                }
            }
            if result.configuration == nil {
                failures += 1
                if result.errors.isEmpty { Issue.record("iteration \(iteration): no configuration and no error") }
            }
        }
        // Most mutations must break something, or the fuzzer is not exercising errors.
        #expect(failures > 1_000)
        // A generous bound that only catches a hang or a quadratic blow-up.
        #expect(clock.now - start < .seconds(600))
    }
}
