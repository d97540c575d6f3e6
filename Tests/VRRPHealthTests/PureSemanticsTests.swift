// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import VRRPHealth

@Suite("Pure health semantics")
struct PureSemanticsTests {
    @Test("Default initial state is OK and the first result decides at once")
    func defaultInitialState() {
        var failing = RiseFallCounter(rise: 3, fall: 3, initFail: false)
        #expect(failing.status == .ok)
        #expect(failing.record(success: false) == true)
        #expect(failing.status == .failing)

        var passing = RiseFallCounter(rise: 3, fall: 3, initFail: false)
        #expect(passing.record(success: true) == false)
        #expect(passing.status == .ok)
        // Now at full strength: two failures are not enough with fall 3.
        passing.record(success: false)
        passing.record(success: false)
        #expect(passing.status == .ok)
        #expect(passing.record(success: false) == true)
        #expect(passing.status == .failing)
    }

    @Test("init_fail starts failing and needs rise consecutive successes")
    func initFail() {
        var c = RiseFallCounter(rise: 2, fall: 2, initFail: true)
        #expect(c.status == .failing)
        #expect(c.record(success: true) == false)
        #expect(c.status == .failing)
        #expect(c.record(success: true) == true)
        #expect(c.status == .ok)
    }

    @Test("A failure resets the rise count, a success resets the fall count")
    func interruptedRuns() {
        var c = RiseFallCounter(rise: 3, fall: 2, initFail: true)
        c.record(success: true)
        c.record(success: true)
        c.record(success: false)   // back to 0
        c.record(success: true)
        c.record(success: true)
        #expect(c.status == .failing)
        c.record(success: true)
        #expect(c.status == .ok)
        c.record(success: false)
        c.record(success: true)    // back to the top
        c.record(success: false)
        #expect(c.status == .ok)
        c.record(success: false)
        #expect(c.status == .failing)
    }

    @Test("Weight semantics follow keepalived, including reverse and weight 0")
    func weights() {
        #expect(contribution(weight: 10, reverse: false, status: .ok) == (10, false))
        #expect(contribution(weight: 10, reverse: false, status: .failing) == (0, false))
        #expect(contribution(weight: -20, reverse: false, status: .ok) == (0, false))
        #expect(contribution(weight: -20, reverse: false, status: .failing) == (-20, false))
        #expect(contribution(weight: 10, reverse: true, status: .ok) == (-10, false))
        #expect(contribution(weight: -20, reverse: true, status: .failing) == (20, false))
        #expect(contribution(weight: 0, reverse: false, status: .failing) == (0, true))
        #expect(contribution(weight: 0, reverse: false, status: .ok) == (0, false))
        #expect(contribution(weight: 0, reverse: true, status: .ok) == (0, true))
        #expect(contribution(weight: 0, reverse: true, status: .failing) == (0, false))
    }

