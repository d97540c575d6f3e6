// SPDX-License-Identifier: Apache-2.0
/// One supported keyword: where it may appear, what it takes, its default and how we differ
/// from keepalived. `KeywordTable.all` is the source for docs/configuration.md.
public struct KeywordInfo: Hashable, Sendable {
    public enum Block: String, Hashable, Sendable, CaseIterable {
        case topLevel = "(top level)"
        case globalDefs = "global_defs"
        case script = "vrrp_script"
        case tcpCheck = "vrrp_tcp_check"
        case httpCheck = "vrrp_http_check"
        case amqpCheck = "vrrp_amqp_check"
        case trackFile = "vrrp_track_file"
        case trackProcess = "vrrp_track_process"
        case instance = "vrrp_instance"
        case authentication = "authentication"
        case syncGroup = "vrrp_sync_group"
    }

    public enum ArgumentKind: Hashable, Sendable {
        /// A flag: the keyword alone.
        case none
        case integer(ClosedRange<Int>)
        /// Seconds, fractions allowed (`0.5`).
        case seconds
        case address
        case string
        /// A command line: the rest of the line (quote it when it has spaces).
        case command
        case choice([String])
        case weight
        /// A `{ ... }` block.
        case block
        /// A name and a `{ ... }` block.
        case namedBlock
        /// Accepted and ignored with a warning.
        case ignored
    }

    /// What vrrpd does with the keyword, compared with keepalived 2.2.7.
    public enum Support: Hashable, Sendable {
        /// Applied with keepalived's meaning.
        case applied
        /// Applied, with the difference described.
        case differs(String)
        /// Accepted and not applied (a warning says so); the text says what the user loses.
        case notApplied(String)
    }

    public var block: Block
    public var name: String
    public var support: Support = .applied
    public var argument: ArgumentKind
    /// The default as text, nil when there is none.
    public var defaultValue: String?
    /// A line (or one-line block) that uses the keyword.
    public var example: String
    /// Differences from keepalived 2.2 and remarks.
    public var notes: String

    public init(_ block: Block, _ name: String, _ argument: ArgumentKind, default defaultValue: String? = nil,
                example: String, notes: String = "") {
        self.block = block
        self.name = name
        self.argument = argument
        self.defaultValue = defaultValue
        self.example = example
        self.notes = notes
    }
}

public enum KeywordTable {
    public static func lookup(_ block: KeywordInfo.Block, _ name: String) -> KeywordInfo? {
        all.first { $0.block == block && $0.name == name }
    }

    private static func timing(_ block: KeywordInfo.Block) -> [KeywordInfo] {
        [
            KeywordInfo(block, "interval", .seconds, default: "1", example: "interval 2"),
            KeywordInfo(block, "timeout", .seconds, default: "the interval", example: "timeout 1"),
            KeywordInfo(block, "rise", .integer(1...Int(Int32.max)), default: "1", example: "rise 2"),
            KeywordInfo(block, "fall", .integer(1...Int(Int32.max)), default: "1", example: "fall 3"),
            KeywordInfo(block, "weight", .weight, default: "0", example: "weight -20 reverse",
                        notes: "-253..253; `reverse` inverts the effect"),
            KeywordInfo(block, "init_fail", .none, default: "off", example: "init_fail"),
        ]
    }

