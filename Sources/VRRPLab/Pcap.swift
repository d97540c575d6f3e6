// SPDX-License-Identifier: Apache-2.0
import Foundation
import VRRPCore

/// One captured frame with its capture timestamp.
public struct PcapPacket: Sendable, Hashable {
    /// Seconds since the Unix epoch (CLOCK_REALTIME of the capturing kernel).
    public let timestamp: Double
    /// The frame as captured (Ethernet header first for the lab's captures).
    public let bytes: [UInt8]

    public init(timestamp: Double, bytes: [UInt8]) {
        self.timestamp = timestamp
        self.bytes = bytes
    }

    /// The Ethernet header, if the frame has one.
    public var ethernet: EthernetHeader? { EthernetHeader.decode(bytes) }

    /// The ARP packet carried by the frame, if it is one.
    public var arp: ARPPacket? {
        guard let ethernet, ethernet.etherType == EtherType.arp else { return nil }
        return ARPPacket.decode(bytes.dropFirst(ethernet.length))
    }

    /// (protocol, source, destination) of an IPv4 frame.
    public var ipv4: (protocol: UInt8, source: IPv4Address, destination: IPv4Address)? {
        guard let ethernet, ethernet.etherType == EtherType.ipv4 else { return nil }
        let ip = Array(bytes.dropFirst(ethernet.length))
        guard ip.count >= 20, ip[0] >> 4 == 4,
              let source = IPv4Address(bytes: ip[12..<16]),
              let destination = IPv4Address(bytes: ip[16..<20]) else { return nil }
        return (ip[9], source, destination)
    }
}

/// A reader for classic pcap files (what `tcpdump -w` writes): microsecond or nanosecond
/// timestamps, either byte order. A file still being written may end in a partial record;
/// that record is left out.
public enum Pcap {
    public static func read(_ path: String) throws -> [PcapPacket] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try parse(Array(data))
    }

    public static func parse(_ bytes: [UInt8]) throws -> [PcapPacket] {
        guard bytes.count >= 24 else {
            if bytes.isEmpty { return [] }  // tcpdump has not flushed its header yet
            throw LabError.unexpectedOutput("pcap file shorter than its 24-byte header")
        }
        let magicLE = u32(bytes, 0, bigEndian: false)
        let bigEndian: Bool
        let nanoseconds: Bool
        switch magicLE {
        case 0xA1B2_C3D4: (bigEndian, nanoseconds) = (false, false)
        case 0xA1B2_3C4D: (bigEndian, nanoseconds) = (false, true)
        case 0xD4C3_B2A1: (bigEndian, nanoseconds) = (true, false)
        case 0x4D3C_B2A1: (bigEndian, nanoseconds) = (true, true)
        default: throw LabError.unexpectedOutput("not a pcap file (magic \(String(magicLE, radix: 16)))")
        }
        var packets: [PcapPacket] = []
        var offset = 24
        while offset + 16 <= bytes.count {
            let seconds = u32(bytes, offset, bigEndian: bigEndian)
            let fraction = u32(bytes, offset + 4, bigEndian: bigEndian)
            let length = Int(u32(bytes, offset + 8, bigEndian: bigEndian))
            let start = offset + 16
            guard start + length <= bytes.count else { break }
            let timestamp = Double(seconds) + Double(fraction) / (nanoseconds ? 1e9 : 1e6)
            packets.append(PcapPacket(timestamp: timestamp, bytes: Array(bytes[start..<start + length])))
            offset = start + length
        }
        return packets
    }

    private static func u32(_ b: [UInt8], _ i: Int, bigEndian: Bool) -> UInt32 {
        let v = UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
        return bigEndian ? v.byteSwapped : v
    }
}

extension LabCapture {
    /// The frames captured so far, with their timestamps. Does not stop the capture.
    public func frames() throws -> [PcapPacket] {
        try Pcap.read(path)
    }
}
