// SPDX-License-Identifier: Apache-2.0
import Foundation
import VRRPCore
import VRRPLab

/// The faults the chaos driver injects.
public enum FaultKind: String, CaseIterable, Sendable {
    case linkFlap = "link-flap"
    case netem = "netem-loss"
    case partition
    case kill = "sigkill-restart"
    case terminate = "sigterm-restart"
    case hupStorm = "sighup-storm"
    case checkFlap = "check-flap"
    case faultFlap = "fault-flap"
}

public struct ChaosOptions: Sendable {
    public var seed: UInt64
    public var rounds: Int
    /// Wrap the lowest-priority node's daemon in `valgrind --leak-check=full`.
    public var valgrind = false
    public var settings = ClusterSettings()
    public var verbose = true
    /// Fixed faults (kind, node index) instead of random ones: one round each.
    public var script: [(kind: FaultKind, node: Int)]?

    public init(seed: UInt64, rounds: Int) {
        self.seed = seed
        self.rounds = rounds
    }

    /// A scripted run: one round per entry, in order; the seed still picks the hold times.
    public init(seed: UInt64, script: [(kind: FaultKind, node: Int)]) {
        self.init(seed: seed, rounds: script.count)
        self.script = script
    }
}

public struct ChaosReport: Sendable, CustomStringConvertible {
    public var seed: UInt64
    public var rounds: Int
    public var faults: [FaultKind: Int] = [:]
    public var skipped: [FaultKind: String] = [:]
    public var violations: [Violation] = []
    public var maxDualMaster = 0.0
    public var maxNoMaster = 0.0
    public var polls = 0
    public var seconds = 0.0
    public var masterDownInterval = 0.0
    public var valgrindSummary: String?
    /// The longest time from the end of a fault until the client's ping of the VIP succeeded.
    public var maxTimeToReach = 0.0
    /// The longest gap between two replies of the client's continuous ping of the VIP
    /// (failovers included: a SIGKILLed master is only replaced after Master_Down_Interval).
    public var longestPingGap = 0.0
    /// The longest time a restarted daemon took to answer on its status socket.
    public var maxRestartSeconds = 0.0

    public var description: String {
        var lines = ["chaos: seed \(seed), \(rounds) rounds in \(String(format: "%.1f", seconds)) s, \(polls) observer polls"]
        let injected = FaultKind.allCases.compactMap { k in faults[k].map { "\(k.rawValue) \($0)" } }
        lines.append("faults injected: \(faults.values.reduce(0, +)) (\(injected.joined(separator: ", ")))")
        for (k, why) in skipped.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            lines.append("skipped \(k.rawValue): \(why)")
        }
        lines.append(String(format: "max time with two masters (LAN whole): %.2f s (limit: Master_Down_Interval %.2f s)", maxDualMaster, masterDownInterval))
        lines.append(String(format: "max time with no master while a healthy node runs: %.2f s", maxNoMaster))
        lines.append(String(format: "max time from a heal until the client reached the VIP: %.2f s", maxTimeToReach))
        lines.append(String(format: "longest gap in the client's ping of the VIP (every 0.1 s, whole run): %.2f s", longestPingGap))
        lines.append(String(format: "slowest daemon restart (until the status socket answered): %.2f s", maxRestartSeconds))
        lines.append("invariant violations: \(violations.count)")
        for v in violations { lines.append("  \(v)") }
        if let valgrindSummary { lines.append("valgrind (lowest-priority node):\n\(valgrindSummary)") }
        return lines.joined(separator: "\n")
    }
}

/// Runs the chaos rounds on a fresh three-node lab and returns the report.
public func runChaos(_ options: ChaosOptions, vrrpd: String) async throws -> ChaosReport {
    try await withLab { lab in
        let cluster = try ChaosCluster(lab: lab, settings: options.settings, vrrpd: vrrpd)
        if options.valgrind, let last = cluster.nodes.last {
            // valgrind 3.19 cannot read the DWARF 5 the Swift toolchain emits ("unhandled dwarf2
            // abbrev form code 0x25 ... Giving up"): run a copy without debug sections (the symbol
            // table stays, so leak stacks keep their function names).
            let stripped = "\(last.host.directory)/vrrpd-nodebug"
            try lab.runChecked(cluster.client, ["objcopy", "--strip-debug", vrrpd, stripped])
            cluster.binaries[last.name] = stripped
            cluster.wrappers[last.name] = ["/usr/bin/valgrind", "--leak-check=full", "--show-leak-kinds=definite,indirect,possible",
                                           "--log-file=\(last.host.directory)/valgrind-%p.log"]
        }
        return try ChaosDriver(cluster: cluster, options: options).run()
    }
}

final class ChaosDriver {
    let cluster: ChaosCluster
    let options: ChaosOptions
    let observer: Observer
    var rng: SplitMix64
    var report: ChaosReport
    /// When the last fault was healed, Unix seconds (nil before the first).
    var healEnd: Double?
    var pinger: Pinger?