    public static let all: [KeywordInfo] = {
        var t: [KeywordInfo] = [
            // Top level.
            KeywordInfo(.topLevel, "global_defs", .block, example: "global_defs { router_id r1 }"),
            KeywordInfo(.topLevel, "vrrp_script", .namedBlock, example: "vrrp_script chk { script \"/bin/true\" }"),
            KeywordInfo(.topLevel, "vrrp_tcp_check", .namedBlock, example: "vrrp_tcp_check tcp1 { port 80 }",
                        notes: "swift-vrrp extension; shares vrrp_script's name space"),
            KeywordInfo(.topLevel, "vrrp_http_check", .namedBlock, example: "vrrp_http_check http1 { port 80 }",
                        notes: "swift-vrrp extension; shares vrrp_script's name space"),
            KeywordInfo(.topLevel, "vrrp_amqp_check", .namedBlock, example: "vrrp_amqp_check amqp1 { port 5672 }",
                        notes: "swift-vrrp extension; shares vrrp_script's name space"),
            KeywordInfo(.topLevel, "vrrp_track_file", .namedBlock, example: "vrrp_track_file f1 { file /run/prio }"),
            KeywordInfo(.topLevel, "vrrp_track_process", .namedBlock, example: "vrrp_track_process p1 { process nginx }"),
            KeywordInfo(.topLevel, "vrrp_instance", .namedBlock,
                        example: "vrrp_instance VI_9 { interface eth9 virtual_router_id 9 }"),
            KeywordInfo(.topLevel, "vrrp_sync_group", .namedBlock, example: "vrrp_sync_group G { group { } }"),
            KeywordInfo(.topLevel, "static_ipaddress", .block, example: "static_ipaddress { 198.18.1.1/24 dev eth0 }",
                        notes: "`virtual_ipaddress` syntax; added at start-up whatever the VRRP state, kept across state changes and reloads that leave them unchanged, deleted at exit"),
            KeywordInfo(.topLevel, "static_routes", .block, example: "static_routes { 198.18.5.0/24 via 198.18.0.254 dev eth0 }",
                        notes: "`virtual_routes` syntax; added at start-up, kept across state changes and reloads that leave them unchanged, deleted at exit"),
            KeywordInfo(.topLevel, "static_rules", .block, example: "static_rules { from 198.18.0.0/24 table 10 preference 100 }",
                        notes: "`virtual_rules` syntax; added at start-up, kept across state changes and reloads that leave them unchanged, deleted at exit"),
            KeywordInfo(.topLevel, "virtual_server", .ignored, example: "virtual_server 198.18.0.1 80 { }",
                        notes: "LVS is not handled by vrrpd; the block is skipped with one warning"),
            KeywordInfo(.topLevel, "virtual_server_group", .ignored, example: "virtual_server_group g { }",
                        notes: "LVS is not handled by vrrpd; the block is skipped with one warning"),

            // global_defs.
            KeywordInfo(.globalDefs, "router_id", .string, default: "the host name", example: "router_id lb1"),
            KeywordInfo(.globalDefs, "vrrp_version", .choice(["2", "3"]), default: "2", example: "vrrp_version 3"),
            KeywordInfo(.globalDefs, "vrrp_strict", .none, default: "off", example: "vrrp_strict",
                        notes: "turns accept mode off by default and removes authentication"),
            KeywordInfo(.globalDefs, "vrrp_mcast_group4", .address, default: "224.0.0.18", example: "vrrp_mcast_group4 224.0.0.18",
                        notes: "joined and sent to by every IPv4 instance without mcast_dst_ip; every peer must use the same group"),
            KeywordInfo(.globalDefs, "vrrp_mcast_group6", .address, default: "ff02::12", example: "vrrp_mcast_group6 ff02::12",
                        notes: "the same for IPv6 instances"),
            KeywordInfo(.globalDefs, "vrrp_check_unicast_src", .none, default: "off", example: "vrrp_check_unicast_src",
                        notes: "every instance's check_unicast_src (vrrpd always makes that check)"),
            KeywordInfo(.globalDefs, "vrrp_garp_master_delay", .integer(0...Int(Int32.max)), default: "5", example: "vrrp_garp_master_delay 5"),
            KeywordInfo(.globalDefs, "vrrp_garp_master_repeat", .integer(1...Int(Int32.max)), default: "5", example: "vrrp_garp_master_repeat 5"),
            KeywordInfo(.globalDefs, "vrrp_garp_master_refresh", .integer(0...Int(Int32.max)), default: "0 (off)", example: "vrrp_garp_master_refresh 60"),
            KeywordInfo(.globalDefs, "vrrp_garp_master_refresh_repeat", .integer(1...Int(Int32.max)), default: "1", example: "vrrp_garp_master_refresh_repeat 2"),
            KeywordInfo(.globalDefs, "vrrp_garp_interval", .seconds, default: "0", example: "vrrp_garp_interval 0.001",
                        notes: "0.000001 to 4294.967295 s (outside: reported and ignored, as keepalived); minimum gap between two gratuitous ARPs on one interface, shared by every instance there (keepalived has no per-instance form outside garp_group, which vrrpd does not read)"),
            KeywordInfo(.globalDefs, "vrrp_gna_interval", .seconds, default: "0", example: "vrrp_gna_interval 0.001",
                        notes: "the same for unsolicited neighbour advertisements (IPv6), paced apart from the ARPs"),
            KeywordInfo(.globalDefs, "vrrp_skip_check_adv_addr", .none, default: "off", example: "vrrp_skip_check_adv_addr"),
            KeywordInfo(.globalDefs, "script_user", .string, default: "keepalived_script, else root", example: "script_user nobody nogroup"),
            KeywordInfo(.globalDefs, "enable_script_security", .none, default: "off", example: "enable_script_security"),
            KeywordInfo(.globalDefs, "vrrp_startup_delay", .seconds, default: "0", example: "vrrp_startup_delay 5"),
            KeywordInfo(.globalDefs, "notify_fifo", .string, example: "notify_fifo /run/keepalived/notify.fifo",
                        notes: "a line `INSTANCE \"VI_1\" MASTER 100` (or `GROUP \"G\" BACKUP 0`) per state change, in order; created (mode 0644) when missing and removed at exit; read at start-up (a reload keeps the FIFOs open)"),
            KeywordInfo(.globalDefs, "vrrp_notify_fifo", .string, example: "vrrp_notify_fifo /run/keepalived/vrrp.fifo",
                        notes: "the same lines as notify_fifo (vrrpd has only VRRP events)"),
            KeywordInfo(.globalDefs, "notify_fifo_script", .command, example: "notify_fifo_script /usr/local/bin/fifo-reader",
                        notes: "started once at start-up with the notify_fifo path appended to its arguments, as script_user and under enable_script_security like every script; not restarted if it exits (logged); at exit the FIFO is closed, the script gets 2 s to finish, then SIGTERM"),
            KeywordInfo(.globalDefs, "vrrp_notify_fifo_script", .command, example: "vrrp_notify_fifo_script \"/usr/local/bin/fifo-reader vrrp\"",
                        notes: "the same for vrrp_notify_fifo"),
            KeywordInfo(.globalDefs, "vrrp_priority", .integer(-20...19), default: "0", example: "vrrp_priority -5",
                        notes: "nice level of the daemon, set at start-up"),
            KeywordInfo(.globalDefs, "vrrp_rt_priority", .integer(1...99), default: "off", example: "vrrp_rt_priority 10",
                        notes: "SCHED_RR at this priority from start-up, with RLIMIT_RTTIME from vrrp_rlimit_rttime"),
            KeywordInfo(.globalDefs, "vrrp_rlimit_rttime", .integer(1...Int(Int32.max)), default: "10000 (µs)", example: "vrrp_rlimit_rttime 20000",
                        notes: "CPU µs a realtime daemon may use without sleeping before SIGXCPU (as in keepalived, which ends the daemon: raise it if reloads of a very large file take longer); `vrrp_rlimit_rtime` is the same"),
            KeywordInfo(.globalDefs, "max_auto_priority", .integer(-1...99), default: "off (alone: 99)", example: "max_auto_priority 10",
                        notes: "when the event loop finds a timer later than min_auto_priority_delay, the loop thread switches to SCHED_RR 1 (RLIMIT_RTTIME from vrrp_rlimit_rttime), then +1 per late wake-up up to this value; 0 or -1: never"),
            KeywordInfo(.globalDefs, "min_auto_priority_delay", .integer(1...10_000_000), default: "1000000 (µs)", example: "min_auto_priority_delay 500000",
                        notes: "µs a timer may be late before max_auto_priority acts"),
            KeywordInfo(.globalDefs, "vrrp_no_swap", .none, default: "off", example: "vrrp_no_swap",
                        notes: "mlockall: the daemon's memory is never paged out"),
            KeywordInfo(.globalDefs, "vrrp_higher_prio_send_advert", .choice(["true", "false"]), default: "false",
                        example: "vrrp_higher_prio_send_advert", notes: "every instance's default for higher_prio_send_advert"),
            KeywordInfo(.globalDefs, "vrrp_lower_prio_no_advert", .choice(["true", "false"]), default: "false",
                        example: "vrrp_lower_prio_no_advert", notes: "every instance's default for lower_prio_no_advert"),
            KeywordInfo(.globalDefs, "vrrp_garp_lower_prio_repeat", .integer(0...Int(Int32.max)), default: "garp_master_repeat",
                        example: "vrrp_garp_lower_prio_repeat 2", notes: "every instance's default for garp_lower_prio_repeat"),
            KeywordInfo(.globalDefs, "vrrp_garp_lower_prio_delay", .integer(0...Int(Int32.max)), default: "vrrp_garp_master_delay (5)",
                        example: "vrrp_garp_lower_prio_delay 10", notes: "every instance's default for garp_lower_prio_delay"),
        ]
        for ignored in ["notification_email", "notification_email_from", "smtp_server", "smtp_connect_timeout",
                        "smtp_helo_name", "smtp_alert", "smtp_alert_vrrp", "lvs_id", "lvs_sync_daemon"] {
            t.append(KeywordInfo(.globalDefs, ignored, .ignored, example: ignored == "notification_email"
                                    ? "notification_email { ops@example.com }" : "\(ignored) x",
                                 notes: "accepted and ignored with a warning: vrrpd sends no mail; use notify scripts"))
        }

        // vrrp_script.
        t.append(KeywordInfo(.script, "script", .command, example: "script \"/usr/bin/pgrep nginx\"",
                             notes: "required"))
        t += timing(.script)
        t.append(KeywordInfo(.script, "user", .string, default: "script_user", example: "user nobody"))

        // Native checks.
        for block in [KeywordInfo.Block.tcpCheck, .httpCheck, .amqpCheck] {
            t.append(KeywordInfo(block, "host", .address, default: "127.0.0.1", example: "host 198.18.0.1"))
            let port = block == .tcpCheck ? nil : (block == .httpCheck ? "80" : "5672")
            t.append(KeywordInfo(block, "port", .integer(1...65535), default: port, example: "port 8080",
                                 notes: block == .tcpCheck ? "required" : ""))
            t.append(KeywordInfo(block, "connect_timeout", .seconds, default: "the timeout", example: "connect_timeout 2"))
            t += timing(block)
        }
        t.append(KeywordInfo(.httpCheck, "path", .string, default: "/", example: "path /healthz"))
        t.append(KeywordInfo(.httpCheck, "host_header", .string, default: "the host address", example: "host_header www.example.com"))
        t.append(KeywordInfo(.httpCheck, "status_codes", .string, default: "200-299", example: "status_codes 200 204",
                             notes: "codes and `low-high` ranges, e.g. `200-299 302`"))
        t.append(KeywordInfo(.httpCheck, "status_code", .string, default: "200-299", example: "status_code 200-299 302",
                             notes: "keepalived HTTP_GET spelling of `status_codes`"))
        t.append(KeywordInfo(.amqpCheck, "vhost", .string, default: "/", example: "vhost /"))

        // vrrp_track_file.
        t += [
            KeywordInfo(.trackFile, "file", .string, example: "file /run/keepalived/prio", notes: "required"),
            KeywordInfo(.trackFile, "weight", .weight, default: "1", example: "weight 2 reverse"),
            KeywordInfo(.trackFile, "init_file", .string, default: "off", example: "init_file 0 overwrite",
                        notes: "`init_file [VALUE] [overwrite]`"),
        ]
        // vrrp_track_process.
        t += [
            KeywordInfo(.trackProcess, "process", .string, example: "process nginx -g daemon", notes: "required; extra words are parameters"),
            KeywordInfo(.trackProcess, "param_match", .choice(["exact", "partial", "initial"]), default: "exact", example: "param_match partial"),
            KeywordInfo(.trackProcess, "weight", .weight, default: "0", example: "weight 10"),
            KeywordInfo(.trackProcess, "quorum", .integer(1...65535), default: "1", example: "quorum 2"),
            KeywordInfo(.trackProcess, "quorum_max", .integer(1...65535), default: "none", example: "quorum_max 4"),
            KeywordInfo(.trackProcess, "delay", .seconds, default: "0", example: "delay 1"),
            KeywordInfo(.trackProcess, "terminate_delay", .seconds, default: "delay", example: "terminate_delay 1"),
            KeywordInfo(.trackProcess, "fork_delay", .seconds, default: "delay", example: "fork_delay 1"),
        ]

        // vrrp_instance.
        t += [
            KeywordInfo(.instance, "state", .choice(["MASTER", "BACKUP"]), default: "BACKUP", example: "state MASTER"),
            KeywordInfo(.instance, "interface", .string, example: "interface eth0", notes: "required"),
            KeywordInfo(.instance, "virtual_router_id", .integer(1...255), example: "virtual_router_id 51", notes: "required"),
            KeywordInfo(.instance, "priority", .integer(1...255), default: "100", example: "priority 150",
                        notes: "255 only for the address owner (RFC 5798 §5.2.4)"),
            KeywordInfo(.instance, "advert_int", .seconds, default: "1", example: "advert_int 1",
                        notes: "v2: 1-255 whole seconds (fractions rounded with a warning); v3: 0.01-40.95"),
            KeywordInfo(.instance, "version", .choice(["2", "3"]), default: "vrrp_version", example: "version 3"),
            KeywordInfo(.instance, "authentication", .block, default: "none", example: "authentication { auth_type PASS auth_pass secret }",
                        notes: "VRRPv2 only; removed under vrrp_strict"),
            KeywordInfo(.instance, "virtual_ipaddress", .block, example: "virtual_ipaddress { 198.18.0.10/24 dev eth0 label eth0:1 }",
                        notes: "ADDR[/PREFIX] [dev IF] [brd ADDR] [scope S] [label L] [no_track]; /32 or /128 when no prefix"),
            KeywordInfo(.instance, "virtual_ipaddress_excluded", .block, example: "virtual_ipaddress_excluded { 198.18.0.11 }",
                        notes: "added and removed with the state but not advertised"),
            KeywordInfo(.instance, "virtual_routes", .block, example: "virtual_routes { 198.18.5.0/24 via 198.18.0.254 dev eth0 }",
                        notes: "`[to] [blackhole] DEST [via|gw GW] [dev|oif IF] [src ADDR] [table N|main|local|default] [metric N] [scope S] [onlink] [no_track]` in any order; no `dev`: no output interface (the kernel finds it from `via`), as keepalived; added after the addresses on becoming MASTER, removed on leaving it (BACKUP, FAULT, stop); a line keepalived cannot read is reported and dropped"),
            KeywordInfo(.instance, "virtual_rules", .block, example: "virtual_rules { from 198.18.0.0/24 table 10 preference 100 }",
                        notes: "`[not] [from P|all] [to P|all] [iif|dev IF] [oif IF] [fwmark N[/M]] [preference N] table T|blackhole|prohibit|unreachable [no_track]`; added after the routes on becoming MASTER, removed first on leaving it; without `preference` keepalived's automatic one (16384 down) is used"),
            KeywordInfo(.instance, "unicast_src_ip", .address, default: "the interface's primary address", example: "unicast_src_ip 198.18.0.2"),
            KeywordInfo(.instance, "unicast_peer", .block, example: "unicast_peer { 198.18.0.3 }",
                        notes: "per-peer options (min_ttl, max_ttl) are ignored with a warning"),
            KeywordInfo(.instance, "nopreempt", .none, default: "preempt on", example: "nopreempt",
                        notes: "needs state BACKUP, as in keepalived"),
            KeywordInfo(.instance, "preempt", .none, default: "on", example: "preempt"),
            KeywordInfo(.instance, "preempt_delay", .seconds, default: "0", example: "preempt_delay 10", notes: "0-1000 s"),
            KeywordInfo(.instance, "fast_preempt", .none, default: "off", example: "fast_preempt",
                        notes: "vrrpd extension: a preempting backup takes over Skew_Time after a lower-priority advert instead of Master_Down_Interval; unknown to keepalived"),
            KeywordInfo(.instance, "accept", .none, default: "on unless vrrp_strict", example: "accept"),
            KeywordInfo(.instance, "no_accept", .none, example: "no_accept"),
            KeywordInfo(.instance, "garp_master_delay", .integer(0...Int(Int32.max)), default: "vrrp_garp_master_delay (5)", example: "garp_master_delay 5"),
            KeywordInfo(.instance, "garp_master_repeat", .integer(1...Int(Int32.max)), default: "vrrp_garp_master_repeat (5)", example: "garp_master_repeat 3"),
            KeywordInfo(.instance, "garp_master_refresh", .integer(0...Int(Int32.max)), default: "vrrp_garp_master_refresh (off)", example: "garp_master_refresh 60"),
            KeywordInfo(.instance, "garp_master_refresh_repeat", .integer(1...Int(Int32.max)), default: "1", example: "garp_master_refresh_repeat 2"),
            KeywordInfo(.instance, "garp_lower_prio_delay", .integer(0...Int(Int32.max)), default: "vrrp_garp_lower_prio_delay", example: "garp_lower_prio_delay 5",
                        notes: "seconds after the burst a Master sends on a lower-priority advert, the same burst again if still MASTER; 0: none; none under vrrp_strict"),
            KeywordInfo(.instance, "garp_lower_prio_repeat", .integer(0...Int(Int32.max)), default: "vrrp_garp_lower_prio_repeat", example: "garp_lower_prio_repeat 2",
                        notes: "gratuitous ARPs / NAs per address when a Master gets a lower-priority advert; none under vrrp_strict"),
            KeywordInfo(.instance, "track_interface", .block, example: "track_interface { eth9 weight -10 }",
                        notes: "without weight a down interface means FAULT"),
            KeywordInfo(.instance, "track_script", .block, example: "track_script { chk weight 5 }",
                        notes: "names a vrrp_script or a native check"),
            KeywordInfo(.instance, "track_file", .block, example: "track_file { f1 weight 3 }"),
            KeywordInfo(.instance, "track_process", .block, example: "track_process { p1 weight 3 }"),
            KeywordInfo(.instance, "notify_master", .command, example: "notify_master \"/etc/keepalived/master.sh\""),
            KeywordInfo(.instance, "notify_backup", .command, example: "notify_backup /etc/keepalived/backup.sh"),
            KeywordInfo(.instance, "notify_fault", .command, example: "notify_fault /etc/keepalived/fault.sh"),
            KeywordInfo(.instance, "notify_stop", .command, example: "notify_stop /etc/keepalived/stop.sh"),
            KeywordInfo(.instance, "notify", .command, example: "notify /etc/keepalived/notify.sh"),
            KeywordInfo(.instance, "dont_track_primary", .none, default: "off", example: "dont_track_primary"),
            KeywordInfo(.instance, "use_vmac", .string, default: "off", example: "use_vmac vrrp.51",
                        notes: "`use_vmac [NAME] [MAC]`: a private-mode macvlan NAME (default `vrrp.VRID`) on `interface` with MAC 00:00:5e:00:01:VRID (IPv4) / 00:00:5e:00:02:VRID (IPv6) or MAC, created at start, up at once, removed at exit; the VIPs of `interface` go on it, adverts and gratuitous ARPs/NAs go out from it (RFC 5798 §7.2); sysctls as keepalived sets them"),
            KeywordInfo(.instance, "use_vmac_addr", .none, default: "off", example: "use_vmac_addr",
                        notes: "every VIP/eVIP on another interface (`dev`) or of the other family goes on a private-mode macvlan on that interface with the virtual MAC of its family (00:00:5e:00:01:VRID / 00:00:5e:00:02:VRID), named `vrrpN.VRID` as keepalived 2.2.7 names them; its gratuitous ARPs/NAs go out from it; removed at exit. `use_vmac` on a `virtual_ipaddress` line with `dev` does the same for that address"),
            KeywordInfo(.instance, "vmac_xmit_base", .none, default: "off", example: "vmac_xmit_base",
                        notes: "adverts are sent and received on `interface` (its own MAC) instead of the macvlan; VIPs and gratuitous ARPs stay on the macvlan"),
            KeywordInfo(.instance, "mcast_src_ip", .address, default: "the interface's primary address", example: "mcast_src_ip 198.18.0.2"),
            KeywordInfo(.instance, "unicast_ttl", .integer(1...255), default: "255", example: "unicast_ttl 64"),
            KeywordInfo(.instance, "check_unicast_src", .none, default: "off", example: "check_unicast_src",
                        notes: "unicast adverts from a sender that is not a unicast_peer are dropped (counted as not for us)"),
            KeywordInfo(.instance, "mcast_dst_ip", .address, default: "vrrp_mcast_group4/6", example: "mcast_dst_ip 224.0.0.18",
                        notes: "the group this instance joins and sends to"),
            KeywordInfo(.instance, "track_src_ip", .none, default: "off", example: "track_src_ip"),
            KeywordInfo(.instance, "promote_secondaries", .none, default: "off", example: "promote_secondaries"),
            KeywordInfo(.instance, "lower_prio_no_advert", .none, default: "off", example: "lower_prio_no_advert"),
            KeywordInfo(.instance, "higher_prio_send_advert", .none, default: "off", example: "higher_prio_send_advert"),
            KeywordInfo(.instance, "v3_checksum_as_v2", .none, default: "off", example: "v3_checksum_as_v2",
                        notes: "VRRPv3 over IPv4 checksums the VRRP message only, as RFC 9568 §5.2.8 defines it (keepalived 2.2.8 option); off: with an IPv4 pseudo-header, as RFC 5798 read by keepalived 2.2.7 and FRR"),
            KeywordInfo(.instance, "smtp_alert", .ignored, example: "smtp_alert",
                        notes: "ignored with a warning: vrrpd sends no mail"),
            KeywordInfo(.authentication, "auth_type", .choice(["PASS", "AH"]), example: "auth_type PASS"),
            KeywordInfo(.authentication, "auth_pass", .string, example: "auth_pass secret",
                        notes: "8 characters at most; longer is truncated with a warning, as keepalived does"),
        ]

        // vrrp_sync_group.
        t += [
            KeywordInfo(.syncGroup, "group", .block, example: "group { VI_1 VI_2 }", notes: "required"),
            KeywordInfo(.syncGroup, "notify_master", .command, example: "notify_master /etc/keepalived/g_master.sh"),
            KeywordInfo(.syncGroup, "notify_backup", .command, example: "notify_backup /etc/keepalived/g_backup.sh"),
            KeywordInfo(.syncGroup, "notify_fault", .command, example: "notify_fault /etc/keepalived/g_fault.sh"),
            KeywordInfo(.syncGroup, "notify_stop", .command, example: "notify_stop /etc/keepalived/g_stop.sh"),
            KeywordInfo(.syncGroup, "notify", .command, example: "notify /etc/keepalived/g_notify.sh"),
            KeywordInfo(.syncGroup, "track_script", .block, example: "track_script { chk }"),
            KeywordInfo(.syncGroup, "track_interface", .block, example: "track_interface { eth9 }"),
            KeywordInfo(.syncGroup, "track_file", .block, example: "track_file { f1 }"),
            KeywordInfo(.syncGroup, "smtp_alert", .ignored, example: "smtp_alert", notes: "ignored with a warning"),
        ]
        t += KeywordTable.keepalivedOnly
        for index in t.indices {
            if let support = KeywordTable.notAppliedParsed["\(t[index].block.rawValue) \(t[index].name)"] {
                t[index].support = support
            }
        }
        return t
    }()
}
