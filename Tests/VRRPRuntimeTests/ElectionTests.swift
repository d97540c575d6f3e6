// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Testing
import VRRPCore
import VRRPLinux
@testable import VRRPRuntime
import VRRPTestSupport

/// The daemon's election over the simulated LAN at simulated time (RFC 5798 §6.4).
@Suite("Runtime: election, takeover and shutdown at simulated time")
struct ElectionTests {
    /// Two nodes, p1 (150) and p2 (100), sharing VRID 51.
    static func pair(_ extra1: String = "", _ extra2: String = "", advertInt: String = "1") throws
        -> (FakeLAN, SimNode, SimNode)
    {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]],
                             config: instanceBlock(priority: 150, advertInt: advertInt, extra: extra1))
        let p2 = try SimNode(lan, "p2", addresses: [["198.18.0.12/24"]],
                             config: instanceBlock(priority: 100, advertInt: advertInt, extra: extra2))
        return (lan, p1, p2)
    }

    @Test("alone, a backup becomes MASTER when Master_Down_Interval expires, installs the VIP and announces it")
    func aloneBecomesMaster() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: instanceBlock(priority: 100))
        #expect(p1.state() == "BACKUP")
        // Master_Down_Interval = 3 × 1 s + Skew_Time (256 − 100) / 256 s = 3.609375 s (RFC 3768 §6.1).
        lan.loop.advance(by: .s(3.6))
        #expect(p1.state() == "BACKUP")
        lan.loop.advance(by: .s(0.01))
        #expect(p1.state() == "MASTER")
        #expect(p1.host.has("198.18.0.100"))
        #expect(p1.host.frames.count == 5)  // garp_master_repeat 5, one VIP
        #expect(lan.adverts(from: "p1").count == 1)
    }

    @Test("the higher priority wins; only the master advertises, once per interval, and holds the VIP")
    func higherPriorityWins() throws {
        let (lan, p1, p2) = try Self.pair()
        lan.loop.advance(by: .s(10))
        #expect(p1.state() == "MASTER")
        #expect(p2.state() == "BACKUP")
        #expect(p1.host.has("198.18.0.100") && !p2.host.has("198.18.0.100"))
        let since = lan.loop.now()
        lan.loop.advance(by: .s(10))
        let adverts = lan.adverts(since: since)
        #expect(adverts.allSatisfy { $0.host == "p1" })
        #expect((10...11).contains(adverts.count))
        #expect(adverts.allSatisfy { $0.advertisement?.priority == 150 })
    }

    @Test("a master crash: the backup takes over Master_Down_Interval after the last advert")
    func crashTakeover() throws {
        let (lan, p1, p2) = try Self.pair()
        lan.loop.advance(by: .s(10))
        p1.crash()
        let last = lan.adverts(from: "p1").last!.at
        // p2's Master_Down_Interval: 3 × 1 s + (256 − 100) / 256 s.
        let mdi = Interval(nanoseconds: 3_609_375_000)
        lan.loop.advance(to: last + Interval(nanoseconds: mdi.nanoseconds - 1_000_000))
        #expect(p2.state() == "BACKUP")
        lan.loop.advance(by: .milliseconds(2))
        #expect(p2.state() == "MASTER")
        #expect(p2.host.has("198.18.0.100"))
        #expect(p2.instance()?.lastTakeoverMilliseconds.map { abs($0 - mdi.milliseconds) < 1 } == true)
    }

    @Test("SIGTERM: the master sends priority 0, removes its VIP and the backup takes over after Skew_Time")
    func gracefulRelease() throws {
        let (lan, p1, p2) = try Self.pair()
        lan.loop.advance(by: .s(10))
        p1.terminate()
        #expect(lan.adverts(from: "p1").last?.advertisement?.priority == 0)
        #expect(!p1.host.has("198.18.0.100"))
        #expect(lan.loop.stopped)
        lan.loop.advance(by: .s(0.6))   // Skew_Time (256 − 100) / 256 = 0.609 s
        #expect(p2.state() == "BACKUP")
        lan.loop.advance(by: .s(0.02))
        #expect(p2.state() == "MASTER")
    }

    @Test("preemption: a higher-priority node that starts later takes over")
    func preempt() throws {
        let lan = FakeLAN()
        let p2 = try SimNode(lan, "p2", addresses: [["198.18.0.12/24"]], config: instanceBlock(priority: 100))
        lan.loop.advance(by: .s(5))
        #expect(p2.state() == "MASTER")
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: instanceBlock(priority: 150))
        lan.loop.advance(by: .s(5))
        #expect(p1.state() == "MASTER")
        #expect(p2.state() == "BACKUP")
        #expect(!p2.host.has("198.18.0.100"))
    }

    @Test("nopreempt: a higher-priority node that starts later stays BACKUP")
    func nopreempt() throws {
        let lan = FakeLAN()
        let p2 = try SimNode(lan, "p2", addresses: [["198.18.0.12/24"]], config: instanceBlock(priority: 100, extra: "nopreempt"))
        lan.loop.advance(by: .s(5))
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: instanceBlock(priority: 150, extra: "nopreempt"))
        lan.loop.advance(by: .s(10))
        #expect(p1.state() == "BACKUP")
        #expect(p2.state() == "MASTER")
    }

    @Test("VRRPv3 at 100 ms: takeover after 3 × 0.1 s + skew")
    func v3Fast() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]],
                             config: instanceBlock(priority: 150, advertInt: "0.1", extra: "version 3"))
        let p2 = try SimNode(lan, "p2", addresses: [["198.18.0.12/24"]],
                             config: instanceBlock(priority: 100, advertInt: "0.1", extra: "version 3"))
        lan.loop.advance(by: .s(2))
        #expect(p1.state() == "MASTER")
        p1.crash()
        let last = lan.adverts(from: "p1").last!.at
        lan.loop.advance(to: last + .milliseconds(330))   // 300 ms + (256 − 100) × 10 ms / 256 = 0.36 s
        #expect(p2.state() == "BACKUP")
        lan.loop.advance(to: last + .milliseconds(362))
        #expect(p2.state() == "MASTER")
        #expect(lan.adverts(from: "p2").allSatisfy { $0.advertisement?.version == .v3 })
    }

    @Test("IPv6: link-local source, ff02::12, unsolicited NAs for the VIP")
    func ipv6() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["fe80::11/64", "2001:db8::11/64"]],
                             config: instanceBlock(priority: 150, vip: "2001:db8::100/64", extra: "version 3"))
        lan.loop.advance(by: .s(5))
        #expect(p1.state() == "MASTER")
        let advert = lan.adverts(from: "p1").last!
        #expect(advert.source == IPAddress("fe80::11"))
        #expect(advert.destination == IPAddress("ff02::12"))
        #expect(p1.host.has("2001:db8::100"))
        // Ethernet type 0x86dd: IPv6 neighbour advertisements, not ARP.
        #expect(p1.host.frames.allSatisfy { $0.frame[12] == 0x86 && $0.frame[13] == 0xdd })
    }

    @Test("garp_master_delay: a second burst of gratuitous ARPs 5 s after becoming master")
    func garpDelay() throws {
        let lan = FakeLAN()
        let p1 = try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]],
                             config: instanceBlock(priority: 100, extra: "garp_master_repeat 2"))
        lan.loop.advance(by: .s(3.7))
        #expect(p1.host.frames.count == 2)
        lan.loop.advance(by: .s(5))
        #expect(p1.host.frames.count == 4)
    }
}
