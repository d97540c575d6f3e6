// SPDX-License-Identifier: Apache-2.0
import Foundation

/// FRRouting's VRRP (Debian `frr`: zebra + vrrpd) in a lab host, with every path its own:
/// config, PID files, the zebra API socket and the vty sockets live in `directory`, so it
/// never meets the machine's frr service or another lab host's FRR.
public struct LabFRRNode: Sendable, Hashable {
    public let host: LabHost
    public let zebra: LabProcess
    public let vrrpd: LabProcess
    /// Config, PID files and sockets (`zserv.api`, `*.vty`).
    public let directory: String
}

extension LabRequirement {
    /// Debian's frr: zebra, vrrpd and vtysh where `Lab.frrDaemons` looks for them.
    public static let frr: [LabRequirement] = [.file("/usr/lib/frr/zebra"), .file("/usr/lib/frr/vrrpd"), .tool("vtysh")]
}

extension Lab {
    /// Where Debian installs FRR's daemons, if it does.
    public static var frrDaemons: (zebra: String, vrrpd: String, vtysh: String)? {
        let zebra = "/usr/lib/frr/zebra", vrrpd = "/usr/lib/frr/vrrpd", vtysh = "/usr/bin/vtysh"
        let fm = FileManager.default
        guard fm.isExecutableFile(atPath: zebra), fm.isExecutableFile(atPath: vrrpd), fm.isExecutableFile(atPath: vtysh)
        else { return nil }
        return (zebra, vrrpd, vtysh)
    }

    /// FRR's system configuration for one VRRP router (FRR doc/user/vrrp.rst, "System
    /// Configuration"): a macvlan in bridge mode on `link` with the VRRP MAC, addrgenmode
    /// random (a link-local that is not derived from the shared MAC), the virtual address on it,
    /// up. FRR's vrrpd never adds or removes addresses: as Backup it sets the macvlan protodown.
    public func addFRRMacvlan(_ host: LabHost, name: String, link: String = "eth0", vrid: Int, family: Int,
                              address: String) throws {
        let mac = String(format: "00:00:5e:00:%02x:%02x", family == 6 ? 2 : 1, vrid)
        _ = try runChecked(host, ["ip", "link", "add", name, "link", link, "address", mac, "type", "macvlan", "mode", "bridge"])
        // Not in the create request: the kernel refuses IFLA_AF_SPEC there (EAFNOSUPPORT).
        _ = try runChecked(host, ["ip", "link", "set", name, "addrgenmode", "random"])
        _ = try runChecked(host, ["ip", "addr", "add", address, "dev", name] + (family == 6 ? ["nodad"] : []))
        _ = try runChecked(host, ["ip", "link", "set", name, "up"])
    }

    /// Starts zebra, then vrrpd with `vrrpConfig` (FRR syntax: `interface eth0` / ` vrrp 51 …`),
    /// as user frr (FRR's daemons refuse root unless it is in the frrvty group), logging to
    /// `<tag>-zebra.log` and `<tag>-vrrpd.log`. Both are lab processes: teardown ends them by PID.
    public func startFRR(_ host: LabHost, vrrpConfig: String, tag: String = "frr") throws -> LabFRRNode {
        guard let daemons = Lab.frrDaemons else { throw LabError.unexpectedOutput("FRR is not installed (apt-get install frr)") }
        let dir = "\(host.directory)/\(tag)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o777])
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: dir)
        let zebraConf = "\(dir)/zebra.conf", vrrpdConf = "\(dir)/vrrpd.conf"
        try "hostname \(host.name)\nlog stdout informational\n".write(toFile: zebraConf, atomically: true, encoding: .utf8)
        try "hostname \(host.name)\nlog stdout informational\n\(vrrpConfig)\n".write(toFile: vrrpdConf, atomically: true, encoding: .utf8)
        for file in [zebraConf, vrrpdConf] {
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        }
        func common(_ name: String, _ conf: String) -> [String] {
            ["-f", conf, "-i", "\(dir)/\(name).pid", "-z", "\(dir)/zserv.api", "--vty_socket", dir,
             "-u", "frr", "-g", "frr", "-P", "0"]
        }
        let zebra = try spawn(host, [daemons.zebra] + common("zebra", zebraConf), name: "\(tag)-zebra")
        try waitUntil("FRR zebra's API socket in \(host)", timeout: .seconds(10)) {
            guard isRunning(zebra) else { throw LabError.unexpectedOutput("zebra exited: \(log(zebra))") }
            return FileManager.default.fileExists(atPath: "\(dir)/zserv.api")
        }
        let vrrpd = try spawn(host, [daemons.vrrpd] + common("vrrpd", vrrpdConf), name: "\(tag)-vrrpd")
        return LabFRRNode(host: host, zebra: zebra, vrrpd: vrrpd, directory: dir)
    }

    /// FRR vrrpd's state of VRID `vrid` for `family` (4 or 6) from `show vrrp VRID json`:
    /// "Master", "Backup", "Initialize"; nil while vrrpd does not answer.
    public func frrState(_ node: LabFRRNode, vrid: Int, family: Int) -> String? {
        guard let vtysh = Lab.frrDaemons?.vtysh,
              let r = try? run(node.host, [vtysh, "--vty_socket", node.directory, "-d", "vrrpd", "-c", "show vrrp \(vrid) json"],
                               timeout: .seconds(10)), r.succeeded,
              let data = r.stdout.data(using: .utf8),
              let list = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]],
              let router = list.first(where: { ($0["vrid"] as? Int) == vrid }),
              let fam = router[family == 6 ? "v6" : "v4"] as? [String: Any]
        else { return nil }
        return fam["status"] as? String
    }

    /// SIGTERM to vrrpd (it sends priority 0 as Master), then to zebra; their exit statuses.
    @discardableResult
    public func stopFRR(_ node: LabFRRNode) -> (vrrpd: Int32?, zebra: Int32?) {
        let v = stop(node.vrrpd, grace: .seconds(5))
        let z = stop(node.zebra, grace: .seconds(5))
        return (v, z)
    }
}
