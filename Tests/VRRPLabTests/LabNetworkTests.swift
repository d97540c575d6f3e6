// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
@testable import VRRPLab
import VRRPTestSupport

/// Real namespaces, veths, bridges and processes: root only (as CI runs).
@Suite("Network-namespace lab", .requires(.root, .iproute2))
struct LabNetworkTests {
    struct Boom: Error {}

    @Test("three proxies and a client on one LAN reach each other over IPv4 and IPv6")
    func pingsAcrossTheLAN() async throws {
        try await withLab { lab in
            let topology = try LabTopology(in: lab, proxies: 3)
            #expect(topology.proxies.map(\.name) == ["p1", "p2", "p3"])
            #expect(topology.proxies.map(\.ipv4Address) == ["198.18.0.11", "198.18.0.12", "198.18.0.13"])
            for proxy in topology.proxies {
                #expect(try lab.ping(from: topology.client, proxy.ipv4Address!), "c → \(proxy.name) IPv4")
                #expect(try lab.ping(from: topology.client, proxy.ipv6Address!), "c → \(proxy.name) IPv6")
            }
            #expect(try lab.ping(from: topology.proxies[0], "198.18.0.13"))
            #expect(try lab.ping(from: topology.proxies[2], "2001:db8::11"))
            // Nothing answers an unused lab address.
            #expect(try !lab.ping(from: topology.client, "198.18.0.99"))
        }
    }

    @Test("teardown ends spawned processes and their children by PID and deletes every namespace")
    func teardownKillsAndDeletes() async throws {
        var prefix = ""
        var pids: [Int32] = []
        try await withLab { lab in
            prefix = lab.prefix
            let lan = try lab.addLAN("lan")
            let host = try lab.addHost("h1", on: [lan], ipv4: ["198.18.0.11/24"])
            let childFile = "\(host.directory)/child.pid"
            let sleeper = try lab.spawn(host, ["sleep", "60"], name: "sleeper")
            // A shell that starts a grandchild: teardown must end the whole process group.
            let shell = try lab.spawn(host, ["sh", "-c", "sleep 60 & echo $! > \(childFile); wait"], name: "shell")
            try waitUntil("the grandchild's pid file", timeout: .seconds(10)) {
                (try? String(contentsOfFile: childFile, encoding: .utf8))?.hasSuffix("\n") == true
            }
            let grandchild = try #require(Int32(String(contentsOfFile: childFile, encoding: .utf8).trimmingWhitespace()))
            pids = [sleeper.pid, shell.pid, grandchild]
            #expect(pids.allSatisfy(processExists))
            #expect(lab.isRunning(sleeper))
            #expect(try Set(Lab.namespaces(withPrefix: prefix)) == ["\(prefix)-s-lan", "\(prefix)-h-h1"])
        }
        #expect(!prefix.isEmpty && pids.count == 3)
        #expect(try Lab.namespaces(withPrefix: prefix).isEmpty)
        try waitUntil("spawned processes to disappear", timeout: .seconds(10)) { !pids.contains(where: processExists) }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/vrrplab-\(prefix)"))
    }

