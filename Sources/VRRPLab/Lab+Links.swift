// SPDX-License-Identifier: Apache-2.0
import Foundation

extension Lab {
    /// Cables an existing host to one more LAN: interface `ifname` in the host (a veth whose
    /// peer, named after the host, is a port of the LAN's bridge), with `ipv4` / `ipv6` (lab
    /// ranges only, IPv6 without DAD), up. Goes with the namespaces at teardown.
    public func cable(_ host: LabHost, to lan: LabLAN, ifname: String, ipv4: [String] = [], ipv6: [String] = []) throws {
        try ensureLive()
        try Lab.validate(ifname, what: "interface name", maxLength: 15)
        for cidr in ipv4 { try Lab.checkLabAddress(cidr, family: .ipv4) }
        for cidr in ipv6 { try Lab.checkLabAddress(cidr, family: .ipv6) }
        try commands.ip("-n", host.namespace, "link", "add", ifname, "type", "veth", "peer", "name", host.name,
                        "netns", lan.namespace)
        try commands.ip("-n", lan.namespace, "link", "set", "dev", host.name, "master", lan.bridge, "up")
        for cidr in ipv4 { try commands.ip("-n", host.namespace, "addr", "add", cidr, "dev", ifname) }
        for cidr in ipv6 { try commands.ip("-n", host.namespace, "addr", "add", cidr, "dev", ifname, "nodad") }
        try commands.ip("-n", host.namespace, "link", "set", "dev", ifname, "up")
        try waitUntil("link-local address on \(host.name) \(ifname)", timeout: .seconds(10)) {
            try addresses(host, ifname: ifname).contains { $0.hasPrefix("fe80:") }
        }
    }

    /// Sets the host's own interface administratively up or down (`ip link set dev IF up|down`
    /// inside the host). IPv6 addresses stay (keep_addr_on_down=1 in lab hosts).
    public func setLink(_ host: LabHost, _ ifname: String, up: Bool) throws {
        try ensureLive()
        try commands.ip("-n", host.namespace, "link", "set", "dev", ifname, up ? "up" : "down")
    }

    /// Unplugs or replugs the host's cable on `lan`: the bridge-side veth end goes down or up,
    /// so the host's interface loses or regains carrier (NO-CARRIER / LOWER_UP).
    public func setCable(_ host: LabHost, on lan: LabLAN, plugged: Bool) throws {
        try ensureLive()
        let port = try port(of: host, on: lan)
        try commands.ip("-n", lan.namespace, "link", "set", "dev", port, plugged ? "up" : "down")
    }

    /// Partitions the host from `lan` (or heals the partition) while its link stays up with
    /// carrier: the bridge port is detached from (or re-attached to) the bridge. Detaching is
    /// used because a Linux bridge without STP puts "disabled"/"blocking" ports straight back
    /// to forwarding.
    public func isolate(_ host: LabHost, on lan: LabLAN, _ isolated: Bool) throws {
        try ensureLive()
        let port = try port(of: host, on: lan)
        if isolated {
            try commands.ip("-n", lan.namespace, "link", "set", "dev", port, "nomaster")
        } else {
            try commands.ip("-n", lan.namespace, "link", "set", "dev", port, "master", lan.bridge)
        }
    }

    /// The addresses on `ifname` inside `host`, as "198.18.0.100/32", "2001:db8::11/64",
    /// "fe80::…/64", in the kernel's order (`ip -j addr show dev IF`).
    public func addresses(_ host: LabHost, ifname: String) throws -> [String] {
        try Lab.parseAddresses(link(host, ifname))
    }

    /// The interface's MAC address, lower case ("02:00:5e:…").
    public func mac(_ host: LabHost, ifname: String) throws -> String {
        guard let mac = try link(host, ifname)["address"] as? String else {
            throw LabError.unexpectedOutput("no MAC address for \(ifname) in \(host)")
        }
        return mac.lowercased()
    }

    /// True when the interface is up and has carrier (LOWER_UP).
    public func hasCarrier(_ host: LabHost, ifname: String) throws -> Bool {
        let flags = try link(host, ifname)["flags"] as? [String] ?? []
        return flags.contains("UP") && flags.contains("LOWER_UP")
    }

    /// Parses `ip -j addr show` output for one interface into CIDR strings.
    static func parseAddresses(_ link: [String: Any]) throws -> [String] {
        guard let infos = link["addr_info"] as? [[String: Any]] else { return [] }
        return try infos.map { info in
            guard let local = info["local"] as? String, let length = info["prefixlen"] as? Int else {
                throw LabError.unexpectedOutput("address entry without local/prefixlen: \(info)")
            }
            return "\(local)/\(length)"
        }
    }

    /// Decodes `ip -j addr show` JSON (an array with one object per interface).
    static func parseLinks(_ json: String) throws -> [[String: Any]] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)),
              let links = object as? [[String: Any]] else {
            throw LabError.unexpectedOutput("`ip -j` printed something that is not a JSON array: \(json.prefix(200))")
        }
        return links
    }

    private func link(_ host: LabHost, _ ifname: String) throws -> [String: Any] {
        try ensureLive()
        let json = try commands.ip("-n", host.namespace, "-j", "addr", "show", "dev", ifname).stdout
        guard let link = try Lab.parseLinks(json).first else {
            throw LabError.unexpectedOutput("no interface \(ifname) in \(host)")
        }
        return link
    }

    private func port(of host: LabHost, on lan: LabLAN) throws -> String {
        guard let interface = host.interface(on: lan) else {
            throw LabError.invalidName(host.name, reason: "host is not on \(lan)")
        }
        return interface.port
    }
}
