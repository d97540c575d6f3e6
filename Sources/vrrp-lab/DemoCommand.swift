// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import VRRPLab

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "up (2 proxies + client, nginx if installed) → who is master → crash it → timeline → vrrpctl status → down.")

    @Option(help: "Directory holding vrrpd and vrrpctl (default: next to vrrp-lab).") var binDir: String?
    @Option(help: "advert_int in seconds.") var advertInterval: Double = 1

    func run() throws {
        try requireRoot("demo")
        let name = "demo-\(getpid() % 100000)"
        let binDir = binDir ?? defaultBinDir()
        let nginx = Shell.tool("nginx") != nil
        print("== vrrp-lab up --nodes 2\(nginx ? " --with nginx" : "") (lab '\(name)')")
        if !nginx { print("   (nginx is not installed: the client pings the VIP instead of fetching a page)") }
        let state = try UpCommand.build(name: name, nodes: 2, services: nginx ? ["nginx"] : [], keepalivedPeer: false,
                                        binDir: binDir, advertInterval: advertInterval)
        defer {
            print("== vrrp-lab down")
            try? Lab.remove(prefix: state.prefix, root: LabState.root)
            print("lab '\(name)' removed")
        }
        StatusCommand.show(state)
        guard let master = state.proxies.first(where: { Shell.state($0).state == "MASTER" }) else {
            throw ValidationError("no master came up")
        }
        print("master: \(master.name); VIP \(state.vip) on \(state.proxies.filter { Shell.hasAddress($0, state.vip) }.map(\.name).joined(separator: ", "))")
        if nginx, let client = state.client {
            let page = Shell.run(["curl", "-s", "-m", "2", "http://198.18.0.100/"], in: client.namespace).output
            print("client: curl http://198.18.0.100/ → \(page.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        print("== vrrp-lab fail \(master.name) --how crash   (SIGKILL to vrrpd + link down)")
        try FailCommand.inject(state, host: master, how: .crash)
        StatusCommand.show(state)
        if let survivor = state.proxies.first(where: { $0.name != master.name }), let socket = survivor.statusSocket {
            print("== vrrpctl status on \(survivor.name)")
            // Installed (vrrpd-lab), vrrp-lab sits in /usr/sbin next to vrrpd; vrrpctl is in /usr/bin.
            let vrrpctl = FileManager.default.isExecutableFile(atPath: "\(binDir)/vrrpctl") ? "\(binDir)/vrrpctl" : "vrrpctl"
            let out = Shell.run([vrrpctl, "status", "--socket", socket]).output
            print(out, terminator: out.hasSuffix("\n") ? "" : "\n")
        }
    }
}
