// SPDX-License-Identifier: Apache-2.0
/// Keyword honesty (issue #13): what vrrpd does not apply, and what the user loses.
extension KeywordTable {
    /// Keywords vrrpd parses (and checks) but the runtime does not act on yet.
    static let notAppliedParsed: [String: KeywordInfo.Support] = [
        "global_defs notify_fifo": .differs("`username`/`groupname` are not applied: the FIFO belongs to the daemon's user"),
        "global_defs vrrp_notify_fifo": .differs("`username`/`groupname` are not applied: the FIFO belongs to the daemon's user"),
        "global_defs notify_fifo_script": .differs("at exit the FIFO is closed first and the script gets 2 s to read the last lines before SIGTERM; keepalived sends SIGTERM at once"),
        "global_defs vrrp_notify_fifo_script": .differs("at exit the FIFO is closed first and the script gets 2 s to read the last lines before SIGTERM; keepalived sends SIGTERM at once"),
        "global_defs max_auto_priority": .differs("only the event-loop thread (adverts, timers, netlink) is raised; the threads that run checks and notify scripts keep normal scheduling"),
        "global_defs notification_email": .notApplied("e-mail alerts: vrrpd sends no mail; use notify scripts"),
        "global_defs notification_email_from": .notApplied("e-mail alerts: vrrpd sends no mail; use notify scripts"),
        "global_defs smtp_server": .notApplied("e-mail alerts: vrrpd sends no mail; use notify scripts"),
        "global_defs smtp_connect_timeout": .notApplied("e-mail alerts: vrrpd sends no mail; use notify scripts"),
        "global_defs smtp_helo_name": .notApplied("e-mail alerts: vrrpd sends no mail; use notify scripts"),
        "global_defs smtp_alert": .notApplied("e-mail alerts: vrrpd sends no mail; use notify scripts"),
        "global_defs smtp_alert_vrrp": .notApplied("e-mail alerts: vrrpd sends no mail; use notify scripts"),
        "global_defs lvs_id": .notApplied("nothing for VRRP: LVS is not part of vrrpd"),
        "global_defs lvs_sync_daemon": .notApplied("the LVS sync daemon: LVS is not part of vrrpd"),
        "vrrp_instance smtp_alert": .notApplied("e-mail alerts: vrrpd sends no mail; use notify scripts"),
        "vrrp_sync_group smtp_alert": .notApplied("e-mail alerts: vrrpd sends no mail; use notify scripts"),
        "(top level) virtual_server": .notApplied("the LVS virtual server: vrrpd runs VRRP only (run keepalived -C or ipvsadm for LVS)"),
        "(top level) virtual_server_group": .notApplied("the LVS virtual server group: vrrpd runs VRRP only"),
        "global_defs router_id": .notApplied("nothing: keepalived uses it in e-mail and SNMP, which vrrpd has not"),
        "global_defs vrrp_garp_interval": .differs("every repeat is sent, one gap apart; keepalived lets the repeats of one address that find the interface busy collapse into one, so with an interval it sends fewer than garp_master_repeat"),
        "global_defs vrrp_gna_interval": .differs("every repeat is sent, one gap apart; keepalived lets the repeats of one address that find the interface busy collapse into one, so with an interval it sends fewer than garp_master_repeat"),
        "vrrp_instance virtual_routes": .differs("routes carry protocol 86 (`proto 86` in `ip route`; keepalived's is 18); a route already there that vrrpd did not add is used and never deleted; the route's `dev` is tracked as keepalived tracks it (down: FAULT, unless `no_track`), but the route itself is not watched: one deleted by someone else while MASTER stays away until the next takeover (keepalived leaves MASTER unless `no_track`); a `dev` route without `via` gets scope link as `ip route add` gives it; `nexthop`/`or`, `from`, `tos`, `protocol`, `encap`, `vrf`, `track_group`, metrics (`mtu`, `rtt`, ...) and route types other than `blackhole`: that line is not applied, with a warning"),
        "vrrp_instance virtual_rules": .differs("rules carry protocol 86 (FRA_PROTOCOL; keepalived's is 18); a rule already there that vrrpd did not add is used and never deleted; its `iif`/`oif` is tracked as keepalived tracks it (down: FAULT, unless `no_track`), the rule itself is not watched: one deleted by someone else while MASTER stays away until the next takeover; `tos`, `realms`, `suppress_*`, `uidrange`, `ipproto`, `sport`/`dport`, `goto`, `nop`, `l3mdev`, `tunnel-id`, `protocol`, `track_group`: that line is not applied, with a warning"),
        "(top level) static_ipaddress": .differs("deleted at exit as keepalived 2.2.7 deletes it, but only if vrrpd added it (an address already there stays); without `dev` it goes on eth0 (keepalived's default_interface, which vrrpd does not read); `track_group` not supported"),
        "(top level) static_routes": .differs("as `virtual_routes` (protocol 86, the same options not applied); deleted at exit as keepalived 2.2.7 deletes them (vrrp_terminate_phase1), only those vrrpd added"),
        "(top level) static_rules": .differs("as `virtual_rules` (protocol 86, the same options not applied); deleted at exit as keepalived 2.2.7 deletes them, only those vrrpd added"),
        "vrrp_instance unicast_ttl": .notApplied("the TTL of unicast adverts and its check: vrrpd sends TTL 255"),
        "vrrp_instance check_unicast_src": .differs("vrrpd always makes this check: without the keyword keepalived accepts unicast adverts from any source, vrrpd still drops those not from a unicast_peer"),
        "vrrp_instance track_src_ip": .notApplied("following the interface's source address: the address found at start-up is kept"),
        "vrrp_instance promote_secondaries": .notApplied("setting the interface's promote_secondaries: removing a VIP may remove secondaries with it"),
    ]

