// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import VRRPLab
import VRRPTestSupport
import VRRPStatus

/// Issue 18: packaging/container/Containerfile builds (from scratch, no registry) and two
/// containers of the image elect a master against each other, each container inside a lab
/// host's network namespace (`podman run --network ns:/run/netns/NS`), as `--net=host` would
/// put it on a proxy host. Root only (CI runs as root); podman and runc come from
/// scripts/setup-debian. The image is built from the debug binaries the other namespace tests
/// use (the release image is the same Containerfile with static-stdlib binaries).
@Suite("Container image", .serialized)
struct ContainerImageTests {
    static let podman = "/usr/bin/podman"

    // Every podman call uses runc (crun refuses this machine's cgroup v1/v2 hybrid) and rlimits
    // no higher than ours (a sandbox without CAP_SYS_RESOURCE cannot raise them).

    @Test("the image builds from scratch and two vrrpd containers in lab namespaces elect, then fail over on stop")
    func twoContainers() async throws {
        try requireLab(LabRequirement.namespaceLab + [.tool(Self.podman)])
        let vrrpd = try LabBinaries.vrrpd
        let binDir = (vrrpd as NSString).deletingLastPathComponent
        let suffix = String(UInt32.random(in: 0x1000_0000...0xffff_ffff), radix: 16)
        let tag = "localhost/swift-vrrp-test:\(suffix)"
        let build = try Lab.runHostCommand([LabBinaries.packageRoot + "/packaging/container/build-image.sh",
                                            "--bin-dir", binDir, "--tag", tag, "--engine", "podman"], timeout: .seconds(600))
        #expect(build.status == 0, "build-image.sh: \(build.output)")
        guard build.status == 0 else { return }
        defer { _ = try? Lab.runHostCommand([Self.podman, "rmi", "-f", tag], timeout: .seconds(120)) }

        var containers: [String] = []
        defer {
            for name in containers {
                _ = try? Lab.runHostCommand([Self.podman, "--runtime", "runc", "rm", "-f", "-t", "0", name], timeout: .seconds(60))
            }
        }
        try await withLab { lab in
            let topology = try LabTopology(in: lab, proxies: 2)
            func start(_ host: LabHost, priority: Int) throws -> (name: String, socket: String) {
                var instance = LabVRRPInstance()
                instance.priority = priority
                instance.version = nil
                instance.addressDevice = false
                let conf = host.directory + "/keepalived"
                let run = host.directory + "/run"
                try FileManager.default.createDirectory(atPath: conf, withIntermediateDirectories: true)
                try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
                try instance.configuration(routerID: host.name).write(toFile: conf + "/keepalived.conf", atomically: true, encoding: .utf8)
                let name = "swift-vrrp-test-\(suffix)-\(host.name)"
                containers.append(name)
                let result = try Lab.runHostCommand([Self.podman, "--runtime", "runc", "run", "-d", "--name", name,
                    "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096",
                    "--network", "ns:/run/netns/\(host.namespace)",
                    "--cap-drop", "ALL", "--cap-add", "NET_ADMIN", "--cap-add", "NET_RAW",
                    "-v", "\(conf):/etc/keepalived:ro", "-v", "\(run):/run/vrrpd", tag], timeout: .seconds(120))
                try #require(result.status == 0, "podman run: \(result.output)")
                return (name, run + "/vrrpd.sock")
            }
            func state(_ socket: String) -> String? {
                (try? StatusClient(path: socket).request(.status))?.snapshot?.instance(named: "VI_1")?.state
            }
            func logs(_ name: String) -> String {
                (try? Lab.runHostCommand([Self.podman, "logs", name], timeout: .seconds(30)))?.output ?? ""
            }
            let (p1, p2) = (topology.proxies[0], topology.proxies[1])
            let c1 = try start(p1, priority: 150)
            try waitUntil("the p1 container MASTER", timeout: .seconds(30)) { state(c1.socket) == "MASTER" }
            let c2 = try start(p2, priority: 100)
            try waitUntil("the p2 container BACKUP, hearing p1", timeout: .seconds(30)) {
                let i = (try? StatusClient(path: c2.socket).request(.status))?.snapshot?.instance(named: "VI_1")
                return i?.state == "BACKUP" && i?.master?.address == "198.18.0.11"
            }
            #expect(try lab.addresses(p1, ifname: "eth0").contains { $0.hasPrefix("198.18.0.100/") })
            #expect(try !lab.addresses(p2, ifname: "eth0").contains { $0.hasPrefix("198.18.0.100/") })

            // vrrpctl inside the image (no shell there): the backup names the master.
            let ctl = try Lab.runHostCommand([Self.podman, "--runtime", "runc", "exec", c2.name, "vrrpctl", "status"], timeout: .seconds(60))
            #expect(ctl.status == 0 && ctl.output.contains("198.18.0.11 (150)"), "\(ctl.output)")

            // `podman stop` sends SIGTERM: p1 releases the VIP with priority 0, p2 takes over.
            let stop = try Lab.runHostCommand([Self.podman, "--runtime", "runc", "stop", "-t", "15", c1.name], timeout: .seconds(60))
            #expect(stop.status == 0, "\(stop.output)")
            try waitUntil("the p2 container MASTER after p1 stopped", timeout: .seconds(30)) { state(c2.socket) == "MASTER" }
            try waitUntil("the VIP on p2", timeout: .seconds(20)) {
                try lab.addresses(p2, ifname: "eth0").contains { $0.hasPrefix("198.18.0.100/") }
            }
            #expect(try !lab.addresses(p1, ifname: "eth0").contains { $0.hasPrefix("198.18.0.100/") })
            let exit = try Lab.runHostCommand([Self.podman, "inspect", "--format", "{{.State.ExitCode}}", c1.name], timeout: .seconds(30))
            #expect(exit.output.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "p1 exit: \(exit.output)\n\(logs(c1.name))")
        }
    }
}
