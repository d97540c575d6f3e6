// SPDX-License-Identifier: Apache-2.0
import Foundation
import VRRPCore
import VRRPLab

/// One measurement of the daemon's resources.
public struct ResourceSample: Sendable, CustomStringConvertible {
    public var transitions: Int
    public var fds: Int
    public var rssKiB: Int

    /// Open descriptors (/proc/PID/fd) and resident memory (/proc/PID/status VmRSS).
    static func take(pid: Int32, transitions: Int) throws -> ResourceSample {
        let fds = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let rss = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
            .flatMap { $0.split(separator: " ").dropFirst().first.flatMap { Int($0) } } ?? -1
        return ResourceSample(transitions: transitions, fds: fds, rssKiB: rss)
    }

    public var description: String { "after \(transitions) transitions: \(fds) fds, VmRSS \(rssKiB) KiB" }
}

public struct LeakReport: Sendable, CustomStringConvertible {
    public var samples: [ResourceSample] = []
    public var seconds = 0.0
    public var interval = 0.0
    /// Allowed RSS growth between the middle and the end sample.
    public static let rssSlackKiB = 1024

    public var flat: Bool {
        guard let first = samples.first, let middle = samples.dropFirst().first, let last = samples.last else { return false }
        return first.fds == last.fds && middle.fds == last.fds && last.rssKiB - middle.rssKiB <= Self.rssSlackKiB
    }

    public var description: String {
        var lines = ["leaks: \(samples.last?.transitions ?? 0) transitions in \(String(format: "%.1f", seconds)) s (advert_int \(interval) s)"]
        for (label, s) in zip(["start", "middle", "end"], samples) { lines.append("  \(label): \(s)") }
        if let m = samples.dropFirst().first, let e = samples.last, e.transitions > m.transitions {
            let perK = Double(e.rssKiB - m.rssKiB) / Double(e.transitions - m.transitions) * 1000
            lines.append(String(format: "  RSS growth middle→end: %d KiB (%.2f KiB per 1000 transitions)", e.rssKiB - m.rssKiB, perK))
        }
        lines.append(flat ? "  flat: fd count unchanged, RSS growth within \(Self.rssSlackKiB) KiB" : "  NOT FLAT")
        return lines.joined(separator: "\n")
    }
}

/// Drives one daemon through `transitions` MASTER↔BACKUP transitions and samples its fds
/// and RSS after a warm-up, in the middle and at the end.
///
/// The flips come from a fake peer on the client host: an advertisement with priority 200
/// (the master steps down at once, RFC 5798 §6.4.3) then one with priority 0 (the backup
/// takes over after Skew_Time, §6.4.2), 2 × `interval` apart. Every flip adds or removes the
/// VIP and sends gratuitous ARP. (A flapping track file would be the gentler driver, but the
/// daemon polls track files once a second: 10 000 transitions would take hours.)
public func runLeaks(transitions target: Int, interval: Double, vrrpd: String,
                     log: @escaping @Sendable (String) -> Void = { print($0) }) async throws -> LeakReport {
    try await withLab { lab in
        var settings = ClusterSettings()
        settings.priorities = [150]
        settings.advertInterval = interval
        let cluster = try ChaosCluster(lab: lab, settings: settings, vrrpd: vrrpd)
        let node = cluster.nodes[0]
        try cluster.start(node)
        guard let pid = node.process?.pid else { throw ChaosError.unexpected("no daemon") }
        try waitUntil("MASTER", timeout: .seconds(10)) { try cluster.status(node).state == "MASTER" }

        let centis = Centiseconds(UInt16(max(1, (interval * 100).rounded())))
        let source = IPv4Address(198, 18, 0, 2), vip = IPv4Address(settings.vip)!
        let packets = try [200, 0].map { priority in
            OutgoingPacket.ip(try PacketFactory.advert(version: .v3, vrid: UInt8(settings.vrid), priority: UInt8(priority),
                                                       interval: centis, addresses: [vip], password: nil, source: source))
        }
        let sender = RawSender(lab: lab, host: cluster.client)
        let began = ContinuousClock.now
        let initialMasters = try cluster.status(node).counters.becomeMaster
        func transitions() throws -> Int { 2 * (try cluster.status(node).counters.becomeMaster - initialMasters) }
        func flip(until goal: Int) throws {
            while try transitions() < goal {
                let cycles = max(50, min(1000, (goal - (try transitions())) / 2))
                try sender.send(packets, repeat: cycles, gap: 2 * interval)
                guard lab.isRunning(node.process!) else {
                    throw ChaosError.daemonExited(node.name, log: lab.log(node.process!))
                }
            }
            try waitUntil("MASTER again", timeout: .seconds(10)) { try cluster.status(node).state == "MASTER" }
        }
        var report = LeakReport(interval: interval)
        let warmUp = min(1000, max(100, target / 10))
        try flip(until: warmUp)
        for goal in [warmUp, warmUp + (target - warmUp) / 2, target] {
            if goal > warmUp { try flip(until: goal) }
            let sample = try ResourceSample.take(pid: pid, transitions: try transitions())
            log("  \(sample)")
            report.samples.append(sample)
        }
        report.seconds = (ContinuousClock.now - began).seconds
        let status = cluster.terminate(node)
        if status != 0 { throw ChaosError.unexpected("the daemon exited with \(status.map(String.init) ?? "none") on SIGTERM") }
        return report
    }
}
