// vrrp-bench: measures vrrpd failover in a network-namespace lab (root only).
//
// Two proxies (p1 priority 150, p2 priority 100) and a client on one LAN. Per scenario and run:
// - crash: SIGKILL p1's vrrpd and unplug p1's cable; time until the VIP appears on p2
//   (rtnetlink event seen by `ip -ts monitor address` in p2) and until the client captures
//   p2's first gratuitous ARP (pcap timestamps);
// - graceful: SIGTERM p1's vrrpd; time until the VIP appears on p2.
// Printed next to the backup's Master_Down_Interval and Skew_Time (RFC 5798 §6.1, RFC 3768 §6.1).
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Foundation
import VRRPCore
import VRRPLab
import VRRPStatus

struct Scenario {
    let name: String
    let version: Int
    /// keepalived's advert_int text.
    let advertInterval: String
    let advertCentiseconds: Int
    let backupPriority = 100
    let masterPriority = 150

    /// RFC 3768 §6.1: Skew_Time = (256 - Priority) / 256 s; RFC 5798 §6.1:
    /// ((256 - Priority) × Master_Adver_Interval) / 256, in centiseconds.
    var skewSeconds: Double {
        version == 2 ? Double(256 - backupPriority) / 256
            : Double((256 - backupPriority) * advertCentiseconds / 256) / 100
    }

    /// Master_Down_Interval = 3 × Master_Adver_Interval + Skew_Time.
    var masterDownSeconds: Double { 3 * Double(advertCentiseconds) / 100 + skewSeconds }
}

struct Options {
    var runs = 10
    var binDirectory: String
    var scenarios = ["v2", "v3"]
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
}

func parseOptions() throws -> Options {
    var options = Options(binDirectory: ProcessInfo.processInfo.environment["VRRP_BIN_DIR"]
        ?? URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]).deletingLastPathComponent().path)
    var args = CommandLine.arguments.dropFirst()
    while let arg = args.popFirst() {
        switch arg {
        case "--runs", "-n":
            guard let n = args.popFirst().flatMap(Int.init), n > 0 else { throw BenchError(description: "--runs needs a positive number") }
            options.runs = n
        case "--bin-dir":
            guard let dir = args.popFirst() else { throw BenchError(description: "--bin-dir needs a directory") }
            options.binDirectory = dir
        case "--scenario":
            guard let s = args.popFirst(), ["v2", "v3", "all"].contains(s) else {
                throw BenchError(description: "--scenario is v2, v3 or all")
            }
            options.scenarios = s == "all" ? ["v2", "v3"] : [s]
        case "-h", "--help":
            print("usage: vrrp-bench [--runs N] [--bin-dir DIR] [--scenario v2|v3|all]   (root)")
            exit(0)
        default:
            throw BenchError(description: "unknown argument \(arg) (try --help)")
        }
    }
    return options
}

// MARK: Daemons

struct Daemon {
    let process: LabProcess
    let socketPath: String
}

final class Bench {
    let lab: Lab
    let topology: LabTopology
    let scenario: Scenario
    let vrrpd: String
    var started = 0

    init(lab: Lab, scenario: Scenario, vrrpd: String) throws {
        self.lab = lab
        self.topology = try LabTopology(in: lab, proxies: 2)
        self.scenario = scenario
        self.vrrpd = vrrpd
    }

    var p1: LabHost { topology.proxies[0] }
    var p2: LabHost { topology.proxies[1] }
    let vip = "198.18.0.100/24"

    func config(_ host: LabHost, priority: Int) -> String {
        """
        global_defs {
            router_id \(host.name)
        }
        vrrp_instance VI_1 {
            state BACKUP
            interface eth0
            virtual_router_id 51
            priority \(priority)
            advert_int \(scenario.advertInterval)
            version \(scenario.version)
            virtual_ipaddress {
                \(vip)
            }
        }

        """
    }

    func start(_ host: LabHost, priority: Int) throws -> Daemon {
        started += 1
        let dir = "\(host.directory)/vrrpd-\(started)"
        try FileManager.default.createDirectory(atPath: "\(dir)/dump", withIntermediateDirectories: true)
        try config(host, priority: priority).write(toFile: "\(dir)/keepalived.conf", atomically: true, encoding: .utf8)
        let socket = "\(dir)/status.sock"
        let process = try lab.spawn(host, [vrrpd, "-f", "\(dir)/keepalived.conf", "--pid-file", "\(dir)/vrrpd.pid",
                                           "--status-socket", socket, "--dump-dir", "\(dir)/dump"],
                                    name: "vrrpd-\(started)")
        return Daemon(process: process, socketPath: socket)
    }

