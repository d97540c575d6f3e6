// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPCore
import VRRPLab

/// What vrrpd puts on the wire, read back from a capture at the client, beside keepalived 2.2.7
/// where the machine has it: DSCP, the unsolicited NA's flags, the multicast group.
@Suite("vrrpd on the wire", .serialized)
struct WireTests {
    /// One VRRP instance block with `vrid`, `family`'s VIP and `extra` lines.
    static func instance(_ name: String, vrid: Int, priority: Int, vip: String,
                         extra: [String] = []) -> LabVRRPInstance {
        var i = LabVRRPInstance()
        i.name = name
        i.vrid = vrid
        i.priority = priority
        i.version = 3
        i.virtualAddresses = [vip]
        i.addressDevice = false
        i.extraLines = extra
        return i
    }

    /// Every captured VRRP packet and unsolicited NA, decoded by the core's capture decoder.
    static func decoded(_ capture: LabCapture) throws -> (vrrp: [VRRPPacket], nas: [(IPv6Header, NeighborAdvertisement)]) {
        var vrrp: [VRRPPacket] = []
        var nas: [(IPv6Header, NeighborAdvertisement)] = []
        for frame in try capture.frames() {
            switch CaptureDecoder.decode(frame.bytes).content {
            case .vrrp(let p): vrrp.append(p)
            case .neighborAdvertisement(let h, let na): nas.append((h, na))
            default: break
            }
        }
        return (vrrp, nas)
    }

    static func trafficClass(_ header: IPHeader) -> UInt8 {
        switch header {
        case .v4(let h): h.tos
        case .v6(let h): h.trafficClass
        }
    }

