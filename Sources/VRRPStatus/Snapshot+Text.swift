// SPDX-License-Identifier: Apache-2.0
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension StatusReply {
    /// `vrrpctl status NAME`: the instance's dump under the daemon's real header; nil without
    /// an instance. A daemon too old to send its record gets a header that says so.
    public func renderInstanceDump(now: Double) -> String? {
        guard let instance else { return nil }
        guard let daemon else {
            let body = Snapshot(daemon: DaemonInfo(version: "", pid: 0, startedAt: now, configFile: ""), instances: [instance])
                .renderDump(now: now).split(separator: "\n", omittingEmptySubsequences: false).dropFirst(3)
            return "------< swift-vrrp (the daemon sent no record of itself) >------\n" + body.joined(separator: "\n")
        }
        return Snapshot(daemon: daemon, instances: [instance]).renderDump(now: now)
    }
}

extension Snapshot {
    /// The table `vrrpctl status` prints: one row per instance, read at a glance.
    public func renderTable(now: Double) -> String {
        var rows: [[String]] = [["INSTANCE", "VRID", "IF", "VER", "STATE", "SINCE", "PRIO", "MASTER", "VIPS", "LAST ADVERT"]]
        for i in instances {
            let vips = i.virtualAddresses.map { $0.address + ($0.installed ? "*" : "") }.joined(separator: ",")
            let master: String
            if i.state == "MASTER" {
                master = "self"
            } else if let m = i.master {
                master = "\(m.address) (\(m.priority))"
            } else {
                master = "-"
            }
            let prio = i.effectivePriority == i.configuredPriority
                ? "\(i.effectivePriority)" : "\(i.effectivePriority)/\(i.configuredPriority)"
            let heard = i.lastAdvertisement.map { "\(formatAge(now - $0.at)) ago from \($0.from)" } ?? "never"
            rows.append([i.name, "\(i.vrid)", i.interface, "v\(i.version)\(i.family == "IPv6" ? "/6" : "")",
                         i.state, formatAge(now - i.stateSince), prio, master, vips.isEmpty ? "-" : vips, heard])
        }
        var out = renderColumns(rows)
        // A backup that hears a lower-priority master (or none) says why it is not master yet.
        for i in instances where i.state == "BACKUP" {
            if let t = i.takeover, t.reason != .masterPreferred { out += "\(i.name): \(t.describe(now: now))\n" }
        }
        for group in syncGroups {
            let members = group.members.map { "\($0.instance)=\($0.state)" }.joined(separator: " ")
            out += "sync group \(group.name): \(group.state) [\(members)]\n"
        }
        if let reload = daemon.lastReload, !reload.ok {
            out += "last reload FAILED: \(reload.errors.joined(separator: "; "))\n"
        }
        if let tracking = daemon.processTracking { out += "track_process: \(tracking)\n" }
        return out
    }

    /// The SIGUSR1 text dump, in the spirit of keepalived's /tmp/keepalived.data.
    public func renderDump(now: Double) -> String {
        var out = Self.renderDumpHeader(daemon, now: now)
        for i in instances { out += Self.renderDump(i, now: now) }
        out += Self.renderDumpSyncGroups(syncGroups)
        return out
    }

    /// `renderDump`'s parts, so a daemon can render a thousand instances over several loop
    /// turns (issue 16) and still write exactly this text.
    public static func renderDumpHeader(_ daemon: DaemonInfo, now: Double) -> String {
        var out = "------< swift-vrrp \(daemon.version) pid \(daemon.pid) >------\n"
        out += " Config file = \(daemon.configFile)\n"
        out += " Started = \(formatUTC(daemon.startedAt)) (\(formatAge(now - daemon.startedAt)) ago)\n"
        if let tracking = daemon.processTracking { out += " Process tracking = \(tracking)\n" }
        if let r = daemon.lastReload {
            out += " Last reload = \(r.ok ? "ok" : "FAILED") \(r.errors.joined(separator: "; "))\n"
        }
        return out
    }

