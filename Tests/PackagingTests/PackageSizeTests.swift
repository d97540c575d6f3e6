// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing

/// Issue 15, "ship small": keepalived's Debian package installs 1.4 MB. The vrrpd package must
/// stay within 10 MB (.deb) and 25 MB (installed), which rules out linking Foundation and its
/// ICU data (~40 MB per binary): vrrpd and vrrpctl are one binary that links
/// FoundationEssentials at most, and the lab tool (which needs Foundation) ships separately in
/// vrrpd-lab. Uses the package `PackagingTests` builds (gzip, which is larger than the xz
/// default: a gzip package within the target is an xz one within it too).
extension PackagingTests {
    static let maximumDebBytes = 10_000_000
    static let maximumInstalledKiB = 25_000

    /// The ELF files below `dir` in an extracted package (links are not followed).
    static func executables(in dir: String) -> [String] {
        let found = Shell.run(["find", dir, "-type", "f", "-perm", "-u+x"])
        return found.stdout.split(separator: "\n").map(String.init).filter { path in
            guard let handle = FileHandle(forReadingAtPath: path) else { return false }
            defer { try? handle.close() }
            return (try? handle.read(upToCount: 4)) == Data([0x7F, 0x45, 0x4C, 0x46])
        }
    }

    /// What of Foundation (not FoundationEssentials) and ICU a binary carries: shared libraries
    /// it asks for, the ICU data blob (named `icudtNN`), the `Foundation` and
    /// `FoundationInternationalization` modules' names in the Swift metadata.
    static func foundationTraces(_ path: String) throws -> [String] {
        var traces: [String] = []
        let ldd = Shell.run(["ldd", path]).stdout
        for library in ["libFoundation.so", "libFoundationInternationalization", "libicu", "lib_FoundationICU"]
        where ldd.contains(library) {
            traces.append("links \(library)")
        }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        for (marker, what) in [("icudt", "ICU data"), ("\0Foundation\0", "the Foundation module"),
                               ("\0FoundationInternationalization\0", "the FoundationInternationalization module")]
        where bytes.range(of: Data(marker.utf8)) != nil {
            traces.append("contains \(what)")
        }
        return traces
    }

    /// The package's .deb of `name` (vrrpd-lab) next to the vrrpd one.
    func sibling(_ name: String, of p: Built) throws -> String {
        let dir = (p.deb as NSString).deletingLastPathComponent
        let files = try FileManager.default.contentsOfDirectory(atPath: dir)
        guard let file = files.first(where: { $0.hasPrefix(name + "_") && $0.hasSuffix(".deb") }) else {
            throw BuildFailure(description: "no \(name)_*.deb in \(dir): \(files)")
        }
        return dir + "/" + file
    }

    @Test("the vrrpd package is small: .deb <= 10 MB, Installed-Size <= 25 MB")
    func packageSize() throws {
        let p = try package()
        let debBytes = try #require(try FileManager.default.attributesOfItem(atPath: p.deb)[.size] as? Int)
        let field = Shell.run(["dpkg-deb", "-f", p.deb, "Installed-Size"]).stdout
        let installedKiB = try #require(Int(field.trimmingCharacters(in: .whitespacesAndNewlines)), "Installed-Size: \(field)")
        #expect(debBytes <= Self.maximumDebBytes, "the .deb is \(debBytes) bytes")
        #expect(installedKiB <= Self.maximumInstalledKiB, "Installed-Size is \(installedKiB) KiB")
        // Installed-Size is the real size: at least the binaries it holds.
        let binaries = Self.executables(in: p.tree)
        let binaryBytes = binaries.compactMap { try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int }.reduce(0, +)
        #expect(!binaries.isEmpty && installedKiB * 1024 >= binaryBytes, "\(installedKiB) KiB for \(binaryBytes) bytes of binaries")
    }

    @Test("vrrpd and vrrpctl are one binary that links neither Foundation nor ICU")
    func oneBinaryWithoutFoundation() throws {
        let p = try package()
        let binaries = Self.executables(in: p.tree)
        #expect(binaries == [p.tree + "/usr/sbin/vrrpd"], "the package's executables: \(binaries)")
        for binary in binaries {
            let traces = try Self.foundationTraces(binary)
            #expect(traces.isEmpty, "\(binary): \(traces)")
        }
        let link = try FileManager.default.destinationOfSymbolicLink(atPath: p.tree + "/usr/bin/vrrpctl")
        #expect(link == "../sbin/vrrpd")
        // Run through the link, it is vrrpctl: its own usage and commands, its own exit codes.
        let help = Shell.run(["env", "-i", p.tree + "/usr/bin/vrrpctl", "--help"])
        #expect(help.status == 0 && help.stdout.contains("USAGE: vrrpctl <subcommand>"), "\(help.stdout)\(help.stderr)")
        let status = Shell.run(["env", "-i", p.tree + "/usr/bin/vrrpctl", "status", "--socket", p.work + "/no-such.sock"])
        #expect(status.status == 2 && status.stderr.contains("vrrpctl: vrrpd is not running"), "\(status.status) \(status.stderr)")
        let daemonHelp = Shell.run(["env", "-i", p.tree + "/usr/sbin/vrrpd", "--help"])
        #expect(daemonHelp.status == 0 && daemonHelp.stdout.contains("USAGE: vrrpd "), "\(daemonHelp.stdout)")
    }

    @Test("vrrp-lab ships in vrrpd-lab, which depends on this vrrpd, static and runnable under env -i")
    func labPackage() throws {
        let p = try package()
        #expect(!FileManager.default.fileExists(atPath: p.tree + "/usr/bin/vrrp-lab"))
        #expect(!FileManager.default.fileExists(atPath: p.tree + "/usr/sbin/vrrp-lab"))
        let lab = try sibling("vrrpd-lab", of: p)
        let version = Shell.run(["dpkg-deb", "-f", p.deb, "Version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let fields = Shell.run(["dpkg-deb", "-f", lab, "Package", "Depends"]).stdout
        #expect(fields.contains("Package: vrrpd-lab"), "\(fields)")
        #expect(fields.contains("vrrpd (= \(version))"), "\(fields)")
        let tree = p.work + "/lab-root"
        #expect(Shell.run(["dpkg-deb", "-x", lab, tree]).status == 0)
        let binaries = Self.executables(in: tree)
        #expect(binaries == [tree + "/usr/sbin/vrrp-lab"], "\(binaries)")
        for binary in binaries {
            let run = Shell.run(["env", "-i", binary, "chaos", "--help"])
            #expect(run.status == 0 && run.stdout.contains("USAGE: vrrp-lab chaos"), "\(run.stdout)\(run.stderr)")
            let ldd = Shell.run(["ldd", binary]).stdout
            #expect(!ldd.contains("libswift") && !ldd.contains("libFoundation") && !ldd.contains("not found"), "\(ldd)")
        }
        #expect(FileManager.default.fileExists(atPath: tree + "/usr/share/man/man8/vrrp-lab.8.gz"))
        #expect(FileManager.default.fileExists(atPath: tree + "/usr/share/doc/vrrpd-lab/copyright"))
    }
}
