// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Synchronization
import Testing
@testable import VRRPHealth

@Suite("Native TCP, HTTP and AMQP checks")
struct NetworkCheckTests {
    func run(_ kind: CheckKind, timeout: Duration = .seconds(5)) -> CheckResult {
        HealthMonitor.runOnce(CheckSpec(name: "n", kind: kind, timeout: timeout))
    }

    /// A port that had a listener a moment ago and now has none.
    func closedPort() -> UInt16 {
        let server = LoopbackServer { _, _, _ in }!
        let port = server.port
        server.stop()
        return port
    }

    @Test("TCP connect succeeds against a listener and fails with connection refused without one")
    func tcp() throws {
        let server = try #require(LoopbackServer { _, _, _ in })
        defer { server.stop() }
        #expect(run(.tcp(TCPCheck(host: "127.0.0.1", port: server.port))) == .ok("connected"))
        #expect(run(.tcp(TCPCheck(host: "127.0.0.1", port: closedPort()))) == .failed("connection refused"))
    }

    @Test("TCP connect works over IPv6 loopback",
          .enabled(if: LoopbackServer(ipv6: true, handler: { _, _, _ in }).map { $0.stop(); return true } ?? false))
    func tcpIPv6() throws {
        let server = try #require(LoopbackServer(ipv6: true) { _, _, _ in })
        defer { server.stop() }
        #expect(run(.tcp(TCPCheck(host: "::1", port: server.port))) == .ok("connected"))
        #expect(run(.http(HTTPCheck(host: "::1", port: closedPort()))) == .failed("connection refused"))
    }

    @Test("HTTP check passes on 200, fails on 502, and sends Host and Connection: close")
    func http() throws {
        let requests = EventLog<String>()
        let server = try #require(LoopbackServer { index, fd, stop in
            let request = LoopbackServer.readRequest(fd, stop: stop)
            requests.append(String(decoding: request, as: UTF8.self))
            let status = index == 0 ? "200 OK" : "502 Bad Gateway"
            LoopbackServer.send(fd, Array("HTTP/1.1 \(status)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
        })
        defer { server.stop() }
        let check = HTTPCheck(host: "127.0.0.1", port: server.port, path: "/healthz", hostHeader: "www.example")
        #expect(run(.http(check)) == .ok("HTTP 200"))
        #expect(run(.http(check)) == .failed("HTTP 502"))
        let first = try #require(requests.all.first)
        #expect(first.hasPrefix("GET /healthz HTTP/1.1\r\n"))
        #expect(first.contains("\r\nHost: www.example\r\n"))
        #expect(first.contains("\r\nConnection: close\r\n"))
        // Expected codes are configurable: 502 can be made acceptable.
        var lenient = check
        lenient.expectedStatus = [200...599]
        #expect(run(.http(lenient)) == .ok("HTTP 502"))
    }

