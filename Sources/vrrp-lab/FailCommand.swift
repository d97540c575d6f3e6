// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import ArgumentParser
import Foundation
import Synchronization
import VRRPLab

/// "198.18.0.100" → "0xc6120064", for a pcap filter on the ARP sender address (gratuitous ARP).
func hexIPv4(_ address: String) -> String {
    "0x" + address.split(separator: ".").map { String(format: "%02x", Int($0) ?? 0) }.joined()
}

struct FailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fail",
        abstract: "Inject a fault on HOST and print the takeover timeline (ms after the fault).")

    enum How: String, ExpressibleByArgument, CaseIterable { case crash, stop, link, nginx }

    @OptionGroup var lab: LabName
    @Argument(help: "The proxy to fail (p1, p2, …).") var host: String
    @Option(help: "crash (SIGKILL + link down), stop (SIGTERM), link (link down), nginx (kill nginx).") var how: How = .crash

    func run() throws {
        try requireRoot("fail")
        let state = try LabState.load(name: lab.name)
        try FailCommand.inject(state, host: state.host(host), how: how)
    }

    /// Injects the fault and prints the timeline: fault, new master, VIP on it, gratuitous ARP
    /// at the client, client reaching the VIP again.
    static func inject(_ state: LabState, host victim: LabState.Host, how: How) throws {
        guard victim.role == "proxy" else { throw ValidationError("\(victim.name) is not a proxy") }
        guard let client = state.client else { throw ValidationError("the lab has no client") }
        if how == .nginx && victim.nginxPID == nil { throw ValidationError("\(victim.name) runs no nginx (up --with nginx)") }
        let others = state.proxies.filter { $0.name != victim.name }
        let vipAddress = state.vip.split(separator: "/").first.map(String.init) ?? state.vip
        let useHTTP = victim.nginxPID != nil

        // The client's view: gratuitous ARP for the VIP (tcpdump -tt) and a probe loop.
        let arpLog = "\(client.directory)/garp-\(getpid()).txt"
        let capture = Process()
        capture.executableURL = URL(fileURLWithPath: Shell.ip)
        capture.arguments = ["netns", "exec", client.namespace, "tcpdump", "-i", "eth0", "-l", "-n", "-tt",
                             "--immediate-mode", "arp and arp[14:4] = \(hexIPv4(vipAddress)) and arp[24:4] = \(hexIPv4(vipAddress))"]
        _ = FileManager.default.createFile(atPath: arpLog, contents: nil)
        let arpHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: arpLog))
        capture.standardOutput = arpHandle
        let captureErr = Pipe()
        capture.standardError = captureErr
        try capture.run()
        defer {
            // SIGKILL, not SIGINT: vrrp-lab runs as an async command, so Process spawns tcpdump
            // from a concurrency thread whose mask blocks SIGINT and SIGTERM, and tcpdump
            // inherits that mask (`fail` then hung in waitUntilExit). -l already flushed its lines.
            kill(capture.processIdentifier, SIGKILL)
            capture.waitUntilExit()
            try? FileManager.default.removeItem(atPath: arpLog)
        }
        _ = captureErr.fileHandleForReading.availableData   // "listening on eth0…": tcpdump is ready

        var events: [(Double, String)] = []
        let t0 = Shell.now()
        switch how {
        case .crash:
            if let pid = victim.daemonPID { kill(-pid, SIGKILL); kill(pid, SIGKILL) }
            Shell.run([Shell.ip, "link", "set", "dev", "eth0", "down"], in: victim.namespace)
        case .stop:
            if let pid = victim.daemonPID { kill(pid, SIGTERM) }
        case .link:
            Shell.run([Shell.ip, "link", "set", "dev", "eth0", "down"], in: victim.namespace)
        case .nginx:
            if let pid = victim.nginxPID { kill(-pid, SIGKILL); kill(pid, SIGKILL) }
        }
        events.append((t0, "fault: \(how.rawValue) on \(victim.name)"))

        // Client probe on its own thread, so a slow probe never delays the other observations.
        let reached = Mutex<(Double, String)?>(nil)
        let done = Atomic<Bool>(false)
        let probe = Thread {
            while !done.load(ordering: .relaxed) {
                let started = Shell.now()
                let r = useHTTP
                    ? Shell.run(["curl", "-s", "-m", "0.5", "http://\(vipAddress)/"], in: client.namespace)
                    : Shell.run(["ping", "-c1", "-W1", "-n", vipAddress], in: client.namespace)
                if r.status == 0 && started > t0 {
                    let answer = useHTTP ? r.output.trimmingCharacters(in: .whitespacesAndNewlines) : "ping reply"
                    // After a crash/stop/link fault any answer is from a survivor; for nginx
                    // faults wait for an answer that is not from the victim.
                    if !answer.hasSuffix(" \(victim.name)") {
                        reached.withLock { $0 = (Shell.now(), answer) }
                        return
                    }
                }
                Thread.sleep(forTimeInterval: 0.02)
            }
        }
        probe.start()

        var newMaster: LabState.Host?
        var masterAt: Double?, vipAt: Double?
        // nginx faults: when the victim's tracked check lowers its priority (vrrpd only).
        let victimPriority = how == .nginx ? Shell.instance(victim)?.effectivePriority : nil
        var droppedAt: (Double, Int)?
        let deadline = t0 + 20
        while Shell.now() < deadline {
            if masterAt == nil, let m = others.first(where: { Shell.state($0).state == "MASTER" }) {
                newMaster = m
                // vrrpd knows when it entered MASTER; keepalived's time is when we saw it.
                masterAt = Shell.instance(m).map(\.stateSince).flatMap { $0 >= t0 ? $0 : nil } ?? Shell.now()
            }
            if let m = newMaster, vipAt == nil, Shell.hasAddress(m, state.vip) { vipAt = Shell.now() }
            if let before = victimPriority, droppedAt == nil, let now = Shell.instance(victim)?.effectivePriority,
               now < before {
                droppedAt = (Shell.now(), now)
            }
            if vipAt != nil && reached.withLock({ $0 }) != nil { break }
            Thread.sleep(forTimeInterval: 0.01)
        }
        done.store(true, ordering: .relaxed)
        while probe.isExecuting { Thread.sleep(forTimeInterval: 0.01) }
        Thread.sleep(forTimeInterval: 0.2)   // let tcpdump write the last ARP lines

        if let before = victimPriority, let (t, after) = droppedAt {
            events.append((t, "\(victim.name): tracked nginx check failing, priority \(before) → \(after)"))
        }
        if let m = newMaster, let masterAt { events.append((masterAt, "master-down: \(m.name) enters MASTER")) }
        else { events.append((Shell.now(), "no other proxy became MASTER within 20 s")) }
        if let m = newMaster, let vipAt { events.append((vipAt, "VIP \(state.vip) installed on \(m.name)")) }
        let arpLines = ((try? String(contentsOfFile: arpLog, encoding: .utf8)) ?? "").split(separator: "\n")
        if let garp = arpLines.lazy.compactMap({ line -> Double? in
            guard let t = Double(line.split(separator: " ").first ?? ""), t >= t0 else { return nil }
            return t
        }).first {
            events.append((garp, "gratuitous ARP for \(vipAddress) seen by the client"))
        } else {
            events.append((Shell.now(), "no gratuitous ARP for \(vipAddress) seen by the client"))
        }
        if let (t, answer) = reached.withLock({ $0 }) {
            events.append((t, "client reaches \(vipAddress) again (\(useHTTP ? "HTTP: \(answer)" : answer))"))
        } else {
            events.append((Shell.now(), "client did not reach \(vipAddress) within 20 s"))
        }
        print("timeline (ms after the fault):")
        for (t, what) in events.sorted(by: { $0.0 < $1.0 }) {
            let ms = String(format: "%+8.1f", (t - t0) * 1000)
            print("  \(ms) ms  \(what)")
        }
    }
}
