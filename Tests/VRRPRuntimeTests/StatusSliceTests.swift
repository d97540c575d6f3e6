// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Testing
import VRRPCore
@testable import VRRPRuntime
import VRRPStatus
import VRRPTestSupport

/// A status request costs the advert loop a bounded share per turn however many instances
/// there are (issue 16). Encoding the whole reply in one turn took 0.1–0.3 s at 1 000
/// instances: `vrrpctl status` on the master stalled its adverts, and a backup at advert_int
/// 0.01 s took over (measured: 47–132 false takeovers per call).
@Suite("Runtime: a status reply for many instances is built over several loop turns (issue 16)", .serialized)
struct StatusSliceTests {
    static let count = 100

    static func node(_ lan: FakeLAN) throws -> SimNode {
        let config = (1...count).map {
            instanceBlock("VI_\($0)", vrid: $0, priority: 100, vip: "198.18.1.\($0)/32")
        }.joined(separator: "\n")
        return try SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: config)
    }

    /// Sends `request` and turns the loop one turn at a time until the reply is there: the
    /// reply and the number of turns it took.
    static func ask(_ lan: FakeLAN, _ p: SimNode, _ request: StatusRequest) throws -> (StatusReply, Int) {
        let client = try StatusClient(path: p.daemon.options.statusSocket, timeout: 5)
        try client.send(request)
        client.setTimeout(0.002)
        for turn in 1...1000 {
            lan.loop.markAllReadable()
            lan.loop.turn()
            if let reply = try? client.nextReply() { return (reply, turn) }
        }
        Issue.record("no reply after 1 000 turns")
        throw StatusClientError.closed
    }

    @Test("status for 100 instances: no turn encodes more than instancesPerTurn of them, and the reply is the daemon's snapshot")
    func statusOverTurns() throws {
        let lan = FakeLAN()
        let p = try Self.node(lan)
        lan.loop.advance(by: .s(5))
        let perTurn = StatusServer.Limits().instancesPerTurn
        #expect(perTurn < Self.count)
        let (reply, turns) = try Self.ask(lan, p, .status)
        #expect(reply.snapshot == p.daemon.snapshot(), "the clock did not move: the same snapshot")
        #expect(reply.snapshot?.instances.count == Self.count)
        // A turn to accept, one to read the request, then one per `perTurn` instances.
        #expect(turns >= 2 + (Self.count + perTurn - 1) / perTurn, "built over several turns, not in one")
        // A single instance stays one turn's work.
        let (one, oneTurns) = try Self.ask(lan, p, .instance("VI_7"))
        #expect(one.instance?.name == "VI_7")
        #expect(oneTurns <= 3)
    }

    @Test("SIGUSR1 with 100 instances: the dump is rendered over several turns and holds every instance and the snapshot")
    func dumpOverTurns() throws {
        let lan = FakeLAN()
        let p = try Self.node(lan)
        lan.loop.advance(by: .s(5))
        let perTurn = StatusServer.Limits().instancesPerTurn
        lan.loop.deliver(SIGUSR1)
        var turns = 0
        while p.scratch.read("vrrpd.json") == nil && turns < 1000 {
            lan.loop.turn()
            turns += 1
        }
        #expect(turns >= (Self.count + perTurn - 1) / perTurn - 1, "rendered over several turns, not in the signal's")
        let line = try #require(p.scratch.read("vrrpd.json"))
        #expect(Array(line.utf8) == StatusReply(snapshot: p.daemon.snapshot()).encodedLine())
        let dump = try #require(p.scratch.read("vrrpd.data"))
        let names = dump.split(separator: "\n").filter { $0.hasPrefix(" VRRP Instance = ") }.map { String($0.dropFirst(17)) }
        #expect(names == (1...Self.count).map { "VI_\($0)" })
    }

    @Test("a Prometheus scrape of 100 instances is rendered over several turns and is the snapshot's exposition")
    func metricsOverTurns() throws {
        let lan = FakeLAN()
        let config = (1...Self.count).map {
            instanceBlock("VI_\($0)", vrid: $0, priority: 100, vip: "198.18.1.\($0)/32")
        }.joined(separator: "\n")
        var node: SimNode?
        var port: UInt16 = 0
        for _ in 0..<20 where node == nil {  // a free loopback port
            port = UInt16.random(in: 20000...60000)
            node = try? SimNode(lan, "p1", addresses: [["198.18.0.11/24"]], config: config, metricsAddress: "127.0.0.1:\(port)")
        }
        let p = try #require(node)
        lan.loop.advance(by: .s(5))
        let perTurn = SnapshotBuild.instancesPerTurn
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(rc == 0)
        let request = Array("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        #expect(write(fd, request, request.count) == request.count)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var response: [UInt8] = []
        var turns = 0
        var closed = false
        while !closed && turns < 1000 {
            lan.loop.markAllReadable()
            lan.loop.turn()
            turns += 1
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(fd, &chunk, chunk.count)
                if n > 0 { response += chunk[0..<n] } else { closed = n == 0; break }
            }
        }
        // Accept, read the request, then one turn per `perTurn` instances.
        #expect(turns >= 2 + (Self.count + perTurn - 1) / perTurn, "rendered over several turns, not in one")
        let text = String(decoding: response, as: UTF8.self)
        let body = try #require(text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) })
        #expect(text.hasPrefix("HTTP/1.1 200 OK"))
        #expect(body == p.daemon.snapshot().renderPrometheus())
    }
}
