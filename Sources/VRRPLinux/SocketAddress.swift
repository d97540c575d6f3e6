// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif
import CVRRPLinux
import VRRPCore

// Conversions between VRRPCore addresses and the C socket structures. Byte copies only.

extension in_addr {
    init(_ address: IPv4Address) { self.init(s_addr: address.value.bigEndian) }
    var address: IPv4Address { IPv4Address(UInt32(bigEndian: s_addr)) }
}

extension in6_addr {
    init(_ address: IPv6Address) {
        self.init()
        let bytes = address.bytes
        withUnsafeMutableBytes(of: &self) { raw in
            for i in 0..<16 { raw[i] = bytes[i] }
        }
    }
    var address: IPv6Address {
        withUnsafeBytes(of: self) { IPv6Address(bytes: $0)! }
    }
}

extension sockaddr_in {
    init(_ address: IPv4Address) {
        self.init()
        sin_family = sa_family_t(AF_INET)
        sin_addr = in_addr(address)
    }
}

extension sockaddr_in6 {
    init(_ address: IPv6Address, scopeID: UInt32) {
        self.init()
        sin6_family = sa_family_t(AF_INET6)
        sin6_addr = in6_addr(address)
        sin6_scope_id = scopeID
    }
}

/// Runs `body` with a pointer to `value` viewed as a `sockaddr` and its length.
func withSockAddr<T, R>(_ value: inout T, _ body: (UnsafeMutablePointer<sockaddr>, socklen_t) throws -> R) rethrows -> R {
    try withUnsafeMutablePointer(to: &value) { pointer in
        try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, socklen_t(MemoryLayout<T>.size)) }
    }
}