    @Test("adverts carry DSCP CS6 (TOS / traffic class 0xc0) and unsolicited NAs the Router flag (RFC 5798 §6.4.1); keepalived 2.2.7 sends CS6 too, and R=0")
    func dscpAndRouterFlag() async throws {
        try await withDaemonLab { lab in
            let (p1, p2) = (lab.proxies[0], lab.proxies[1])
            let capture = try lab.lab.startCapture(lab.client, ifname: "eth0",
                                                   filter: "ip proto 112 or ip6 proto 112 or icmp6", name: "wire")
            let ours = try await lab.startDaemon(on: p1, config: LabVRRPInstance.configuration(routerID: "p1", [
                Self.instance("VI_4", vrid: 51, priority: 150, vip: "198.18.0.100/24"),
                Self.instance("VI_6", vrid: 52, priority: 150, vip: "2001:db8::100/64"),
            ]))
            let keepalived = try Lab.keepalivedPath.map { _ in
                try lab.lab.startKeepalived(p2, config: LabVRRPInstance.configuration(routerID: "p2", [
                    Self.instance("VK_4", vrid: 61, priority: 150, vip: "198.18.0.101/24"),
                    Self.instance("VK_6", vrid: 62, priority: 150, vip: "2001:db8::101/64"),
                ]))
            }
            try await lab.waitForState(ours, "MASTER", instance: "VI_4")
            try await lab.waitForState(ours, "MASTER", instance: "VI_6")
            let ourVIP6 = try #require(IPv6Address("2001:db8::100"))
            let theirVIP6 = try #require(IPv6Address("2001:db8::101"))
            let vrids: Set<UInt8> = keepalived == nil ? [51, 52] : [51, 52, 61, 62]
            try await lab.wait("adverts of VRIDs \(vrids.sorted()) and the NAs at the client") {
                let (vrrp, nas) = try Self.decoded(capture)
                return vrids.isSubset(of: Set(vrrp.map(\.advertisement.vrid)))
                    && nas.contains { $0.1.target == ourVIP6 }
                    && (keepalived == nil || nas.contains { $0.1.target == theirVIP6 })
            }
            capture.stop()
            let (vrrp, nas) = try Self.decoded(capture)
            for p in vrrp {
                // Both daemons: DSCP CS6 in both families.
                #expect(Self.trafficClass(p.ipHeader) == 0xC0,
                        "VRID \(p.advertisement.vrid) from \(p.ipHeader.source): class 0x\(String(Self.trafficClass(p.ipHeader), radix: 16))")
            }
            #expect(vrrp.contains { $0.advertisement.vrid == 51 && Self.trafficClass($0.ipHeader) == 0xC0 })
            #expect(vrrp.contains { $0.advertisement.vrid == 52 && Self.trafficClass($0.ipHeader) == 0xC0 })
            let mac = try lab.mac(p1)
            for (ip, na) in nas where na.target == ourVIP6 {
                // RFC 5798 §6.4.1: Router set, Solicited clear, Override set, our MAC.
                #expect(na.router && !na.solicited && na.override, "\(na)")
                #expect(na.targetLinkLayerAddress == mac)
                #expect(ip.hopLimit == 255 && ip.destination == .allNodes)
            }
            if keepalived != nil {
                // keepalived 2.2.7 leaves the Router flag clear (the difference is documented).
                #expect(nas.filter { $0.1.target == theirVIP6 }.allSatisfy { !$0.1.router && $0.1.override })
            }
            _ = ours
        }
    }

    @Test("mcast_dst_ip and vrrp_mcast_group4/6: two vrrpd (and keepalived 2.2.7) elect over the configured groups; nothing goes to 224.0.0.18 / ff02::12")
    func configuredMulticastGroups() async throws {
        try await withDaemonLab(proxies: 3) { lab in
            let (p1, p2, p3) = (lab.proxies[0], lab.proxies[1], lab.proxies[2])
            let globals = ["vrrp_mcast_group4 224.0.0.19", "vrrp_mcast_group6 ff02::13"]
            func conf(_ host: LabHost, _ priority: Int) -> String {
                LabVRRPInstance.configuration(routerID: host.name, [
                    Self.instance("VI_A", vrid: 51, priority: priority, vip: "198.18.0.100/24", extra: ["mcast_dst_ip 224.0.0.20"]),
                    Self.instance("VI_B", vrid: 53, priority: priority, vip: "198.18.0.102/24"),
                    Self.instance("VI_6", vrid: 52, priority: priority, vip: "2001:db8::100/64"),
                ], globalLines: globals)
            }
            let capture = try lab.lab.startCapture(lab.client, ifname: "eth0",
                                                   filter: "ip proto 112 or ip6 proto 112", name: "groups")
            let master = try await lab.startDaemon(on: p1, config: conf(p1, 150))
            let backup = try await lab.startDaemon(on: p2, config: conf(p2, 100))
            let keepalived = try Lab.keepalivedPath.map { _ in try lab.lab.startKeepalived(p3, config: conf(p3, 50)) }
            for name in ["VI_A", "VI_B", "VI_6"] {
                try await lab.waitForStates([(master, "MASTER"), (backup, "BACKUP")], instance: name)
                try await lab.wait("p2's \(name) to hear p1") {
                    try backup.instance(name).counters.advertiseRcvd >= 2
                }
            }
            if let keepalived {
                try await lab.wait("keepalived on p3 to be BACKUP of all three") {
                    ["VI_A", "VI_B", "VI_6"].allSatisfy { lab.lab.loggedState(keepalived, instance: $0) == "BACKUP" }
                }
            }
            capture.stop()
            let vrrp = try Self.decoded(capture).vrrp
            let destinations = Dictionary(grouping: vrrp, by: \.advertisement.vrid).mapValues { Set($0.map(\.ipHeader.destination)) }
            #expect(destinations[51] == [IPAddress("224.0.0.20")!], "\(destinations)")
            #expect(destinations[53] == [IPAddress("224.0.0.19")!], "\(destinations)")
            #expect(destinations[52] == [IPAddress("ff02::13")!], "\(destinations)")
            #expect(!vrrp.contains { $0.ipHeader.destination == .v4(.vrrpMulticast) || $0.ipHeader.destination == .v6(.vrrpMulticast) })
            #expect(!master.log.contains("not supported"), "\(master.log)")
        }
    }
}
