// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing

/// Issue 16 (resident memory): scripts/release-build links vrrpd with lld's
/// `--symbol-ordering-file packaging/vrrpd.order`, which puts the functions a running daemon
/// executes first in `.text` (docs/performance.md, "Memory"). SwiftPM sees only the flag that
/// names the file, not the file: after `scripts/symbol-order` rewrote it, a build kept the binary
/// linked with the old order (measured: 0.5–0.7 MiB more resident at 1 000 instances) until
/// something else changed. release-build removes the binary when the order file is newer.
@Suite("release link order", .serialized)
struct SymbolOrderTests {
    static let root = PackagingTests.root.path

    static func releaseBuild(_ arguments: [String]) -> Shell.Result {
        // Generous bound: a first release build on a busy 2-core machine.
        Shell.run(["timeout", "2400", root + "/scripts/release-build"] + arguments)
    }

    static func modified(_ path: String) throws -> Date {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try #require(attributes[.modificationDate] as? Date)
    }

    @Test("release-build relinks vrrpd when packaging/vrrpd.order is newer, and the order's first function starts .text")
    func relinksAfterNewOrder() throws {
        let first = Self.releaseBuild(["--product", "vrrpd"])
        try #require(first.status == 0, "release-build: \(first.stdout)\(first.stderr.suffix(4000))")
        let binDir = Self.releaseBuild(["--show-bin-path"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let binary = binDir + "/vrrpd"
        let order = Self.root + "/packaging/vrrpd.order"
        let before = try Self.modified(binary)
        // The order file rewritten (same content, newer time): the binary must be linked again.
        try FileManager.default.setAttributes([.modificationDate: before.addingTimeInterval(2)], ofItemAtPath: order)
        let second = Self.releaseBuild(["--product", "vrrpd"])
        try #require(second.status == 0, "release-build: \(second.stdout)\(second.stderr.suffix(4000))")
        let after = try Self.modified(binary)
        #expect(after > before, "vrrpd was not relinked after packaging/vrrpd.order changed (\(before) -> \(after))")

        // And the order is applied: its first function that the binary defines is where .text begins.
        let sections = Shell.run(["readelf", "-SW", binary]).stdout
        let textLine = try #require(sections.split(separator: "\n").first { $0.contains(" .text ") })
        let fields = textLine.split(separator: " ", omittingEmptySubsequences: true)
        let textIndex = try #require(fields.firstIndex(of: ".text"))
        let textStart = try #require(UInt64(fields[textIndex + 2], radix: 16))
        var defined: [String: UInt64] = [:]
        for line in Shell.run(["nm", "--defined-only", binary]).stdout.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 3, "tTwW".contains(parts[1]), let address = UInt64(parts[0], radix: 16) {
                defined[String(parts[2])] = address
            }
        }
        let names = try String(contentsOfFile: order, encoding: .utf8).split(separator: "\n").map(String.init)
        let firstDefined = try #require(names.first { defined[$0] != nil }, "no function of vrrpd.order is in the binary")
        #expect(defined[firstDefined] == textStart, "\(firstDefined) at \(String(defined[firstDefined] ?? 0, radix: 16)), .text at \(String(textStart, radix: 16))")
    }
}
