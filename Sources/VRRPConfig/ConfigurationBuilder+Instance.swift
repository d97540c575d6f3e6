// SPDX-License-Identifier: Apache-2.0
import VRRPCore

extension ConfigurationBuilder {
    mutating func instance(_ name: String, _ location: SourceLocation, _ nodes: [ConfigNode]) {
        let g = configuration.globals
        var i = InstanceConfiguration(name: name, location: location)
        i.version = g.vrrpVersion
        i.garpMasterDelay = g.garpMasterDelay
        i.garpMasterRepeat = g.garpMasterRepeat
        i.garpMasterRefresh = g.garpMasterRefresh
        i.garpMasterRefreshRepeat = g.garpMasterRefreshRepeat
        i.higherPrioritySendAdvert = g.higherPrioritySendAdvert
        i.lowerPriorityNoAdvert = g.lowerPriorityNoAdvert
        i.garpLowerPriorityRepeat = g.garpLowerPriorityRepeat
        var accept: Bool?
        var advertInterval: (Interval, SourceLocation)?
        var authNode: ConfigNode?
        var nopreemptAt: SourceLocation?
        let b = KeywordInfo.Block.instance

        var addressLocations: [SourceLocation] = []
        var excludedLocations: [SourceLocation] = []
        let valueBlocks: Set<String> = ["track_interface", "track_script", "track_file", "track_process", "virtual_ipaddress",
                                        "virtual_ipaddress_excluded", "virtual_routes", "virtual_rules", "unicast_peer"]
        for node in bracelessValueBlocks(nodes, valueBlocks) {
            if notApplied(node, b) { continue }
            if notify(node, b, &i.notify) { continue }
            switch node.keyword {
            case "state":
                if let v = string(node, b) {
                    if let s = InitialState(rawValue: v.uppercased()) { i.initialState = s } else {
                        error(node.arguments[0].location, "state takes MASTER or BACKUP, not `\(v)`: write `state BACKUP`")
                    }
                }
            case "interface": if let v = string(node, b) { i.interface = v }
            case "virtual_router_id":
                if let arg = firstArgument(node, b) {
                    // RFC 5798 §5.2.3: VRID 1-255.
                    if let v = Int(arg.text), (1...255).contains(v) { i.virtualRouterID = UInt8(v) } else {
                        error(arg.location, "virtual_router_id must be 1 to 255, not `\(arg.text)`: write `virtual_router_id 51` (the same on every node of this router)")
                    }
                }
            case "priority":
                if let arg = firstArgument(node, b) {
                    // RFC 5798 §5.2.4: 255 is the owner, 0 is reserved for "leaving".
                    if let v = Int(arg.text), (1...255).contains(v) {
                        i.priority = UInt8(v)
                        if v == 255 {
                            warning(arg.location, "priority 255 marks the address owner (RFC 5798 §5.2.4): keep it only if the virtual addresses are this interface's own addresses, else write `priority 254` or lower")
                        }
                    } else {
                        error(arg.location, "priority must be 1 to 255, not `\(arg.text)`: write `priority 100` (255 only for the address owner)")
                    }
                }
            case "advert_int":
                if let arg = firstArgument(node, b) {
                    if let v = Self.parseSeconds(arg.text) { advertInterval = (v, arg.location) } else {
                        error(arg.location, "advert_int takes seconds, not `\(arg.text)`: write `advert_int 1`")
                    }
                }
            case "version":
                if let v = integer(node, b, 2...3) { i.version = v == 3 ? .v3 : .v2 }
            case "authentication":
                if blockChildren(node, b) != nil { authNode = node }
            case "virtual_ipaddress":
                let read = virtualAddresses(node)
                i.virtualAddresses += read.map(\.0)
                addressLocations += read.map(\.1)
            case "virtual_ipaddress_excluded":
                let read = virtualAddresses(node)
                i.excludedVirtualAddresses += read.map(\.0)
                excludedLocations += read.map(\.1)
            case "virtual_routes": i.virtualRoutes += routes(node, b, tracked: true)
            case "virtual_rules": i.virtualRules += rules(node, b)
            case "unicast_src_ip": i.unicastSourceAddress = address(node, b)
            case "unicast_peer":
                for child in blockChildren(node, b) ?? [] {
                    let arg = ConfigNode.Argument(text: child.keyword, location: child.location)
                    if let a = address(arg, keyword: "unicast_peer", b) { i.unicastPeers.append(a) }
                    if let extra = child.arguments.first {
                        warning(extra.location, "per-peer options (`\(extra.text)` ...) are not supported; ignored")
                    }
                }
            case "nopreempt":
                i.preempt = false
                nopreemptAt = node.location
            case "preempt": i.preempt = true
            case "preempt_delay":
                // keepalived caps preempt_delay at 1000 s.
                if let v = seconds(node, b, max: 1000) { i.preemptDelay = v }
            case "accept": accept = true
            case "no_accept": accept = false
            case "garp_master_delay": if let v = integerOrIgnored(node, b, 0...Int(Int32.max)) { i.garpMasterDelay = v }
            case "garp_master_repeat":
                if let v = integerOrIgnored(node, b, 0...Int(Int32.max)) { i.garpMasterRepeat = Self.atLeastOne(v, node, &self) }
            case "garp_master_refresh":
                if let v = integer(node, b, 0...Int(Int32.max)) { i.garpMasterRefresh = v == 0 ? nil : v }
            case "garp_master_refresh_repeat":
                if let v = integerOrIgnored(node, b, 0...Int(Int32.max)) { i.garpMasterRefreshRepeat = Self.atLeastOne(v, node, &self) }
            case "garp_lower_prio_delay": if let v = integerOrIgnored(node, b, 0...Int(Int32.max)) { i.garpLowerPriorityDelay = v }
            case "garp_lower_prio_repeat": if let v = integerOrIgnored(node, b, 0...Int(Int32.max)) { i.garpLowerPriorityRepeat = v }
            case "track_interface": i.trackInterfaces += trackedObjects(node, b)
            case "track_script": i.trackScripts += trackedObjects(node, b)
            case "track_file": i.trackFiles += trackedObjects(node, b)
            case "track_process": i.trackProcesses += trackedObjects(node, b)
            case "dont_track_primary": i.dontTrackPrimary = true
            case "use_vmac": useVirtualMAC(node, &i)
            case "vmac_xmit_base": i.virtualMACTransmitBase = true
            case "use_vmac_addr": i.virtualMACForAddresses = true
            case "mcast_src_ip": i.multicastSourceAddress = address(node, b)
            case "unicast_ttl": if let v = integer(node, b, 1...255) { i.unicastTTL = UInt8(v) }
            case "check_unicast_src": i.checkUnicastSource = true
            case "mcast_dst_ip":
                if let a = address(node, b) {
                    let multicast = switch a {
                    case .v4(let v4): v4.isMulticast
                    case .v6(let v6): v6.isMulticast
                    }
                    if multicast { i.multicastDestination = a } else {
                        error(node.arguments[0].location, "mcast_dst_ip must be a multicast address: write `mcast_dst_ip 224.0.0.18`")
                    }
                }
            case "track_src_ip": i.trackSourceAddress = true
            case "promote_secondaries": i.promoteSecondaries = true
            case "lower_prio_no_advert": if let v = flag(node) { i.lowerPriorityNoAdvert = v }
            case "higher_prio_send_advert": if let v = flag(node) { i.higherPrioritySendAdvert = v }
            case "fast_preempt": i.fastPreempt = true
            case "v3_checksum_as_v2": i.v3ChecksumAsV2 = true
            case "smtp_alert": warning(node.location, "`smtp_alert` is ignored: vrrpd sends no mail (use notify scripts)")
            default: unknown(node, in: b)
            }
        }

        if i.interface.isEmpty {
            error(location, "vrrp_instance \(name) has no interface: add `interface eth0` (the interface facing the peers)")
        }
        if !nodes.contains(where: { $0.keyword == "virtual_router_id" }) {
            error(location, "vrrp_instance \(name) has no virtual_router_id: add `virtual_router_id 51` (1 to 255, the same on every node of this router)")
        }
        let owner = i.priority == 255
        // keepalived/vrrp/vrrp.c (vrrp_complete_instance): the corrections vrrp_strict makes,
        // with keepalived's messages; each is a correction (`-t` exits 5, `--strict` refuses).
        if g.vrrpStrict, (i.initialState == .master) != owner, nodes.contains(where: { $0.keyword == "state" }) {
            let at = nodes.last { $0.keyword == "state" }!.location
            correction(at, "(\(i.name)) State \(i.initialState == .master ? "MASTER" : "BACKUP") must match being address owner: using `state \(owner ? "MASTER" : "BACKUP")` (vrrp_strict)")
            i.initialState = owner ? .master : .backup
        }
        if g.vrrpStrict, accept == true, !owner, i.version == .v2 {
            let at = nodes.last { $0.keyword == "accept" }!.location
            correction(at, "(\(i.name)) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting")
            accept = false
        }
        if g.vrrpStrict, i.preemptDelay != .zero {
            let at = nodes.last { $0.keyword == "preempt_delay" }?.location ?? location
            correction(at, "(\(i.name)) preempt_delay is incompatible with strict mode - resetting")
            i.preemptDelay = .zero
        }
        i.acceptMode = accept ?? (owner || !g.vrrpStrict)
        completeVirtualMAC(&i, nodes, location, strict: g.vrrpStrict)
        completeAddressVirtualMACs(&i, addressLocations, excludedLocations, location)
        if let at = nopreemptAt, i.initialState == .master {
            // keepalived: "nopreempt will not work with initial state MASTER".
            warning(at, "nopreempt has no effect with `state MASTER`: write `state BACKUP` on every node to use nopreempt")
        }
        if i.version == .v2, let family = i.virtualAddresses.first?.address.family {
            // RFC 3768 carries IPv4 only; keepalived drops the other family's addresses from a
            // VRRPv2 instance (with an error) and runs.
            for (address, at) in zip(i.virtualAddresses, addressLocations) where address.address.family != family {
                correction(at, "vrrp_instance \(name) is VRRPv2, which carries \(family) addresses only (RFC 3768); \(address) dropped as keepalived drops it: put it in a `version 3` instance of its own")
            }
            i.virtualAddresses.removeAll { $0.address.family != family }
        }
        if let (value, at) = advertInterval { i.advertisementInterval = advertisementInterval(value, at, version: i.version) }
        if let node = authNode {
            i.authentication = authentication(node, instance: i)
            if i.authentication == .ipAH, i.initialState == .master, !owner {
                // keepalived needs an advert's AH sequence number before taking over.
                correction(node.location, "`state MASTER` is incompatible with AH authentication (the AH sequence number must be learnt first); state BACKUP used, as keepalived does: write `state BACKUP`")
                i.initialState = .backup
            }
            if i.authentication == .ipAH, i.family == .ipv6 {
                correction(node.location, "AH authentication cannot be used with IPv6; removed as keepalived removes it: delete the authentication block")
                i.authentication = .none
            }
        }
        configuration.instances.append(i)
    }