    @Test("HTTP check: any 2xx by default (204 too); a list [200, 204] refuses 202 (issue 18)")
    func httpStatusSets() throws {
        let server = try #require(LoopbackServer { index, fd, stop in
            _ = LoopbackServer.readRequest(fd, stop: stop)
            let status = ["204 No Content", "202 Accepted", "204 No Content", "301 Moved Permanently"][index % 4]
            LoopbackServer.send(fd, Array("HTTP/1.1 \(status)\r\nContent-Length: 0\r\n\r\n".utf8))
        })
        defer { server.stop() }
        let any2xx = HTTPCheck(host: "127.0.0.1", port: server.port)
        #expect(run(.http(any2xx)) == .ok("HTTP 204"))
        let list = HTTPCheck(host: "127.0.0.1", port: server.port, expectedStatus: HTTPCheck.ranges([200, 204]))
        #expect(list.expectedStatus == [200...200, 204...204])
        #expect(run(.http(list)) == .failed("HTTP 202"))
        #expect(run(.http(list)) == .ok("HTTP 204"))
        #expect(run(.http(any2xx)) == .failed("HTTP 301"))
        #expect(HTTPCheck.ranges(Array(200...299) + [302]) == [200...299, 302...302])
        #expect(HTTPCheck.ranges([]) == [200...299])
    }

    @Test("A listener that never answers makes HTTP and AMQP checks time out")
    func silentListener() throws {
        let server = try #require(LoopbackServer { _, fd, stop in
            _ = LoopbackServer.readBytes(fd, count: 1 << 20, stop: stop)   // read, never answer
        })
        defer { server.stop() }
        let http = run(.http(HTTPCheck(host: "127.0.0.1", port: server.port)), timeout: .milliseconds(300))
        #expect(http == .failed("no HTTP response before timeout"))
        let amqp = run(.amqp(AMQPCheck(host: "127.0.0.1", port: server.port)), timeout: .milliseconds(300))
        #expect(amqp == .failed("no Connection.Start before timeout"))
    }

    @Test("AMQP check fails against a TCP server that answers garbage")
    func amqpGarbage() throws {
        let server = try #require(LoopbackServer { _, fd, stop in
            _ = LoopbackServer.readBytes(fd, count: 8, stop: stop)
            LoopbackServer.send(fd, Array("220 smtp.example ESMTP\r\n".utf8))
        })
        defer { server.stop() }
        let result = run(.amqp(AMQPCheck(host: "127.0.0.1", port: server.port)))
        #expect(!result.success)
        #expect(result.reason.hasPrefix("no Connection.Start"))
    }

    @Test("AMQP check passes against a fake broker that sends Connection.Start after the protocol header")
    func amqpBroker() throws {
        let headers = EventLog<[UInt8]>()
        let server = try #require(LoopbackServer { _, fd, stop in
            let header = LoopbackServer.readBytes(fd, count: 8, stop: stop)
            headers.append(header)
            if header == AMQPHandshake.protocolHeader {
                let frame = PureSemanticsTests.connectionStartFrame()
                // Split the frame in two writes to exercise partial reads.
                LoopbackServer.send(fd, Array(frame.prefix(5)))
                sleepMilliseconds(20)
                LoopbackServer.send(fd, Array(frame.dropFirst(5)))
            }
        })
        defer { server.stop() }
        #expect(run(.amqp(AMQPCheck(host: "127.0.0.1", port: server.port))) == .ok("Connection.Start"))
        #expect(headers.all == [[0x41, 0x4D, 0x51, 0x50, 0, 0, 9, 1]])
        #expect(run(.amqp(AMQPCheck(host: "127.0.0.1", port: closedPort()))) == .failed("connection refused"))
    }

    @Test("The monitor turns an HTTP 200 then 502 into OK then failing events")
    func monitorHTTP() throws {
        let server = try #require(LoopbackServer { index, fd, stop in
            _ = LoopbackServer.readRequest(fd, stop: stop)
            let status = index == 0 ? "200 OK" : "502 Bad Gateway"
            LoopbackServer.send(fd, Array("HTTP/1.1 \(status)\r\n\r\n".utf8))
        })
        defer { server.stop() }
        let log = EventLog<HealthEvent>()
        let monitor = HealthMonitor(specs: [
            CheckSpec(name: "nginx", kind: .http(HTTPCheck(host: "127.0.0.1", port: server.port)),
                      interval: .milliseconds(50), timeout: .seconds(2), rise: 1, fall: 2),
        ], sink: { log.append($0) })
        monitor.start()
        defer { monitor.stop() }
        let down = log.wait { $0.changed }
        #expect(down == HealthEvent(name: "nginx", status: .failing, reason: "HTTP 502", changed: true))
        #expect(log.all.first == HealthEvent(name: "nginx", status: .ok, reason: "HTTP 200", changed: false))
        #expect(log.all.count == 3)   // "HTTP 200", "HTTP 502" still within fall, then failing
    }
}
