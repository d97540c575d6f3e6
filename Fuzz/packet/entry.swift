// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the VRRP packet decoders (VRRPCore/Wire).
// Built by `scripts/fuzz build packet`, not by SwiftPM. See docs/reliability.md.
//
// Every decoder must return a value for every input (never trap), and whatever the
// advertisement decoder accepts must survive an encode/decode round trip.
import VRRPCore

private let s4 = IPAddress.v4(IPv4Address(198, 18, 0, 11))
private let d4 = IPAddress.v4(.vrrpMulticast)
private let s6 = IPAddress.v6(IPv6Address(high: 0xFE80_0000_0000_0000, low: 1))
private let d6 = IPAddress.v6(.vrrpMulticast)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    // Auto-detected framing, with and without known endpoints.
    _ = CaptureDecoder.decode(bytes)
    _ = CaptureDecoder.decode(bytes, source: s4, destination: d4)
    _ = CaptureDecoder.decode(bytes, source: s6, destination: d6)
    // Each layer on its own.
    _ = IPPacket.decodeDetailed(bytes)
    _ = EthernetHeader.decode(bytes)
    _ = ARPPacket.decode(bytes)
    _ = NeighborAdvertisement.decode(bytes, source: IPv6Address(high: 0xFE80_0000_0000_0000, low: 1), destination: .allNodes)
    _ = Advertisement.decodeDetailed(bytes, source: nil, destination: nil)
    for (s, d) in [(s4, d4), (s6, d6)] {
        guard case .success(let ad) = Advertisement.decode(bytes, source: s, destination: d) else { continue }
        roundTrip(ad, source: s, destination: d, length: bytes.count)
    }
    return 0
}

/// An accepted advertisement encodes to a message of the same length that decodes to the
/// same fields. The encoder normalizes what the decoder tolerates: the checksum is
/// recomputed, and a VRRPv2 Adver Int of 0 is sent as 1 s.
private func roundTrip(_ ad: Advertisement, source: IPAddress, destination: IPAddress, length: Int) {
    let encoded: [UInt8]
    do {
        encoded = try ad.encode(source: source, destination: destination)
    } catch {
        fatalError("accepted advertisement does not encode: \(error) \(ad)")
    }
    precondition(encoded.count == length, "re-encoded length \(encoded.count) != \(length)")
    guard case .success(let again) = Advertisement.decode(encoded, source: source, destination: destination) else {
        fatalError("re-encoded advertisement is rejected: \(ad)")
    }
    var expected = ad
    expected.checksum = again.checksum
    if expected.version == .v2, expected.interval.value == 0 { expected.interval = again.interval }
    precondition(again == expected, "round trip changed \(ad) into \(again)")
}