    /// RFC 3768 §5.3.7 (v2: whole seconds, 8 bits) and RFC 5798 §5.2.7 (v3: 12-bit centiseconds).
    private mutating func advertisementInterval(_ value: Interval, _ at: SourceLocation, version: VRRPVersion) -> Centiseconds {
        let cs = value.nanoseconds / 10_000_000
        switch version {
        case .v2:
            guard value.nanoseconds >= 1_000_000_000, value.nanoseconds <= 255_000_000_000 else {
                error(at, "advert_int for VRRPv2 must be 1 to 255 seconds: write `advert_int 1`, or `version 3` for sub-second intervals")
                return .oneSecond
            }
            var seconds = value.nanoseconds / 1_000_000_000
            if value.nanoseconds % 1_000_000_000 != 0 {
                seconds += 1
                warning(at, "VRRPv2 advertises whole seconds: advert_int rounded up to \(seconds) (write `version 3` for fractions)")
            }
            return Centiseconds(UInt16(seconds * 100))
        case .v3:
            guard cs >= 1, cs <= 4095, value.nanoseconds % 10_000_000 == 0 else {
                error(at, "advert_int for VRRPv3 must be 0.01 to 40.95 seconds in steps of 0.01: write `advert_int 1`")
                return .oneSecond
            }
            return Centiseconds(UInt16(cs))
        }
    }

