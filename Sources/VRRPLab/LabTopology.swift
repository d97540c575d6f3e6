// SPDX-License-Identifier: Apache-2.0
/// The standard VRRP test LAN: proxies p1…pN with 198.18.0.(10+i)/24 and 2001:db8::(10+i)/64,
/// and a client c with 198.18.0.2/24 and 2001:db8::2/64, all on one LAN named "lan".
public struct LabTopology: Sendable {
    public let lan: LabLAN
    public let proxies: [LabHost]
    public let client: LabHost

    /// Builds the topology in `lab`.
    public init(in lab: Lab, proxies count: Int = 2) throws {
        precondition((1...80).contains(count), "LabTopology supports 1 to 80 proxies")
        let lan = try lab.addLAN("lan")
        self.lan = lan
        proxies = try (1...count).map { i in
            try lab.addHost("p\(i)", on: [lan], ipv4: ["198.18.0.\(10 + i)/24"], ipv6: ["2001:db8::\(10 + i)/64"])
        }
        client = try lab.addHost("c", on: [lan], ipv4: ["198.18.0.2/24"], ipv6: ["2001:db8::2/64"])
    }

    /// Every host: the proxies, then the client.
    public var hosts: [LabHost] { proxies + [client] }
}
