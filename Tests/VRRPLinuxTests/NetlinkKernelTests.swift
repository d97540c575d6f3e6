// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Testing
import VRRPTestSupport
import VRRPCore
@testable import VRRPLinux

/// Collects monitor events so that waiting for one does not lose the others read with it.
final class EventCollector {
    let monitor: NetlinkMonitor
    private var pending: [InterfaceEvent] = []
    init(_ monitor: NetlinkMonitor) { self.monitor = monitor }

    /// Waits (hang guard 10 s) for an event matching `predicate`, consuming it and the ones before it.
    @discardableResult
    func await(_ what: String, _ predicate: (InterfaceEvent) -> Bool) throws -> InterfaceEvent {
        try eventually(what) {
            if let i = pending.firstIndex(where: predicate) {
                let event = pending[i]
                pending.removeFirst(i + 1)
                return event
            }
            waitReadable(monitor.fileDescriptor, milliseconds: 100)
            pending += try monitor.readEvents()
            return nil
        }
    }
}

@Suite("rtnetlink against the kernel (in a private network namespace)",
       .requires(.root, .iproute2))
struct NetlinkKernelTests {
    @Test("RouteNetlink adds and deletes addresses, reports EEXIST/EADDRNOTAVAIL as results, and the monitor sees both")
    func addressLifecycle() throws {
        try withNamespaces(1) { names in
            let ns = names[0]
            try run("ip", "-n", ns, "link", "add", "va", "type", "veth", "peer", "name", "vb")
            try run("ip", "-n", ns, "link", "set", "va", "up")
            let (netlink, monitor) = try inNamespace(ns) { (try RouteNetlink(firstSequence: 1000), EventCollector(try NetlinkMonitor())) }
            let index = try netlink.index(of: "va")
            let vip = IPAddress("198.18.1.1")!

            #expect(try netlink.addAddress(vip, prefix: 24, ifindex: index, label: "va:vrrp",
                                           broadcast: IPv4Address("198.18.1.255")) == .added)
            #expect(try netlink.addAddress(vip, prefix: 24, ifindex: index) == .alreadyExists)
            let listed = try #require(try netlink.addresses().first { $0.address == vip })
            #expect(listed.ifindex == index && listed.prefix == 24 && listed.label == "va:vrrp")
            #expect(listed.addressProtocol == RouteNetlink.addressProtocol && listed.scope == .universe)
            #expect(try netlink.addresses().leftovers().map(\.address) == [vip])
            let added = try monitor.await("IPv4 address added") {
                if case .addressAdded(let a) = $0 { return a.address == vip } else { return false }
            }
            #expect(added == .addressAdded(listed))

            let v6 = IPAddress("2001:db8:1::1")!
            #expect(try netlink.addAddress(v6, prefix: 64, ifindex: index, noDAD: true) == .added)
            let listed6 = try #require(try netlink.addresses().first { $0.address == v6 })
            #expect(listed6.flags.contains(.noDAD) && !listed6.flags.contains(.tentative))
            #expect(listed6.addressProtocol == RouteNetlink.addressProtocol)

