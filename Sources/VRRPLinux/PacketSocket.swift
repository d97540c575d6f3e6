// SPDX-License-Identifier: Apache-2.0
import VRRPSystem
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif
import CVRRPLinux

/// An AF_PACKET/SOCK_RAW socket on one interface, for prebuilt Ethernet frames (gratuitous
/// ARP, unsolicited NA). A sender is opened with protocol 0 so the kernel queues nothing to
/// it; a receiver (tests, diagnostics) names an EtherType and is bound to the interface.
/// Frames are built in VRRPCore; this type only moves bytes.
public final class PacketSocket: Sendable {
    public let ifindex: Int32
    private let fd: FileDescriptor

    public var fileDescriptor: CInt { fd.rawValue }

    /// ETH_P_ALL, for a receiver that sees every frame.
    public static let allProtocols: UInt16 = UInt16(ETH_P_ALL)

    /// - Parameters:
    ///   - ifindex: the interface to send on (and, for a receiver, to bind to).
    ///   - receiveProtocol: nil for a send-only socket; an EtherType (host order) to receive.
    public init(ifindex: Int32, receiveProtocol: UInt16? = nil) throws {
        self.ifindex = ifindex
        let type = CInt(SOCK_RAW.rawValue) | CInt(SOCK_CLOEXEC.rawValue) | CInt(SOCK_NONBLOCK.rawValue)
        let wireProtocol = (receiveProtocol ?? 0).bigEndian
        fd = FileDescriptor(owning: try syscall("socket(AF_PACKET) for ifindex \(ifindex)") {
            socket(AF_PACKET, type, CInt(wireProtocol))
        })
        if receiveProtocol != nil {
            var address = sockaddr_ll()
            address.sll_family = UInt16(AF_PACKET)
            address.sll_protocol = wireProtocol
            address.sll_ifindex = ifindex
            try withSockAddr(&address) { pointer, length in
                _ = try syscall("bind(AF_PACKET) ifindex \(ifindex)") { bind(fd.rawValue, pointer, length) }
            }
        }
    }

    /// Sends one complete Ethernet frame: destination MAC (0..<6), source MAC (6..<12),
    /// EtherType (12..<14), payload. The link-layer address and protocol are taken from it.
    public func send(_ frame: [UInt8]) throws {
        guard frame.count >= 14 else {
            throw SystemError("sendto(AF_PACKET) ifindex \(ifindex): \(frame.count)-byte frame", errno: EINVAL)
        }
        var address = sockaddr_ll()
        address.sll_family = UInt16(AF_PACKET)
        address.sll_ifindex = ifindex
        address.sll_halen = 6
        // The EtherType is already in network order in the frame; copy it as bytes.
        withUnsafeMutableBytes(of: &address.sll_protocol) { $0[0] = frame[12]; $0[1] = frame[13] }
        withUnsafeMutableBytes(of: &address.sll_addr) { for i in 0..<6 { $0[i] = frame[i] } }
        let sent = try frame.withUnsafeBytes { data in
            try withSockAddr(&address) { pointer, length in
                try syscall("sendto(AF_PACKET) ifindex \(ifindex)") {
                    sendto(fd.rawValue, data.baseAddress, data.count, 0, pointer, length)
                }
            }
        }
        guard sent == frame.count else { throw SystemError("sendto(AF_PACKET): short send \(sent)", errno: EMSGSIZE) }
    }

    /// Reads one frame (from the destination MAC on); nil when none is queued.
    public func receive() throws -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let length: Int
        do {
            length = try buffer.withUnsafeMutableBytes { data in
                try syscall("recv(AF_PACKET) ifindex \(ifindex)") {
                    recv(fd.rawValue, data.baseAddress, data.count, CInt(MSG_TRUNC))
                }
            }
        } catch let error as SystemError where error.isWouldBlock {
            return nil
        }
        guard length <= buffer.count else { throw SystemError("recv(AF_PACKET): frame truncated", errno: EMSGSIZE) }
        buffer.removeSubrange(length...)
        return buffer
    }
}
