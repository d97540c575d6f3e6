// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import VRRPLab

struct UpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Build the lab: N proxies running vrrpd (VIP 198.18.0.100), a client, optional nginx/RabbitMQ.")

    @OptionGroup var lab: LabName
    @Option(help: "How many proxy hosts (p1…pN).") var nodes = 2
    @Option(help: "Extra services: nginx, rabbitmq (comma-separated).") var with: String = ""
    @Option(help: "Run this VRRP implementation on the last proxy instead of vrrpd: keepalived.") var peer: String?
    @Option(help: "Directory holding vrrpd and vrrpctl (default: next to vrrp-lab).") var binDir: String?
    @Option(help: "advert_int in seconds.") var advertInterval: Double = 1

    func validate() throws {
        guard (1...9).contains(nodes) else { throw ValidationError("--nodes must be 1…9") }
        if let peer, peer != "keepalived" { throw ValidationError("--peer: only 'keepalived' is supported") }
    }

    func run() throws {
        try requireRoot("up")
        let state = try UpCommand.build(name: lab.name, nodes: nodes,
                                        services: Set(with.split(separator: ",").map { String($0) }),
                                        keepalivedPeer: peer != nil, binDir: binDir ?? defaultBinDir(),
                                        advertInterval: advertInterval)
        print("lab '\(state.name)' is up (\(state.directory))")
        StatusCommand.show(state)
    }

    /// Builds the lab, starts everything, waits for a master, saves `lab.json`, detaches.
    static func build(name: String, nodes: Int, services: Set<String>, keepalivedPeer: Bool, binDir: String,
                      advertInterval: Double) throws -> LabState {
        let prefix = LabState.prefix(for: name)
        let existing = try Lab.namespaces(withPrefix: prefix + "-")
        if FileManager.default.fileExists(atPath: LabState.path(for: name)) || !existing.isEmpty {
            throw ValidationError("lab '\(name)' is already up: `vrrp-lab down --name \(name)` first")
        }
        let vrrpd = "\(binDir)/vrrpd"
        guard FileManager.default.isExecutableFile(atPath: vrrpd) else {
            throw ValidationError("no vrrpd in \(binDir): build it (`swift build --product vrrpd`) or pass --bin-dir")
        }
        if keepalivedPeer && Lab.keepalivedPath == nil {
            throw ValidationError("--peer keepalived: keepalived is not installed (apt-get install keepalived)")
        }
        let wantNginx = services.contains("nginx")
        if wantNginx && Shell.tool("nginx") == nil {
            throw ValidationError("--with nginx: nginx is not installed (apt-get install nginx-light)")
        }
        var wantRabbit = services.contains("rabbitmq")
        if wantRabbit && Shell.tool("rabbitmq-server") == nil {
            printError("note: --with rabbitmq skipped: rabbitmq-server is not installed (apt-get install rabbitmq-server); the lab runs without it")
            wantRabbit = false
        }

        try FileManager.default.createDirectory(atPath: LabState.root, withIntermediateDirectories: true)
        let lab = try Lab(prefix: prefix, root: LabState.root, keepDirectory: true)
        do {
            let topology = try LabTopology(in: lab, proxies: nodes)
            var hosts: [LabState.Host] = []
            let vip = "198.18.0.100/24"
            for (i, proxy) in topology.proxies.enumerated() {
                var instance = LabVRRPInstance()
                instance.priority = 150 - 25 * i
                instance.advertInterval = advertInterval
                instance.virtualAddresses = [vip]
                let useKeepalived = keepalivedPeer && i == nodes - 1
                // nginx first, answering, so the daemon's first health checks already pass.
                var nginxPID: Int32?
                if wantNginx {
                    nginxPID = try startNginx(lab, proxy).pid
                }
                let config = configuration(instance, routerID: proxy.name, keepalived: useKeepalived, trackNginx: wantNginx)
                let node = useKeepalived
                    ? try lab.startKeepalived(proxy, config: config)
                    : try lab.startVRRPD(proxy, binary: vrrpd, config: config)
                var host = LabState.Host(name: proxy.name, namespace: proxy.namespace, directory: proxy.directory,
                                         role: "proxy", address: proxy.ipv4Address ?? "", daemon: node.daemon.rawValue,
                                         daemonPID: node.process.pid, daemonLog: node.process.logPath,
                                         statusSocket: node.statusSocket, priority: instance.priority)
                host.nginxPID = nginxPID
                hosts.append(host)
            }
            let client = topology.client
            hosts.append(LabState.Host(name: client.name, namespace: client.namespace, directory: client.directory,
                                       role: "client", address: client.ipv4Address ?? ""))
            if wantRabbit {
                let mq = try lab.addHost("mq", on: [topology.lan], ipv4: ["198.18.0.30/24"])
                let process = try lab.spawn(mq, ["rabbitmq-server"], name: "rabbitmq", environment: [
                    "RABBITMQ_MNESIA_BASE": "\(mq.directory)/mnesia", "RABBITMQ_LOG_BASE": mq.directory,
                    "RABBITMQ_NODENAME": "rabbit@localhost", "RABBITMQ_NODE_IP_ADDRESS": "198.18.0.30",
                    "RABBITMQ_FEATURE_FLAGS_FILE": "\(mq.directory)/feature_flags",
                    "RABBITMQ_ENABLED_PLUGINS_FILE": "\(mq.directory)/enabled_plugins",
                    "RABBITMQ_PID_FILE": "\(mq.directory)/rabbitmq.pid",
                    "HOME": mq.directory, "ERL_CRASH_DUMP": "\(mq.directory)/erl_crash.dump",
                ])
                hosts.append(LabState.Host(name: mq.name, namespace: mq.namespace, directory: mq.directory,
                                           role: "rabbitmq", address: "198.18.0.30", daemonPID: process.pid,
                                           daemonLog: process.logPath))
            }
            let state = LabState(name: name, prefix: prefix, directory: lab.directory, vip: vip,
                                 advertInterval: advertInterval, binDir: binDir, hosts: hosts)
            try state.save()
            try waitUntil("a master holding \(vip)", timeout: .seconds(20)) {
                state.proxies.contains { Shell.state($0).state == "MASTER" && Shell.hasAddress($0, vip) }
            }
            lab.detach()
            return state
        } catch {
            lab.teardown()
            try? Lab.remove(prefix: prefix, root: LabState.root)
            throw error
        }
    }

    /// The daemon's configuration for one proxy. With nginx in the lab the instance tracks it:
    /// vrrpd with its native `vrrp_http_check` (docs/health-checks.md), keepalived with a
    /// `vrrp_script` running curl. Both GET http://127.0.0.1:80/ and lower the priority by 60
    /// after 2 failures (150 → 90, below p2's 125), so the next proxy takes the VIP over.
    /// vrrpd also tracks this proxy's nginx process (pidfd: its death is seen at once; the
    /// lab's nginx is a copy named `nginx-HOST`, since the hosts share one PID namespace) and
    /// sets `fast_preempt`, as the shipped example does (#17).
    static func configuration(_ instance: LabVRRPInstance, routerID: String, keepalived: Bool,
                              trackNginx: Bool) -> String {
        guard trackNginx else { return instance.configuration(routerID: routerID) }
        let check: String
        if keepalived {
            // keepalived 2.2 reads whole-second script intervals; the script runs as root
            // (no keepalived_script user in the lab).
            check = """
                vrrp_script chk_nginx {
                    script "\(Shell.tool("curl") ?? "/usr/bin/curl") -fs -o /dev/null -m 0.8 http://127.0.0.1:80/"
                    interval 1
                    timeout 1
                    fall 2
                    rise 2
                    weight -60
                }
                """
        } else {
            check = """
                vrrp_http_check chk_nginx {
                    host 127.0.0.1
                    port 80
                    path /
                    interval 0.5
                    timeout 1
                    fall 2
                    rise 2
                    weight -60
                }
                """
        }
        // The instance block with `track_script` before its closing brace.
        var lines = instance.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "}" { lines.removeLast() }
        lines += ["    track_script {", "        chk_nginx", "    }"]
        if !keepalived {
            lines += ["    track_process {", "        chk_nginx_process", "    }", "    fast_preempt"]
        }
        lines.append("}")
        let processCheck = keepalived ? "" : """

            vrrp_track_process chk_nginx_process {
                process \(nginxProcessName(routerID))
                weight -60
            }
            """
        let scriptUser = keepalived ? "\n    script_user root" : ""
        return """
            global_defs {
                router_id \(routerID)\(scriptUser)
            }

            \(check)\(processCheck)

            \(lines.joined(separator: "\n"))

            """
    }

    /// nginx in `host` (`Lab.startNginx`), listening on port 80 of all the host's addresses
    /// (127.0.0.1 for the health check, the VIP for the client), answering with a page that
    /// names the host, and answering before this returns. It runs as a copy named `nginx-HOST`: its
    /// processes' comm is what vrrpd's track_process on this host counts (the lab's hosts share
    /// one PID namespace).
    static func startNginx(_ lab: Lab, _ host: LabHost) throws -> LabProcess {
        let binary = "\(host.directory)/\(nginxProcessName(host.name))"
        try? FileManager.default.removeItem(atPath: binary)
        try FileManager.default.copyItem(atPath: Lab.nginxPath, toPath: binary)
        return try lab.startNginx(host, binary: binary)
    }
}

/// The process name of a lab proxy's nginx (at most 15 characters are kept in comm).
func nginxProcessName(_ host: String) -> String { String("nginx-\(host)".prefix(15)) }

/// vrrpd and vrrpctl live next to the vrrp-lab executable unless --bin-dir says otherwise.
func defaultBinDir() -> String { LabBinaries.executableDirectory }
