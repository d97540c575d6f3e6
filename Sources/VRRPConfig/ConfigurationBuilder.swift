// SPDX-License-Identifier: Apache-2.0
import VRRPCore

/// Turns the statement tree into a typed `Configuration`, block by block.
/// Validation across blocks lives in `ConfigurationValidator`.
struct ConfigurationBuilder {
    var diagnostics: [Diagnostic] = []
    var configuration = Configuration()
    private var lvsWarned = false
    /// keepalived's automatic rule preference (vrrp_iprule.c RULE_START_PRIORITY), counted
    /// down per family in file order for rules written without one.
    var nextRulePreference: [AddressFamily: UInt32] = [.ipv4: 16384, .ipv6: 16384]

    mutating func build(_ nodes: [ConfigNode]) {
        // global_defs first: its defaults (version, strict, garp) feed every instance.
        for node in nodes where node.keyword == "global_defs" {
            if let children = blockChildren(node, .topLevel) { globalDefs(children) }
        }
        for node in nodes {
            switch node.keyword {
            case "global_defs": break
            case "vrrp_script":
                if let (name, children) = namedBlock(node) { script(name, node.location, children) }
            case "vrrp_tcp_check":
                if let (name, children) = namedBlock(node) { nativeCheck(name, node.location, .tcp, children) }
            case "vrrp_http_check":
                if let (name, children) = namedBlock(node) {
                    nativeCheck(name, node.location, .http(path: "/", hostHeader: nil, statusCodes: Array(200...299)), children)
                }
            case "vrrp_amqp_check":
                if let (name, children) = namedBlock(node) { nativeCheck(name, node.location, .amqp(virtualHost: "/"), children) }
            case "vrrp_track_file":
                if let (name, children) = namedBlock(node) { trackFile(name, node.location, children) }
            case "vrrp_track_process":
                if let (name, children) = namedBlock(node) { trackProcess(name, node.location, children) }
            case "vrrp_instance":
                if let (name, children) = namedBlock(node) { instance(name, node.location, children) }
            case "vrrp_sync_group":
                if let (name, children) = namedBlock(node) { syncGroup(name, node.location, children) }
            case "virtual_server", "virtual_server_group", "real_server":
                configuration.ignoredLVSBlocks += 1
                if !lvsWarned {
                    lvsWarned = true
                    warning(node.location, "LVS is not handled by vrrpd; ignored (`\(node.keyword)` and every other LVS block)")
                }
            case "static_ipaddress":
                // keepalived (vrrp_ipaddress.c): without `dev` a static address goes on
                // default_interface, which is eth0 unless set (vrrpd does not read that keyword).
                for (a, _) in virtualAddresses(node, isStatic: true) {
                    var a = a
                    a.dev = a.dev ?? "eth0"
                    configuration.staticAddresses.append(a)
                }
            // keepalived reports an untrackable static route too (alloc_route is the same code).
            case "static_routes": configuration.staticRoutes += routes(node, .topLevel, tracked: true)
            case "static_rules": configuration.staticRules += rules(node, .topLevel)
            default:
                if !notApplied(node, .topLevel) { unknown(node, in: .topLevel) }
            }
        }
    }

    // MARK: global_defs

