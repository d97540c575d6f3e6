// SPDX-License-Identifier: Apache-2.0
extension Snapshot {
    /// The snapshot in the Prometheus text exposition format (version 0.0.4): the RFC 6527
    /// counters, a state gauge and the priorities per instance. Rendered from the same
    /// snapshot as the status socket, so a scrape and `vrrpctl status` agree.
    public func renderPrometheus() -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for s in samples { out += "\(name){\(s.labels)} \(s.value)\n" }
        }
        func labels(_ i: InstanceSnapshot) -> String {
            "instance=\"\(escapeLabel(i.name))\",vrid=\"\(i.vrid)\",interface=\"\(escapeLabel(i.interface))\",family=\"\(i.family)\""
        }
        let states = ["INIT", "BACKUP", "MASTER", "FAULT"]
        family("vrrp_instance_state", "gauge", "1 for the state the instance is in, 0 for the others.",
               instances.flatMap { i in
                   states.map { s in (labels(i) + ",state=\"\(s)\"", i.state == s ? "1" : "0") }
               })
        family("vrrp_instance_priority_effective", "gauge", "Effective priority (base plus tracking weights).",
               instances.map { (labels($0), "\($0.effectivePriority)") })
        family("vrrp_instance_priority_configured", "gauge", "Configured priority.",
               instances.map { (labels($0), "\($0.configuredPriority)") })
        family("vrrp_instance_vips_installed", "gauge", "Virtual addresses installed on this host.",
               instances.map { i in (labels(i), "\(i.virtualAddresses.filter(\.installed).count)") })
        if let maximum = daemon.loopLagMax {
            family("vrrpd_loop_lag_seconds", "gauge",
                   "Longest delay between an event-loop timer's deadline and its firing.",
                   [("window=\"since_start\"", "\(maximum)"),
                    ("window=\"last_minute\"", "\(daemon.loopLagLastMinute ?? maximum)")])
        }
        let counterNames = Counters().all.map(\.name)
        for (index, name) in counterNames.enumerated() {
            let metric = "vrrp_" + snakeCase(name) + "_total"
            family(metric, "counter", "RFC 6527 vrrpv3Statistics \(name).",
                   instances.map { (labels($0), "\($0.counters.all[index].value)") })
        }
        return out
    }
}

func snakeCase(_ name: String) -> String {
    var out = ""
    for ch in name {
        if ch.isUppercase {
            out += "_" + ch.lowercased()
        } else {
            out.append(ch)
        }
    }
    return out
}

func escapeLabel(_ value: String) -> String {
    var out = ""
    for ch in value {
        switch ch {
        case "\\": out += "\\\\"
        case "\"": out += "\\\""
        case "\n": out += "\\n"
        default: out.append(ch)
        }
    }
    return out
}