    private mutating func authentication(_ node: ConfigNode, instance: InstanceConfiguration) -> Authentication {
        let b = KeywordInfo.Block.authentication
        var type: String?
        var pass: ConfigNode.Argument?
        for child in node.children ?? [] {
            switch child.keyword {
            case "auth_type":
                if let v = string(child, b) {
                    if v == "PASS" || v == "AH" { type = v } else {
                        error(child.arguments[0].location, "auth_type takes PASS or AH, not `\(v)`: write `auth_type PASS`")
                    }
                }
            case "auth_pass": pass = firstArgument(child, b)
            default: unknown(child, in: b)
            }
        }
        if configuration.globals.vrrpStrict {
            correction(node.location, "vrrp_strict forbids authentication (RFC 5798 has none); removed as keepalived removes it: delete the authentication block")
            return .none
        }
        if instance.version == .v3 {
            correction(node.location, "VRRPv3 has no authentication (RFC 5798 §9); ignored as keepalived ignores it: delete the authentication block")
            return .none
        }
        switch type {
        case "AH":
            return .ipAH
        case "PASS":
            guard let pass else {
                // keepalived: "Authentication specified but no password given. Ignoring".
                correction(node.location, "auth_type PASS needs a password; authentication removed as keepalived removes it: add `auth_pass secret` (8 characters at most)")
                return .none
            }
            if pass.text.utf8.count > 8 {
                // keepalived truncates to 8 octets (RFC 3768 §5.3.10 has 8 octets of data).
                let kept = String(decoding: Array(pass.text.utf8.prefix(8)), as: UTF8.self)
                // keepalived reports "Truncating auth_pass to 8 characters" as a config error: -t exits 5.
                reported(pass.location, "auth_pass is longer than 8 characters; truncated to `\(kept)` as keepalived does: write `auth_pass \(kept)`")
            }
            return .password(pass.text)
        default:
            if pass != nil { error(node.location, "authentication has auth_pass but no auth_type: add `auth_type PASS`") }
            return .none
        }
    }

