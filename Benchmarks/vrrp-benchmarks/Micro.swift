// SPDX-License-Identifier: Apache-2.0
import CBenchAlloc
import VRRPCore

/// Plain micro benchmarks of the pure core: decode (IPv4 packet → ReceivedAdvertisement),
/// encode (Advertisement → VRRP bytes) and `VirtualRouter.handle` of one advert in BACKUP.
/// Each is timed over `iterations` operations, `rounds` times (median, min, max of ns/op);
/// allocations per operation come from the counting malloc in CBenchAlloc.
enum MicroBench {
    static func run(iterations: Int, rounds: Int) -> [MicroResult] {
        let master = IPAddress.v4(IPv4Address(198, 18, 0, 11))
        let group = IPAddress.v4(.vrrpMulticast)
        let vip = IPAddress.v4(IPv4Address(198, 18, 0, 100))
        let advert = Advertisement(version: .v2, vrid: 51, priority: 200, interval: .oneSecond, addresses: [vip])
        let payload = try! advert.encode(source: master, destination: group)
        let header = IPv4Header(source: IPv4Address(198, 18, 0, 11), destination: .vrrpMulticast, payloadLength: payload.count)
        let packet = header.encode() + payload
        guard case .success(let received) = IPPacket.decode(packet) else { fatalError("the sample packet does not decode") }

        var router = VirtualRouter(configuration: .init(name: "VI_1", vrid: 51, priority: 100, virtualAddresses: [vip]),
                                   localAddress: .v4(IPv4Address(198, 18, 0, 12)))
        var now = Instant(nanoseconds: 1_000_000_000)
        _ = router.handle(.startup, at: now)
        precondition(router.state == .backup)

        var sink = 0
        let decode = measure("decode (IPPacket.decode, v2 IPv4, 1 VIP)", iterations: iterations, rounds: rounds) {
            if case .success(let r) = IPPacket.decode(packet) { sink &+= Int(r.advertisement.priority) }
        }
        let encode = measure("encode (Advertisement.encode, v2, 1 VIP)", iterations: iterations, rounds: rounds) {
            if let bytes = try? advert.encode(source: master, destination: group) { sink &+= bytes.count }
        }
        let handle = measure("handle (VirtualRouter.handle, advert in BACKUP)", iterations: iterations, rounds: rounds) {
            now = Instant(nanoseconds: now.nanoseconds + 1_000_000_000)
            sink &+= router.handle(.advertisementReceived(received), at: now).count
        }
        let both = measure("decode + handle (one received advert)", iterations: iterations, rounds: rounds) {
            now = Instant(nanoseconds: now.nanoseconds + 1_000_000_000)
            if case .success(let r) = IPPacket.decode(packet) {
                sink &+= router.handle(.advertisementReceived(r), at: now).count
            }
        }
        // As the daemon feeds it (issue 16): into a buffer it reuses, emptied with its capacity.
        var actions: [VirtualRouter.Action] = []
        let handleReused = measure("handle into a reused action buffer (as vrrpd does)", iterations: iterations, rounds: rounds) {
            now = Instant(nanoseconds: now.nanoseconds + 1_000_000_000)
            router.handle(.advertisementReceived(received), at: now, into: &actions)
            sink &+= actions.count
            actions.removeAll(keepingCapacity: true)
        }
        precondition(sink != 0)
        var buffer: [UInt8] = []
        let encodeReused = measure("encode into a reused buffer (as vrrpd does)", iterations: iterations, rounds: rounds) {
            if (try? advert.encode(into: &buffer, source: master, destination: group)) != nil { sink &+= buffer.count }
        }
        return [decode, encode, handle, both, handleReused, encodeReused]
    }

    static func measure(_ name: String, iterations: Int, rounds: Int, _ body: () -> Void) -> MicroResult {
        for _ in 0..<min(iterations, 1000) { body() }   // warm up
        var perOp: [Double] = []
        var allocations: [Double] = []
        for _ in 0..<rounds {
            let a0 = cbench_allocations()
            let start = ContinuousClock.now
            for _ in 0..<iterations { body() }
            let elapsed = ContinuousClock.now - start
            let a1 = cbench_allocations()
            perOp.append(seconds(elapsed) * 1e9 / Double(iterations))
            allocations.append(Double(a1 - a0) / Double(iterations))
        }
        return MicroResult(name: name, nanosecondsPerOperation: Stats(perOp)!,
                           allocationsPerOperation: allocations.min() ?? 0)
    }
}
