// SPDX-License-Identifier: Apache-2.0
import Synchronization
import Testing
import VRRPCore
import VRRPLinux
@testable import VRRPRuntime
import VRRPTestSupport

/// A kernel that takes its time: address requests and macvlan creations wait until the test
/// lets them go (or, as a hang catcher, 5 s of wall time, which counts as a failure). Dumps,
/// link raises and sysctls answer at once.
final class HeldConfigurator: AddressConfigurator, VirtualMACConfigurator, @unchecked Sendable {
    let host: FakeHost
    private struct State {
        var released = false
        var waiting = 0
        var timedOut = false
        var answered = 0
        var failAdds = false
    }
    private let state = Mutex(State())

    init(host: FakeHost) { self.host = host }

    /// Requests waiting for `release()` right now.
    var waiting: Int { state.withLock { $0.waiting } }
    /// A request waited 5 s without being released: whoever made it was stuck that long.
    var timedOut: Bool { state.withLock { $0.timedOut } }
    var answered: Int { state.withLock { $0.answered } }

    func release() { state.withLock { $0.released = true } }

    /// From now on an address add fails (as the kernel's EINVAL would) once released.
    func failAddresses() { state.withLock { $0.failAdds = true } }

    /// Waits (polling, never on the test's thread in a correct daemon) until all requests made
    /// so far have been answered, for up to 10 s.
    func waitUntilAnswered(_ count: Int) -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while answered < count {
            if ContinuousClock.now > deadline { return false }
            Syscall.sleep(nanoseconds: 1_000_000)
        }
        return true
    }

    /// Waits up to 10 s until `count` requests are being held (the worker has picked them up).
    func waitUntilHeld(_ count: Int) -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while waiting < count {
            if ContinuousClock.now > deadline || timedOut { return false }
            Syscall.sleep(nanoseconds: 1_000_000)
        }
        return true
    }

    private func hold() {
        state.withLock { $0.waiting += 1 }
        let deadline = ContinuousClock.now + .seconds(5)
        while !state.withLock({ $0.released }) {
            if ContinuousClock.now > deadline {
                state.withLock { $0.timedOut = true }
                break
            }
            Syscall.sleep(nanoseconds: 1_000_000)
        }
        state.withLock { $0.waiting -= 1 }
    }

    func addAddress(_ address: IPAddress, prefix: UInt8, ifindex: Int32, label: String?, scope: AddressScope,
                    broadcast: IPv4Address?, noDAD: Bool) throws -> RouteNetlink.AddResult {
        hold()
        defer { state.withLock { $0.answered += 1 } }
        if state.withLock({ $0.failAdds }) { throw SystemError("RTM_NEWADDR", errno: 22) }  // EINVAL
        return try host.addAddress(address, prefix: prefix, ifindex: ifindex, label: label, scope: scope,
                                   broadcast: broadcast, noDAD: noDAD)
    }

    func deleteAddress(_ address: IPAddress, prefix: UInt8, ifindex: Int32) throws -> RouteNetlink.DeleteResult {
        hold()
        defer { state.withLock { $0.answered += 1 } }
        return try host.deleteAddress(address, prefix: prefix, ifindex: ifindex)
    }

    func deleteLink(ifindex: Int32) throws -> RouteNetlink.DeleteResult {
        hold()
        defer { state.withLock { $0.answered += 1 } }
        return try host.deleteLink(ifindex: ifindex)
    }

    func createMacvlan(name: String, parent: Int32, mac: [UInt8]) throws -> RouteNetlink.AddResult {
        hold()
        defer { state.withLock { $0.answered += 1 } }
        return try host.createMacvlan(name: name, parent: parent, mac: mac)
    }

    func raiseWithoutAutoLinkLocal(ifindex: Int32) throws { try host.raiseWithoutAutoLinkLocal(ifindex: ifindex) }
    func readSysctl(_ key: String) -> String? { host.readSysctl(key) }
    func writeSysctl(_ key: String, _ value: String) throws { try host.writeSysctl(key, value) }
    func links() throws -> [LinkInfo] { try host.links() }
    func addresses() throws -> [InterfaceAddress] { try host.addresses() }
    func addRoute(_ route: RouteSpec) throws -> RouteNetlink.AddResult { try host.addRoute(route) }
    func deleteRoute(_ route: RouteSpec) throws -> RouteNetlink.DeleteResult { try host.deleteRoute(route) }
    func addRule(_ rule: RuleSpec) throws -> RouteNetlink.AddResult { try host.addRule(rule) }
    func deleteRule(_ rule: RuleSpec) throws -> RouteNetlink.DeleteResult { try host.deleteRule(rule) }
}