    private static func lost(_ block: KeywordInfo.Block, _ names: [String], _ loss: String, example: String? = nil) -> [KeywordInfo] {
        names.map { name in
            var k = KeywordInfo(block, name, .ignored, example: example ?? name, notes: "keepalived 2.2.7 applies it")
            k.support = .notApplied(loss)
            return k
        }
    }

    /// keepalived 2.2.7 keywords (keepalived/core/global_parser.c, keepalived/vrrp/vrrp_parser.c)
    /// vrrpd accepts without applying: never "unknown", always a warning saying what is lost.
    static let keepalivedOnly: [KeywordInfo] = {
        var t: [KeywordInfo] = []
        let g = KeywordInfo.Block.globalDefs
        t += lost(g, ["vrrp_garp_extra_if", "vrrp_min_garp", "vrrp_down_timer_adverts", "vrrp_vmac_garp_intvl"],
                  "this gratuitous-ARP / down-timer tuning: keepalived's defaults apply")
        t += lost(g, ["vrrp_cpu_affinity"], "CPU pinning of the daemon: it runs on any CPU")
        t += lost(g, ["vrrp_notify_priority_changes", "fifo_write_vrrp_states_on_reload"],
                  "priority-change lines and the state lines on reload: only state changes are written to the FIFO")
        t += lost(g, ["vrrp_iptables", "vrrp_ipsets", "nftables", "nftables_priority", "nftables_ifindex", "nftables_counters"],
                  "the firewall rules keepalived adds for vrrp_strict / no_accept: add them yourself")
        t += lost(g, ["dynamic_interfaces", "default_interface", "linkbeat_use_polling", "disable_local_igmp", "log_unknown_vrids",
                      "vmac_prefix", "vmac_addr_prefix", "vrrp_rx_bufs_policy", "vrrp_rx_bufs_multiplier",
                      "vrrp_netlink_cmd_rcv_bufs", "vrrp_netlink_cmd_rcv_bufs_force", "vrrp_netlink_monitor_rcv_bufs",
                      "vrrp_netlink_monitor_rcv_bufs_force", "process_monitor_rcv_bufs", "process_monitor_rcv_bufs_force"],
                  "this interface / buffer tuning: vrrpd's own defaults apply (interfaces may come and go; see --wait-for-interfaces)")
        t += lost(g, ["process_names", "process_name", "vrrp_process_name", "umask", "random_seed", "data_use_instance",
                      "tmp_config_directory", "config_save_dir", "include_check", "reload_check_config", "reload_time_file",
                      "reload_repeat", "reload_file"],
                  "this process setting: run vrrpd in the namespace yourself (`ip netns exec`), paths are vrrpd's options")
        t += lost(g, ["startup_script", "startup_script_timeout", "shutdown_script", "shutdown_script_timeout"],
                  "the start-up/shutdown script: run it from the service unit (ExecStartPre/ExecStopPost)")
        t += lost(g, ["snmp_socket", "enable_traps", "enable_snmp_vrrp", "enable_snmp_keepalived", "enable_snmp_rfc",
                      "enable_snmp_rfcv2", "enable_snmp_rfcv3", "enable_dbus", "dbus_service_name"],
                  "SNMP / D-Bus: use the status socket or --metrics-address")
        t += lost(g, ["smtp_alert_checker", "checker_log_all_failures", "no_email_faults", "no_checker_emails", "rs_init_notifies",
                      "lvs_timeouts", "lvs_flush", "lvs_flush_on_stop", "lvs_flush_onstop", "lvs_notify_fifo", "lvs_notify_fifo_script",
                      "checker_process_name", "lvs_process_name", "bfd_process_name", "checker_priority", "checker_no_swap",
                      "checker_rt_priority", "checker_cpu_affinity", "checker_rlimit_rttime", "checker_rlimit_rtime",
                      "bfd_priority", "bfd_no_swap", "bfd_rt_priority", "bfd_cpu_affinity", "bfd_rlimit_rttime", "bfd_rlimit_rtime",
                      "lvs_netlink_cmd_rcv_bufs", "lvs_netlink_cmd_rcv_bufs_force", "lvs_netlink_monitor_rcv_bufs",
                      "lvs_netlink_monitor_rcv_bufs_force", "nftables_ipvs", "nftables_ipvs_priority", "nftables_ipvs_start_fwmark"],
                  "LVS / checker / BFD settings: vrrpd runs VRRP only")

        let top = KeywordInfo.Block.topLevel
        t += lost(top, ["garp_group", "vrrp_track_bfd", "bfd_instance"],
                  "this block: gratuitous-ARP groups and BFD are not part of vrrpd")
        t += lost(top, ["net_namespace", "net_namespace_ipvs", "namespace_with_ipsets", "instance", "use_pid_dir",
                        "child_wait_time", "linkbeat_use_polling"],
                  "this process setting: run vrrpd in the namespace yourself (`ip netns exec`); paths are vrrpd's options")

        let i = KeywordInfo.Block.instance
        t += lost(i, ["use_ipvlan"], "the ipvlan interface: addresses go on the parent interface")
        t += lost(i, ["native_ipv6", "vrf", "kernel_rx_buf_size", "linkbeat_use_polling", "debug", "old_unicast_checksum",
                      "unicast_fault_no_peer", "down_timer_adverts", "garp_extra_if", "vmac_garp_intvl", "interface_up_down_delays",
                      "skip_check_adv_addr", "strict_mode"],
                  "this per-instance setting: the global or default behaviour applies")
        t += lost(i, ["track_bfd"], "BFD tracking: the instance does not follow the BFD session")
        t += lost(i, ["notify_deleted", "notify_master_rx_lower_pri", "notify_priority_changes"],
                  "this notify script: it is never run; notify_master/backup/fault/stop and notify are")
        t += lost(i, ["lvs_sync_daemon_interface"], "the LVS sync daemon (deprecated in keepalived too)")

        let s = KeywordInfo.Block.syncGroup
        t += lost(s, ["global_tracking", "sync_group_tracking_weight", "track_process", "track_bfd", "notify_priority_changes"],
                  "this sync-group setting: track in each vrrp_instance instead")
        t += lost(.script, ["full_command"], "nothing you can see: vrrpd reports the script by its name")
        return t
    }()
}
