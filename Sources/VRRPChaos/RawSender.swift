// SPDX-License-Identifier: Apache-2.0
import Foundation
import VRRPCore
import VRRPLab

/// Sends hand-made IPv4 packets from a lab host through a raw `IPPROTO_RAW` socket
/// (IP_HDRINCL implied), bound to `eth0`: the bytes leave exactly as built, TTL included.
/// The sending side is a few lines of python3 run inside the host's namespace; the packets
/// themselves are built in Swift with the VRRPCore encoders and handed over as hex.
public struct RawSender: Sendable {
    public let lab: Lab
    public let host: LabHost

    /// True when `python3` is on PATH (the sending side needs it).
    public static var isAvailable: Bool {
        LabRequirement.tool("python3").isMet
    }

    public init(lab: Lab, host: LabHost) {
        self.lab = lab
        self.host = host
    }

    static let script = """
    import socket, sys, time
    lines = [l.split() for l in open(sys.argv[1]) if l.strip()]
    repeat, gap = int(sys.argv[2]), float(sys.argv[3])
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"eth0")
    big = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
    big.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"eth0")
    big.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
    for _ in range(repeat):
        for kind, dst, data in lines:
            # kind "ip": a whole IPv4 packet; "payload": an IP payload the kernel wraps
            # (and fragments: for datagrams larger than the MTU).
            (raw if kind == "ip" else big).sendto(bytes.fromhex(data), (dst, 0))
            if gap > 0: time.sleep(gap)
    """

    /// Sends each packet in order, the whole list `repeat` times, `gap` seconds apart.
    public func send(_ packets: [OutgoingPacket], repeat count: Int = 1, gap: Double = 0,
                     timeout: Duration = .seconds(600)) throws {
        let stamp = UInt32.random(in: 0...UInt32.max)
        let scriptPath = "\(host.directory)/send-\(stamp).py", listPath = "\(host.directory)/send-\(stamp).txt"
        try RawSender.script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        try packets.map(\.line).joined(separator: "\n").write(toFile: listPath, atomically: true, encoding: .utf8)
        defer {
            try? FileManager.default.removeItem(atPath: scriptPath)
            try? FileManager.default.removeItem(atPath: listPath)
        }
        let result = try lab.run(host, ["python3", scriptPath, listPath, String(count), String(gap)], timeout: timeout)
        guard result.succeeded else {
            throw LabError.commandFailed(argv: result.argv, status: result.status, stderr: result.stderr)
        }
    }
}

/// One packet for `RawSender`.
public struct OutgoingPacket: Sendable {
    public enum Kind: String, Sendable { case ip, payload }
    public var kind: Kind
    public var destination: String
    public var bytes: [UInt8]

    /// A whole IPv4 packet (header included), sent as is.
    public static func ip(_ bytes: [UInt8], to destination: String = "224.0.0.18") -> OutgoingPacket {
        OutgoingPacket(kind: .ip, destination: destination, bytes: bytes)
    }

    /// An IP payload with protocol 112; the kernel adds the header (TTL 255) and fragments.
    public static func payload(_ bytes: [UInt8], to destination: String = "224.0.0.18") -> OutgoingPacket {
        OutgoingPacket(kind: .payload, destination: destination, bytes: bytes)
    }

    var line: String {
        "\(kind.rawValue) \(destination) " + bytes.map { String($0, radix: 16).leftPadded(2) }.joined()
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

/// Advertisement packets for tests: valid ones and mutations.
public enum PacketFactory {
    public static let group = IPv4Address(224, 0, 0, 18)

    /// A valid IPv4 advertisement packet from `source`.
    public static func advert(version: VRRPVersion, vrid: UInt8, priority: UInt8, interval: Centiseconds,
                              addresses: [IPv4Address], password: String?, source: IPv4Address,
                              ttl: UInt8 = 255) throws -> [UInt8] {
        let advert = Advertisement(version: version, vrid: vrid, priority: priority, interval: interval,
                                   addresses: addresses.map { .v4($0) },
                                   authentication: password.map { .password($0) } ?? .none)
        return try IPPacket.encodeIPv4(advert, source: source, destination: group, ttl: ttl)
    }

    /// Recomputes the VRRP checksum of a VRRPv2 IPv4 packet (message-only checksum,
    /// RFC 3768 §5.3.8) after a mutation, so only the mutated field is wrong.
    public static func fixV2Checksum(_ packet: inout [UInt8]) {
        let start = Int(packet[0] & 0x0F) * 4
        packet[start + 6] = 0
        packet[start + 7] = 0
        let sum = InternetChecksum.compute(packet[start...])
        packet[start + 6] = UInt8(sum >> 8)
        packet[start + 7] = UInt8(sum & 0xFF)
    }
}
