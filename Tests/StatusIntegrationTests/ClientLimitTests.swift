// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import VRRPLab
import VRRPTestSupport
import VRRPStatus

/// What /proc says about a process: resident memory (KiB), open descriptors, CPU ticks.
struct ProcessUsage {
    var rssKiB: Int
    var descriptors: Int
    var cpuTicks: Int

    init(pid: Int32) throws {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let rssLine = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        rssKiB = Int(rssLine.split(separator: " ").dropFirst().first ?? "") ?? -1
        descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count
        // utime and stime are fields 14 and 15; the command name (field 2) may hold spaces.
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        let fields = stat[stat.index(after: stat.lastIndex(of: ")")!)...].split(separator: " ")
        cpuTicks = (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
    }
}

/// Non-blocking connections to a Unix socket, held open by the test.
final class HeldConnections {
    private(set) var fds: [Int32] = []
    private(set) var refused = 0

    init(path: String, count: Int) {
        // Once the backlog has refused one connection for 0.5 s, the rest are tried once each.
        var patience = 250
        for _ in 0..<count {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { refused += 1; continue }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                let bytes = Array(path.utf8)
                raw.copyBytes(from: bytes)
                raw[bytes.count] = 0
            }
            // A full backlog answers EAGAIN: give the daemon up to 0.5 s to accept, as a patient client would.
            var rc: Int32 = -1
            for _ in 0..<patience {
                rc = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
                }
                guard rc != 0, errno == EAGAIN else { break }
                usleep(2000)
            }
            if rc == 0 {
                fds.append(fd)
            } else {
                refused += 1
                patience = 1
                close(fd)
            }
        }
    }

    /// Writes `bytes` once on each of the first `count` connections (as much as goes in).
    func send(_ bytes: [UInt8], onFirst count: Int) {
        for fd in fds.prefix(count) { _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }
    }

    func closeAll() {
        for fd in fds { close(fd) }
        fds.removeAll()
    }

    deinit { closeAll() }
}

extension StatusIntegrationTests {
    /// With 1 024 descriptors the connection limit is reached first; with 40 the process runs
    /// out of descriptors (EMFILE) after about 24 clients, which once made the loop spin.
    @Test("1 100 idle and non-reading status clients: fds and memory bounded, no spinning, adverts on time, vrrpctl fails fast, SIGUSR1 and SIGHUP work",
          arguments: [1024, 40])
    func idleAndNonReadingClients(descriptorLimit: Int) async throws {
        try requireLab(statusRequirements)
        try await withLab { lab in
            let topology = try LabTopology(in: lab, proxies: 2)
            // The open-file limit of a default service: 1 100 connections are more than it allows.
            let master = try startDaemon(lab, on: topology.proxies[0],
                                              config: LabVRRPInstance.configuration(routerID: "p1", [vrrpInstance(priority: 150)]),
                                              prefix: ["/usr/bin/prlimit", "--nofile=\(descriptorLimit):\(descriptorLimit)"])
            try master.waitForState("MASTER")
            let backup = try startDaemon(lab, on: topology.proxies[1],
                                              config: LabVRRPInstance.configuration(routerID: "p2", [vrrpInstance(priority: 100)]))
            try backup.waitForState("BACKUP")
            let capture = try lab.startCapture(backup.host, ifname: "eth0", filter: "vrrp", name: "adverts")
            let before = try ProcessUsage(pid: master.process.pid)
            let started = Date().timeIntervalSince1970

            // 500 clients pipeline status requests and never read; 600 more connect and say nothing.
            let held = HeldConnections(path: master.socketPath, count: 1100)
            defer { held.closeAll() }
            let connected = held.fds.count
            held.send(Array(String(repeating: "status\n", count: 585).utf8), onFirst: 500)
            try await Task.sleep(for: .seconds(3))

            // A spinning loop shows as CPU: with the listener never backing off it took 40 % of a
            // core here on a loaded 2-core machine; a quiet one takes 1-3 %.
            let cpuStart = try ProcessUsage(pid: master.process.pid).cpuTicks
            try await Task.sleep(for: .seconds(4))
            let during = try ProcessUsage(pid: master.process.pid)
            let ticksPerSecond = sysconf(Int32(_SC_CLK_TCK))
            let cpuShare = Double(during.cpuTicks - cpuStart) / Double(ticksPerSecond) / 4
            #expect(cpuShare < 0.2, "vrrpd used \(cpuShare * 100)% of a core while the clients were held")
            #expect(during.descriptors <= before.descriptors + 300, "descriptors \(before.descriptors) → \(during.descriptors)")
            #expect(during.rssKiB - before.rssKiB <= 64 * 1024, "RSS \(before.rssKiB) KiB → \(during.rssKiB) KiB")

            // vrrpctl answers, or fails fast: never hangs.
            let clock = ContinuousClock()
            let asked = clock.now
            let ctl = try master.vrrpctl(["status"])
            let took = clock.now - asked
            #expect(took < .seconds(15), "vrrpctl status took \(took) (exit \(ctl.status), stderr \(ctl.stderr))")

            // A SIGUSR1 dump needs descriptors too: the reserve provides them.
            let jsonPath = "\(master.dumpDir)/vrrpd.json"
            lab.signal(master.process, SIGUSR1)
            try master.waitUntil("a SIGUSR1 dump while the clients are held", timeout: .seconds(15)) {
                FileManager.default.fileExists(atPath: jsonPath)
            }
            // With the descriptors all taken, the attack has to end before anyone else gets in:
            // the held connections fill the listen backlog ahead of vrrpctl.
            if descriptorLimit < 100 { held.closeAll() }

            // Idle and non-reading clients are timed out: afterwards vrrpctl answers again.
            try master.waitUntil("vrrpctl status to answer again", timeout: .seconds(90)) {
                let result = try master.vrrpctl(["status"])
                return result.status == 0 && result.stdout.contains("MASTER")
            }

            // SIGHUP reload still works (it needs descriptors): a second instance appears.
            let config = LabVRRPInstance.configuration(routerID: "p1", [vrrpInstance(priority: 150),
                                                         vrrpInstance(name: "VI_2", vrid: 52, priority: 150, vip: "198.18.0.101")])
            try config.write(toFile: master.configPath, atomically: true, encoding: .utf8)
            lab.signal(master.process, SIGHUP)
            try master.waitForState("MASTER", instance: "VI_2", timeout: .seconds(30))

            let ended = Date().timeIntervalSince1970
            let after = try ProcessUsage(pid: master.process.pid)
            print("limit \(descriptorLimit): held clients: \(connected) connected, \(held.refused) refused; CPU \(cpuShare * 100)%; " +
                  "fds \(before.descriptors) → \(during.descriptors) → \(after.descriptors); RSS \(before.rssKiB) → \(during.rssKiB) → \(after.rssKiB) KiB; vrrpctl took \(took)")
            let gaps = try lab.readAdverts(capture.stop()).longestGaps(from: "198.18.0.11", between: started, and: ended)
            #expect((gaps[51] ?? 99) <= 1.5, "longest advert gap of VRID 51: \(gaps[51] ?? -1) s")
            #expect(try backup.instance().state == "BACKUP", "a second master on p2")
            #expect(try backup.instance().counters.becomeMaster == 0)
            let lag = try master.snapshot().daemon.loopLagLastMinute
            #expect(lag != nil && lag! < 1.0, "p1 loop lag: \(lag.map { "\($0) s" } ?? "not reported")")
            #expect(lab.isRunning(master.process))
        }
    }
}
