// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPConfig
import VRRPCore

@Suite("Validation errors are located and say what to write")
struct ValidationTests {
    @Test("missing interface and virtual_router_id are errors at the instance")
    func missingRequired() {
        let r = load("vrrp_instance VI_1 {\n priority 100\n}\n")
        #expect(r.configuration == nil)
        #expect(r.errors.contains { $0.message.contains("no interface: add `interface eth0`") && $0.location.line == 1 })
        #expect(r.errors.contains { $0.message.contains("no virtual_router_id: add `virtual_router_id 51`") })
    }

    @Test("VRID outside 1-255 is an error at the value", arguments: ["0", "256", "-1", "99999999999999999999999", "x"])
    func vridRange(value: String) {
        let r = load("vrrp_instance VI_1 {\n interface eth0\n virtual_router_id \(value)\n}\n")
        let e = r.errors.first { $0.message.contains("virtual_router_id must be 1 to 255") }
        #expect(e?.location.line == 3 && e?.location.column == 20)
    }

    @Test("priority outside 1-255 is an error; 255 warns about the address owner", arguments: ["0", "256", "1000"])
    func priorityRange(value: String) {
        #expect(load(instance("priority \(value)")).hasError(containing: "priority must be 1 to 255"))
    }

    @Test("priority 255 loads with an owner warning")
    func priorityOwner() throws {
        let r = load(instance("priority 255"))
        #expect(r.hasWarning(containing: "address owner"))
        #expect(try #require(r.configuration?.instances.first).isAddressOwner)
    }

    @Test("advert_int out of range for the version is an error",
          arguments: [("2", "0"), ("2", "256"), ("2", "0.5"), ("3", "41"), ("3", "0.001"), ("3", "0")])
    func advertRange(version: String, value: String) {
        let r = load(instance("version \(version)\nadvert_int \(value)"))
        #expect(r.hasError(containing: "advert_int for VRRPv\(version)"), "\(r.diagnostics)")
    }

    @Test("a fractional VRRPv2 advert_int is rounded up with a warning")
    func advertRoundedV2() throws {
        let r = load(instance("advert_int 1.5"))
        #expect(r.hasWarning(containing: "rounded up to 2"))
        #expect(try #require(r.configuration?.instances.first).advertisementInterval == Centiseconds(200))
    }

    @Test("auth_pass longer than 8 is truncated with a warning, as keepalived does")
    func authTruncated() throws {
        let r = load(instance("authentication {\n auth_type PASS\n auth_pass 0123456789\n}"))
        #expect(r.hasWarning(containing: "truncated to `01234567`"))
        #expect(try #require(r.configuration?.instances.first).authentication == .password(Array("01234567".utf8)))
        // keepalived 2.2.7 reports "Truncating auth_pass to 8 characters" as a config error: -t exits 5.
        #expect(r.exitCode == 5, "\(r.diagnostics)")
    }

    @Test("auth_type AH and a VRRPv3 authentication block")
    func authOther() throws {
        #expect(try #require(load(instance("authentication {\n auth_type AH\n}")).configuration?.instances.first).authentication == .ipAH)
        let v3 = load(instance("version 3\nauthentication {\n auth_type PASS\n auth_pass x\n}"))
        #expect(v3.hasError(containing: "VRRPv3 has no authentication") && v3.configuration != nil && v3.exitCode == 5)
        #expect(load(instance("authentication {\n auth_type PASS\n}")).hasError(containing: "needs a password"))
        #expect(load(instance("authentication {\n auth_type MD5\n}")).hasError(containing: "PASS or AH"))
    }

    @Test("the same VRID twice on one interface and family is an error; other family or interface is fine")
    func duplicateVRID() throws {
        let dup = load(instance("", name: "A", vrid: 5) + instance("", name: "B", vrid: 5, vips: "198.18.0.11"))
        let e = try #require(dup.errors.first)
        #expect(e.message.contains("virtual_router_id 5 is already used on eth0 for IPv4 by A"))
        #expect(e.location.line == 9)  // the second instance
        let v6 = load(instance("", name: "A", vrid: 5) + instance("", name: "B", vrid: 5, vips: "2001:db8::1"))
        #expect(v6.errors.isEmpty)
        let otherIf = load(instance("", name: "A", vrid: 5) + instance("", name: "B", vrid: 5, interface: "eth1"))
        #expect(otherIf.errors.isEmpty)
    }

    @Test("IPv4 and IPv6 in one VRRPv2 instance: the other family dropped (keepalived); v3 moves it to excluded")
    func familyMix() throws {
        #expect(load(instance("", vips: "198.18.0.1\n2001:db8::1")).hasError(containing: "2001:db8::1/128 dropped"))
        let v3 = load(instance("version 3", vips: "198.18.0.1\n2001:db8::1"))
        let i = try #require(v3.configuration?.instances.first)
        #expect(i.virtualAddresses.map(\.address) == [IPAddress("198.18.0.1")!])
        #expect(i.excludedVirtualAddresses.map(\.address) == [IPAddress("2001:db8::1")!])
    }

    @Test("track_script naming an undefined script is an error; a native check name is accepted")
    func unknownTrack() {
        let bad = load(instance("track_script {\n nope weight 5\n}"))
        #expect(bad.hasError(containing: "tracks script nope, which is not defined"))
        let good = load("vrrp_tcp_check web {\n port 80\n}\n" + instance("track_script {\n web weight -5\n}"))
        #expect(good.errors.isEmpty)
        #expect(load(instance("track_file {\n f\n}")).hasError(containing: "tracks file f"))
        #expect(load(instance("track_process {\n p\n}")).hasError(containing: "tracks process p"))
    }

    @Test("malformed addresses and prefixes are errors at the address",
          arguments: ["198.18.0.300", "198.18.0.1/33", "2001:db8::1/129", "198.18.0.1/x", "not-an-ip"])
    func malformedAddress(text: String) {
        let r = load(instance("", vips: text))
        #expect(r.errors.contains { $0.location.line == 5 }, "\(r.diagnostics)")
    }

    @Test("a weight outside -253..253 is an error")
    func weightRange() {
        #expect(load("vrrp_script s {\n script x\n weight 300\n}\n").hasError(containing: "-253 to 253"))
    }

    @Test("sync groups must name existing instances, each at most once")
    func syncGroups() {
        let r = load(instance("", name: "A", vrid: 1) + "vrrp_sync_group G {\n group {\n A\n B\n }\n}\n")
        #expect(r.hasError(containing: "names B, which is not a vrrp_instance"))
    }

    @Test("nopreempt with state MASTER warns, as keepalived does")
    func nopreemptMaster() {
        #expect(load(instance("state MASTER\nnopreempt")).hasWarning(containing: "nopreempt has no effect"))
    }

    @Test("duplicate script names across vrrp_script and native checks are an error")
    func duplicateNames() {
        #expect(load("vrrp_script a {\n script x\n}\nvrrp_http_check a {\n}\n").hasError(containing: "already defined"))
    }
}