    func state(_ daemon: Daemon) -> String? {
        guard let client = try? StatusClient(path: daemon.socketPath),
              let snapshot = try? client.request(.status).snapshot else { return nil }
        return snapshot.instance(named: "VI_1")?.state
    }

    func hasVIP(_ host: LabHost) throws -> Bool { try lab.addresses(host, ifname: "eth0").contains(vip) }

    /// Sleeps between one and two advert intervals, uniformly: the crash then falls at a
    /// random phase of the master's advert timer, as a real crash does.
    func settle() {
        let interval = Double(scenario.advertCentiseconds) / 100
        Thread.sleep(forTimeInterval: interval * Double.random(in: 1...2))
    }

    func waitSteady(master: Daemon, backup: Daemon) throws {
        try waitUntil("p1 MASTER with the VIP, p2 BACKUP without it", timeout: .seconds(30)) {
            guard lab.isRunning(master.process), lab.isRunning(backup.process) else {
                throw BenchError(description: "a vrrpd exited:\n\(lab.log(master.process))\n\(lab.log(backup.process))")
            }
            let (on1, on2) = (try hasVIP(p1), try hasVIP(p2))
            return state(master) == "MASTER" && state(backup) == "BACKUP" && on1 && !on2
        }
    }
}

// MARK: Event sources

/// `ip -ts monitor address dev eth0` in a host: the times the VIP was added there.
struct AddressMonitor {
    let process: LabProcess
    let lab: Lab

    init(lab: Lab, host: LabHost) throws {
        self.lab = lab
        // -ts prints local time: pin it to UTC so it parses without a zone database.
        process = try lab.spawn(host, ["ip", "-ts", "monitor", "address", "dev", "eth0"], name: "ipmon",
                                environment: ["TZ": "UTC"])
        Thread.sleep(forTimeInterval: 0.3)
    }

    /// Times (Unix seconds) of every "added" event for `address` ("198.18.0.100/24").
    func additions(of address: String) -> [Double] {
        lab.log(process).split(separator: "\n").compactMap { line -> Double? in
            guard line.hasPrefix("["), !line.contains("Deleted"), line.contains(" \(address) ") else { return nil }
            return parseTimestamp(line.dropFirst().prefix { $0 != "]" })
        }
    }
}

/// "2026-11-25T10:40:01.123456" (UTC) → Unix seconds.
func parseTimestamp(_ text: Substring) -> Double? {
    let parts = text.split(separator: "T")
    guard parts.count == 2 else { return nil }
    let date = parts[0].split(separator: "-").compactMap { Int($0) }
    let time = parts[1].split(separator: ":")
    guard date.count == 3, time.count == 3, let hour = Int(time[0]), let minute = Int(time[1]),
          let second = Double(time[2]) else { return nil }
    var tm = tm()
    tm.tm_year = Int32(date[0] - 1900)
    tm.tm_mon = Int32(date[1] - 1)
    tm.tm_mday = Int32(date[2])
    tm.tm_hour = Int32(hour)
    tm.tm_min = Int32(minute)
    tm.tm_sec = 0
    return Double(timegm(&tm)) + second
}

func now() -> Double { Date().timeIntervalSince1970 }

// MARK: Runs

struct Results {
    var crashVIP: [Double] = []
    var crashGARP: [Double] = []
    var graceful: [Double] = []
}

