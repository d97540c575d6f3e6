// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import VRRPConfig
import VRRPCore

@Suite("ConfigurationDiff for reload")
struct ConfigurationDiffTests {
    func config(_ text: String) -> Configuration {
        let r = load(text)
        #expect(r.errors.isEmpty, "\(r.errors)")
        return r.configuration ?? Configuration()
    }

    @Test("instances are unchanged, changed, added or removed by name")
    func basic() {
        let old = config(instance("", name: "A", vrid: 1) + instance("", name: "B", vrid: 2) + instance("", name: "C", vrid: 3))
        let new = config(instance("", name: "B", vrid: 2) + instance("priority 150", name: "C", vrid: 3) + instance("", name: "D", vrid: 4))
        let diff = ConfigurationDiff(old: old, new: new)
        #expect(diff.unchanged == ["B"])
        #expect(diff.changed == ["C"])
        #expect(diff.added == ["D"])
        #expect(diff.removed == ["A"])
        #expect(!diff.globalsChanged && !diff.isEmpty)
    }

    @Test("moving a block (only its source location changes) is no change")
    func locationOnly() {
        let old = config(instance("", name: "A", vrid: 1))
        let new = config("\n\n# moved down\n" + instance("", name: "A", vrid: 1))
        #expect(old.instances[0].location != new.instances[0].location)
        let diff = ConfigurationDiff(old: old, new: new)
        #expect(diff.unchanged == ["A"] && diff.isEmpty)
    }

    @Test("a change to a tracked script changes the instance that tracks it, not the others")
    func trackedScript() {
        let tracking = instance("track_script {\n chk\n}", name: "A", vrid: 1) + instance("", name: "B", vrid: 2)
        let old = config("vrrp_script chk {\n script /bin/true\n}\n" + tracking)
        let new = config("vrrp_script chk {\n script /bin/true\n fall 3\n}\n" + tracking)
        let diff = ConfigurationDiff(old: old, new: new)
        #expect(diff.changed == ["A"] && diff.unchanged == ["B"])
    }

    @Test("a global_defs change marks every kept instance changed")
    func globals() {
        let old = config(instance("", name: "A", vrid: 1))
        let new = config("global_defs {\n vrrp_garp_master_repeat 2\n}\n" + instance("", name: "A", vrid: 1))
        let diff = ConfigurationDiff(old: old, new: new)
        #expect(diff.globalsChanged && diff.changed == ["A"])
    }
}

@Suite("Cross-node lint")
struct ClusterLintTests {
    func node(_ name: String, _ text: String) -> ClusterLint.Node {
        let r = load(text)
        #expect(r.errors.isEmpty, "\(r.errors)")
        return ClusterLint.Node(name: name, configuration: r.configuration ?? Configuration())
    }

    @Test("a correct pair of nodes has no finding")
    func clean() {
        let a = node("a", instance("state MASTER\npriority 150\nauthentication {\n auth_type PASS\n auth_pass x\n}"))
        let b = node("b", instance("state BACKUP\npriority 100\nauthentication {\n auth_type PASS\n auth_pass x\n}"))
        #expect(ClusterLint.check([a, b]).isEmpty)
    }

    @Test("authentication type and password mismatches are errors")
    func auth() {
        let pass = instance("authentication {\n auth_type PASS\n auth_pass one\n}")
        let other = instance("authentication {\n auth_type PASS\n auth_pass two\n}")
        let findings = ClusterLint.check([node("a", pass), node("b", other)])
        #expect(findings.contains { $0.severity == .error && $0.message.contains("auth_pass differs between a VI_1 and b VI_1") })
        let typeFindings = ClusterLint.check([node("a", pass), node("b", instance(""))])
        #expect(typeFindings.contains { $0.message.contains("authentication types differ (a VI_1: PASS; b VI_1: none)") })
    }

    @Test("advert_int and version mismatches are errors")
    func timing() {
        let findings = ClusterLint.check([node("a", instance("advert_int 1")), node("b", instance("advert_int 3"))])
        #expect(findings.contains { $0.message.contains("advert_int differs (a VI_1: 1.0 s; b VI_1: 3.0 s)") })
        let versions = ClusterLint.check([node("a", instance("version 3")), node("b", instance("version 2"))])
        #expect(versions.contains { $0.message.contains("VRRP versions differ") })
    }

