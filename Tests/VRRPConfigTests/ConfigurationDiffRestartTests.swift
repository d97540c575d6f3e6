// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPConfig
import VRRPCore

/// `ConfigurationDiff.restarts`: which changed instances the daemon restarts on reload and
/// which it updates in place (the reload's only rule; VRRPRuntime reads it).
@Suite("ConfigurationDiff: restart or update in place")
struct ConfigurationDiffRestartTests {
    func diff(_ old: String, _ new: String) -> ConfigurationDiff {
        let a = load(old), b = load(new)
        #expect(a.errors.isEmpty && b.errors.isEmpty, "\(a.errors) \(b.errors)")
        return ConfigurationDiff(old: a.configuration ?? Configuration(), new: b.configuration ?? Configuration())
    }

    @Test("a priority change is updated in place")
    func priority() {
        let d = diff(instance("priority 100", name: "A", vrid: 1), instance("priority 120", name: "A", vrid: 1))
        #expect(d.changed == ["A"] && d.restarts.isEmpty)
    }

    @Test("a priority change to or from the owner's 255 restarts (RFC 5798 §6.4.1)")
    func owner() {
        #expect(diff(instance("priority 100", name: "A", vrid: 1), instance("priority 255", name: "A", vrid: 1)).restarts == ["A"])
        #expect(diff(instance("priority 255", name: "A", vrid: 1), instance("priority 100", name: "A", vrid: 1)).restarts == ["A"])
    }

    @Test("a VRID, advert_int or address change restarts")
    func protocolChanges() {
        #expect(diff(instance("", name: "A", vrid: 1), instance("", name: "A", vrid: 2)).restarts == ["A"])
        #expect(diff(instance("advert_int 1", name: "A", vrid: 1), instance("advert_int 2", name: "A", vrid: 1)).restarts == ["A"])
        #expect(diff(instance("dont_track_primary", name: "A", vrid: 1), instance("", name: "A", vrid: 1)).restarts == ["A"])
    }

    @Test("tracking, a tracked script's definition and notify scripts are updated in place")
    func tracking() {
        let script = "vrrp_script chk {\n script /bin/true\n}\n"
        let d1 = diff(script + instance("", name: "A", vrid: 1), script + instance("track_script {\n chk\n}", name: "A", vrid: 1))
        #expect(d1.changed == ["A"] && d1.restarts.isEmpty)
        let tracking = instance("track_script {\n chk\n}", name: "A", vrid: 1)
        let d2 = diff(script + tracking, "vrrp_script chk {\n script /bin/false\n}\n" + tracking)
        #expect(d2.changed == ["A"] && d2.restarts.isEmpty)
        let d3 = diff(instance("", name: "A", vrid: 1), instance("notify_master /bin/true", name: "A", vrid: 1))
        #expect(d3.changed == ["A"] && d3.restarts.isEmpty)
    }

    @Test("global_defs: a multicast group change restarts; one no protocol setting reads does not")
    func globals() {
        let a = instance("", name: "A", vrid: 1)
        let group = diff(a, "global_defs {\n vrrp_mcast_group4 224.0.0.19\n}\n" + a)
        #expect(group.changed == ["A"] && group.restarts == ["A"])
        let routerID = diff(a, "global_defs {\n router_id r1\n}\n" + a)
        #expect(routerID.changed == ["A"] && routerID.restarts.isEmpty)
    }
}