@Suite("Runtime: netlink requests off the event loop")
struct AddressWorkerTests {
    /// p1 on a FakeHost whose address requests are held, run the way vrrpd runs them (one
    /// worker thread), after the master-down interval (3 × 1 s + skew): MASTER, its add held.
    static func masterWithHeldAdd() throws -> (FakeLAN, SimNode, HeldConfigurator) {
        let lan = FakeLAN()
        var made: HeldConfigurator?
        let node = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: instanceBlock(priority: 150)) { host in
            let configurator = HeldConfigurator(host: host)
            made = configurator
            var io = host.io
            io.addresses = configurator
            io.addressRequests = .worker
            return io
        }
        lan.loop.advance(by: .s(4))
        #expect(node.state() == "MASTER")
        return (lan, node, try #require(made))
    }

    @Test("drift case: while the kernel has not answered an address add, the master keeps advertising every second")
    func advertsWhileAddPending() throws {
        let (lan, p1, kernel) = try Self.masterWithHeldAdd()
        defer { p1.daemon.addressRequests.stop() }
        let start = lan.loop.now()
        lan.loop.advance(by: .s(3))
        // Had the loop (this thread) made the request itself, it would have waited in it.
        #expect(!kernel.timedOut)
        #expect(kernel.waitUntilHeld(1))
        let adverts = lan.adverts(from: "p1", since: start)
        #expect(adverts.count >= 3)
        #expect(!p1.host.has("198.18.0.100"))
        // No gratuitous ARP for an address the kernel does not have yet.
        #expect(p1.host.frames.isEmpty)
        kernel.release()
        #expect(kernel.waitUntilAnswered(1))
        lan.loop.advance(by: .s(1))
        #expect(p1.host.has("198.18.0.100"))
        #expect(p1.host.addressLog == ["add 198.18.0.100/24 eth0"])
        // The gratuitous ARPs went out once the address was there.
        #expect(!p1.host.frames.isEmpty)
    }

    @Test("a delete queued behind an unanswered add reaches the kernel after it: the address ends up gone")
    func addThenDeleteInOrder() throws {
        let (lan, p1, kernel) = try Self.masterWithHeldAdd()
        defer { p1.daemon.addressRequests.stop() }
        #expect(kernel.waitUntilHeld(1))
        p1.terminate()
        kernel.release()
        #expect(kernel.waitUntilAnswered(2))
        lan.loop.drain()
        #expect(p1.host.addressLog == ["add 198.18.0.100/24 eth0", "delete 198.18.0.100/24 eth0"])
        #expect(!p1.host.has("198.18.0.100"))
        // Its gratuitous ARPs, queued on the worker behind the add, were not sent: the
        // instance had left MASTER by then.
        #expect(p1.host.frames.isEmpty)
    }

