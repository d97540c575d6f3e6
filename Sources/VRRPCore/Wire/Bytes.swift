// SPDX-License-Identifier: Apache-2.0
/// Bounds-checked big-endian access to a byte array. Every read returns nil past the end,
/// so a decoder never traps on short or hostile input (STYLE habit 5).
struct ByteReader {
    let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var remaining: Int { max(0, bytes.count - offset) }

    mutating func u8() -> UInt8? {
        guard offset >= 0, offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16() -> UInt16? {
        guard offset >= 0, bytes.count - offset >= 2 else { return nil }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func u32() -> UInt32? {
        guard offset >= 0, bytes.count - offset >= 4 else { return nil }
        var v: UInt32 = 0
        for i in 0..<4 { v = v << 8 | UInt32(bytes[offset + i]) }
        offset += 4
        return v
    }

    mutating func take(_ n: Int) -> ArraySlice<UInt8>? {
        guard n >= 0, offset >= 0, bytes.count - offset >= n else { return nil }
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }

    mutating func ipv4() -> IPv4Address? { u32().map(IPv4Address.init) }

    mutating func ipv6() -> IPv6Address? { take(16).flatMap { IPv6Address(bytes: $0) } }

    mutating func mac() -> MACAddress? { take(6).flatMap { MACAddress(bytes: $0) } }
}

extension UnsafeBufferPointer where Element == UInt8 {
    func bigEndianU16(at index: Int) -> UInt16 {
        UInt16(self[index]) << 8 | UInt16(self[index + 1])
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian(_ v: UInt16) {
        append(UInt8(v >> 8))
        append(UInt8(v & 0xFF))
    }

    mutating func appendBigEndian(_ v: UInt32) {
        append(UInt8(v >> 24))
        append(UInt8((v >> 16) & 0xFF))
        append(UInt8((v >> 8) & 0xFF))
        append(UInt8(v & 0xFF))
    }

    /// Writes a 16-bit value at `index` (which the caller has already appended room for).
    mutating func setBigEndian(_ v: UInt16, at index: Int) {
        self[index] = UInt8(v >> 8)
        self[index + 1] = UInt8(v & 0xFF)
    }

    func bigEndianU16(at index: Int) -> UInt16 {
        UInt16(self[index]) << 8 | UInt16(self[index + 1])
    }
}

/// Lower-case hex of some bytes, no separators ("45c0").
func hexString(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for b in bytes {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 0xF)])
    }
    return String(decoding: out, as: UTF8.self)
}
