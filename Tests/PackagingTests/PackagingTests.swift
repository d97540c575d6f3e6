// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing

/// Builds the Debian package with packaging/build-deb.sh once per test run, then inspects it:
/// contents, control data, the unit (systemd-analyze verify), the binaries in a clean
/// environment, the maintainer scripts (with stub commands), the man pages and lintian.
///
/// Binaries: VRRP_PACKAGE_BIN_DIR when set (CI or a developer who built them already), else
/// build-deb.sh builds them with scripts/release-build (`swift build -c release
/// --static-swift-stdlib` in `.build-release/`; the first time several minutes on 2 cores,
/// then incremental).
@Suite("Debian package", .serialized)
struct PackagingTests {
    static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    /// The package built once, extracted into a scratch root.
    struct Built: Sendable {
        let deb: String
        /// `dpkg-deb -x` of the package.
        let tree: String
        /// `dpkg-deb -e` of the package (control, conffiles, maintainer scripts).
        let control: String
        let work: String
    }

    static let built: Result<Built, BuildFailure> = build()

    struct BuildFailure: Error, CustomStringConvertible {
        var description: String
    }

    static func build() -> Result<Built, BuildFailure> {
        // One scratch folder, replaced by each run (the extracted package is ~150 MB).
        let work = root.path + "/.build-release/packaging-test"
        try? FileManager.default.removeItem(atPath: work)
        try? FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        var args = [root.path + "/packaging/build-deb.sh", "--output", work + "/out", "--compression", "gzip"]
        if let bin = ProcessInfo.processInfo.environment["VRRP_PACKAGE_BIN_DIR"], !bin.isEmpty {
            args += ["--bin-dir", bin]
        }
        // Generous bound: a first release build on a busy 2-core machine.
        let result = Shell.run(["timeout", "2400"] + args)
        guard result.status == 0, let deb = result.stdout.split(separator: "\n").last.map(String.init) else {
            return .failure(BuildFailure(description: "build-deb.sh failed (\(result.status)):\n\(result.stdout)\n\(result.stderr.suffix(4000))"))
        }
        let tree = work + "/root", control = work + "/control"
        for (flag, dir) in [("-x", tree), ("-e", control)] {
            let r = Shell.run(["dpkg-deb", flag, deb, dir])
            if r.status != 0 { return .failure(BuildFailure(description: "dpkg-deb \(flag): \(r.stderr)")) }
        }
        return .success(Built(deb: deb, tree: tree, control: control, work: work))
    }

    func package() throws -> Built {
        try Self.built.get()
    }

