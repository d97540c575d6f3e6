// SPDX-License-Identifier: Apache-2.0
import Foundation

extension Lab {
    /// Undoes the lab; idempotent and safe to call from any exit path:
    /// 1. SIGTERM to every spawned process and its process group, SIGKILL after
    ///    `terminationGrace`, each reaped by PID;
    /// 2. SIGKILL, by PID, to anything still inside the lab's namespaces (`ip netns pids`);
    /// 3. delete every namespace the lab created (hosts first, then switches);
    /// 4. remove the lab directory unless `keepDirectory`.
    public func teardown() {
        let claimed = state.withLock { state -> (processes: [LabProcess], namespaces: [String])? in
            guard !state.tornDown else { return nil }
            state.tornDown = true
            return (Array(state.running.values), state.namespaces)
        }
        guard let claimed else { return }

        for process in claimed.processes { Spawn.signal(process.pid, SIGTERM, group: true) }
        let deadline = ContinuousClock.now + terminationGrace
        var alive = claimed.processes
        while !alive.isEmpty {
            alive.removeAll { reap($0.pid) != nil }
            if alive.isEmpty || ContinuousClock.now >= deadline { break }
            Spawn.sleep(for: .milliseconds(10))
        }
        for process in alive {
            // Still unreaped, so the PID (and the group it leads) is still ours.
            Spawn.signal(process.pid, SIGKILL, group: true)
            _ = waitExit(process, timeout: .seconds(5))
        }

        for namespace in Lab.hostsFirst(claimed.namespaces, prefix: prefix) {
            commands.remove(namespace: namespace)
        }

        if keepDirectory {
            try? FileManager.default.removeItem(atPath: commands.scratch)
        } else {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// Leaves the lab up on purpose (for a tool such as `vrrp-lab up`): teardown and deinit
    /// then do nothing, and the processes keep running after this process exits. Use it with
    /// an explicit `prefix` (generated ones are reaped by `cleanupStale` once this process
    /// dies) and remove the lab later with `Lab.remove(prefix:)`.
    public func detach() {
        state.withLock { $0.tornDown = true }
    }

    /// Removes namespaces left by dead runs: every namespace named `<prefixStart><pid>-…` whose
    /// pid no longer exists. Processes inside are SIGKILLed by PID first. Lab directories are
    /// left for post-mortems. Labs with a generated prefix call this on creation.
    public static func cleanupStale(prefixStart: String = Lab.generatedPrefixStart) {
        _ = try? Commands.temporary { commands in
            for namespace in try commands.namespaces() {
                guard let owner = ownerPID(of: namespace, prefixStart: prefixStart),
                      owner != getpid(), !Spawn.exists(owner) else { continue }
                commands.remove(namespace: namespace)
            }
        }
    }

    /// Removes a lab by its prefix (for a lab left up on purpose, e.g. by `vrrp-lab`): kills the
    /// processes inside its namespaces by PID, deletes the namespaces and the lab directory.
    public static func remove(prefix: String, root: String = "/tmp") throws {
        try validate(prefix, what: "prefix", maxLength: 24)
        guard let ip = Commands.findIP() else { return }
        let directory = "\(root)/vrrplab-\(prefix)"
        let commands = Commands(ip: ip, scratch: "\(directory)/.cmd")
        try FileManager.default.createDirectory(atPath: commands.scratch, withIntermediateDirectories: true)
        let mine = try commands.namespaces().filter { $0.hasPrefix("\(prefix)-h-") || $0.hasPrefix("\(prefix)-s-") }
        for namespace in hostsFirst(mine, prefix: prefix) { commands.remove(namespace: namespace) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The namespaces (of any run) whose names start with `prefix`.
    public static func namespaces(withPrefix prefix: String) throws -> [String] {
        try Commands.temporary { try $0.namespaces().filter { $0.hasPrefix(prefix) } } ?? []
    }

    static func hostsFirst(_ namespaces: [String], prefix: String) -> [String] {
        namespaces.filter { $0.hasPrefix("\(prefix)-h-") } + namespaces.filter { !$0.hasPrefix("\(prefix)-h-") }
    }

    /// The owner pid encoded in a generated namespace name (`vl<pid>-<hex>-…`), if any.
    static func ownerPID(of namespace: String, prefixStart: String) -> Int32? {
        guard namespace.hasPrefix(prefixStart) else { return nil }
        let rest = namespace.dropFirst(prefixStart.count)
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, rest.dropFirst(digits.count).first == "-" else { return nil }
        return Int32(digits)
    }
}
