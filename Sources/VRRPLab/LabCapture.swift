import Foundation

/// A running `tcpdump -U -w FILE` inside a lab host. `stop()` ends it and returns the file.
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
    @discardableResult
    public func stop() -> String {
        if lab.isRunning(process) {
            lab.signal(process, SIGINT)
            if lab.waitExit(process, timeout: .seconds(5)) == nil { lab.stop(process) }
        }
        return path
    }

    /// Stops the capture and returns its packets as text, one per line
    /// (`tcpdump -r FILE -n -e`, plus `-v` when `verbose`).
    public func lines(verbose: Bool = false) throws -> [String] {
        stop()
        return try lab.readCapture(path, verbose: verbose)
    }
}

extension Lab {
    /// Starts capturing on `ifname` inside `host` with a pcap `filter` (e.g. "icmp or vrrp");
    /// returns once tcpdump is listening. The file is `host.directory/<name>.pcap`.
    public func startCapture(_ host: LabHost, ifname: String, filter: String = "",
                             name: String? = nil) throws -> LabCapture {
        let name = name ?? "capture-\(ifname)-\(UInt16.random(in: 0...UInt16.max))"
        let path = "\(host.directory)/\(name).pcap"
        // -U: write each packet at once; -Z root: no privilege drop (the lab directory is root's).
        var argv = ["tcpdump", "-i", ifname, "-U", "-n", "-Z", "root", "-w", path]
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
    public func readCapture(_ path: String, verbose: Bool = false) throws -> [String] {
        let result = try commands.checked(["/usr/bin/env", "tcpdump", "-r", path, "-n", "-e"] + (verbose ? ["-v"] : []))
        return result.stdout.split(separator: "\n").map(String.init)
    }
}
