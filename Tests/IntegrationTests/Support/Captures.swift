// SPDX-License-Identifier: Apache-2.0
import VRRPCore
import VRRPLab

extension PcapPacket {
    /// The announced address when the frame is a gratuitous ARP (sender address == target
    /// address, RFC 5798 §6.4.1) whose Ethernet source and ARP sender hardware are both `mac`.
    func gratuitousARP(from mac: MACAddress) -> IPv4Address? {
        guard let ethernet, ethernet.source == mac, let arp, arp.isGratuitous,
              arp.senderHardware == mac else { return nil }
        return arp.senderProtocol
    }
}

extension LabCapture {
    /// True when a gratuitous ARP for `address` from `mac` has been captured.
    func sawGratuitousARP(for address: IPv4Address, from mac: MACAddress) throws -> Bool {
        try frames().contains { $0.gratuitousARP(from: mac) == address }
    }
}