    init(cluster: ChaosCluster, options: ChaosOptions) {
        self.cluster = cluster
        self.options = options
        observer = Observer(cluster: cluster)
        rng = SplitMix64(seed: options.seed)
        report = ChaosReport(seed: options.seed, rounds: options.rounds)
        report.masterDownInterval = cluster.settings.masterDownInterval
    }

    func say(_ line: String) { if options.verbose { print(String(format: "[%7.2f] ", observer.now) + line) } }

    func run() throws -> ChaosReport {
        let began = ContinuousClock.now
        say("seed \(options.seed) (replay with --seed \(options.seed)), \(options.rounds) rounds, Master_Down_Interval \(String(format: "%.3f", cluster.settings.masterDownInterval)) s")
        probeNetem()
        for (i, node) in cluster.nodes.enumerated() {
            try cluster.start(node, timeout: options.valgrind ? .seconds(120) : .seconds(60))
            observer.update(i) { $0.process = node.process }
        }
        observer.start()
        defer { observer.stop() }
        pinger = try Pinger(lab: cluster.lab, client: cluster.client, address: cluster.settings.vip)
        defer { pinger?.stop() }
        try settle(round: 0)
        let kinds = FaultKind.allCases.filter { report.skipped[$0] == nil }
        for round in 1...max(1, options.rounds) {
            var kind = kinds.randomElement(using: &rng)!
            var index = Int.random(in: 0..<cluster.nodes.count, using: &rng)
            if let script = options.script {
                (kind, index) = script[round - 1]
                if let why = report.skipped[kind] {
                    say("round \(round): \(kind.rawValue) skipped: \(why)")
                    continue
                }
            }
            let hold = Double.random(in: 1.0...2.0, using: &rng)
            say("round \(round): \(kind.rawValue) on \(cluster.nodes[index].name) for \(String(format: "%.1f", hold)) s; states \(observer.states.joined(separator: "/"))")
            try inject(kind, on: index, hold: hold)
            healEnd = Date().timeIntervalSince1970
            report.faults[kind, default: 0] += 1
            try settle(round: round)
        }
        report.longestPingGap = pinger?.longestGap() ?? 0
        try shutdown()
        observer.stop()
        report.violations = observer.violations
        report.maxDualMaster = observer.maxDualMaster
        report.maxNoMaster = observer.maxNoMaster
        report.polls = observer.polls
        report.seconds = (ContinuousClock.now - began).seconds
        if options.valgrind { report.valgrindSummary = valgrindSummary() }
        return report
    }

    /// netem needs the sch_netem kernel module; find out once, in a throwaway qdisc on the client.
    func probeNetem() {
        let result = try? cluster.lab.run(cluster.client, ["tc", "qdisc", "add", "dev", "eth0", "root", "netem", "loss", "30%", "delay", "20ms"])
        if let result, result.succeeded {
            _ = try? cluster.lab.run(cluster.client, ["tc", "qdisc", "del", "dev", "eth0", "root"])
        } else {
            let why = result.map { $0.stderr.isEmpty ? "tc exited \($0.status)" : $0.stderr } ?? "tc could not run"
            report.skipped[.netem] = "`tc qdisc add dev eth0 root netem loss 30% delay 20ms` fails in a namespace here: \(why.trimmingCharacters(in: .whitespacesAndNewlines)) (no sch_netem module)"
            say("skipping \(FaultKind.netem.rawValue): \(report.skipped[.netem]!)")
        }
    }

    func pause(_ seconds: Double) { Thread.sleep(forTimeInterval: seconds) }

    func inject(_ kind: FaultKind, on i: Int, hold: Double) throws {
        let node = cluster.nodes[i], lab = cluster.lab
        switch kind {
        case .linkFlap:
            observer.update(i) { $0.cutOff = true }
            try lab.setLink(node.host, "eth0", up: false)
            pause(hold)
            try lab.setLink(node.host, "eth0", up: true)
            observer.update(i) { $0.cutOff = false }
        case .netem:
            observer.update(i) { $0.cutOff = true }
            try lab.runChecked(node.host, ["tc", "qdisc", "add", "dev", "eth0", "root", "netem", "loss", "30%", "delay", "50ms", "10ms"])
            pause(hold * 2)
            try lab.runChecked(node.host, ["tc", "qdisc", "del", "dev", "eth0", "root"])
            observer.update(i) { $0.cutOff = false }
        case .partition:
            observer.update(i) { $0.cutOff = true }
            try lab.isolate(node.host, on: cluster.topology.lan, true)
            pause(hold)
            try lab.isolate(node.host, on: cluster.topology.lan, false)
            observer.update(i) { $0.cutOff = false }
        case .kill:
            guard node.process != nil else { break }
            observer.update(i) { $0.process = nil }
            cluster.kill(node)
            pause(hold)
            try restart(i)
        case .terminate:
            guard node.process != nil else { break }
            observer.update(i) { $0.process = nil }
            let status = cluster.terminate(node)
            if status != 0 { observer.record("\(node.name): SIGTERM'd daemon exited with status \(status.map(String.init) ?? "none")") }
            if (try? cluster.hasVIP(node)) != false { observer.record("\(node.name): the VIP is still configured after the daemon exited on SIGTERM") }
            pause(hold)
            try restart(i)
        case .hupStorm:
            guard let process = node.process else { break }
            for _ in 0..<20 {
                lab.signal(process, SIGHUP)
                pause(0.025)
            }
            pause(hold)
        case .checkFlap:
            // The priority flips 150 ↔ 30 (weight -120) every advertisement interval.
            var value = 0
            let end = observer.now + hold
            while observer.now < end {
                value ^= 1
                try ChaosCluster.write(value, to: node.flapFile)
                pause(cluster.settings.advertInterval)
            }
            try ChaosCluster.write(0, to: node.flapFile)
        case .faultFlap:
            var value = 0
            let end = observer.now + hold
            while observer.now < end {
                value ^= 1
                observer.update(i) { $0.faulted = value != 0 }
                try ChaosCluster.write(value, to: node.faultFile)
                pause(cluster.settings.advertInterval)
            }
            try ChaosCluster.write(0, to: node.faultFile)
            observer.update(i) { $0.faulted = false }
        }
    }

