// SPDX-License-Identifier: Apache-2.0
/// How `vrrpd` was asked to run. Every path the daemon writes is settable, so several
/// daemons can run on one machine (tests, the lab).
public struct DaemonOptions: Sendable {
    public var configFile: String
    public var pidFile: String?
    public var statusSocket: String
    /// Group owning the status socket (mode 0660); nil keeps root's group.
    public var statusGroup: String?
    /// Where SIGUSR1 writes `vrrpd.data` (text) and `vrrpd.json`: a private directory (created
    /// 0750; refused when others may write to it).
    public var dumpDirectory: String
    /// `127.0.0.1:9650`-style address of the Prometheus endpoint; nil: off.
    public var metricsAddress: String?
    /// Wait (in FAULT) for interfaces that do not exist yet instead of exiting 1.
    public var waitForInterfaces: Bool
    /// Drop every capability but CAP_NET_ADMIN, CAP_NET_RAW (and CAP_KILL for scripts) after start.
    public var dropCapabilities: Bool
    public var logToSyslog: Bool
    public var logDetail: Bool
    public var version: String
    /// `vrrpd --strict`: refuse, at start-up and reload, a file keepalived would run after correcting it.
    public var strictConfiguration = false
    /// Send the Adver_Timer adverts that fall due in one loop turn together, one sendmmsg(2)
    /// per socket (`AdvertOutbox`, issue 16); `vrrpd --no-advert-batching` turns it off (one
    /// sendmsg per advert).
    public var batchAdverts = true
    /// Read a busy backup's VRRP socket once per short window instead of once per advert
    /// (Daemon+Coalesce.swift, issue 16); `vrrpd --no-receive-coalescing` turns it off.
    public var coalesceReceive = true

    public init(configFile: String, pidFile: String? = nil, statusSocket: String = "/run/vrrpd/vrrpd.sock",
                statusGroup: String? = nil, dumpDirectory: String = "/run/vrrpd", metricsAddress: String? = nil,
                waitForInterfaces: Bool = false, dropCapabilities: Bool = true, logToSyslog: Bool = false,
                logDetail: Bool = false, version: String) {
        self.configFile = configFile
        self.pidFile = pidFile
        self.statusSocket = statusSocket
        self.statusGroup = statusGroup
        self.dumpDirectory = dumpDirectory
        self.metricsAddress = metricsAddress
        self.waitForInterfaces = waitForInterfaces
        self.dropCapabilities = dropCapabilities
        self.logToSyslog = logToSyslog
        self.logDetail = logDetail
        self.version = version
    }
}
