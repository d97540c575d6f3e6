// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import VRRPLab
import VRRPStatus

/// A harness failure with what the operator needs to see (the daemon's log, the command's output).
struct HarnessError: Error, CustomStringConvertible {
    var description: String
}

/// What these tests need: root, iproute2, a built vrrpd and vrrpctl (the one skip policy:
/// skipped with the reason locally, a failure under CI).
let statusRequirements = LabRequirement.namespaceLab + [.vrrpctl]

/// One VRRP instance of a generated keepalived.conf: BACKUP on `interface`, advert_int 1, the
/// daemon's default version, VIP `vip`/24.
func vrrpInstance(name: String = "VI_1", vrid: Int = 51, priority: Int, vip: String = "198.18.0.100",
                  interface: String = "eth0") -> LabVRRPInstance {
    var instance = LabVRRPInstance()
    instance.name = name
    instance.vrid = vrid
    instance.priority = priority
    instance.virtualAddresses = ["\(vip)/24"]
    instance.interface = interface
    instance.version = nil
    instance.addressDevice = false
    return instance
}

/// The layout of these tests' vrrpd in `host`: keepalived.conf, vrrpd.pid, vrrpd.sock and
/// dump/ in the host's directory, `-D`, the socket's group `statusGroup`, metrics when asked,
/// behind `prefix` (e.g. `setpriv` as another user).
func daemonOptions(_ host: LabHost, statusGroup: String = "root", metricsPort: Int? = nil,
                   prefix: [String] = []) -> LabVRRPDOptions {
    var options = LabVRRPDOptions(tag: "vrrpd", arguments: ["--status-group", statusGroup, "-D"])
    options.configPath = "\(host.directory)/keepalived.conf"
    options.dumpDirectory = "\(host.directory)/dump"
    options.wrapper = prefix
    if let metricsPort { options.arguments += ["--metrics-address", "127.0.0.1:\(metricsPort)"] }
    return options
}

/// Writes `config` and starts `vrrpd` in `host` through VRRPLab; returns once the status
/// socket answers.
func startDaemon(_ lab: Lab, on host: LabHost, config: String, statusGroup: String = "root",
                 metricsPort: Int? = nil, prefix: [String] = []) throws -> LabVRRPNode {
    try lab.startVRRPD(host, config: config,
                       options: daemonOptions(host, statusGroup: statusGroup, metricsPort: metricsPort, prefix: prefix))
}

extension LabVRRPNode {
    /// The status socket (these tests run vrrpd only, which always has one).
    var socketPath: String { statusSocket ?? "" }
    /// The dump directory (vrrpd only).
    var dumpDir: String { dumpDirectory ?? "" }
}

extension VirtualAddressStatus {
    /// "198.18.0.100/24" → "198.18.0.100".
    var bareAddress: String { String(address.split(separator: "/")[0]) }
}