    private mutating func globalDefs(_ nodes: [ConfigNode]) {
        var g = configuration.globals
        for node in nodes {
            let b = KeywordInfo.Block.globalDefs
            if notApplied(node, b) { continue }
            switch node.keyword {
            case "router_id": if let v = string(node, b) { g.routerID = v }
            case "vrrp_version":
                // keepalived: "VRRP Error: Version must be either 2 or 3", ignored.
                if let v = integerOrIgnored(node, b, 2...3) { g.vrrpVersion = v == 3 ? .v3 : .v2 }
            case "vrrp_strict": g.vrrpStrict = true
            case "vrrp_mcast_group4":
                if let a = address(node, b) {
                    if case .v4(let v4) = a, v4.isMulticast { g.multicastGroup4 = v4 } else {
                        error(node.arguments[0].location, "vrrp_mcast_group4 must be an IPv4 multicast address: write `vrrp_mcast_group4 224.0.0.18`")
                    }
                }
            case "vrrp_mcast_group6":
                if let a = address(node, b) {
                    if case .v6(let v6) = a, v6.isMulticast { g.multicastGroup6 = v6 } else {
                        error(node.arguments[0].location, "vrrp_mcast_group6 must be an IPv6 multicast address: write `vrrp_mcast_group6 ff02::12`")
                    }
                }
            case "vrrp_garp_master_delay": if let v = integerOrIgnored(node, b, 0...Int(Int32.max)) { g.garpMasterDelay = v }
            case "vrrp_garp_master_repeat":
                if let v = integerOrIgnored(node, b, 0...Int(Int32.max)) { g.garpMasterRepeat = Self.atLeastOne(v, node, &self) }
            case "vrrp_garp_master_refresh":
                if let v = integer(node, b, 0...Int(Int32.max)) { g.garpMasterRefresh = v == 0 ? nil : v }
            case "vrrp_garp_master_refresh_repeat":
                if let v = integerOrIgnored(node, b, 0...Int(Int32.max)) { g.garpMasterRefreshRepeat = Self.atLeastOne(v, node, &self) }
            case "vrrp_garp_interval", "vrrp_gna_interval":
                // keepalived: [0.000001, 4294.967295] s; outside, "number ... outside range" and the
                // default (no gap) stays; a large gap only logs "very large".
                guard let arg = firstArgument(node, b) else { break }
                if let v = Self.parseSeconds(arg.text), v > .zero, v.nanoseconds <= 4_294_967_295_000 {
                    if node.keyword == "vrrp_garp_interval" { g.garpInterval = v } else { g.gnaInterval = v }
                } else {
                    reported(arg.location, "`\(node.keyword) \(arg.text)` is outside keepalived's range (0.000001 to 4294.967295 s); ignored, the default (no gap) stays: write `\(node.keyword) 0.001` or remove the line")
                }
            case "vrrp_skip_check_adv_addr": g.skipCheckAdvertisementAddresses = true
            case "vrrp_check_unicast_src": break  // vrrpd always drops unicast adverts from non-peers (VirtualRouter.filter)
            case "notify_fifo", "vrrp_notify_fifo":
                if node.arguments.isEmpty {
                    // keepalived: "No notify_fifo name specified", ignored.
                    reported(node.location, "`\(node.keyword)` needs a FIFO path; ignored, as keepalived ignores it: write \(example(b, node.keyword))")
                } else if let v = string(node, b) {
                    if node.keyword == "notify_fifo" { g.notifyFifo = v } else { g.vrrpNotifyFifo = v }
                    if let owner = node.arguments.dropFirst().first {
                        warning(owner.location, "the FIFO's owner (`\(owner.text)`) is not applied by vrrpd: the FIFO belongs to the daemon's user (mode 0644); a reader running as another user can still read it")
                    }
                }
            case "notify_fifo_script", "vrrp_notify_fifo_script":
                if node.arguments.isEmpty {
                    // keepalived: "No notify_fifo_script specified", ignored.
                    reported(node.location, "`\(node.keyword)` needs a command; ignored, as keepalived ignores it: write \(example(b, node.keyword))")
                } else if let v = command(node, b) {
                    let script = FifoScript(command: v, location: node.location)
                    if node.keyword == "notify_fifo_script" { g.notifyFifoScript = script } else { g.vrrpNotifyFifoScript = script }
                }
            // keepalived reports and ignores an invalid nice level or RT time limit, and clamps
            // the realtime priority to 1-99 (global_parser.c).
            case "vrrp_priority": if let v = integerOrIgnored(node, b, -20...19) { g.processNice = v }
            case "vrrp_rt_priority": if let v = integerClamped(node, b, 1...99) { g.realtimePriority = v }
            case "vrrp_rlimit_rttime", "vrrp_rlimit_rtime": if let v = integerOrIgnored(node, b, 1...Int(Int32.max)) { g.realtimeTimeLimit = v }
            case "vrrp_no_swap": g.lockMemory = true
            case "max_auto_priority":
                // keepalived: alone, sched_get_priority_max(SCHED_RR); -1 disables; outside
                // [-1, 99] reported and ignored.
                if let arg = node.arguments.first {
                    if let v = Int(arg.text), (-1...99).contains(v) { g.maxAutoPriority = v } else {
                        reported(arg.location, "`max_auto_priority \(arg.text)` must be in [0, 99] (or -1 to disable); ignored, as keepalived ignores it: write `max_auto_priority 10`")
                    }
                } else {
                    g.maxAutoPriority = 99
                }
            case "min_auto_priority_delay":
                // keepalived: [1, 10000000] µs, outside reported and ignored.
                guard let arg = firstArgument(node, b) else { break }
                if let v = Int(arg.text), (1...10_000_000).contains(v) { g.minAutoPriorityDelay = v } else {
                    reported(arg.location, "`min_auto_priority_delay \(arg.text)` must be in [1, 10000000] (µs); ignored, as keepalived ignores it: write `min_auto_priority_delay 500000`")
                }
            case "vrrp_higher_prio_send_advert": if let v = flag(node) { g.higherPrioritySendAdvert = v }
            case "vrrp_lower_prio_no_advert": if let v = flag(node) { g.lowerPriorityNoAdvert = v }
            case "vrrp_garp_lower_prio_repeat": if let v = integerOrIgnored(node, b, 0...Int(Int32.max)) { g.garpLowerPriorityRepeat = v }
            case "vrrp_garp_lower_prio_delay": if let v = integerOrIgnored(node, b, 0...Int(Int32.max)) { g.garpLowerPriorityDelay = v }
            case "script_user":
                if let v = string(node, b) {
                    g.scriptUser = v
                    g.scriptUserLocation = node.arguments[0].location
                    g.scriptGroup = node.arguments.count > 1 ? node.arguments[1].text : nil
                }
            case "enable_script_security": g.enableScriptSecurity = true
            case "vrrp_startup_delay":
                // keepalived: "vrrp_startup_delay '0' is invalid", ignored.
                guard let arg = firstArgument(node, b) else { break }
                if let v = Self.parseSeconds(arg.text), v > .zero, v <= .seconds(3600) { g.startupDelay = v } else {
                    reported(arg.location, "`vrrp_startup_delay \(arg.text)` is invalid (more than 0, at most 3600 s); ignored, as keepalived ignores it: write `vrrp_startup_delay 5`")
                }
            default:
                unknown(node, in: .globalDefs)
            }
        }
        configuration.globals = g
    }

