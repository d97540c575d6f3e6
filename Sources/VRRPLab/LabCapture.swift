// SPDX-License-Identifier: Apache-2.0
import Foundation

/// A running `tcpdump --immediate-mode -U -w FILE` inside a lab host: every packet reaches the
/// file as it arrives, so `packets()` can be polled with `waitUntil` while it runs.
/// `stop()` ends it and returns the file.
public final class LabCapture: Sendable {
    public let host: LabHost
    public let ifname: String
    /// The pcap file (in the host's directory).
    public let path: String
    public let process: LabProcess
    private let lab: Lab

    init(lab: Lab, host: LabHost, ifname: String, path: String, process: LabProcess) {
        self.lab = lab
        self.host = host
        self.ifname = ifname
        self.path = path
        self.process = process
    }

    /// Stops the capture (SIGINT, so tcpdump flushes) and returns the pcap path. Idempotent.
    /// Pauses briefly first so packets already in the kernel's buffer get written.
    @discardableResult
    public func stop() -> String {
        if lab.isRunning(process) {
            Spawn.sleep(for: .milliseconds(100))
            lab.signal(process, SIGINT)
            if lab.waitExit(process, timeout: .seconds(5)) == nil { lab.stop(process) }
        }
        return path
    }

    /// The packets captured so far as text, one per line (`tcpdump -r FILE -n -e`, plus `-v`
    /// when `verbose`). Does not stop the capture.
    public func packets(verbose: Bool = false) throws -> [String] {
        try lab.readCapture(path, verbose: verbose)
    }
}

extension Lab {
    /// Starts capturing on `ifname` inside `host` with a pcap `filter` (e.g. "icmp or vrrp");
    /// returns once tcpdump is listening. The file is `host.directory/<name>.pcap`.
    public func startCapture(_ host: LabHost, ifname: String, filter: String = "",
                             name: String? = nil) throws -> LabCapture {
        let name = name ?? "capture-\(ifname)-\(UInt16.random(in: 0...UInt16.max))"
        let path = "\(host.directory)/\(name).pcap"
        // --immediate-mode: hand each packet over at once (TPACKET_V3 otherwise batches them
        // for up to a second); -U: write each packet at once; -Z root: no privilege drop (the
        // lab directory is root's); -B 8192: an 8 MiB kernel buffer, so a tcpdump starved of CPU
        // by the test's own load (status floods on 2 cores) does not drop packets and make an
        // advert gap appear that was never on the wire.
        var argv = ["tcpdump", "-i", ifname, "--immediate-mode", "-U", "-B", "8192", "-n", "-Z", "root", "-w", path]
        if !filter.isEmpty { argv.append(filter) }
        let process = try spawn(host, argv, name: name)
        try waitUntil("tcpdump listening on \(ifname) in \(host)", timeout: .seconds(10)) {
            guard isRunning(process) else {
                throw LabError.commandFailed(argv: argv, status: waitExit(process, timeout: .zero) ?? -1,
                                             stderr: log(process))
            }
            return log(process).contains("listening on")
        }
        return LabCapture(lab: self, host: host, ifname: ifname, path: path, process: process)
    }

    /// The packets of a pcap file as text (`tcpdump -r FILE -n -e`). Reads a file only.
    /// A file still being written may end in a partial packet: tcpdump then complains and
    /// exits 1 after printing the complete ones, which are returned.
    public func readCapture(_ path: String, verbose: Bool = false) throws -> [String] {
        let argv = ["/usr/bin/env", "tcpdump", "-r", path, "-n", "-e"] + (verbose ? ["-v"] : [])
        let result = try commands.execute(argv)
        guard result.succeeded || result.stderr.contains("truncated") else {
            throw LabError.commandFailed(argv: argv, status: result.status, stderr: result.stderr)
        }
        return result.stdout.split(separator: "\n").map(String.init)
    }
}

/// One VRRP advertisement read back from a capture.
public struct LabAdvert: Sendable, Equatable {
    /// Seconds since the Unix epoch (the capture's timestamp).
    public var time: Double
    public var source: String
    public var vrid: Int
    public var priority: Int
}

extension Lab {
    /// The VRRP adverts of a pcap file, in capture order (`tcpdump -r FILE -n -tt`).
    public func readAdverts(_ path: String) throws -> [LabAdvert] {
        let argv = ["/usr/bin/env", "tcpdump", "-r", path, "-n", "-tt", "vrrp"]
        let result = try commands.execute(argv)
        guard result.succeeded || result.stderr.contains("truncated") else {
            throw LabError.commandFailed(argv: argv, status: result.status, stderr: result.stderr)
        }
        return result.stdout.split(separator: "\n").compactMap { LabAdvert(tcpdumpLine: $0) }
    }
}

extension LabAdvert {
    /// "1700000000.123456 IP 198.18.0.11 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 150, …"
    init?(tcpdumpLine line: Substring) {
        let words = line.split(separator: " ")
        guard words.count > 3, let time = Double(words[0]), words[1] == "IP" || words[1] == "IP6",
              let vridAt = words.firstIndex(of: "vrid"), vridAt + 1 < words.count,
              let vrid = Int(words[vridAt + 1].trimmingCharacters(in: [","])),
              let prioAt = words.firstIndex(of: "prio"), prioAt + 1 < words.count,
              let priority = Int(words[prioAt + 1].trimmingCharacters(in: [","]))
        else { return nil }
        self.init(time: time, source: String(words[2]), vrid: vrid, priority: priority)
    }
}

extension Array where Element == LabAdvert {
    /// The longest silence of `source` on each VRID between `from` and `to` (epoch seconds):
    /// the largest distance between consecutive adverts, counting the edges of the window, so a
    /// source that stopped before `to` (or started after `from`) shows the silence too.
    public func longestGaps(from source: String, between from: Double, and to: Double) -> [Int: Double] {
        var times: [Int: [Double]] = [:]
        for advert in self where advert.source == source { times[advert.vrid, default: []].append(advert.time) }
        return times.mapValues { list in
            let inside = list.sorted().filter { $0 >= from && $0 <= to }
            var previous = from
            var longest = 0.0
            for t in inside {
                longest = Swift.max(longest, t - previous)
                previous = t
            }
            return Swift.max(longest, to - previous)
        }
    }
}
