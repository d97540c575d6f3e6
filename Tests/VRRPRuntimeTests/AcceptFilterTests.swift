// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore
@testable import VRRPRuntime
import VRRPTestSupport

/// The Accept_Mode drop set (RFC 5798 §6.4.3; keepalived `no_accept`) kept per transition
/// instead of recounted over every instance (issue 16).
@Suite("Accept_Mode drop set")
struct AcceptFilterTests {
    static func config(priority: Int, acceptOn: Set<String> = []) -> String {
        (1...4).map { i in
            let name = "VI_\(i)"
            return instanceBlock(name, vrid: 50 + i, priority: priority, vip: "198.18.0.\(100 + i)/32",
                                 extra: acceptOn.contains(name) ? "accept" : "no_accept")
        }.joined()
    }

    static func vips(_ last: [Int]) -> [IPv4Address] { last.map { IPv4Address("198.18.0.\(100 + $0)")! } }

    @Test("the set follows each transition: the new master's VIPs, each blocked before its add; none after a preemption; a reload's `accept` leaves it; shutdown does not open it before the VIPs are gone")
    func followsTransitions() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: Self.config(priority: 150))
        let p2 = try SimNode(lan, "p2", addresses: [["198.18.0.12/24"]], config: Self.config(priority: 100))
        lan.loop.advance(by: .s(5))
        #expect((1...4).allSatisfy { p1.state("VI_\($0)") == "MASTER" && p2.state("VI_\($0)") == "BACKUP" })
        #expect(p1.host.packetFilter?.ipv4 == Self.vips([1, 2, 3, 4]))
        #expect(p2.host.packetFilter?.ipv4 == [])
        // Every VIP's add came after an apply that blocked it.
        for vip in Self.vips([1, 2, 3, 4]) {
            let add = try #require(p1.host.addressLog.firstIndex(of: "add \(vip)/32 eth0"))
            let blocked = try #require(p1.host.packetFilterApplies.first { $0.ipv4.contains(vip) })
            #expect(blocked.afterAddressRequests <= add, "\(vip) added before it was blocked")
        }

        p1.crash()
        lan.loop.advance(by: .s(5))
        #expect((1...4).allSatisfy { p2.state("VI_\($0)") == "MASTER" })
        #expect(p2.host.packetFilter?.ipv4 == Self.vips([1, 2, 3, 4]))

        // `accept` on VI_2 by reload: its VIP is no longer dropped.
        #expect(p2.reload(Self.config(priority: 100, acceptOn: ["VI_2"])).ok)
        lan.loop.advance(by: .s(5))
        #expect(p2.state("VI_2") == "MASTER")
        #expect(p2.host.packetFilter?.ipv4 == Self.vips([1, 3, 4]))

        // p1 is back and preempts: p2 blocks nothing.
        p1.host.isolated = false
        lan.loop.advance(by: .s(5))
        #expect((1...4).allSatisfy { p1.state("VI_\($0)") == "MASTER" && p2.state("VI_\($0)") == "BACKUP" })
        #expect(p2.host.packetFilter?.ipv4 == [])
        #expect(p1.host.packetFilter?.ipv4 == Self.vips([1, 2, 3, 4]))

        // At SIGTERM the table keeps dropping until it is removed, after the VIPs' deletes: no
        // apply that opens a VIP still on the interface.
        let applies = p1.host.packetFilterApplies.count
        p1.terminate()
        #expect(p1.host.packetFilterApplies.count == applies)
        #expect(p1.host.packetFilterLog.last == "remove")
        #expect(p1.host.addressLog.filter { $0.hasPrefix("delete 198.18.0.10") }.count == 4)
    }

    @Test("the log names the addresses up to 16, and counts them beyond")
    func summary() {
        let few = Set((1...3).map { IPAddress.v4(IPv4Address("198.18.0.\($0)")!) })
        #expect(Daemon.addressSummary(few) == "198.18.0.1 198.18.0.2 198.18.0.3")
        #expect(Daemon.addressSummary([]) == "no address")
        let many = Set((1...17).map { IPAddress.v4(IPv4Address("198.18.0.\($0)")!) })
        #expect(Daemon.addressSummary(many) == "17 addresses")
    }
}
