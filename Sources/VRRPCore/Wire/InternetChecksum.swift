// SPDX-License-Identifier: Apache-2.0
/// The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement
/// sum of the data taken as big-endian 16-bit words, an odd trailing byte padded with zero.
/// Used by VRRP (RFC 3768 §5.3.8, RFC 5798 §5.2.8), the IPv4 header and ICMPv6.
///
/// Feed it in pieces with `add`; an odd-length piece carries its last byte over to the next.
public struct InternetChecksum: Hashable, Sendable {
    /// 64 bits never overflow for any input that fits in memory (2^48 words).
    private var sum: UInt64 = 0
    private var pendingHighByte: UInt8?

    public init() {}

    /// Adds bytes as a continuation of everything added so far.
    public mutating func add(_ bytes: some Sequence<UInt8>) {
        if bytes.withContiguousStorageIfAvailable({ add(buffer: $0) }) != nil { return }
        for b in bytes {
            if let high = pendingHighByte {
                sum &+= UInt64(high) << 8 | UInt64(b)
                pendingHighByte = nil
            } else {
                pendingHighByte = b
            }
        }
    }

    /// Contiguous bytes, summed a word at a time (no per-byte optional state): the receive path
    /// verifies every advert's checksum (issue 16).
    private mutating func add(buffer: UnsafeBufferPointer<UInt8>) {
        var i = 0
        let n = buffer.count
        if let high = pendingHighByte, n > 0 {
            sum &+= UInt64(high) << 8 | UInt64(buffer[0])
            pendingHighByte = nil
            i = 1
        }
        while i + 1 < n {
            sum &+= UInt64(buffer[i]) << 8 | UInt64(buffer[i + 1])
            i += 2
        }
        if i < n { pendingHighByte = buffer[i] }
    }

    /// Adds one 16-bit word (must be at an even position of the data).
    public mutating func add(word: UInt16) {
        if let high = pendingHighByte {
            // Not at an even position after all: continue byte-wise, as `add(_:)` would.
            sum &+= UInt64(high) << 8 | UInt64(word >> 8)
            pendingHighByte = UInt8(word & 0xFF)
        } else {
            sum &+= UInt64(word)
        }
    }

    /// Adds one 32-bit value as two words.
    public mutating func add(word32: UInt32) {
        add(word: UInt16(word32 >> 16))
        add(word: UInt16(word32 & 0xFFFF))
    }

    /// The sixteen octets of an IPv6 address (a pseudo-header field), without an array.
    public mutating func add(ipv6 a: IPv6Address) {
        add(word32: UInt32(truncatingIfNeeded: a.high >> 32))
        add(word32: UInt32(truncatingIfNeeded: a.high))
        add(word32: UInt32(truncatingIfNeeded: a.low >> 32))
        add(word32: UInt32(truncatingIfNeeded: a.low))
    }

    /// The one's complement sum folded to 16 bits (not complemented).
    public var foldedSum: UInt16 {
        var s = sum
        if let high = pendingHighByte { s &+= UInt64(high) << 8 }
        while s > 0xFFFF { s = (s & 0xFFFF) + (s >> 16) }
        return UInt16(s)
    }

    /// The checksum to put in the field: the complement of the folded sum.
    public var value: UInt16 { ~foldedSum }

    /// True when the data, checksum field included, sums to all ones (RFC 1071 §1 step 3).
    public var verifies: Bool { foldedSum == 0xFFFF }

    /// The checksum of `bytes` in one call.
    public static func compute(_ bytes: some Sequence<UInt8>) -> UInt16 {
        var c = InternetChecksum()
        c.add(bytes)
        return c.value
    }
}