    /// `ADDR[/PREFIX] [dev IF] [brd ADDR] [scope S] [label L] [no_track] [use_vmac]` lines
    /// (`use_vmac` not for static addresses, as keepalived).
    mutating func virtualAddresses(_ node: ConfigNode, isStatic: Bool = false) -> [(VirtualAddress, SourceLocation)] {
        let b = KeywordInfo.Block.instance
        guard let children = blockChildren(node, b) else { return [] }
        var out: [(VirtualAddress, SourceLocation)] = []
        for child in children {
            var text = Substring(child.keyword)
            var prefix: UInt8?
            var prefixBad = false
            if let slash = text.firstIndex(of: "/") {
                let p = text[text.index(after: slash)...]
                text = text[..<slash]
                if let v = UInt8(p) { prefix = v } else { prefixBad = true }
            }
            guard let address = IPAddress(text) else {
                error(child.location, "`\(child.keyword)` is not an address: write `198.18.0.10/24` or `2001:db8::10/64` in \(node.keyword)")
                continue
            }
            let maxPrefix: UInt8 = address.family == .ipv4 ? 32 : 128
            if prefixBad || (prefix ?? 0) > maxPrefix {
                error(child.location, "`\(child.keyword)` has a bad prefix length: use 0 to \(maxPrefix), e.g. `\(address)/\(maxPrefix == 32 ? 24 : 64)`")
                continue
            }
            var v = VirtualAddress(address: address, prefix: prefix)
            var k = 0
            let args = child.arguments
            while k < args.count {
                let option = args[k]
                let value = k + 1 < args.count ? args[k + 1] : nil
                switch option.text {
                case "dev", "scope", "label", "brd", "broadcast":
                    guard let value else {
                        error(option.location, "`\(option.text)` needs a value: write `\(child.keyword) \(option.text) \(option.text == "brd" ? "198.18.0.255" : "eth0")`")
                        k += 1
                        continue
                    }
                    switch option.text {
                    case "dev": v.dev = value.text
                    case "scope": v.scope = value.text
                    case "label": v.label = value.text
                    default:
                        if let a = IPv4Address(value.text), address.family == .ipv4 { v.broadcast = a } else {
                            error(value.location, "brd takes an IPv4 broadcast address for an IPv4 virtual address, not `\(value.text)`")
                        }
                    }
                    k += 2
                case "no_track":
                    v.noTrack = true
                    k += 1
                case "use_vmac" where !isStatic:
                    v.useVirtualMAC = true
                    k += 1
                default:
                    warning(option.location, "virtual address option `\(option.text)` is not supported; ignored")
                    k += 1
                }
            }
            if v.useVirtualMAC, v.dev == nil {
                // keepalived vrrp_ipaddress.c `parse_ipaddress`.
                reported(child.location, "use_vmac for a address requires an interface")
                v.useVirtualMAC = false
            }
            out.append((v, child.location))
        }
        return out
    }
}

