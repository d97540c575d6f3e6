// SPDX-License-Identifier: Apache-2.0
import VRRPConfig
import VRRPCore

/// One virtual address as the daemon installs it (keepalived's `virtual_ipaddress` line).
struct VirtualAddressSpec: Hashable, Sendable {
    var address: IPAddress
    var prefix: UInt8
    /// The interface it goes on (`dev`), the instance's interface by default.
    var device: String
    var label: String?
    /// rtnetlink scope (RT_SCOPE_UNIVERSE 0, LINK 253, HOST 254).
    var scope: UInt8
    var broadcast: IPv4Address?

    var text: String { "\(address)/\(prefix)" }
}

/// `use_vmac`: the macvlan that carries the VIPs with the virtual router MAC (RFC 5798 §7.2).
struct VirtualMACSpec: Hashable, Sendable {
    /// `vrrp.VRID` unless named (keepalived's default name).
    var name: String
    var mac: [UInt8]
    /// `vmac_xmit_base`: adverts on `interface` instead.
    var transmitOnBase: Bool

    var macText: String { Self.text(mac) }

    static func text(_ mac: [UInt8]) -> String {
        mac.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
    }
}

/// `use_vmac_addr` / a VIP's `use_vmac`: a macvlan on `base` with the virtual MAC of
/// `family` that carries the VIPs naming it as device (keepalived 2.2.7 vrrp.c
/// `vrrp_complete_instance`). `name` is the planned one; set-up may pick another
/// (`Daemon+VirtualMAC.swift`).
struct AddressVirtualMACSpec: Hashable, Sendable {
    var name: String
    var base: String
    var family: AddressFamily
    var mac: [UInt8]
}

/// What a tracked item adds: keepalived's `weight` semantics.
struct TrackReference: Hashable, Sendable {
    enum Kind: String, Hashable, Sendable {
        case script, tcp, http, amqp, interface, file, process
    }

    var name: String
    var kind: Kind
    /// 0: a failure puts the instance in FAULT.
    var weight: Int
    var reverse: Bool
    /// Tracked because a virtual route (`dev`) or rule (`iif`/`oif`) without `no_track` names
    /// the interface (keepalived vrrp.c `vrrp_complete_instance`, TRACK_ROUTE/TRACK_RULE). An
    /// interface that does not exist does not count as down: keepalived drops such a route.
    var implicit = false
}

/// Everything the runtime needs about one `vrrp_instance`, derived from the configuration.
struct InstanceSettings: Hashable, Sendable {
    var router: VirtualRouter.Configuration
    var interface: String
    /// Advertised and installed.
    var virtualAddresses: [VirtualAddressSpec]
    /// Installed with the others but not advertised (`virtual_ipaddress_excluded`).
    var excludedAddresses: [VirtualAddressSpec]
    /// `mcast_src_ip` / `unicast_src_ip`; nil: the interface's primary (IPv4) or link-local (IPv6).
    var sourceAddress: IPAddress?
    /// The RFC 9568 VRRPv3-over-IPv4 checksum (keepalived 2.2.8 `v3_checksum_as_v2`).
    var v3ChecksumAsV2: Bool
    var tracked: [TrackReference]
    var notify: NotifyScripts
    /// The instance's own interface going down does not cause FAULT (`dont_track_primary`).
    var dontTrackPrimary: Bool
    /// Added after the addresses on becoming MASTER, removed on leaving it.
    var virtualRoutes: [VirtualRoute] = []
    var virtualRules: [VirtualRule] = []
    /// `use_vmac`; the VIPs of `interface` then name the macvlan as their device.
    var virtualMAC: VirtualMACSpec? = nil
    /// `use_vmac_addr` / a VIP's `use_vmac`: the extra macvlans; their VIPs name them as device.
    var addressVirtualMACs: [AddressVirtualMACSpec] = []

    var name: String { router.name }
    var family: AddressFamily { router.family }
    /// The peers and the group are the core's (`VirtualRouter.Configuration`), which also
    /// filters received adverts by them: one copy.
    var unicastPeers: [IPAddress] { router.unicastPeers }
    /// 224.0.0.18 / ff02::12 (RFC 5798 §5.1.1.2, §5.1.2.2) unless `mcast_dst_ip` or
    /// `vrrp_mcast_group4|6` names another: the group adverts go to and the socket joins.
    var multicastGroup: IPAddress { router.multicastGroup }
    var isUnicast: Bool { router.isUnicast }
    var allAddresses: [VirtualAddressSpec] { virtualAddresses + excludedAddresses }
}
