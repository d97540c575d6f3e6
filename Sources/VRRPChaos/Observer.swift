// SPDX-License-Identifier: Apache-2.0
import Foundation
import Synchronization
import VRRPLab
import VRRPStatus

/// What the chaos driver has done to a node, as the observer needs to know it.
public struct NodeCondition: Sendable, Equatable {
    /// The daemon the driver started and has not stopped or killed yet.
    public var process: LabProcess?
    public var running: Bool { process != nil }
    /// The link is down, the cable is out, the port is detached, or netem drops packets.
    public var cutOff = false
    /// The weight-0 track file reads non-zero.
    public var faulted = false

    /// Running, connected and without a fault: it could serve the VIP.
    public var healthy: Bool { running && !cutOff && !faulted }
}

/// One broken invariant.
public struct Violation: Sendable, CustomStringConvertible {
    public var at: Double
    public var what: String
    public var description: String { String(format: "t=%.2fs ", at) + what }
}

/// Polls every daemon's status socket (and, every few polls, the kernel's addresses) from the
/// outside and checks the chaos invariants continuously:
/// - no daemon exits unless the driver stopped it;
/// - while the LAN is whole, two or more masters never last longer than one Master_Down_Interval;
/// - while a healthy node runs, a time without any master never lasts longer than
///   `noMasterLimit` (a failover: Master_Down_Interval plus start-up and polling);
/// - the VIP is never configured on a node whose daemon runs and is not MASTER for longer
///   than `staleVIPLimit` (this catches a SIGKILL'd daemon that does not clean up on restart).
public final class Observer: @unchecked Sendable {
    let cluster: ChaosCluster
    let conditions: Mutex<[NodeCondition]>
    let started = ContinuousClock.now
    let dualMasterLimit: Double
    let noMasterLimit: Double
    let staleVIPLimit = 1.5
    let interval: Duration

    struct Metrics {
        var violations: [Violation] = []
        var polls = 0
        var maxDualMaster = 0.0
        var maxNoMaster = 0.0
        var dualSince: Double?
        var noneSince: Double?
        var staleSince: [Double?] = []
        var dualReported = false
        var noneReported = false
        var staleReported: [Bool] = []
        var lastStates: [String] = []
    }
    let metrics = Mutex(Metrics())
    private let stopFlag = Mutex(false)
    private let done = Mutex(false)

    public init(cluster: ChaosCluster, interval: Duration = .milliseconds(50)) {
        self.cluster = cluster
        let mdi = cluster.settings.masterDownInterval
        dualMasterLimit = mdi
        noMasterLimit = 2 * mdi + 1.0
        self.interval = interval
        conditions = Mutex(Array(repeating: NodeCondition(), count: cluster.nodes.count))
        metrics.withLock {
            $0.staleSince = Array(repeating: nil, count: cluster.nodes.count)
            $0.staleReported = Array(repeating: false, count: cluster.nodes.count)
            $0.lastStates = Array(repeating: "?", count: cluster.nodes.count)
        }
    }

    public var now: Double { (ContinuousClock.now - started).seconds }

    /// Updates what the driver did to node `index`.
    public func update(_ index: Int, _ change: (inout NodeCondition) -> Void) {
        conditions.withLock { change(&$0[index]) }
    }

    public func record(_ what: String) {
        let v = Violation(at: now, what: what)
        metrics.withLock { $0.violations.append(v) }
        print("  VIOLATION \(v)")
    }

    public var violations: [Violation] { metrics.withLock { $0.violations } }
    public var maxDualMaster: Double { metrics.withLock { $0.maxDualMaster } }
    public var maxNoMaster: Double { metrics.withLock { $0.maxNoMaster } }
    public var polls: Int { metrics.withLock { $0.polls } }
    public var states: [String] { metrics.withLock { $0.lastStates } }

    public func start() {
        let thread = Thread { [self] in loop() }
        thread.name = "chaos-observer"
        thread.start()
    }

    /// Stops the polling thread and waits for it.
    public func stop() {
        stopFlag.withLock { $0 = true }
        while !done.withLock({ $0 }) { Thread.sleep(forTimeInterval: 0.01) }
    }