    // MARK: checks

    /// `interval`, `timeout`, `rise`, `fall`, `weight`, `init_fail`: shared by scripts and native checks.
    private mutating func timing(_ node: ConfigNode, _ b: KeywordInfo.Block,
                                 interval: inout Interval, timeout: inout Interval?, rise: inout Int, fall: inout Int,
                                 weight w: inout Int, reverse: inout Bool, initFail: inout Bool) -> Bool {
        switch node.keyword {
        case "interval":
            if let v = seconds(node, b, max: 86_400) {
                if v == .zero { error(node.arguments[0].location, "interval must be above 0: write `interval 1`") } else { interval = v }
            }
        case "timeout": if let v = seconds(node, b, max: 86_400) { timeout = v }
        case "rise": if let v = integer(node, b, 1...Int(Int32.max)) { rise = v }
        case "fall": if let v = integer(node, b, 1...Int(Int32.max)) { fall = v }
        case "weight":
            if let (v, r) = weight(node, at: 0, b) {
                w = v
                reverse = r
            }
        case "init_fail": initFail = true
        default: return false
        }
        return true
    }

    private mutating func checkNameIsFree(_ name: String, _ location: SourceLocation) -> Bool {
        let taken = configuration.scripts.first { $0.name == name }?.location
            ?? configuration.nativeChecks.first { $0.name == name }?.location
        if let taken {
            error(location, "a script or check named \(name) is already defined at \(taken): rename one of them")
            return false
        }
        return true
    }

