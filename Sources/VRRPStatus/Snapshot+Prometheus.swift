// SPDX-License-Identifier: Apache-2.0
extension Snapshot {
    /// The snapshot in the Prometheus text exposition format (version 0.0.4): the RFC 6527
    /// counters, a state gauge and the priorities per instance. Rendered from the same
    /// snapshot as the status socket, so a scrape and `vrrpctl status` agree.
    public func renderPrometheus() -> String {
        var writer = PrometheusWriter(daemon: daemon)
        for i in instances { writer.append(instance: i) }
        return writer.finish()
    }
}

/// ``Snapshot/renderPrometheus()`` an instance at a time, so that a daemon with a thousand
/// instances renders a scrape over several loop turns (issue 16: 2 MB of text in one turn
/// stalled the adverts 60–90 ms). Every metric family's samples stay together, as the format
/// asks: each instance adds a line to each family, and `finish` joins them.
public struct PrometheusWriter {
    private struct Family {
        let name: String
        let type: String
        let help: String
        var body = ""
    }

    private static let states = ["INIT", "BACKUP", "MASTER", "FAULT"]
    private var families: [Family]
    private let firstCounter: Int

    public init(daemon: DaemonInfo) {
        families = [
            Family(name: "vrrp_instance_state", type: "gauge", help: "1 for the state the instance is in, 0 for the others."),
            Family(name: "vrrp_instance_priority_effective", type: "gauge", help: "Effective priority (base plus tracking weights)."),
            Family(name: "vrrp_instance_priority_configured", type: "gauge", help: "Configured priority."),
            Family(name: "vrrp_instance_vips_installed", type: "gauge", help: "Virtual addresses installed on this host."),
        ]
        if let maximum = daemon.loopLagMax {
            var lag = Family(name: "vrrpd_loop_lag_seconds", type: "gauge",
                             help: "Longest delay between an event-loop timer's deadline and its firing.")
            lag.body = "vrrpd_loop_lag_seconds{window=\"since_start\"} \(maximum)\n"
                + "vrrpd_loop_lag_seconds{window=\"last_minute\"} \(daemon.loopLagLastMinute ?? maximum)\n"
            families.append(lag)
        }
        firstCounter = families.count
        for name in Counters().all.map(\.name) {
            families.append(Family(name: "vrrp_" + snakeCase(name) + "_total", type: "counter",
                                   help: "RFC 6527 vrrpv3Statistics \(name)."))
        }
    }

    public mutating func append(instance i: InstanceSnapshot) {
        let labels = "instance=\"\(escapeLabel(i.name))\",vrid=\"\(i.vrid)\",interface=\"\(escapeLabel(i.interface))\",family=\"\(i.family)\""
        for s in Self.states {
            families[0].body += "vrrp_instance_state{\(labels),state=\"\(s)\"} \(i.state == s ? "1" : "0")\n"
        }
        add(1, labels, "\(i.effectivePriority)")
        add(2, labels, "\(i.configuredPriority)")
        add(3, labels, "\(i.virtualAddresses.filter(\.installed).count)")
        for (k, counter) in i.counters.all.enumerated() { add(firstCounter + k, labels, "\(counter.value)") }
    }

    private mutating func add(_ family: Int, _ labels: String, _ value: String) {
        families[family].body += "\(families[family].name){\(labels)} \(value)\n"
    }

    public func finish() -> String {
        var out = ""
        for f in families { out += "# HELP \(f.name) \(f.help)\n# TYPE \(f.name) \(f.type)\n" + f.body }
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