    @Test("takeover: the worker sends the gratuitous ARPs right after the kernel answers the add, without a round trip through the loop")
    func announcedFromTheWorker() throws {
        let (lan, p1, kernel) = try Self.masterWithHeldAdd()
        defer { p1.daemon.addressRequests.stop() }
        #expect(kernel.waitUntilHeld(1))
        #expect(p1.host.frames.isEmpty)
        kernel.release()
        #expect(p1.daemon.addressRequests.waitUntilIdle(limit: .seconds(10)))
        // The loop (this thread) has not turned since the release: the frames went from the
        // worker. garp_master_repeat 5, one VIP.
        #expect(p1.host.frames.count == 5)
        lan.loop.drain()
        #expect(p1.host.has("198.18.0.100"))
        #expect(p1.logs.contains("Sending/queueing gratuitous ARPs"))
    }

    @Test("no gratuitous ARP for a VIP the kernel refused to add")
    func noAnnouncementForAFailedAdd() throws {
        let (lan, p1, kernel) = try Self.masterWithHeldAdd()
        defer { p1.daemon.addressRequests.stop() }
        #expect(kernel.waitUntilHeld(1))
        kernel.failAddresses()
        kernel.release()
        #expect(p1.daemon.addressRequests.waitUntilIdle(limit: .seconds(10)))
        lan.loop.drain()
        #expect(!p1.host.has("198.18.0.100"))
        #expect(p1.host.frames.isEmpty)
        #expect(p1.logs.contains("cannot add 198.18.0.100/24"))
    }