    private mutating func script(_ name: String, _ location: SourceLocation, _ nodes: [ConfigNode]) {
        var s = ScriptConfiguration(name: name, location: location)
        for node in nodes {
            let b = KeywordInfo.Block.script
            if notApplied(node, b) { continue }
            if timing(node, b, interval: &s.interval, timeout: &s.timeout, rise: &s.rise, fall: &s.fall,
                      weight: &s.weight, reverse: &s.weightReverse, initFail: &s.initFail) { continue }
            switch node.keyword {
            case "script": if let v = command(node, b) { s.script = v }
            case "user":
                if let v = string(node, b) {
                    s.user = v
                    s.group = node.arguments.count > 1 ? node.arguments[1].text : nil
                }
            default: unknown(node, in: b)
            }
        }
        if s.script.isEmpty {
            // keepalived: "No script set for vrrp_script - removing" (e.g. the only `script`
            // line is under another `@name`); whatever tracks it is dropped as undefined.
            correction(location, "vrrp_script \(name) has no `script` line (one under `@name` counts only with `-i name`); removed as keepalived removes it: add `script \"/path/to/check\"`")
            return
        }
        if checkNameIsFree(name, location) { configuration.scripts.append(s) }
    }

    private mutating func nativeCheck(_ name: String, _ location: SourceLocation, _ kind: NativeCheckConfiguration.Kind,
                                      _ nodes: [ConfigNode]) {
        var c = NativeCheckConfiguration(name: name, location: location, kind: kind)
        let b: KeywordInfo.Block = switch kind {
        case .tcp: .tcpCheck
        case .http: .httpCheck
        case .amqp: .amqpCheck
        }
        var path = "/", hostHeader: String? = nil, statusCodes = Array(200...299), vhost = "/"
        var portSet = false
        for node in nodes {
            if timing(node, b, interval: &c.interval, timeout: &c.timeout, rise: &c.rise, fall: &c.fall,
                      weight: &c.weight, reverse: &c.weightReverse, initFail: &c.initFail) { continue }
            switch (node.keyword, b) {
            case ("host", _): if let a = address(node, b) { c.host = a }
            case ("port", _):
                if let v = integer(node, b, 1...65535) {
                    c.port = UInt16(v)
                    portSet = true
                }
            case ("connect_timeout", _): if let v = seconds(node, b, max: 86_400) { c.connectTimeout = v }
            case ("path", .httpCheck):
                if let v = string(node, b) {
                    if v.hasPrefix("/") { path = v } else { error(node.arguments[0].location, "path must start with `/`: write `path /\(v)`") }
                }
            case ("host_header", .httpCheck): if let v = string(node, b) { hostHeader = v }
            case ("status_codes", .httpCheck), ("status_code", .httpCheck):
                if firstArgument(node, b) != nil {
                    // keepalived HTTP_GET `status_code`: codes and `low-high` ranges, any order.
                    let ranges = node.arguments.compactMap { statusCodeRange($0, keyword: node.keyword, b) }
                    statusCodes = Array(Set(ranges.flatMap { $0 })).sorted()
                }
            case ("vhost", .amqpCheck): if let v = string(node, b) { vhost = v }
            default: unknown(node, in: b)
            }
        }
        switch kind {
        case .tcp:
            if !portSet { error(location, "vrrp_tcp_check \(name) needs a port: add `port 80`") }
        case .http: c.kind = .http(path: path, hostHeader: hostHeader, statusCodes: statusCodes)
        case .amqp: c.kind = .amqp(virtualHost: vhost)
        }
        if checkNameIsFree(name, location) { configuration.nativeChecks.append(c) }
    }

    private mutating func trackFile(_ name: String, _ location: SourceLocation, _ nodes: [ConfigNode]) {
        var f = TrackFileConfiguration(name: name, location: location)
        let b = KeywordInfo.Block.trackFile
        for node in nodes {
            switch node.keyword {
            case "file": if let v = string(node, b) { f.path = v }
            case "weight":
                if let (w, r) = weight(node, at: 0, b) {
                    f.weight = w
                    f.weightReverse = r
                }
            case "init_file":
                f.initialValue = 0
                for arg in node.arguments {
                    if arg.text == "overwrite" {
                        f.initOverwrite = true
                    } else if let v = Int(arg.text), (-254...254).contains(v) {
                        f.initialValue = v
                    } else {
                        error(arg.location, "init_file takes an optional number and `overwrite`, not `\(arg.text)`: write `init_file 0 overwrite`")
                    }
                }
            default: unknown(node, in: b)
            }
        }
        if f.path.isEmpty { error(location, "vrrp_track_file \(name) has no `file` line: add `file /run/keepalived/\(name)`") }
        if let other = configuration.trackFile(named: name) {
            error(location, "vrrp_track_file \(name) is already defined at \(other.location): rename one of them")
            return
        }
        configuration.trackFiles.append(f)
    }

