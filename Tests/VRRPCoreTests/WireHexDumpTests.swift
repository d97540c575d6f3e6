// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import VRRPCore

@Suite("Wire: hex input and auto-detection")
struct WireHexDumpTests {
    static let v2Frame: [UInt8] = [
        0x01, 0x00, 0x5E, 0x00, 0x00, 0x12, 0x6A, 0x92, 0x19, 0x20, 0x6E, 0x5D, 0x08, 0x00, 0x45, 0xC0,
        0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0xFF, 0x70, 0x14, 0x75, 0xC6, 0x12, 0x00, 0x0B, 0xE0, 0x00,
        0x00, 0x12, 0x21, 0x33, 0x96, 0x01, 0x01, 0x01, 0x23, 0x17, 0xC6, 0x12, 0x00, 0x64, 0x76, 0x62,
        0x74, 0x65, 0x73, 0x74, 0x00, 0x00,
    ]

    @Test("tcpdump -xx output is read as is, header lines and nested option dumps skipped")
    func tcpdump() throws {
        let text = """
        09:45:07.476166 6a:92:19:20:6e:5d > 01:00:5e:00:00:12, ethertype IPv4 (0x0800), length 54: (tos 0xc0)
            198.18.0.11 > 224.0.0.18: VRRPv2, Advertisement, vrid 51
        \t0x0000:  0100 5e00 0012 6a92 1920 6e5d 0800 45c0
        \t0x0010:  0028 0001 0000 ff70 1475 c612 000b e000\r
        \t0x0020:  0012 2133 9601 0101 2317 c612 0064 7662
        \t0x0030:  7465 7374 0000
        09:45:29.025500 f2:2d:db:63:e8:58 > 33:33:00:00:00:01, ethertype IPv6 (0x86dd), NA
        \t  destination link-address option (2), length 8 (1): f2:2d:db:63:e8:58
        \t    0x0000:  f22d db63 e858
        \t0x0000:  0102 0304
        """
        let packets = try HexDump.parse(text).get()
        #expect(packets.count == 2)
        #expect(packets[0].bytes == Self.v2Frame)
        #expect(packets[0].caption?.hasPrefix("09:45:07.476166") == true)
        #expect(packets[0].caption?.contains("VRRPv2") == true)
        #expect(packets[1].bytes == [1, 2, 3, 4])
        #expect(packets[1].caption?.contains("link-address option") == true)
    }

    @Test("tcpdump -X output with its ASCII column, and a dump without header lines")
    func tcpdumpASCII() throws {
        let text = """
        0x0000:  4500 0028 0001 0000  E..(....
        0x0008:  ff70  .p
        0x0000:  aabb
        """
        let packets = try HexDump.parse(text).get()
        #expect(packets.map(\.bytes) == [[0x45, 0, 0, 0x28, 0, 1, 0, 0, 0xFF, 0x70], [0xAA, 0xBB]])
        #expect(throws: HexDump.ParseError.self) { try HexDump.parse("0x0000:  4500\n0x0020:  0000").get() }
        #expect(throws: HexDump.ParseError.self) { try HexDump.parse("0x0000:  45zz").get() }
    }

    @Test("plain hex with spaces, colons, 0x prefixes; blank lines separate packets")
    func plain() throws {
        #expect(try HexDump.parse("45c00028").get().map(\.bytes) == [[0x45, 0xC0, 0, 0x28]])
        #expect(try HexDump.parse("45:c0:00:28").get().map(\.bytes) == [[0x45, 0xC0, 0, 0x28]])
        #expect(try HexDump.parse("0x45 0xC0 0x0028").get().map(\.bytes) == [[0x45, 0xC0, 0, 0x28]])
        #expect(try HexDump.parse("# comment\n4500\n0028\n\n  \naabb\n").get().map(\.bytes) == [[0x45, 0, 0, 0x28], [0xAA, 0xBB]])
        #expect(try HexDump.parse("").get().isEmpty)
        for bad in ["45c", "hello", "0x", "45 c0 0g"] {
            #expect(throws: HexDump.ParseError.self, "\(bad)") { try HexDump.parse(bad).get() }
        }
    }

    @Test("auto-detects an Ethernet frame, an IP packet and a bare VRRP message")
    func autodetect() throws {
        let frame = CaptureDecoder.decode(Self.v2Frame)
        #expect(frame.ethernet?.source.description == "6a:92:19:20:6e:5d")
        guard case .vrrp(let p) = frame.content else { Issue.record("\(frame.content)"); return }
        #expect(p.advertisement.priority == 150)

        let ip = CaptureDecoder.decode(Array(Self.v2Frame.dropFirst(14)))
        #expect(ip.ethernet == nil)
        guard case .vrrp(let q) = ip.content else { Issue.record("\(ip.content)"); return }
        #expect(q == p)

        let bare = CaptureDecoder.decode(Array(Self.v2Frame.dropFirst(34)))
        guard case .bareVRRP(let d) = bare.content else { Issue.record("\(bare.content)"); return }
        #expect(d.advertisement == p.advertisement && d.checksumForm == .messageOnly)

        // 802.1Q-tagged frame.
        var tagged = Array(Self.v2Frame.prefix(12)) + [0x81, 0x00, 0x00, 0x2A] + Array(Self.v2Frame.dropFirst(12))
        let t = CaptureDecoder.decode(tagged)
        #expect(t.ethernet?.vlanIDs == [42] && t.ethernet?.etherType == EtherType.ipv4)
        if case .vrrp = t.content {} else { Issue.record("tagged: \(t.content)") }
        #expect(t.ethernet?.encode() == Array(tagged.prefix(18)))
        // A damaged one reports the reason.
        tagged[tagged.count - 1] ^= 1
        if case .rejected(.advertisement(.checksum)) = CaptureDecoder.decode(tagged).content {} else {
            Issue.record("damaged frame not rejected for its checksum")
        }
        if case .other = CaptureDecoder.decode([0x55]).content {} else if case .rejected = CaptureDecoder.decode([0x55]).content {} else {
            Issue.record("junk decoded")
        }
    }
}