    @Test("Events are emitted on status or reason change only")
    func reporterDeduplicates() {
        var r = EventReporter(name: "chk", counter: RiseFallCounter(rise: 1, fall: 2, initFail: false))
        #expect(r.record(.failed("cannot start: x: not found in PATH"))
                == HealthEvent(name: "chk", status: .failing, reason: "cannot start: x: not found in PATH", changed: true))
        #expect(r.record(.failed("cannot start: x: not found in PATH")) == nil)
        #expect(r.record(.ok("exit status 0")) == HealthEvent(name: "chk", status: .ok, reason: "exit status 0", changed: true))
        #expect(r.record(.ok("exit status 0")) == nil)
        #expect(r.record(.failed("exit status 1"))?.changed == false)   // fall 2: still OK
        #expect(r.record(.failed("exit status 1")) == HealthEvent(name: "chk", status: .failing, reason: "exit status 1", changed: true))
    }

    @Test("Inside the fall window a failure is reported as \"failing 1/2\", inside the rise window a success as \"recovering 1/2\" (#17)")
    func reporterShowsRiseFallProgress() {
        var r = EventReporter(name: "chk", counter: RiseFallCounter(rise: 2, fall: 2, initFail: false))
        #expect(r.record(.ok("HTTP 200")) == HealthEvent(name: "chk", status: .ok, reason: "HTTP 200", changed: false))
        #expect(r.record(.failed("connection refused"))
                == HealthEvent(name: "chk", status: .ok, reason: "connection refused", changed: false, progress: "failing 1/2"))
        #expect(r.record(.failed("connection refused"))
                == HealthEvent(name: "chk", status: .failing, reason: "connection refused", changed: true))
        #expect(r.record(.ok("HTTP 200"))
                == HealthEvent(name: "chk", status: .failing, reason: "HTTP 200", changed: false, progress: "recovering 1/2"))
        #expect(r.record(.ok("HTTP 200")) == HealthEvent(name: "chk", status: .ok, reason: "HTTP 200", changed: true))
        // fall 3: the count is shown as it goes, and a success in between clears it.
        var f = EventReporter(name: "chk", counter: RiseFallCounter(rise: 1, fall: 3, initFail: false))
        _ = f.record(.ok("HTTP 200"))
        #expect(f.record(.failed("timeout"))?.progress == "failing 1/3")
        #expect(f.record(.failed("timeout"))?.progress == "failing 2/3")
        #expect(f.record(.ok("HTTP 200")) == HealthEvent(name: "chk", status: .ok, reason: "HTTP 200", changed: false))
    }

    @Test("Script lines split into argv with keepalived quoting")
    func scriptLineSplitting() throws {
        #expect(try ScriptLine.split("/usr/bin/check  nginx\t80") == ["/usr/bin/check", "nginx", "80"])
        #expect(try ScriptLine.split(#"/bin/sh -c "pidof nginx && echo 'ok'""#) == ["/bin/sh", "-c", "pidof nginx && echo 'ok'"])
        #expect(try ScriptLine.split(#"a 'b c' d\ e "f\"g" h"i j"k"#) == ["a", "b c", "d e", #"f"g"#, "hi jk"])
        #expect(try ScriptLine.split("x ''") == ["x", ""])
        #expect(throws: ScriptLine.SplitError.unterminatedQuote("'")) { try ScriptLine.split("a 'b") }
        #expect(throws: ScriptLine.SplitError.empty) { try ScriptLine.split("   ") }
    }

    /// keepalived splits a script line twice (lib/notify.c `notify_script_init` then
    /// `set_script_params_array`): a program word that is itself a quoted command line, as in
    /// `script 'killall -0 haproxy'` (single quotes are not quotes to the config reader), runs
    /// `killall` with its arguments. Found by the wider corpus (notes-notify-single-quotes.conf).
    @Test("a quoted command line as the first word is split once more, as keepalived does")
    func quotedCommandResplit() throws {
        #expect(try ScriptLine.split("'killall -0 haproxy'") == ["killall", "-0", "haproxy"])
        #expect(try ScriptLine.split("'/usr/bin/timeout 2 /usr/bin/killall -0 haproxy' extra") == ["/usr/bin/timeout", "2", "/usr/bin/killall", "-0", "haproxy", "extra"])
        #expect(try ScriptLine.split(#"/bin/sh -c 'id -u > /tmp/x'"#) == ["/bin/sh", "-c", "id -u > /tmp/x"])
    }

    @Test("HTTP status lines parse; partial lines ask for more")
    func httpStatusLine() {
        #expect(HTTPStatusLine.parse(Array("HTTP/1.1 200 OK\r\n".utf8)[...]) == .status(200))
        #expect(HTTPStatusLine.parse(Array("HTTP/1.0 502 Bad Gateway\r\nServer: x".utf8)[...]) == .status(502))
        #expect(HTTPStatusLine.parse(Array("HTTP/1.1 20".utf8)[...]) == .needMore)
        #expect(HTTPStatusLine.parse(Array("HTT".utf8)[...]) == .needMore)
        #expect(HTTPStatusLine.parse(Array("SSH-2.0-OpenSSH\r\n".utf8)[...]) == .invalid)
        #expect(HTTPStatusLine.parse(Array("HTTP/1.1 OK\r\n".utf8)[...]) == .invalid)
        let request = String(decoding: HTTPStatusLine.request(path: "/health", host: "[2001:db8::1]:8080"), as: UTF8.self)
        #expect(request.hasPrefix("GET /health HTTP/1.1\r\nHost: [2001:db8::1]:8080\r\n"))
        #expect(request.contains("Connection: close\r\n"))
        #expect(request.hasSuffix("\r\n\r\n"))
    }

    /// A minimal Connection.Start frame: type 1, channel 0, size, class 10, method 10,
    /// version 0-9, empty server-properties table, "PLAIN", "en_US", frame end.
    static func connectionStartFrame() -> [UInt8] {
        var payload: [UInt8] = [0x00, 0x0A, 0x00, 0x0A, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00]
        payload += [0x00, 0x00, 0x00, 0x05] + Array("PLAIN".utf8)
        payload += [0x00, 0x00, 0x00, 0x05] + Array("en_US".utf8)
        let n = UInt32(payload.count)
        return [0x01, 0x00, 0x00, UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
            + payload + [0xCE]
    }

    @Test("AMQP Connection.Start is recognised and anything else is not")
    func amqpFrames() {
        let frame = Self.connectionStartFrame()
        #expect(AMQPHandshake.protocolHeader == Array("AMQP".utf8) + [0, 0, 9, 1])
        #expect(AMQPHandshake.parse(frame[...]) == .connectionStart)
        #expect(AMQPHandshake.parse(frame.dropLast()[...]) == .needMore)
        var badEnd = frame
        badEnd[badEnd.count - 1] = 0x00
        #expect(AMQPHandshake.parse(badEnd[...]) == .invalid("no Connection.Start (bad frame end)"))
        var otherMethod = frame
        otherMethod[10] = 0x0B
        #expect(AMQPHandshake.parse(otherMethod[...]) == .invalid("no Connection.Start (method 10.11)"))
        #expect(AMQPHandshake.parse(Array("HTTP/1.1 400".utf8)[...]) == .invalid("no Connection.Start (frame type 72)"))
        #expect(AMQPHandshake.parse(AMQPHandshake.protocolHeader[...]) == .invalid("AMQP protocol version mismatch"))
    }

    @Test("track_file values parse like strtol base 0 and clamp to ±254")
    func trackFileParsing() {
        func v(_ s: String) -> Int { TrackFile.parseValue(Array(s.utf8)) }
        #expect(v("10\n") == 10)
        #expect(v("  -3 trailing") == -3)
        #expect(v("0x1f") == 31)
        #expect(v("010") == 8)
        #expect(v("garbage") == 0)
        #expect(v("") == 0)
        #expect(v("1000") == 254)
        #expect(v("-999999999999999999999") == -254)
        #expect(v("+7") == 7)
    }

    @Test("track_process matching on comm, full command and parameters")
    func processMatching() {
        let nginx = ProcessSpec(name: "p", processName: "nginx")
        #expect(nginx.matches(comm: "nginx", commandLine: []))
        #expect(!nginx.matches(comm: "nginx-debug", commandLine: []))
        let long = ProcessSpec(name: "p", processName: "a-very-long-process-name")
        #expect(long.matches(comm: "a-very-long-pro", commandLine: []))
        let full = ProcessSpec(name: "p", processName: "/usr/sbin/nginx", parameters: ["-g", "daemon off;"], fullCommand: true)
        #expect(full.matches(comm: "nginx", commandLine: ["/usr/sbin/nginx", "-g", "daemon off;"]))
        #expect(!full.matches(comm: "nginx", commandLine: ["/usr/sbin/nginx"]))
        let initial = ProcessSpec(name: "p", processName: "beam.smp", parameters: ["-W"], parameterMatch: .initial)
        #expect(initial.matches(comm: "beam.smp", commandLine: ["beam.smp", "-W", "w", "-K"]))
        #expect(!initial.matches(comm: "beam.smp", commandLine: ["beam.smp", "-K", "-W"]))
        let partial = ProcessSpec(name: "p", processName: "beam.smp", parameters: ["-K", "true"], parameterMatch: .partial)
        #expect(partial.matches(comm: "beam.smp", commandLine: ["beam.smp", "-W", "w", "-K", "true", "--"]))
        #expect(!partial.matches(comm: "beam.smp", commandLine: ["beam.smp", "-K", "false", "true"]))
        let quorum = ProcessSpec(name: "p", processName: "x", quorum: 2, quorumMax: 3)
        #expect(quorum.status(count: 1) == .failing)
        #expect(quorum.status(count: 2) == .ok)
        #expect(quorum.status(count: 4) == .failing)
    }

    @Test("Process connector datagrams decode into fork, exec, comm and exit events")
    func procEventDecoding() {
        func message(what: UInt32, fields: [Int32]) -> [UInt8] {
            var event: [UInt8] = []
            withUnsafeBytes(of: what) { event += $0 }
            event += [UInt8](repeating: 0, count: 12)        // cpu, timestamp_ns
            for f in fields { withUnsafeBytes(of: f) { event += $0 } }
            var cn: [UInt8] = []
            for v: UInt32 in [1, 1, 0, 0] { withUnsafeBytes(of: v) { cn += $0 } }
            withUnsafeBytes(of: UInt16(event.count)) { cn += $0 }
            cn += [0, 0]
            var nl: [UInt8] = []
            withUnsafeBytes(of: UInt32(16 + cn.count + event.count)) { nl += $0 }
            nl += [UInt8](repeating: 0, count: 12)
            return nl + cn + event
        }
        let datagram = message(what: 0x1, fields: [10, 10, 11, 11])
            + message(what: 0x2, fields: [11, 11])
            + message(what: 0x200, fields: [12, 11, 0, 0, 0, 0])
            + message(what: 0x8000_0000, fields: [11, 11, 0, 9])
            + message(what: 0x4, fields: [1, 1, 0, 0])
        #expect(ProcEvent.decode(datagram: datagram) == [
            .fork(childPID: 11, childTGID: 11), .exec(pid: 11, tgid: 11), .comm(pid: 12, tgid: 11),
            .exit(pid: 11, tgid: 11), .other(what: 4),
        ])
        #expect(ProcEvent.decode(datagram: Array(datagram.prefix(30))) == [])
        #expect(ProcConnector.subscribeMessage(listen: true).count == 40)
    }
}
