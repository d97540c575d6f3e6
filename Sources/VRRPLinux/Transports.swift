import VRRPCore

// Narrow seams for the driver, so tests can swap in fakes (STYLE habit 8).

/// Sends and receives VRRP messages on one interface and family.
public protocol VRRPTransport: Sendable {
    /// Sends a VRRP message (no IP header) from `source` to `destination`.
    func send(_ vrrp: [UInt8], from source: IPAddress, to destination: IPAddress) throws
    /// The next queued datagram, nil if none.
    func receive() throws -> RawPacket?
}

/// Sends prebuilt Ethernet frames (gratuitous ARP, unsolicited NA).
public protocol PacketSender: Sendable {
    func send(_ frame: [UInt8]) throws
}

/// Adds and removes addresses and lists the kernel's view of links and addresses.
public protocol AddressConfigurator: Sendable {
    func addAddress(_ address: IPAddress, prefix: UInt8, ifindex: Int32, label: String?, scope: AddressScope,
                    broadcast: IPv4Address?, noDAD: Bool) throws -> RouteNetlink.AddResult
    func deleteAddress(_ address: IPAddress, prefix: UInt8, ifindex: Int32) throws -> RouteNetlink.DeleteResult
    func links() throws -> [LinkInfo]
    func addresses() throws -> [InterfaceAddress]
}

extension VRRPSocket: VRRPTransport {}
extension PacketSocket: PacketSender {}
extension RouteNetlink: AddressConfigurator {}