func runScenario(_ scenario: Scenario, options: Options) async throws -> Results {
    let vrrpd = "\(options.binDirectory)/vrrpd"
    guard FileManager.default.isExecutableFile(atPath: vrrpd) else {
        throw BenchError(description: "no vrrpd at \(vrrpd): build it (swift build -c release --product vrrpd) or pass --bin-dir")
    }
    return try await withLab { lab in
        let bench = try Bench(lab: lab, scenario: scenario, vrrpd: vrrpd)
        let monitor = try AddressMonitor(lab: lab, host: bench.p2)
        let capture = try lab.startCapture(bench.topology.client, ifname: "eth0", filter: "arp", name: "garp")
        let p2MAC = try requireMAC(lab.mac(bench.p2, ifname: "eth0"))
        let vip = IPv4Address(198, 18, 0, 100)
        let backup = try bench.start(bench.p2, priority: scenario.backupPriority)
        var results = Results()

        for run in 1...options.runs {
            // Crash: SIGKILL + cable pull.
            var master = try bench.start(bench.p1, priority: scenario.masterPriority)
            try bench.waitSteady(master: master, backup: backup)
            // The master just sent its first advert: crash at a random phase of its interval.
            bench.settle()
            let t0 = now()
            lab.signal(master.process, SIGKILL)
            try lab.setCable(bench.p1, on: bench.topology.lan, plugged: false)
            _ = lab.waitExit(master.process, timeout: .seconds(5))
            try waitUntil("p2 to take over", timeout: .seconds(30)) {
                try bench.hasVIP(bench.p2) && bench.state(backup) == "MASTER"
            }
            try waitUntil("the VIP event and a gratuitous ARP from p2", timeout: .seconds(10)) {
                let frames = try capture.frames()
                return !monitor.additions(of: bench.vip).filter({ $0 > t0 }).isEmpty
                    && frames.contains { $0.timestamp > t0 && isGARP($0, vip, from: p2MAC) }
            }
            let vipAt = monitor.additions(of: bench.vip).filter { $0 > t0 }.min()!
            let garpAt = try capture.frames().filter { $0.timestamp > t0 && isGARP($0, vip, from: p2MAC) }
                .map(\.timestamp).min()!
            results.crashVIP.append(vipAt - t0)
            results.crashGARP.append(garpAt - t0)
            try lab.setCable(bench.p1, on: bench.topology.lan, plugged: true)

            // Graceful: SIGTERM (priority 0).
            master = try bench.start(bench.p1, priority: scenario.masterPriority)
            try bench.waitSteady(master: master, backup: backup)
            bench.settle()
            let t1 = now()
            lab.signal(master.process, SIGTERM)
            try waitUntil("p2 to take over after SIGTERM", timeout: .seconds(30)) {
                try bench.hasVIP(bench.p2) && bench.state(backup) == "MASTER"
            }
            try waitUntil("the VIP event on p2", timeout: .seconds(10)) {
                !monitor.additions(of: bench.vip).filter({ $0 > t1 }).isEmpty
            }
            results.graceful.append(monitor.additions(of: bench.vip).filter { $0 > t1 }.min()! - t1)
            _ = lab.waitExit(master.process, timeout: .seconds(10))
            FileHandle.standardError.write(Data(("\(scenario.name) run \(run)/\(options.runs): "
                + "crash VIP \(seconds(results.crashVIP.last!)), GARP \(seconds(results.crashGARP.last!)); "
                + "graceful VIP \(seconds(results.graceful.last!))\n").utf8))
        }
        capture.stop()
        return results
    }
}

func isGARP(_ frame: PcapPacket, _ vip: IPv4Address, from mac: MACAddress) -> Bool {
    guard let ethernet = frame.ethernet, ethernet.source == mac, let arp = frame.arp else { return false }
    return arp.isGratuitous && arp.senderProtocol == vip && arp.senderHardware == mac
}

func requireMAC(_ text: String) throws -> MACAddress {
    guard let mac = MACAddress(text) else { throw BenchError(description: "bad MAC \(text)") }
    return mac
}

func summary(_ values: [Double]) -> String {
    let sorted = values.sorted()
    let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2]
        : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    return "median \(seconds(median))   min \(seconds(sorted.first!))   max \(seconds(sorted.last!))"
}

func seconds(_ value: Double) -> String { String(format: "%7.1f ms", value * 1000) }

// MARK: Main

do {
    let options = try parseOptions()
    guard Lab.isSupported else { throw BenchError(description: "vrrp-bench needs root and iproute2") }
    let scenarios = [
        Scenario(name: "v2", version: 2, advertInterval: "1", advertCentiseconds: 100),
        Scenario(name: "v3", version: 3, advertInterval: "0.1", advertCentiseconds: 10),
    ].filter { options.scenarios.contains($0.name) }
    var report: [String] = []
    for scenario in scenarios {
        let r = try await runScenario(scenario, options: options)
        report.append("VRRPv\(scenario.version) (advert_int \(scenario.advertInterval), backup priority \(scenario.backupPriority)): "
            + "Master_Down_Interval \(seconds(scenario.masterDownSeconds)), Skew_Time \(seconds(scenario.skewSeconds)), "
            + "\(options.runs) runs")
        report.append("  crash → VIP on backup      \(summary(r.crashVIP))")
        report.append("  crash → GARP at client     \(summary(r.crashGARP))")
        report.append("  SIGTERM → VIP on backup    \(summary(r.graceful))")
    }
    print(report.joined(separator: "\n"))
} catch {
    FileHandle.standardError.write(Data("vrrp-bench: \(error)\n".utf8))
    exit(1)
}