extension ConfigurationBuilder {
    /// keepalived/vrrp/vrrp_parser.c `vrrp_vmac_handler`: up to two words, a MAC (it has a
    /// `:`) and an interface name, each checked with keepalived's messages.
    mutating func useVirtualMAC(_ node: ConfigNode, _ i: inout InstanceConfiguration) {
        i.useVirtualMAC = true
        for word in node.arguments.prefix(2) {
            let text = word.text
            if text.contains(":") {
                guard i.virtualMACAddress == nil else {
                    reported(word.location, "VMAC interface address already specified")
                    continue
                }
                let parts = text.split(separator: ":", omittingEmptySubsequences: false)
                let octets = parts.compactMap { $0.count <= 2 && !$0.isEmpty ? UInt8($0, radix: 16) : nil }
                let fiveWithVRID = parts.count == 5 || (parts.count == 6 && parts[5].isEmpty)
                if octets.count != parts.filter({ !$0.isEmpty }).count || !(parts.count == 6 && octets.count == 6 || fiveWithVRID && octets.count == 5) {
                    reported(word.location, "VMAC invalid MAC address \(text) - ignored")
                } else if octets[0] & 0x01 != 0 {
                    reported(word.location, "VMAC MAC address is multicast \(text) - ignoring")
                } else if octets[0...3] == [0x00, 0x00, 0x5e, 0x00], octets[4] == 0x01 || octets[4] == 0x02 {
                    reported(word.location, "VMAC MAC address not allowed to be RFC5798 address (\(text)) - ignoring")
                } else {
                    i.virtualMACAddress = octets
                }
            } else {
                guard i.virtualMACInterfaceName == nil else {
                    reported(word.location, "VMAC interface name already specified")
                    continue
                }
                // The kernel's dev_valid_name: 1 to 15 bytes, no '/', ':' or space, not . or ..
                if text.utf8.count >= 16 || text == "." || text == ".." || text.contains("/") {
                    reported(word.location, "VMAC interface name '\(text)' too long or invalid characters - ignoring")
                } else {
                    i.virtualMACInterfaceName = text
                }
            }
        }
        if node.arguments.count > 2 {
            warning(node.arguments[2].location, "`use_vmac` takes an interface name and a MAC; `\(node.arguments[2].text)` and what follows are ignored")
        }
    }

    /// keepalived/vrrp/vrrp.c `vrrp_complete_instance`: vmac_xmit_base needs a vmac, unicast
    /// needs vmac_xmit_base, strict mode refuses vmac_xmit_base (each a correction).
    mutating func completeVirtualMAC(_ i: inout InstanceConfiguration, _ nodes: [ConfigNode], _ location: SourceLocation,
                                     strict: Bool) {
        let xmitAt = nodes.last { $0.keyword == "vmac_xmit_base" }?.location ?? location
        if i.virtualMACTransmitBase, !i.useVirtualMAC {
            correction(xmitAt, "(\(i.name)) vmac_xmit_base is only valid with a vmac")
            i.virtualMACTransmitBase = false
        }
        if i.useVirtualMAC, !i.unicastPeers.isEmpty, !i.virtualMACTransmitBase {
            let at = nodes.last { $0.keyword == "use_vmac" }?.location ?? location
            correction(at, "(\(i.name)) unicast with use_vmac requires vmac_xmit_base - setting")
            i.virtualMACTransmitBase = true
        }
        if i.useVirtualMAC, strict, i.virtualMACTransmitBase {
            correction(xmitAt, "(\(i.name)) xmit_base is incompatible with strict mode - resetting")
            i.virtualMACTransmitBase = false
        }
        if let name = i.virtualMACInterfaceName, name == i.interface {
            let at = nodes.last { $0.keyword == "use_vmac" }?.location ?? location
            reported(at, "(\(i.name)) \(name) interface name \(name) already exists as a non macvlan interface. ignoring configured name")
            i.virtualMACInterfaceName = nil
        }
    }

    /// keepalived/vrrp/vrrp.c `vrrp_complete_instance`: a VIP's own `use_vmac` where the
    /// instance's macvlan already carries it, or beside `use_vmac_addr`, is reported and dropped
    /// (the address still goes where keepalived puts it).
    mutating func completeAddressVirtualMACs(_ i: inout InstanceConfiguration, _ vipAt: [SourceLocation],
                                             _ evipAt: [SourceLocation], _ instanceAt: SourceLocation) {
        let instance = (name: i.name, interface: i.interface, family: i.family, useVMAC: i.useVirtualMAC,
                        addressVMACs: i.virtualMACForAddresses)
        func check(_ list: [VirtualAddress], _ at: [SourceLocation]) -> [VirtualAddress] {
            var list = list
            for k in list.indices where list[k].useVirtualMAC {
                let a = list[k]
                let onInterface = a.dev == nil || a.dev == instance.interface
                let location = k < at.count ? at[k] : instanceAt
                if onInterface, instance.useVMAC, a.address.family == instance.family {
                    reported(location, "(\(instance.name)) use_vmac specified for VIP/eVIP \(a.address) and vrrp instance")
                    list[k].useVirtualMAC = false
                } else if !onInterface || a.address.family != instance.family, instance.addressVMACs {
                    reported(location, "(\(instance.name)) use_vmac_addr specified and use_vmac specified for VIP/eVIP \(a.address)")
                    list[k].useVirtualMAC = false
                }
            }
            return list
        }
        i.virtualAddresses = check(i.virtualAddresses, vipAt)
        i.excludedVirtualAddresses = check(i.excludedVirtualAddresses, evipAt)
    }
}