    @Test("a VIP claimed by two different VRIDs is an error naming both")
    func vipAcrossVRIDs() {
        let findings = ClusterLint.check([node("a", instance("", vrid: 7)), node("b", instance("", vrid: 8))])
        #expect(findings.contains { $0.message.contains("198.18.0.10 is claimed by VRID 7 (a VI_1) and VRID 8 (b VI_1)") })
    }

    @Test("instances on one node with one VRID on two interfaces are treated as two LANs")
    func twoInterfaces() {
        let a = node("a", instance("", name: "X", vrid: 5, interface: "eth0") + instance("", name: "Y", vrid: 5, interface: "eth1", vips: "198.18.1.10"))
        let b = node("b", instance("", name: "X", vrid: 5, interface: "eth0") + instance("", name: "Y", vrid: 5, interface: "eth1", vips: "198.18.1.10"))
        let findings = ClusterLint.check([a, b])
        #expect(!findings.contains { $0.message.contains("different virtual addresses") }, "\(findings)")
    }

    @Test("lint exits 1 and names an unusable file")
    func unusableFile() {
        let fs = InMemoryFileSystem(files: ["/a.conf": instance(""), "/b.conf": "vrrp_instance {\n"])
        let (lines, code) = ClusterLintRun.run(paths: ["/a.conf", "/b.conf"], fileSystem: fs)
        #expect(code == 1)
        #expect(lines.contains { $0.hasPrefix("/b.conf: not usable") })
        #expect(lines.last == "checked 1 of 2 configurations: 0 cross-node errors, 0 warnings")
    }
}

@Suite("vrrpd --config-test")
struct ConfigTestTests {
    @Test("a file vrrpd cannot run prints located errors and exits 4 (keepalived's \"cannot run\")")
    func broken() {
        let fs = InMemoryFileSystem(files: ["/k.conf": "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 300\n}\n"])
        let (lines, code) = ConfigTest.run(path: "/k.conf", fileSystem: fs)
        #expect(code == 4)
        #expect(lines.first?.hasPrefix("/k.conf:3:20: error: virtual_router_id must be 1 to 255") == true)
        #expect(lines.last == "/k.conf: 1 error, 1 warning; configuration not usable")
    }

    @Test("a missing file is an error, exit 4 (keepalived 2.2.7 exits 0 and runs nothing)")
    func missing() {
        let (lines, code) = ConfigTest.run(path: "/nonexistent/swift-vrrp-test.conf")
        #expect(code == 4)
        #expect(lines.first?.contains("cannot open /nonexistent/swift-vrrp-test.conf") == true)
    }

    @Test("one summary line per instance")
    func summaries() {
        let fs = InMemoryFileSystem(files: ["/k.conf": instance("priority 120", name: "A", vrid: 1)
                                                + instance("version 3\nstate MASTER", name: "B", vrid: 2, vips: "2001:db8::1\n2001:db8::2")])
        let (lines, code) = ConfigTest.run(path: "/k.conf", fileSystem: fs)
        #expect(code == 0)
        #expect(lines == [
            "A: interface eth0, VRID 1, VRRPv2, priority 120, 1 virtual address, state BACKUP",
            "B: interface eth0, VRID 2, VRRPv3, priority 100, 2 virtual addresses, state MASTER",
            "/k.conf: configuration OK (2 instances, 0 warnings)",
        ])
    }
}

@Suite("LocalFileSystem")
struct LocalFileSystemTests {
    @Test("reads files and expands globs on disk, so includes work on real paths")
    func realFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vrrpconfig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("conf.d"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "include conf.d/*.conf\n".write(to: dir.appendingPathComponent("keepalived.conf"), atomically: true, encoding: .utf8)
        try instance("", name: "B", vrid: 2).write(to: dir.appendingPathComponent("conf.d/2.conf"), atomically: true, encoding: .utf8)
        try instance("", name: "A", vrid: 1, vips: "198.18.0.1").write(to: dir.appendingPathComponent("conf.d/1.conf"), atomically: true, encoding: .utf8)
        let fs = LocalFileSystem()
        #expect(fs.glob(dir.path + "/conf.d/*.conf").map { $0.split(separator: "/").last! } == ["1.conf", "2.conf"])
        #expect(fs.glob(dir.path + "/conf.d/*.none").isEmpty)
        let r = ConfigurationLoader(fileSystem: fs).load(path: dir.appendingPathComponent("keepalived.conf").path)
        #expect(r.errors.isEmpty, "\(r.errors)")
        #expect(r.configuration?.instances.map(\.name) == ["A", "B"])
        #expect(throws: ConfigFileSystemError.self) { try fs.readFile(atPath: dir.path + "/absent.conf") }
    }
}
