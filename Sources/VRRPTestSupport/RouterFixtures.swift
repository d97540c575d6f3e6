// SPDX-License-Identifier: Apache-2.0
import VRRPCore

/// Small builders for state-machine tests. Addresses are from 198.18.0.0/15 and 2001:db8::/32.
public enum RouterFixtures {
    public static let vip4: IPAddress = .v4(IPv4Address(198, 18, 0, 100))
    public static let vip6: IPAddress = IPAddress("2001:db8::100")!

    /// 198.18.0.`n`.
    public static func address(_ n: UInt8) -> IPAddress { .v4(IPv4Address(198, 18, 0, n)) }
    /// 2001:db8::`n` (hex).
    public static func address6(_ n: UInt16) -> IPAddress {
        .v6(IPv6Address(high: 0x2001_0DB8_0000_0000, low: UInt64(n)))
    }

    /// A configuration with the test VIP; other fields as in `VirtualRouter.Configuration.init`.
    public static func configuration(
        vrid: UInt8 = 51, version: VRRPVersion = .v3, priority: UInt8 = 100,
        interval: Centiseconds = .oneSecond, preempt: Bool = true, preemptDelay: Interval = .zero,
        authentication: Authentication = .none, initialState: VirtualRouter.InitialState = .backup,
        family: AddressFamily = .ipv4, garpMasterDelay: Interval = .seconds(5), garpMasterRefresh: Interval? = nil,
        fastPreempt: Bool = false
    ) -> VirtualRouter.Configuration {
        VirtualRouter.Configuration(
            name: "VI_\(vrid)", vrid: vrid, version: version, family: family, priority: priority,
            advertisementInterval: interval, virtualAddresses: [family == .ipv4 ? vip4 : vip6],
            preempt: preempt, preemptDelay: preemptDelay, authentication: authentication,
            initialState: initialState, garpMasterDelay: garpMasterDelay, garpMasterRefresh: garpMasterRefresh,
            fastPreempt: fastPreempt)
    }

    /// A received advert matching `configuration` unless overridden.
    public static func advert(
        for configuration: VirtualRouter.Configuration, priority: UInt8, from source: IPAddress,
        interval: Centiseconds? = nil, ttl: UInt8 = 255, version: VRRPVersion? = nil, vrid: UInt8? = nil,
        addresses: [IPAddress]? = nil, authentication: Authentication? = nil
    ) -> ReceivedAdvertisement {
        let advertisement = Advertisement(
            version: version ?? configuration.version, vrid: vrid ?? configuration.vrid, priority: priority,
            interval: interval ?? configuration.advertisementInterval,
            addresses: addresses ?? configuration.virtualAddresses,
            authentication: authentication ?? (configuration.version == .v2 ? configuration.authentication : .none))
        let destination: IPAddress = configuration.family == .ipv4 ? .v4(.vrrpMulticast) : .v6(.vrrpMulticast)
        return ReceivedAdvertisement(advertisement: advertisement, source: source, destination: destination, ttl: ttl)
    }
}

extension Instant {
    /// `Instant.zero + .milliseconds(ms)`, for readable tests.
    public static func ms(_ ms: Int64) -> Instant { Instant(nanoseconds: ms * 1_000_000) }
}
