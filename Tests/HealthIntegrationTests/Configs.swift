// SPDX-License-Identifier: Apache-2.0
import VRRPLab
/// keepalived.conf text for the health integration tests.
enum Configs {
    static let vip = "198.18.0.100"

    /// One proxy's vrrpd: VI_1 on eth0 for the VIP, tracking `tracks` (names of the checks in
    /// `checks`). advert_int 1 s: Master_Down_Interval is about 3.6 s.
    static func proxy(routerID: String, priority: Int, globals: String = "", checks: String, tracks: [String],
                      extra: String = "") -> String {
        var instance = LabVRRPInstance()
        instance.priority = priority
        instance.version = nil
        instance.virtualAddresses = ["\(vip)/24"]
        instance.trackScripts = tracks
        instance.extraLines = extra.isEmpty ? [] : [extra]
        return LabVRRPInstance.configuration(routerID: routerID, [instance], globalLines: globals.isEmpty ? [] : [globals],
                                             blocks: checks.isEmpty ? [] : [checks])
    }

    /// The checks the nginx + RabbitMQ proxies use: nginx's HTTP health location and an AMQP
    /// handshake through the local nginx stream proxy, each costing 60 priority points.
    static let proxyChecks = """
        vrrp_http_check chk_nginx {
            host 127.0.0.1
            port 80
            path /health
            interval 0.5
            timeout 1
            fall 2
            rise 2
            weight -60
        }

        vrrp_amqp_check chk_amqp {
            host 127.0.0.1
            port 5672
            interval 1
            timeout 2
            fall 2
            rise 2
            weight -60
        }
        """
}