    @Test("teardown also happens when the body throws")
    func teardownOnThrow() async throws {
        var prefix = ""
        var pid: Int32 = 0
        await #expect(throws: Boom.self) {
            try await withLab { lab in
                prefix = lab.prefix
                let topology = try LabTopology(in: lab, proxies: 1)
                pid = try lab.spawn(topology.proxies[0], ["sleep", "60"], name: "sleeper").pid
                throw Boom()
            }
        }
        #expect(pid > 0)
        #expect(try Lab.namespaces(withPrefix: prefix).isEmpty)
        try waitUntil("the sleeper to disappear", timeout: .seconds(10)) { !processExists(pid) }
    }

    @Test("spawned processes get the environment, log to their host directory, and report exit status")
    func processLifecycle() async throws {
        try await withLab { lab in
            let lan = try lab.addLAN("lan")
            let host = try lab.addHost("h1", on: [lan], ipv4: ["198.18.0.11/24"])
            let echo = try lab.spawn(host, ["sh", "-c", "echo hello $LAB_WORD; echo oops >&2; exit 3"],
                                     name: "echo", environment: ["LAB_WORD": "lab"])
            #expect(lab.waitExit(echo, timeout: .seconds(10)) == 3)
            #expect(echo.logPath == "\(host.directory)/echo.log")
            #expect(lab.log(echo).contains("hello lab"))
            #expect(lab.log(echo).contains("oops"))

            let sleeper = try lab.spawn(host, ["sleep", "60"], name: "sleeper")
            #expect(lab.waitExit(sleeper, timeout: .milliseconds(50)) == nil)
            lab.signal(sleeper, SIGTERM)
            #expect(lab.waitExit(sleeper, timeout: .seconds(10)) == 128 + SIGTERM)
            #expect(!lab.isRunning(sleeper))

            let result = try lab.run(host, ["sh", "-c", "echo out; echo err >&2; exit 7"])
            #expect(result.status == 7 && result.stdout == "out\n" && result.stderr == "err\n")
            // `run` happens inside the host: it sees eth0, not the machine's interfaces.
            let links = try lab.runChecked(host, ["ip", "-o", "link", "show"]).stdout
            #expect(links.contains(": eth0@") && links.contains(": lo:"))
            #expect(links.split(separator: "\n").count == 2)
            #expect(throws: LabError.self) {
                try lab.run(host, ["sleep", "10"], timeout: .milliseconds(200))
            }
        }
    }

    @Test("a link down makes pings fail and link up restores them")
    func linkDownAndUp() async throws {
        try await withLab { lab in
            let topology = try LabTopology(in: lab, proxies: 1)
            let (p1, c) = (topology.proxies[0], topology.client)
            #expect(try lab.ping(from: c, "198.18.0.11"))
            try lab.setLink(p1, "eth0", up: false)
            #expect(try !lab.hasCarrier(p1, ifname: "eth0"))
            #expect(try !lab.ping(from: c, "198.18.0.11"))
            #expect(try !lab.ping(from: c, "2001:db8::11"))
            try lab.setLink(p1, "eth0", up: true)
            try waitUntil("IPv4 ping after link up", timeout: .seconds(10)) { try lab.ping(from: c, "198.18.0.11") }
            try waitUntil("IPv6 ping after link up", timeout: .seconds(10)) { try lab.ping(from: c, "2001:db8::11") }
        }
    }

    @Test("an unplugged cable takes the host's carrier away; replugging restores it")
    func cable() async throws {
        try await withLab { lab in
            let topology = try LabTopology(in: lab, proxies: 1)
            let (p1, c) = (topology.proxies[0], topology.client)
            try lab.setCable(p1, on: topology.lan, plugged: false)
            #expect(try !lab.hasCarrier(p1, ifname: "eth0"))
            #expect(try !lab.ping(from: c, "198.18.0.11"))
            try lab.setCable(p1, on: topology.lan, plugged: true)
            try waitUntil("carrier after replug", timeout: .seconds(10)) { try lab.hasCarrier(p1, ifname: "eth0") }
            try waitUntil("ping after replug", timeout: .seconds(10)) { try lab.ping(from: c, "198.18.0.11") }
        }
    }

    @Test("isolate() partitions one host while its link keeps carrier, and heals")
    func partition() async throws {
        try await withLab { lab in
            let topology = try LabTopology(in: lab, proxies: 2)
            let (p1, c) = (topology.proxies[0], topology.client)
            try lab.isolate(p1, on: topology.lan, true)
            #expect(try lab.hasCarrier(p1, ifname: "eth0"))
            #expect(try !lab.ping(from: c, "198.18.0.11"))
            #expect(try !lab.ping(from: p1, "198.18.0.12"))
            #expect(try lab.ping(from: c, "198.18.0.12"), "the rest of the LAN is unaffected")
            try lab.isolate(p1, on: topology.lan, false)
            try waitUntil("ping after healing", timeout: .seconds(10)) { try lab.ping(from: c, "198.18.0.11") }
        }
    }

    @Test("addresses() and mac() report what the host's interface carries")
    func addressesAndMAC() async throws {
        try await withLab { lab in
            let topology = try LabTopology(in: lab, proxies: 1)
            let p1 = topology.proxies[0]
            try lab.runChecked(p1, ["ip", "addr", "add", "198.18.0.100/32", "dev", "eth0"])
            try lab.runChecked(p1, ["ip", "-6", "addr", "add", "2001:db8::100/128", "dev", "eth0"])
            let addresses = try lab.addresses(p1, ifname: "eth0")
            for expected in ["198.18.0.11/24", "198.18.0.100/32", "2001:db8::11/64", "2001:db8::100/128"] {
                #expect(addresses.contains(expected), "\(expected) in \(addresses)")
            }
            #expect(addresses.contains { $0.hasPrefix("fe80:") && $0.hasSuffix("/64") })
            #expect(!addresses.contains("198.18.0.2/24"), "the client's address is not p1's")

            let mac = try lab.mac(p1, ifname: "eth0")
            #expect(mac.split(separator: ":").count == 6 && mac.allSatisfy { $0.isHexDigit || $0 == ":" })
            let link = try lab.runChecked(p1, ["ip", "-o", "link", "show", "dev", "eth0"]).stdout
            #expect(link.contains("link/ether \(mac) "))
            #expect(try lab.mac(topology.client, ifname: "eth0") != mac)
        }
    }

    @Test("a capture sees the ICMP echo between two hosts")
    func captureSeesICMP() async throws {
        try await withLab { lab in
            let topology = try LabTopology(in: lab, proxies: 1)
            let capture = try lab.startCapture(topology.proxies[0], ifname: "eth0", filter: "icmp")
            #expect(try lab.ping(from: topology.client, "198.18.0.11"))
            try waitUntil("the echo reply in the capture", timeout: .seconds(10)) {
                try capture.packets().contains { $0.contains("198.18.0.11 > 198.18.0.2") && $0.contains("ICMP echo reply") }
            }
            let path = capture.stop()
            #expect(!lab.isRunning(capture.process))
            let lines = try lab.readCapture(path)
            #expect(lines.contains { $0.contains("198.18.0.2 > 198.18.0.11") && $0.contains("ICMP echo request") },
                    "\(lines)")
            #expect(!lines.contains { $0.contains("ARP") }, "the filter applies")
            #expect(path.hasPrefix(topology.proxies[0].directory + "/") && path.hasSuffix(".pcap"))
        }
    }

    @Test("cleanupStale removes namespaces whose owner died and keeps a live owner's")
    func cleanupStale() async throws {
        // A PID that surely belongs to no process: a child we started and reaped.
        let dead = try Commands.temporary { try $0.execute(["/bin/sh", "-c", "echo $$"]) }!
        let deadPID = try #require(Int32(dead.stdout.trimmingWhitespace()))
        let stale = "vt\(deadPID)-dead-h-x", live = "vt\(getpid())-live-h-y"
        let ip = try #require(Commands.findIP())
        defer {
            _ = try? Commands.temporary { c in
                for name in [stale, live] { _ = try? c.execute([ip, "netns", "del", name]) }
            }
        }
        _ = try Commands.temporary { c in
            try c.checked([ip, "netns", "add", stale])
            try c.checked([ip, "netns", "add", live])
        }
        #expect(!processExists(deadPID))
        Lab.cleanupStale(prefixStart: "vt")
        #expect(try Lab.namespaces(withPrefix: "vt\(deadPID)-").isEmpty)
        #expect(try Lab.namespaces(withPrefix: "vt\(getpid())-") == [live])
    }
}