    @Test("the worker thread runs from start-up, before the first request: a takeover's add does not wait for a thread to be created")
    func workerStartsWithTheDaemon() throws {
        let lan = FakeLAN()
        let node = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: instanceBlock(priority: 150)) { host in
            var io = host.io
            io.addressRequests = .worker
            return io
        }
        defer { node.daemon.addressRequests.stop() }
        // BACKUP, nothing submitted yet (a fresh host has no leftovers to remove).
        #expect(node.state() == "BACKUP")
        #expect(node.daemon.addressRequests.outstanding == 0)
        let deadline = ContinuousClock.now + .seconds(10)  // a hang catcher, not a timing bound
        while !node.daemon.addressRequests.isWorkerRunning, ContinuousClock.now < deadline {
            Syscall.sleep(nanoseconds: 1_000_000)
        }
        #expect(node.daemon.addressRequests.isWorkerRunning)
    }

    @Test("use_vmac at SIGTERM: the macvlan is deleted after the VIP deletes queued before it (no \"cannot remove\" for an address whose link is already gone)")
    func virtualMACDeletedAfterAddresses() throws {
        let lan = FakeLAN()
        var made: HeldConfigurator?
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: instanceBlock(priority: 150, extra: "use_vmac")) { host in
            let configurator = HeldConfigurator(host: host)
            made = configurator
            var io = host.io
            io.addresses = configurator
            io.addressRequests = .worker
            return io
        }
        defer { p1.daemon.addressRequests.stop() }
        let kernel = try #require(made)
        kernel.release()
        // The macvlan is made on the worker; its completion comes back through the loop.
        Self.settle(lan, p1)
        lan.loop.advance(by: .s(4))
        #expect(p1.state() == "MASTER")
        #expect(kernel.waitUntilAnswered(1))
        lan.loop.drain()
        #expect(p1.host.has("198.18.0.100"))
        p1.terminate()
        #expect(p1.daemon.addressRequests.waitUntilIdle(limit: .seconds(10)))
        lan.loop.drain()
        #expect(p1.host.requestLog.suffix(2) == ["delete 198.18.0.100/24 vrrp.51", "delete vrrp.51"], "\(p1.host.requestLog)")
        #expect(p1.host.link(named: "vrrp.51") == nil)
        #expect(!p1.logs.contains("cannot remove"), "\(p1.logs.all.filter { $0.contains("cannot") })")
    }

    @Test("use_vmac: while the kernel has not answered the macvlan creation, the loop keeps turning and the master advertises; the VIP goes on the macvlan once it exists")
    func advertsWhileMacvlanCreationPending() throws {
        let lan = FakeLAN()
        var made: HeldConfigurator?
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: instanceBlock(priority: 150, extra: "use_vmac")) { host in
            let configurator = HeldConfigurator(host: host)
            made = configurator
            var io = host.io
            io.addresses = configurator
            io.virtualMAC = configurator
            io.addressRequests = .worker
            return io
        }
        defer { p1.daemon.addressRequests.stop() }
        let kernel = try #require(made)
        let start = lan.loop.now()
        lan.loop.advance(by: .s(4))
        // Had the loop (this thread) made the macvlan itself, it would have waited in it.
        #expect(!kernel.timedOut)
        #expect(kernel.waitUntilHeld(1))
        #expect(p1.state() == "MASTER")
        #expect(lan.adverts(from: "p1", since: start).count >= 1)
        #expect(!p1.host.has("198.18.0.100"))
        // Not an error: the address waits for its macvlan.
        #expect(!p1.logs.contains("does not exist"), "\(p1.logs.all.filter { $0.contains("does not exist") })")
        kernel.release()
        #expect(kernel.waitUntilAnswered(1))
        Self.settle(lan, p1)
        lan.loop.advance(by: .s(1))
        Self.settle(lan, p1)
        let vmac = try #require(p1.host.link(named: "vrrp.51"))
        #expect(vmac.isUp)
        #expect(p1.host.sysctls["net/ipv4/conf/vrrp.51/arp_ignore"] == "1" && p1.host.sysctls["net/ipv4/conf/vrrp.51/rp_filter"] == "0")
        #expect(p1.host.sysctls["net/ipv4/conf/eth0/arp_ignore"] == "1")
        #expect(p1.host.has("198.18.0.100"))
        #expect(p1.host.requestLog.contains("add 198.18.0.100/24 vrrp.51"), "\(p1.host.requestLog)")
        #expect(!p1.logs.contains("cannot"), "\(p1.logs.all.filter { $0.contains("cannot") })")
    }

    /// Runs the worker's queue and the completions it hands back, and what those queue in
    /// turn (the macvlan's creation, its raise, the link-local copy: three rounds at most).
    static func settle(_ lan: FakeLAN, _ node: SimNode) {
        for _ in 0..<4 {
            #expect(node.daemon.addressRequests.waitUntilIdle(limit: .seconds(10)))
            lan.loop.drain()
        }
    }

    /// p1 whose address requests and macvlan creations are held, on the request worker.
    static func heldVirtualMACNode(_ lan: FakeLAN, addresses: [[String]], config: String) throws -> (SimNode, HeldConfigurator) {
        var made: HeldConfigurator?
        let p1 = try SimNode(lan, "p1", addresses: addresses, config: config) { host in
            let configurator = HeldConfigurator(host: host)
            made = configurator
            var io = host.io
            io.addresses = configurator
            io.virtualMAC = configurator
            io.addressRequests = .worker
            return io
        }
        return (p1, try #require(made))
    }

    @Test("use_vmac: SIGTERM while the macvlan creation is held: the delete follows the creation, no macvlan is left behind")
    func stopWhileMacvlanCreationPending() throws {
        let lan = FakeLAN()
        let (p1, kernel) = try Self.heldVirtualMACNode(lan, addresses: [["198.18.0.11/24"]],
                                                       config: instanceBlock(priority: 150, extra: "use_vmac"))
        defer { p1.daemon.addressRequests.stop() }
        #expect(kernel.waitUntilHeld(1))
        lan.loop.advance(by: .s(1))
        p1.terminate()
        kernel.release()
        #expect(p1.daemon.addressRequests.waitUntilIdle(limit: .seconds(10)))
        lan.loop.drain()
        #expect(!kernel.timedOut)
        #expect(p1.host.linkLog.contains { $0.hasPrefix("create macvlan vrrp.51") }, "\(p1.host.linkLog)")
        #expect(p1.host.linkLog.last == "delete vrrp.51", "\(p1.host.linkLog)")
        #expect(p1.host.link(named: "vrrp.51") == nil)
    }

    @Test("use_vmac_addr: while the kernel has not answered the extra macvlans' creation, the master advertises; then the VIPs go on them, the base's link-local copied onto the IPv6 one")
    func addressMACsWhileCreationPending() throws {
        let lan = FakeLAN()
        let config = instanceBlock(priority: 150, vip: "198.18.0.100/24\n        198.18.1.100/24 dev eth1",
                                   extra: "use_vmac_addr\nvirtual_ipaddress_excluded {\n    2001:db8::100/64\n}")
        let (p1, kernel) = try Self.heldVirtualMACNode(lan, addresses: [["198.18.0.11/24", "fe80::11/64"], ["198.18.1.11/24", "fe80::1:11/64"]],
                                                       config: config)
        defer { p1.daemon.addressRequests.stop() }
        let start = lan.loop.now()
        lan.loop.advance(by: .s(4))
        #expect(!kernel.timedOut)
        #expect(kernel.waitUntilHeld(1))
        #expect(p1.state() == "MASTER")
        #expect(lan.adverts(from: "p1", since: start).count >= 1)
        #expect(p1.host.link(named: "vrrp6.51") == nil)
        kernel.release()
        Self.settle(lan, p1)
        lan.loop.advance(by: .s(1))
        Self.settle(lan, p1)
        let v4 = try #require(p1.host.link(named: "vrrp.51"), "\(p1.host.linkLog)")
        let v6 = try #require(p1.host.link(named: "vrrp6.51"), "\(p1.host.linkLog)")
        #expect(v4.isUp && v6.isUp)
        #expect(p1.host.addressLog.contains("add 198.18.1.100/24 vrrp.51"), "\(p1.host.addressLog)")
        #expect(p1.host.addressLog.contains("add 2001:db8::100/64 vrrp6.51"), "\(p1.host.addressLog)")
        #expect(p1.host.addressLog.contains("add fe80::11/64 vrrp6.51"), "\(p1.host.addressLog)")
        #expect(!p1.logs.contains("cannot") && !p1.logs.contains("does not exist"),
                "\(p1.logs.all.filter { $0.contains("cannot") || $0.contains("does not exist") })")
    }

    @Test("use_vmac: a reload that restarts the instance while its macvlan creation is held: the old one is deleted behind the creation, the new one made after that delete; the VIP ends up on it")
    func reloadWhileMacvlanCreationPending() throws {
        let lan = FakeLAN()
        let (p1, kernel) = try Self.heldVirtualMACNode(lan, addresses: [["198.18.0.11/24"]],
                                                       config: instanceBlock(priority: 150, extra: "use_vmac"))
        defer { p1.daemon.addressRequests.stop() }
        #expect(kernel.waitUntilHeld(1))
        let reloaded = p1.reload(instanceBlock(priority: 150, extra: "use_vmac\nvmac_xmit_base"))
        #expect(reloaded.ok && reloaded.changed == ["VI_1"], "\(reloaded)")
        #expect(!kernel.timedOut)
        kernel.release()
        Self.settle(lan, p1)
        lan.loop.advance(by: .s(5))
        Self.settle(lan, p1)
        lan.loop.advance(by: .s(1))
        Self.settle(lan, p1)
        #expect(p1.state() == "MASTER")
        let creates = p1.host.linkLog.filter { $0.hasPrefix("create") || $0.hasPrefix("delete") }
        #expect(creates.count == 3 && creates[1] == "delete vrrp.51" && creates[2].hasPrefix("create macvlan vrrp.51"), "\(p1.host.linkLog)")
        let vmac = try #require(p1.host.link(named: "vrrp.51"), "\(p1.host.linkLog)")
        #expect(vmac.isUp)
        #expect(try p1.host.addresses().contains { $0.address == IPAddress("198.18.0.100")! && $0.ifindex == vmac.index })
        #expect(!p1.logs.contains("cannot"), "\(p1.logs.all.filter { $0.contains("cannot") })")
    }
}
