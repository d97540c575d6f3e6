// SPDX-License-Identifier: Apache-2.0
import VRRPLab

/// The test VIPs (lab ranges only).
enum VIP {
    static let v4 = "198.18.0.100/24"
    static let v4Address = "198.18.0.100"
    static let v6 = "2001:db8::100/64"
    static let v6Address = "2001:db8::100"
}

/// keepalived.conf for `host` with one instance VI_1 on eth0 (VRID 51, VIP 198.18.0.100/24,
/// advert_int 1, the daemon's default version) at `priority`; `adjust` changes anything else.
func config(for host: LabHost, priority: Int,
            _ adjust: (inout LabVRRPInstance) -> Void = { _ in }) -> String {
    var instance = LabVRRPInstance()
    instance.priority = priority
    instance.version = nil
    instance.addressDevice = false
    adjust(&instance)
    return instance.configuration(routerID: host.name)
}