    private func loop() {
        var clients: [StatusClient?] = Array(repeating: nil, count: cluster.nodes.count)
        var lastSeen: [(state: String, at: Double)?] = Array(repeating: nil, count: cluster.nodes.count)
        var tick = 0
        while !stopFlag.withLock({ $0 }) {
            tick += 1
            poll(&clients, &lastSeen, checkKernel: tick % 5 == 0)
            Thread.sleep(forTimeInterval: interval.seconds)
        }
        done.withLock { $0 = true }
    }

    private func poll(_ clients: inout [StatusClient?], _ lastSeen: inout [(state: String, at: Double)?], checkKernel: Bool) {
        let conditions = self.conditions.withLock { $0 }
        let t = now
        var states: [String?] = []
        for (i, node) in cluster.nodes.enumerated() {
            guard let process = conditions[i].process else {
                clients[i] = nil
                lastSeen[i] = nil
                states.append(nil)
                continue
            }
            if !cluster.lab.isRunning(process) {
                // The driver clears `running` before it signals; a running node that exited crashed.
                if self.conditions.withLock({ $0[i].process == process }) {
                    record("\(node.name): the daemon exited unexpectedly; log tail:\n"
                           + cluster.lab.log(process).split(separator: "\n").suffix(10).joined(separator: "\n"))
                    update(i) { $0.process = nil }
                }
                states.append(nil)
                continue
            }
            do {
                if clients[i] == nil { clients[i] = try StatusClient(path: node.socketPath) }
                let state = try clients[i]!.request(.status).snapshot?.instances.first?.state ?? "?"
                lastSeen[i] = (state, t)
                states.append(state)
            } catch {
                clients[i] = nil
                // Briefly unreachable (reload, start-up): keep the last answer for up to a second.
                if let seen = lastSeen[i], t - seen.at < 1 { states.append(seen.state) } else { states.append(nil) }
            }
        }
        let whole = !conditions.contains { $0.cutOff }
        let connectedMasters = states.indices.filter { states[$0] == "MASTER" && !conditions[$0].cutOff }.count
        let anyHealthy = conditions.contains { $0.healthy }

        metrics.withLock { m in
            m.polls += 1
            m.lastStates = states.map { $0 ?? "-" }
            // Two or more masters while the LAN is whole.
            if whole && connectedMasters > 1 {
                let since = m.dualSince ?? t
                m.dualSince = since
                m.maxDualMaster = max(m.maxDualMaster, t - since)
                if t - since > dualMasterLimit && !m.dualReported {
                    m.dualReported = true
                    m.violations.append(Violation(at: t, what: String(format: "%d masters for %.2fs (> Master_Down_Interval %.2fs): %@", connectedMasters, t - since, dualMasterLimit, m.lastStates.joined(separator: "/"))))
                    print("  VIOLATION \(m.violations.last!)")
                }
            } else {
                m.dualSince = nil
                m.dualReported = false
            }
            // No master while a healthy node runs.
            if anyHealthy && connectedMasters == 0 {
                let since = m.noneSince ?? t
                m.noneSince = since
                m.maxNoMaster = max(m.maxNoMaster, t - since)
                if t - since > noMasterLimit && !m.noneReported {
                    m.noneReported = true
                    m.violations.append(Violation(at: t, what: String(format: "no master for %.2fs while a healthy node runs: %@", t - since, m.lastStates.joined(separator: "/"))))
                    print("  VIOLATION \(m.violations.last!)")
                }
            } else {
                m.noneSince = nil
                m.noneReported = false
            }
        }
        guard checkKernel else { return }
        // A VIP on a running daemon that is not MASTER (the kernel's view against the daemon's).
        for (i, node) in cluster.nodes.enumerated() {
            guard conditions[i].running, let state = states[i] else {
                metrics.withLock { $0.staleSince[i] = nil; $0.staleReported[i] = false }
                continue
            }
            let hasVIP = (try? cluster.hasVIP(node)) ?? false
            metrics.withLock { m in
                if hasVIP && state != "MASTER" {
                    let since = m.staleSince[i] ?? t
                    m.staleSince[i] = since
                    if t - since > staleVIPLimit && !m.staleReported[i] {
                        m.staleReported[i] = true
                        m.violations.append(Violation(at: t, what: String(format: "%@ keeps the VIP for %.2fs while %@", node.name, t - since, state)))
                        print("  VIOLATION \(m.violations.last!)")
                    }
                } else {
                    m.staleSince[i] = nil
                    m.staleReported[i] = false
                }
            }
        }
    }
}
