// SPDX-License-Identifier: Apache-2.0
import Testing
import VRRPConfig
import VRRPCore

/// `use_vmac [NAME] [MAC]` and `vmac_xmit_base` read as keepalived 2.2.7 reads them
/// (vrrp_parser.c `vrrp_vmac_handler`, vrrp.c `vrrp_complete_instance`).
@Suite("use_vmac and vmac_xmit_base")
struct VirtualMACConfigTests {
    @Test("use_vmac alone, with a name, with a MAC, with both (either order), with a 5-octet MAC")
    func forms() throws {
        func vmac(_ line: String) throws -> InstanceConfiguration {
            let r = load(instance(line))
            #expect(r.errors.isEmpty && r.exitCode == 0, "\(r.diagnostics)")
            return try #require(r.configuration?.instances.first)
        }
        let bare = try vmac("use_vmac")
        #expect(bare.useVirtualMAC && bare.virtualMACInterfaceName == nil && bare.virtualMACAddress == nil)
        #expect(!bare.virtualMACTransmitBase)
        #expect(try vmac("use_vmac vh.10").virtualMACInterfaceName == "vh.10")
        #expect(try vmac("use_vmac 02:00:00:00:00:0a").virtualMACAddress == [2, 0, 0, 0, 0, 0x0a])
        let both = try vmac("use_vmac 02:00:00:00:00:0a vh.10")
        #expect(both.virtualMACInterfaceName == "vh.10" && both.virtualMACAddress == [2, 0, 0, 0, 0, 0x0a])
        #expect(try vmac("use_vmac vh 02:00:00:00:01").virtualMACAddress == [2, 0, 0, 0, 1])
        #expect(try vmac("use_vmac\nvmac_xmit_base").virtualMACTransmitBase)
    }

    @Test("bad MACs and names are reported with keepalived's messages and ignored (-t exits 5)",
          arguments: [("use_vmac 01:00:00:00:00:01", "VMAC MAC address is multicast"),
                      ("use_vmac 00:00:5e:00:01:0a", "not allowed to be RFC5798 address"),
                      ("use_vmac 02:00:zz:00:00:01", "VMAC invalid MAC address"),
                      ("use_vmac 02:00:00", "VMAC invalid MAC address"),
                      ("use_vmac a-name-that-is-too-long", "too long or invalid characters")])
    func rejected(line: String, message: String) throws {
        let r = load(instance(line))
        #expect(r.diagnostics.contains { $0.message.contains(message) && $0.location.line == 7 }, "\(r.diagnostics)")
        #expect(r.exitCode == 5, "\(r.diagnostics)")
        let i = try #require(r.configuration?.instances.first)
        #expect(i.useVirtualMAC && i.virtualMACAddress == nil && i.virtualMACInterfaceName == nil)
    }

    @Test("vmac_xmit_base without use_vmac is dropped, unicast forces it, vrrp_strict resets it (corrections)")
    func corrections() throws {
        let alone = load(instance("vmac_xmit_base"))
        #expect(alone.diagnostics.contains { $0.message.contains("vmac_xmit_base is only valid with a vmac") }, "\(alone.diagnostics)")
        #expect(alone.configuration?.instances.first?.virtualMACTransmitBase == false && alone.exitCode == 5)
        let unicast = load(instance("use_vmac\nunicast_peer {\n 198.18.0.3\n}"))
        #expect(unicast.diagnostics.contains { $0.message.contains("unicast with use_vmac requires vmac_xmit_base - setting") })
        #expect(unicast.configuration?.instances.first?.virtualMACTransmitBase == true)
        let strict = load("global_defs {\n vrrp_strict\n}\n" + instance("use_vmac\nvmac_xmit_base"))
        #expect(strict.diagnostics.contains { $0.message.contains("xmit_base is incompatible with strict mode - resetting") })
        #expect(strict.configuration?.instances.first?.virtualMACTransmitBase == false)
    }

    @Test("use_vmac and use_vmac_addr no longer warn that they are not applied")
    func honesty() {
        let r = load(instance("use_vmac\nuse_vmac_addr"))
        #expect(!r.warnings.contains { $0.message.contains("use_vmac is") || $0.message.contains("`use_vmac` is ignored") })
        #expect(!r.warnings.contains { $0.message.contains("use_vmac_addr") }, "\(r.diagnostics)")
        #expect(r.configuration?.instances.first?.virtualMACForAddresses == true)
    }

    @Test("a VIP's use_vmac: needs dev, and is reported where the instance's macvlan or use_vmac_addr already covers it (keepalived's messages)")
    func addressUseVMAC() {
        let noDev = load(instance("", vips: "198.18.0.100/24 use_vmac"))
        #expect(noDev.diagnostics.contains { $0.message == "use_vmac for a address requires an interface" }, "\(noDev.diagnostics)")
        #expect(noDev.configuration?.instances.first?.virtualAddresses.first?.useVirtualMAC == false)
        let both = load(instance("use_vmac", vips: "198.18.0.100/24 dev eth0 use_vmac"))
        #expect(both.diagnostics.contains { $0.message.contains("use_vmac specified for VIP/eVIP 198.18.0.100 and vrrp instance") })
        let withAddr = load(instance("use_vmac_addr", vips: "198.18.1.100/24 dev eth1 use_vmac"))
        #expect(withAddr.diagnostics.contains { $0.message.contains("use_vmac_addr specified and use_vmac specified for VIP/eVIP 198.18.1.100") })
        let fine = load(instance("", vips: "198.18.1.100/24 dev eth1 use_vmac"))
        #expect(fine.diagnostics.isEmpty, "\(fine.diagnostics)")
        #expect(fine.configuration?.instances.first?.virtualAddresses.first?.useVirtualMAC == true)
    }
}