    @Test("the package holds the binaries, the unit, the configuration, man pages, completions and docs")
    func contents() throws {
        let p = try package()
        let listing = Shell.run(["dpkg-deb", "-c", p.deb])
        #expect(listing.status == 0)
        // `… ./usr/bin/vrrpctl -> ../sbin/vrrpd` for a link: the path is before the arrow.
        let paths = Set(listing.stdout.split(separator: "\n").compactMap { line in
            line.split(separator: " -> ").first?.split(separator: " ", omittingEmptySubsequences: true).last.map { String($0.dropFirst()) }
        })
        for expected in [
            "/usr/sbin/vrrpd", "/usr/bin/vrrpctl", "/lib/systemd/system/vrrpd.service",
            "/etc/vrrpd/keepalived.conf", "/etc/default/vrrpd",
            "/usr/share/man/man8/vrrpd.8.gz", "/usr/share/man/man1/vrrpctl.1.gz",
            "/usr/share/bash-completion/completions/vrrpd", "/usr/share/bash-completion/completions/vrrpctl",
            "/usr/share/zsh/vendor-completions/_vrrpd", "/usr/share/fish/vendor_completions.d/vrrpctl.fish",
            "/usr/share/doc/vrrpd/copyright", "/usr/share/doc/vrrpd/changelog.gz",
            "/usr/share/doc/vrrpd/configuration.md", "/usr/share/doc/vrrpd/operations.md",
            "/usr/share/doc/vrrpd/architecture.md",
        ] {
            #expect(paths.contains(expected), "missing \(expected)")
        }
        #expect(listing.stdout.split(separator: "\n").allSatisfy { $0.contains(" root/root ") },
                "every file belongs to root:root")
        let completion = try String(contentsOfFile: p.tree + "/usr/share/bash-completion/completions/vrrpd", encoding: .utf8)
        #expect(!completion.hasPrefix("#!"), "a sourced completion has no #! line")
        #expect(completion.contains("--wait-for-interfaces"))
    }

    @Test("control data: dependencies from the real binaries, conffiles, maintainer scripts")
    func controlData() throws {
        let p = try package()
        let fields = Shell.run(["dpkg-deb", "-f", p.deb, "Package", "Version", "Architecture", "Depends"])
        #expect(fields.status == 0)
        #expect(fields.stdout.contains("Package: vrrpd"))
        let depends = fields.stdout.split(separator: "\n").first { $0.hasPrefix("Depends:") }.map(String.init) ?? ""
        #expect(depends.contains("libcap2"), "\(depends)")
        #expect(depends.contains("libc6 (>="), "\(depends)")
        // Packed relative relocations (scripts/release-build) need glibc 2.36's loader, a
        // requirement dpkg-shlibdeps does not see (it is a version node, not a symbol).
        let relr = Shell.run(["readelf", "-d", p.tree + "/usr/sbin/vrrpd"]).stdout.contains("(RELR)")
        if relr {
            let minimum = depends.range(of: "libc6 (>= ").map { start in
                String(depends[start.upperBound...].prefix { $0 != ")" })
            } ?? "0"
            #expect(Shell.run(["dpkg", "--compare-versions", minimum, "ge", "2.36"]).status == 0,
                    "DT_RELR needs libc6 (>= 2.36): \(depends)")
        }
        #expect(depends.contains("adduser"), "\(depends)")
        #expect(!depends.lowercased().contains("swift"), "\(depends)")
        let conffiles = try String(contentsOfFile: p.control + "/conffiles", encoding: .utf8)
        #expect(conffiles.split(separator: "\n").contains("/etc/vrrpd/keepalived.conf"))
        #expect(conffiles.split(separator: "\n").contains("/etc/default/vrrpd"))
        for script in ["postinst", "prerm", "postrm"] {
            #expect(FileManager.default.isExecutableFile(atPath: p.control + "/" + script), "\(script) is executable")
            #expect(Shell.run(["sh", "-n", p.control + "/" + script]).status == 0, "\(script) parses")
        }
        let info = Shell.run(["dpkg-deb", "-I", p.deb])
        #expect(info.status == 0 && info.stdout.contains("Installed-Size:"))
    }

    @Test("the packaged binaries run without a Swift toolchain: env -i, no libswift, libcap linked")
    func binariesRunInACleanEnvironment() throws {
        let p = try package()
        let version = Shell.run(["dpkg-deb", "-f", p.deb, "Version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!version.isEmpty)
        for binary in ["/usr/sbin/vrrpd", "/usr/bin/vrrpctl"] {
            let path = p.tree + binary
            let run = Shell.run(["env", "-i", path, "--version"])
            #expect(run.status == 0, "\(binary) --version: \(run.stderr)")
            #expect(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == version)
            let ldd = Shell.run(["ldd", path])
            #expect(ldd.status == 0)
            #expect(!ldd.stdout.contains("libswift"), "\(binary) needs no Swift runtime library:\n\(ldd.stdout)")
            #expect(!ldd.stdout.contains("not found"), "\(ldd.stdout)")
            #expect(!ldd.stdout.contains("/opt/swift"), "\(ldd.stdout)")
        }
        #expect(Shell.run(["ldd", p.tree + "/usr/sbin/vrrpd"]).stdout.contains("libcap.so.2"))
    }

    @Test("the shipped example configuration is valid once uncommented, and inert as shipped")
    func exampleConfiguration() throws {
        let p = try package()
        let vrrpd = p.tree + "/usr/sbin/vrrpd"
        let shipped = p.tree + "/etc/vrrpd/keepalived.conf"
        let asShipped = Shell.run(["env", "-i", vrrpd, "-t", "-f", shipped])
        #expect(asShipped.status == 0, "\(asShipped.stdout)\(asShipped.stderr)")
        #expect(asShipped.stdout.contains("0 instances"), "\(asShipped.stdout)")
        let text = try String(contentsOfFile: shipped, encoding: .utf8)
        let uncommented = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            line.hasPrefix("! ") ? String(line.dropFirst(2)) : (line == "!" ? "" : String(line))
        }.joined(separator: "\n")
        let path = p.work + "/uncommented.conf"
        try uncommented.write(toFile: path, atomically: true, encoding: .utf8)
        let check = Shell.run(["env", "-i", vrrpd, "-t", "-f", path])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("1 instance"), "\(check.stdout)")
        #expect(check.stdout.contains("0 warnings"), "\(check.stdout)")
    }

    @Test("systemd-analyze verify accepts the packaged unit and rejects a broken copy")
    func unitVerifies() throws {
        let p = try package()
        let unit = try String(contentsOfFile: p.tree + "/lib/systemd/system/vrrpd.service", encoding: .utf8)
        #expect(unit.contains("ExecStart=/usr/sbin/vrrpd "))
        #expect(unit.contains("Type=notify"))
        #expect(unit.contains("ExecReload=/bin/kill -HUP $MAINPID"))
        #expect(unit.contains("--wait-for-interfaces"))
        #expect(unit.contains("--status-group vrrpd"))
        #expect(unit.contains("RuntimeDirectory=vrrpd"))
        // Point ExecStart at the extracted binary: verify checks that it exists and is executable.
        let dir = p.work + "/units"
        try FileManager.default.createDirectory(atPath: dir + "/good", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/bad", withIntermediateDirectories: true)
        let good = unit.replacingOccurrences(of: "/usr/sbin/vrrpd", with: p.tree + "/usr/sbin/vrrpd")
        try good.write(toFile: dir + "/good/vrrpd.service", atomically: true, encoding: .utf8)
        // man pages are not installed here: --man=no.
        let ok = Shell.run(["systemd-analyze", "verify", "--man=no", dir + "/good/vrrpd.service"])
        #expect(ok.status == 0 && (ok.stdout + ok.stderr).isEmpty,
                "systemd-analyze verify: \(ok.status)\n\(ok.stdout)\(ok.stderr)")
        // systemd ignores unknown values with a message but exit 0: both must count.
        let bad = good.replacingOccurrences(of: "Type=notify", with: "Type=notifi")
        try bad.write(toFile: dir + "/bad/vrrpd.service", atomically: true, encoding: .utf8)
        let notOK = Shell.run(["systemd-analyze", "verify", "--man=no", dir + "/bad/vrrpd.service"])
        #expect(notOK.status != 0 || !(notOK.stdout + notOK.stderr).isEmpty, "a broken unit must be noticed")
    }

    @Test("maintainer scripts create the group and call systemd only when it runs")
    func maintainerScripts() throws {
        let p = try package()
        let stubs = p.work + "/stubs"
        let log = p.work + "/calls.log"
        try FileManager.default.createDirectory(atPath: stubs, withIntermediateDirectories: true)
        // getent answers "no such group" unless GROUP_EXISTS=1.
        let stub = { (name: String, body: String) in
            try "#!/bin/sh\necho \"\(name) $*\" >> \(log)\n\(body)\n".write(toFile: "\(stubs)/\(name)", atomically: true, encoding: .utf8)
            _ = Shell.run(["chmod", "+x", "\(stubs)/\(name)"])
        }
        try stub("getent", "[ \"$GROUP_EXISTS\" = 1 ]")
        // `deb-systemd-helper --quiet was-enabled` answers "no" unless WAS_ENABLED=1.
        try stub("deb-systemd-helper", "[ \"$2\" != was-enabled ] || [ \"$WAS_ENABLED\" = 1 ]")
        for name in ["addgroup", "deb-systemd-invoke", "systemctl"] {
            try stub(name, "exit 0")
        }
        func run(_ script: String, _ args: [String], systemd: Bool, groupExists: Bool = false,
                 wasEnabled: Bool = false) -> [String] {
            try? FileManager.default.removeItem(atPath: log)
            let dpkgRoot = p.work + (systemd ? "/with-systemd" : "/without-systemd")
            if systemd {
                try? FileManager.default.createDirectory(atPath: dpkgRoot + "/run/systemd/system", withIntermediateDirectories: true)
            }
            let r = Shell.run(["env", "-i", "PATH=\(stubs):/usr/bin:/bin", "DPKG_ROOT=\(dpkgRoot)",
                               "GROUP_EXISTS=\(groupExists ? 1 : 0)", "WAS_ENABLED=\(wasEnabled ? 1 : 0)",
                               p.control + "/" + script] + args)
            #expect(r.status == 0, "\(script) \(args): \(r.stderr)")
            return ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }

        let fresh = run("postinst", ["configure"], systemd: false)
        #expect(fresh.contains("addgroup --system vrrpd"))
        #expect(!fresh.contains { $0.hasPrefix("systemctl") || $0.hasPrefix("deb-systemd-invoke") },
                "no systemd running: \(fresh)")
        #expect(!fresh.contains("deb-systemd-helper enable vrrpd.service"), "not enabled on a first install: \(fresh)")

        #expect(fresh.contains("deb-systemd-helper update-state vrrpd.service"))

        let upgrade = run("postinst", ["configure", "0.0.9"], systemd: true, groupExists: true, wasEnabled: true)
        #expect(!upgrade.contains { $0.hasPrefix("addgroup") })
        #expect(upgrade.contains("deb-systemd-helper enable vrrpd.service"), "an enabled unit stays enabled: \(upgrade)")
        #expect(upgrade.contains("systemctl --system daemon-reload"))
        #expect(upgrade.contains("deb-systemd-invoke try-restart vrrpd.service"))

        #expect(run("prerm", ["remove"], systemd: true).contains("deb-systemd-invoke stop vrrpd.service"))
        #expect(run("prerm", ["remove"], systemd: false).isEmpty)
        #expect(run("prerm", ["upgrade", "0.1.1"], systemd: true).isEmpty, "an upgrade restarts from postinst")
        let purge = run("postrm", ["purge"], systemd: false)
        #expect(purge.contains("deb-systemd-helper purge vrrpd.service"))
        #expect(!purge.contains { $0.hasPrefix("systemctl") })
    }

    @Test("the man pages are generated from the argument parsers and render")
    func manPages() throws {
        let p = try package()
        for (page, must) in [("/usr/share/man/man8/vrrpd.8.gz", ["--wait-for-interfaces", "SIGHUP", "/etc/vrrpd/keepalived.conf"]),
                             ("/usr/share/man/man1/vrrpctl.1.gz", ["is-master", "decode", "lint"])] {
            // Plain ASCII without overstriking (-P-cbou), long lines and no hyphenation (-rLL, -rHY).
            let rendered = Shell.run(["sh", "-c", "gzip -dc '\(p.tree + page)' | groff -man -Tascii -P-cbou -rLL=300n -rHY=0 -Wall 2>&1"])
            #expect(rendered.status == 0)
            for text in must {
                #expect(rendered.stdout.contains(text), "\(page) mentions \(text)")
            }
            #expect(!rendered.stdout.contains("warning:"), "groff: \(rendered.stdout.prefix(2000))")
        }
    }

    @Test("lintian reports no errors and no warnings",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/lintian"), "lintian is not installed"))
    func lintian() throws {
        let p = try package()
        let r = Shell.run(["lintian", "--tag-display-limit", "0", p.deb])
        let findings = (r.stdout + r.stderr).split(separator: "\n").filter { $0.hasPrefix("E:") || $0.hasPrefix("W:") }
        #expect(findings.isEmpty, "lintian:\n\(findings.joined(separator: "\n"))")
    }
}

/// Runs a command with output captured in files (no pipe can fill up and block).
enum Shell {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ argv: [String]) -> Result {
        let dir = NSTemporaryDirectory()
        let out = dir + "vrrp-pkg-out-\(UUID().uuidString)", err = dir + "vrrp-pkg-err-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: out)
            try? FileManager.default.removeItem(atPath: err)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        process.standardInput = FileHandle.nullDevice
        guard let outHandle = FileHandle(forWritingAtPath: out), let errHandle = FileHandle(forWritingAtPath: err) else {
            return Result(status: -1, stdout: "", stderr: "cannot create output files")
        }
        process.standardOutput = outHandle
        process.standardError = errHandle
        do {
            try process.run()
        } catch {
            return Result(status: -1, stdout: "", stderr: "\(argv[0]): \(error)")
        }
        process.waitUntilExit()
        try? outHandle.close()
        try? errHandle.close()
        return Result(status: process.terminationStatus,
                      stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }
}