    private mutating func trackProcess(_ name: String, _ location: SourceLocation, _ nodes: [ConfigNode]) {
        var p = TrackProcessConfiguration(name: name, location: location)
        let b = KeywordInfo.Block.trackProcess
        for node in nodes {
            switch node.keyword {
            case "process":
                if let v = string(node, b) {
                    p.process = v
                    p.parameters = node.arguments.dropFirst().map(\.text)
                }
            case "param_match":
                if let v = string(node, b) {
                    if let m = TrackProcessConfiguration.ParameterMatch(rawValue: v) { p.parameterMatch = m } else {
                        error(node.arguments[0].location, "param_match takes exact, partial or initial, not `\(v)`: write `param_match partial`")
                    }
                }
            case "weight":
                if let (w, r) = weight(node, at: 0, b) {
                    p.weight = w
                    p.weightReverse = r
                }
            case "quorum": if let v = integer(node, b, 1...65535) { p.quorum = v }
            case "quorum_max": if let v = integer(node, b, 1...65535) { p.quorumMax = v }
            case "delay": if let v = seconds(node, b, max: 86_400) { p.delay = v }
            case "terminate_delay": if let v = seconds(node, b, max: 86_400) { p.terminateDelay = v }
            case "fork_delay": if let v = seconds(node, b, max: 86_400) { p.forkDelay = v }
            default: unknown(node, in: b)
            }
        }
        if p.process.isEmpty { error(location, "vrrp_track_process \(name) has no `process` line: add `process nginx`") }
        if let max = p.quorumMax, max < p.quorum {
            error(location, "vrrp_track_process \(name): quorum_max \(max) is below quorum \(p.quorum): raise quorum_max or lower quorum")
        }
        if let other = configuration.trackProcess(named: name) {
            error(location, "vrrp_track_process \(name) is already defined at \(other.location): rename one of them")
            return
        }
        configuration.trackProcesses.append(p)
    }

    // MARK: sync groups

    mutating func notify(_ node: ConfigNode, _ b: KeywordInfo.Block, _ n: inout NotifyScripts) -> Bool {
        switch node.keyword {
        case "notify_master": n.master = command(node, b)
        case "notify_backup": n.backup = command(node, b)
        case "notify_fault": n.fault = command(node, b)
        case "notify_stop": n.stop = command(node, b)
        case "notify": n.any = command(node, b)
        default: return false
        }
        return true
    }

    private mutating func syncGroup(_ name: String, _ location: SourceLocation, _ nodes: [ConfigNode]) {
        var g = SyncGroupConfiguration(name: name, location: location)
        let b = KeywordInfo.Block.syncGroup
        var sawGroup = false
        for node in bracelessValueBlocks(nodes, ["group", "track_script", "track_interface", "track_file"]) {
            if notApplied(node, b) { continue }
            if notify(node, b, &g.notify) { continue }
            switch node.keyword {
            case "group":
                sawGroup = true
                for child in blockChildren(node, b) ?? [] {
                    g.instances.append(child.keyword)
                    g.instances += child.arguments.map(\.text)
                }
            case "track_script": g.trackScripts += trackedObjects(node, b)
            case "track_interface": g.trackInterfaces += trackedObjects(node, b)
            case "track_file": g.trackFiles += trackedObjects(node, b)
            case "smtp_alert": warning(node.location, "`smtp_alert` is ignored: vrrpd sends no mail (use notify scripts)")
            default: unknown(node, in: b)
            }
        }
        if !sawGroup || g.instances.isEmpty {
            // keepalived: "Sync group NAME has no virtual router(s). removing".
            correction(location, "vrrp_sync_group \(name) has no `group { }` with instances; removed as keepalived removes it: add `group { VI_1 VI_2 }`")
            return
        }
        configuration.syncGroups.append(g)
    }
}
