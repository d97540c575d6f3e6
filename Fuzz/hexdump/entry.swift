// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the hex-dump reader behind `vrrpctl decode` (VRRPCore/Wire/HexDump.swift),
// fed arbitrary text, and every packet it reads fed on to the capture decoder.
// Built by `scripts/fuzz build hexdump`, not by SwiftPM. See docs/reliability.md.
import VRRPCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: bytes, as: UTF8.self)
    guard case .success(let packets) = HexDump.parse(text) else { return 0 }
    for packet in packets {
        _ = CaptureDecoder.decode(packet.bytes)
    }
    return 0
}