    func restart(_ i: Int) throws {
        let node = cluster.nodes[i]
        let began = ContinuousClock.now
        try cluster.start(node, timeout: options.valgrind && i == cluster.nodes.count - 1 ? .seconds(120) : .seconds(60))
        report.maxRestartSeconds = max(report.maxRestartSeconds, (ContinuousClock.now - began).seconds)
        observer.update(i) { $0.process = node.process }
    }

    /// After a heal: wait for exactly one master, then the client must reach the VIP.
    func settle(round: Int) throws {
        let limit = 4 * cluster.settings.masterDownInterval + 5
        // With preemption on (the default), the highest-priority running node must end up the
        // only master; track files are read once a second, so allow for that too.
        let preferred = cluster.nodes.indices.filter { cluster.nodes[$0].process != nil }
            .max { cluster.nodes[$0].priority < cluster.nodes[$1].priority }
        do {
            try waitUntil("one master, the preferred one", timeout: .seconds(limit)) {
                let states = observer.states
                return states.filter { $0 == "MASTER" }.count == 1 && preferred.map { states[$0] == "MASTER" } ?? true
            }
        } catch {
            observer.record("round \(round): \(preferred.map { cluster.nodes[$0].name } ?? "?") is not the only master \(String(format: "%.0f", limit)) s after the heal (states \(observer.states.joined(separator: "/")))")
        }
        // The client must reach the VIP soon after the heal: within a failover plus a few
        // pings (a client still sending to a stale MAC fails this until its ARP entry expires).
        let healedAt = healEnd ?? Date().timeIntervalSince1970
        let reachLimit = cluster.settings.masterDownInterval + 3
        var reachedAt: Double?
        while reachedAt == nil, Date().timeIntervalSince1970 - healedAt < 15 {
            reachedAt = pinger?.firstReply(after: healedAt)
            if reachedAt == nil { pause(0.05) }
        }
        let took = (reachedAt ?? Date().timeIntervalSince1970) - healedAt
        report.maxTimeToReach = max(report.maxTimeToReach, took)
        if reachedAt == nil || took > reachLimit {
            observer.record(String(format: "round %d: the client reached the VIP only %.1f s after the heal (limit %.1f s)%@", round, took, reachLimit, reachedAt == nil ? " (never)" : ""))
        }
        pause(Double.random(in: 0.3...1.0, using: &rng))
    }

    /// SIGTERM every daemon: each must exit 0 and leave no VIP behind.
    func shutdown() throws {
        for (i, node) in cluster.nodes.enumerated() where node.process != nil {
            observer.update(i) { $0.process = nil }
            let status = cluster.terminate(node)
            if status != 0 { observer.record("\(node.name): final SIGTERM: exit status \(status.map(String.init) ?? "none")") }
            if (try? cluster.hasVIP(node)) != false { observer.record("\(node.name): the VIP is still configured after the final SIGTERM") }
        }
    }

    func valgrindSummary() -> String {
        guard let node = cluster.nodes.last,
              let files = try? FileManager.default.contentsOfDirectory(atPath: node.host.directory) else { return "no valgrind log" }
        var out: [String] = []
        for file in files.sorted() where file.hasPrefix("valgrind-") {
            let text = (try? String(contentsOfFile: "\(node.host.directory)/\(file)", encoding: .utf8)) ?? ""
            let keep = text.split(separator: "\n").filter {
                $0.contains("definitely lost") || $0.contains("indirectly lost") || $0.contains("possibly lost")
                    || $0.contains("still reachable") || $0.contains("ERROR SUMMARY") || $0.contains("Invalid")
            }.map { "  \(file): " + ($0.split(separator: " ", maxSplits: 1).last.map(String.init) ?? "") }
            out += keep
        }
        return out.isEmpty ? "no valgrind summary (the wrapped daemon was SIGKILLed last?)" : out.joined(separator: "\n")
    }
}
