/// Builds the keepalived.conf text the integration tests feed to `vrrpd`.
struct VRRPInstanceConfig: Sendable {
    var name = "VI_1"
    var state = "BACKUP"
    var interface = "eth0"
    var virtualRouterID = 51
    var priority: Int
    /// Seconds, as keepalived writes it ("1", "0.1").
    var advertInterval = "1"
    /// nil: the daemon's default (2 in keepalived).
    var version: Int? = nil
    /// `authentication { auth_type PASS auth_pass X }` (VRRPv2 only).
    var authPass: String? = nil
    var virtualAddresses = ["198.18.0.100/24"]
    var nopreempt = false
    var unicastSource: String? = nil
    var unicastPeers: [String] = []
    var trackInterfaces: [String] = []
    /// Extra lines inside the instance block.
    var extraLines: [String] = []

    var text: String {
        var lines = ["vrrp_instance \(name) {",
                     "    state \(state)",
                     "    interface \(interface)",
                     "    virtual_router_id \(virtualRouterID)",
                     "    priority \(priority)",
                     "    advert_int \(advertInterval)"]
        if let version { lines.append("    version \(version)") }
        if nopreempt { lines.append("    nopreempt") }
        if let authPass {
            lines += ["    authentication {", "        auth_type PASS", "        auth_pass \(authPass)", "    }"]
        }
        if let unicastSource { lines.append("    unicast_src_ip \(unicastSource)") }
        if !unicastPeers.isEmpty {
            lines.append("    unicast_peer {")
            lines += unicastPeers.map { "        \($0)" }
            lines.append("    }")
        }
        if !trackInterfaces.isEmpty {
            lines.append("    track_interface {")
            lines += trackInterfaces.map { "        \($0)" }
            lines.append("    }")
        }
        lines.append("    virtual_ipaddress {")
        lines += virtualAddresses.map { "        \($0)" }
        lines.append("    }")
        lines += extraLines.map { "    \($0)" }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }
}

/// A whole keepalived.conf: `global_defs { router_id ID }` and the instances.
func keepalivedConf(routerID: String, _ instances: VRRPInstanceConfig...) -> String {
    "global_defs {\n    router_id \(routerID)\n}\n\n" + instances.map(\.text).joined(separator: "\n")
}