/// True while `pid` is a live process (a zombie counts as gone).
func processExists(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 || errno == EPERM else { return false }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    return stat[stat.index(close, offsetBy: 2)] != "Z"
}

@Suite("Network-namespace lab, kept on purpose", .requires(.root, .iproute2))
struct LabDetachTests {
    @Test("a detached lab survives its Lab object and Lab.remove(prefix:) removes it, processes included")
    func detachAndRemove() throws {
        let prefix = "vt\(getpid())d"
        var pid: Int32 = 0
        defer { try? Lab.remove(prefix: prefix) }
        do {
            let lab = try Lab(prefix: prefix)
            let lan = try lab.addLAN("lan")
            let host = try lab.addHost("h1", on: [lan], ipv4: ["198.18.0.11/24"])
            pid = try lab.spawn(host, ["sleep", "60"], name: "sleeper").pid
            #expect(try lab.run(in: lan, ["bridge", "link", "show"]).stdout.contains("h1"))
            lab.detach()
        }   // the Lab is released here; deinit must not tear a detached lab down
        #expect(try Set(Lab.namespaces(withPrefix: "\(prefix)-")) == ["\(prefix)-s-lan", "\(prefix)-h-h1"])
        #expect(processExists(pid))
        try Lab.remove(prefix: prefix)
        #expect(try Lab.namespaces(withPrefix: "\(prefix)-").isEmpty)
        try waitUntil("the sleeper to disappear", timeout: .seconds(10)) { !processExists(pid) }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/vrrplab-\(prefix)"))
    }
}