            #expect(try netlink.deleteAddress(vip, prefix: 24, ifindex: index) == .deleted)
            #expect(try netlink.deleteAddress(vip, prefix: 24, ifindex: index) == .notPresent)
            #expect(try netlink.deleteAddress(v6, prefix: 64, ifindex: index) == .deleted)
            #expect(try !netlink.addresses().contains { $0.address == vip || $0.address == v6 })
            _ = try monitor.await("IPv4 address removed") {
                if case .addressRemoved(let a) = $0 { return a.address == vip } else { return false }
            }
            _ = try monitor.await("IPv6 address removed") {
                if case .addressRemoved(let a) = $0 { return a.address == v6 } else { return false }
            }
        }
    }

    @Test("RouteNetlink adds and deletes routes (via/dev/table/metric, IPv6 blackhole) as `ip route` shows them")
    func routeLifecycle() throws {
        try withNamespaces(1) { names in
            let ns = names[0]
            try run("ip", "-n", ns, "link", "add", "va", "type", "veth", "peer", "name", "vb")
            try run("ip", "-n", ns, "link", "set", "va", "up")
            try run("ip", "-n", ns, "addr", "add", "198.18.1.1/24", "dev", "va")
            let netlink = try inNamespace(ns) { try RouteNetlink(firstSequence: 2000) }
            let index = try netlink.index(of: "va")
            let destination = IPAddress("198.18.5.0")!, gateway = IPAddress("198.18.1.254")!
            let v6 = IPAddress("::")!

            #expect(try netlink.addRoute(destination, prefix: 24, gateway: gateway, ifindex: index, table: 100,
                                         metric: 20) == .added)
            #expect(try netlink.addRoute(destination, prefix: 24, gateway: gateway, ifindex: index, table: 100,
                                         metric: 20) == .alreadyExists)
            #expect(try netlink.addRoute(v6, prefix: 0, table: 1000, blackhole: true) == .added)
            let shown = try output("ip", "-n", ns, "route", "show", "table", "all")
                + (try output("ip", "-n", ns, "-6", "route", "show", "table", "all"))
            #expect(shown.contains("198.18.5.0/24 via 198.18.1.254 dev va table 100 proto 86 metric 20"), "\(shown)")
            #expect(shown.contains("blackhole default dev lo table 1000 proto 86"), "\(shown)")

            #expect(try netlink.deleteRoute(destination, prefix: 24, gateway: gateway, ifindex: index, table: 100,
                                            metric: 20) == .deleted)
            #expect(try netlink.deleteRoute(destination, prefix: 24, gateway: gateway, ifindex: index, table: 100,
                                            metric: 20) == .notPresent)
            #expect(try netlink.deleteRoute(v6, prefix: 0, table: 1000, blackhole: true) == .deleted)
            let after = try output("ip", "-n", ns, "route", "show", "table", "all")
                + (try output("ip", "-n", ns, "-6", "route", "show", "table", "all"))
            #expect(!after.contains("198.18.5.0/24") && !after.contains("table 1000"), "\(after)")
        }
    }

    @Test("a route delete carries our protocol: the operator's identical route (proto static) is never removed; scope and onlink as written")
    func routeDeleteSparesOperatorsRoute() throws {
        try withNamespaces(1) { names in
            let ns = names[0]
            try run("ip", "-n", ns, "link", "add", "va", "type", "veth", "peer", "name", "vb")
            try run("ip", "-n", ns, "link", "set", "va", "up")
            // onlink needs the loopback up to judge the gateway (fib_check_nh_v4_gw).
            try run("ip", "-n", ns, "link", "set", "lo", "up")
            try run("ip", "-n", ns, "link", "set", "vb", "up")
            try run("ip", "-n", ns, "route", "add", "198.18.7.0/24", "dev", "va", "proto", "static")
            let netlink = try inNamespace(ns) { try RouteNetlink(firstSequence: 2500) }
            let spec = RouteSpec(destination: IPAddress("198.18.7.0")!, prefix: 24, ifindex: try netlink.index(of: "va"))
            let site = RouteSpec(destination: IPAddress("198.18.12.0")!, prefix: 24, ifindex: try netlink.index(of: "va"), scope: 200)
            let onlink = RouteSpec(destination: IPAddress("198.18.13.0")!, prefix: 24, gateway: IPAddress("198.18.99.1")!,
                                   ifindex: try netlink.index(of: "va"), onlink: true)
            #expect(try netlink.addRoute(site) == .added && netlink.addRoute(onlink) == .added)
            let shown = try output("ip", "-n", ns, "route", "show")
            #expect(shown.contains("198.18.12.0/24 dev va proto 86 scope site"), "\(shown)")
            #expect(shown.contains("198.18.13.0/24 via 198.18.99.1 dev va proto 86 onlink"), "\(shown)")
            #expect(try netlink.addRoute(spec) == .alreadyExists)
            #expect(try netlink.deleteRoute(spec) == .notPresent)
            #expect(try output("ip", "-n", ns, "route", "show").contains("198.18.7.0/24 dev va proto static"))
        }
    }

    @Test("RouteNetlink adds and deletes FIB rules (from/table/pref, IPv6 to/iif/fwmark/table 1000, blackhole) as `ip rule` shows them")
    func ruleLifecycle() throws {
        try withNamespaces(1) { names in
            let ns = names[0]
            let netlink = try inNamespace(ns) { try RouteNetlink(firstSequence: 3000) }
            let r4 = RuleSpec(family: .ipv4, from: IPAddress("198.18.0.0")!, fromPrefix: 24, priority: 50, action: .table(100))
            let r6 = RuleSpec(family: .ipv6, to: IPAddress("2001:db8::")!, toPrefix: 32, inputInterface: "lo",
                              fwmark: 0x10, fwmask: 0xff, priority: 60, action: .table(1000))
            let hole = RuleSpec(family: .ipv4, to: IPAddress("198.18.9.0")!, toPrefix: 24, priority: 70, action: .blackhole)
            #expect(try netlink.addRule(r4) == .added)
            #expect(try netlink.addRule(r4) == .alreadyExists)
            #expect(try netlink.addRule(r6) == .added)
            #expect(try netlink.addRule(hole) == .added)
            let shown = try output("ip", "-n", ns, "rule", "show") + (try output("ip", "-n", ns, "-6", "rule", "show"))
            #expect(shown.contains("50:\tfrom 198.18.0.0/24 lookup 100 proto 86"), "\(shown)")
            #expect(shown.contains("60:\tfrom all to 2001:db8::/32 fwmark 0x10/0xff iif lo lookup 1000 proto 86"), "\(shown)")
            #expect(shown.contains("70:\tfrom all to 198.18.9.0/24 blackhole proto 86"), "\(shown)")
            // The operator's twin of r4 (another protocol) is never deleted by our delete.
            try run("ip", "-n", ns, "rule", "add", "from", "198.18.0.0/24", "lookup", "100", "pref", "50", "proto", "static")
            #expect(try netlink.deleteRule(r4) == .deleted)
            #expect(try netlink.deleteRule(r4) == .notPresent)
            #expect(try netlink.deleteRule(r6) == .deleted)
            #expect(try netlink.deleteRule(hole) == .deleted)
            let after = try output("ip", "-n", ns, "rule", "show") + (try output("ip", "-n", ns, "-6", "rule", "show"))
            #expect(after.contains("50:\tfrom 198.18.0.0/24 lookup 100 proto static"), "\(after)")
            #expect(!after.contains("proto 86"), "\(after)")
        }
    }

    @Test("a kernel error other than EEXIST/EADDRNOTAVAIL is thrown with the operation named")
    func kernelErrorThrows() throws {
        try withNamespaces(1) { names in
            let netlink = try inNamespace(names[0]) { try RouteNetlink() }
            let error = #expect(throws: SystemError.self) {
                try netlink.addAddress(IPAddress("198.18.1.1")!, prefix: 24, ifindex: 9999)
            }
            #expect(error?.errno == ENODEV)
            #expect(error?.operation.hasPrefix("RTM_NEWADDR 198.18.1.1/24 ifindex 9999") == true)
        }
    }

    @Test("links() lists the veth with its MAC and MTU, and the monitor reports link down and up")
    func linkDownUp() throws {
        try withNamespaces(1) { names in
            let ns = names[0]
            try run("ip", "-n", ns, "link", "add", "va", "type", "veth", "peer", "name", "vb")
            try run("ip", "-n", ns, "link", "set", "va", "address", "02:00:5e:00:01:12", "mtu", "1400")
            let (netlink, monitor) = try inNamespace(ns) { (try RouteNetlink(), EventCollector(try NetlinkMonitor())) }
            let va = try #require(try netlink.links().first { $0.name == "va" })
            #expect(va.mac == [0x02, 0x00, 0x5e, 0x00, 0x01, 0x12] && va.mtu == 1400 && !va.isUp && !va.isRunning)

            try run("ip", "-n", ns, "link", "set", "vb", "up")
            try run("ip", "-n", ns, "link", "set", "va", "up")
            _ = try monitor.await("va running") {
                if case .link(let l) = $0 { return l.name == "va" && l.isUp && l.isRunning } else { return false }
            }
            try run("ip", "-n", ns, "link", "set", "va", "down")
            _ = try monitor.await("va down") {
                if case .link(let l) = $0 { return l.name == "va" && !l.isUp && !l.isRunning } else { return false }
            }
            try run("ip", "-n", ns, "link", "set", "vb", "down")
            try run("ip", "-n", ns, "link", "set", "va", "up")
            _ = try monitor.await("va up without carrier") {
                if case .link(let l) = $0 { return l.name == "va" && l.isUp && !l.isRunning } else { return false }
            }
            try run("ip", "-n", ns, "link", "delete", "va")
            _ = try monitor.await("va removed") { $0 == .linkRemoved(index: va.index) }
        }
    }

    @Test("RouteNetlink creates a private macvlan with the VRRP MAC (as `ip -d link` shows it), raises it without an EUI-64 link-local, and deletes it; Sysctl writes its entries")
    func macvlanLifecycle() throws {
        try withNamespaces(1) { names in
            let ns = names[0]
            try run("ip", "-n", ns, "link", "add", "va", "type", "veth", "peer", "name", "vb")
            try run("ip", "-n", ns, "link", "set", "va", "up")
            try inNamespace(ns) {
                let netlink = try RouteNetlink(firstSequence: 3000)
                let va = try netlink.index(of: "va")
                let mac: [UInt8] = [0x00, 0x00, 0x5e, 0x00, 0x01, 0x33]
                #expect(try netlink.createMacvlan(name: "vrrp.51", parent: va, mac: mac) == .added)
                #expect(try netlink.createMacvlan(name: "vrrp.51", parent: va, mac: mac) == .alreadyExists)
                let link = try #require(try netlink.links().first { $0.name == "vrrp.51" })
                #expect(link.kind == "macvlan" && link.macvlanMode == RTNL.macvlanModePrivate)
                #expect(link.parentIndex == va && link.mac == mac && !link.isUp)
                let shown = try output("ip", "-n", ns, "-d", "link", "show", "vrrp.51")
                #expect(shown.contains("vrrp.51@va") && shown.contains("link/ether 00:00:5e:00:01:33"))
                #expect(shown.contains("macvlan mode private"))
                try netlink.raiseWithoutAutoLinkLocal(ifindex: link.index)
                #expect(try netlink.links().first { $0.index == link.index }?.isUp == true)
                // No fe80::200:5eff:fe00:133: every router of the VRID would have it (RFC 5798 §7.4).
                #expect(try !netlink.addresses().contains { $0.ifindex == link.index })

                let sysctl = Sysctl()
                try sysctl.write("net/ipv4/conf/vrrp.51/arp_ignore", "1")
                #expect(sysctl.read("net/ipv4/conf/vrrp.51/arp_ignore") == "1")
                #expect(sysctl.read("net/ipv4/conf/no-such-link/arp_ignore") == nil)

                #expect(try netlink.deleteLink(ifindex: link.index) == .deleted)
                #expect(try netlink.deleteLink(ifindex: link.index) == .notPresent)
                #expect(try !netlink.links().contains { $0.name == "vrrp.51" })
            }
        }
    }
}