    public static func renderDump(_ i: InstanceSnapshot, now: Double) -> String {
        var out = "------< VRRP Topology >------\n"
        out += " VRRP Instance = \(i.name)\n"
        out += "   State = \(i.state) (since \(formatAge(now - i.stateSince)), \(i.lastTransitionReason))\n"
        out += "   Interface = \(i.interface)\n"
        out += "   Virtual Router ID = \(i.vrid)\n"
        out += "   Version = \(i.version), family \(i.family)\n"
        out += "   Priority = \(i.configuredPriority), effective \(i.effectivePriority)\n"
        out += "   Advert interval = \(i.advertIntervalConfigured) cs, learned \(i.advertIntervalLearned) cs\n"
        if let src = i.sourceAddress { out += "   Source address = \(src)\n" }
        if let m = i.master { out += "   Master = \(m.address) priority \(m.priority) (its latest advert)\n" }
        if let t = i.takeover { out += "   Takeover = \(t.describe(now: now))\n" }
        if let a = i.lastAdvertisement {
            out += "   Last advert = \(formatAge(now - a.at)) ago from \(a.from) priority \(a.priority) interval \(a.interval) cs\n"
        }
        if i.foreignAdvertisements.count > 0 {
            out += "   Foreign adverts = \(i.foreignAdvertisements.count), last from \(i.foreignAdvertisements.lastFrom ?? "?"): \(i.foreignAdvertisements.lastReason ?? "")\n"
        }
        if let t = i.lastTakeoverMilliseconds { out += "   Last takeover = \(oneDecimal(t)) ms\n" }
        out += "   Virtual IP = \(i.virtualAddresses.count)\n"
        for v in i.virtualAddresses {
            out += "     \(v.address) dev \(v.device)\(v.installed ? " (installed)" : "")\n"
        }
        if !i.unicastPeers.isEmpty { out += "   Unicast peers = \(i.unicastPeers.joined(separator: " "))\n" }
        for t in i.tracked {
            out += "   Tracked \(t.kind) \(t.name): \(t.status) weight \(t.weight) contributes \(t.contribution)\(t.reason.isEmpty ? "" : " (\(t.reason))")\n"
        }
        out += "   Statistics:\n"
        for (name, value) in i.counters.all { out += "     \(name) = \(value)\n" }
        return out
    }

    public static func renderDumpSyncGroups(_ syncGroups: [SyncGroupSnapshot]) -> String {
        var out = ""
        for g in syncGroups {
            out += "------< VRRP Sync groups >------\n"
            out += " VRRP Sync Group = \(g.name), \(g.state)\n"
            for m in g.members { out += "   monitor = \(m.instance) (\(m.state))\n" }
        }
        return out
    }
}

func formatAge(_ seconds: Double) -> String {
    let s = max(0, seconds)
    if s < 60 { return "\(oneDecimal(s))s" }
    if s < 3600 { return "\(Int(s) / 60)m\(Int(s) % 60)s" }
    if s < 86400 { return "\(Int(s) / 3600)h\((Int(s) % 3600) / 60)m" }
    return "\(Int(s) / 86400)d\((Int(s) % 86400) / 3600)h"
}

/// "2026-11-30 18:04:51 UTC" from seconds since the epoch, without a calendar library
/// (civil-from-days, proleptic Gregorian).
func formatUTC(_ epoch: Double) -> String {
    guard epoch.isFinite, epoch >= 0, epoch < 253_402_300_800 else { return "\(epoch)" }
    let seconds = Int64(epoch)
    let days = seconds / 86_400, rest = seconds % 86_400
    let z = days + 719_468
    let era = z / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
    return "\(year)-\(two(month))-\(two(day)) \(two(rest / 3600)):\(two(rest % 3600 / 60)):\(two(rest % 60)) UTC"
}

/// "%.1f" without Foundation's String(format:) (vrrpd links FoundationEssentials only).
func oneDecimal(_ value: Double) -> String {
    guard value.isFinite else { return "\(value)" }
    let tenths = (abs(value) * 10).rounded()
    let sign = value < 0 && tenths > 0 ? "-" : ""
    let whole = tenths / 10
    return "\(sign)\(Int(whole.rounded(.down))).\(Int(tenths.truncatingRemainder(dividingBy: 10)))"
}

func renderColumns(_ rows: [[String]]) -> String {
    guard let first = rows.first else { return "" }
    var widths = Array(repeating: 0, count: first.count)
    for row in rows {
        for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
    }
    var out = ""
    for row in rows {
        var line = ""
        for (i, cell) in row.enumerated() {
            line += i == row.count - 1 ? cell : cell + String(repeating: " ", count: max(0, widths[i] + 2 - cell.count))
        }
        out += line + "\n"
    }
    return out
}
