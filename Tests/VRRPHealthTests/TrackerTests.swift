// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Testing
@testable import VRRPHealth

@Suite("Process tracking, track files and notify queue")
struct TrackerTests {
    @Test("track_process counts a distinctive process and sees its exit through the connector")
    func processTracker() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let random = UInt32.random(in: 0x1000_0000...UInt32.max)
        let name = "vrrpt-\(String(random, radix: 16))"
        let binary = "\(dir.path)/\(name)"
        #expect(ChildProcess.run(["/bin/cp", "/bin/sleep", binary], timeoutMilliseconds: 10_000) == .exited(0))

        let log = EventLog<HealthEvent>()
        let notices = EventLog<String>()
        let tracker = ProcessTracker(specs: [ProcessSpec(name: "sleeper", processName: name)],
                                     sink: { log.append($0) }, notice: { notices.append($0) })
        tracker.start()
        defer { tracker.stop() }
        #expect(log.all == [HealthEvent(name: "sleeper", status: .failing, reason: "0 processes, below quorum 1", changed: true)])

        let pid = try ChildProcess.spawn([binary, "30"]).get()
        var reaped = false
        defer { if !reaped { kill(pid, SIGKILL); var s: Int32 = 0; waitpid(pid, &s, 0) } }
        let up = log.wait { $0.status == .ok }
        #expect(up == HealthEvent(name: "sleeper", status: .ok, reason: "1 process running", changed: true))
        #expect(tracker.count(of: "sleeper") == 1)

        let before = log.all.count
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        reaped = true
        let down = log.wait(limit: .seconds(5)) { _ in log.all.count > before }.map { _ in log.all[before] }
        #expect(down == HealthEvent(name: "sleeper", status: .failing, reason: "0 processes, below quorum 1", changed: true), "events: \(log.all) \(notices.all)")
        #expect(tracker.count(of: "sleeper") == 0, "events: \(log.all)")
        #expect(tracker.mode == .connector, "notices: \(notices.all)")
    }

    @Test("track_process delay holds OK while the count is briefly out of quorum")
    func processDelay() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let name = "vrrpd-\(String(UInt32.random(in: 0x1000_0000...UInt32.max), radix: 16))"
        let binary = "\(dir.path)/\(name)"
        #expect(ChildProcess.run(["/bin/cp", "/bin/sleep", binary], timeoutMilliseconds: 10_000) == .exited(0))
        let pid = try ChildProcess.spawn([binary, "30"]).get()
        defer { kill(pid, SIGKILL); var s: Int32 = 0; waitpid(pid, &s, 0) }
        sleepMilliseconds(100)   // let exec complete so comm is the copied name

        var engine = TrackerEngine(specs: [ProcessSpec(name: "p", processName: name, delay: .milliseconds(500))])
        engine.rescan()
        #expect(engine.events(now: 0, initial: true) == [HealthEvent(name: "p", status: .ok, reason: "1 process running", changed: false)])
        engine.handle(.exit(pid: pid, tgid: pid))
        // Within the delay: still OK, nothing reported, a deadline is armed.
        #expect(engine.events(now: 100, initial: false).isEmpty)
        #expect(engine.nextDeadline == 600)
        #expect(engine.events(now: 599, initial: false).isEmpty)
        #expect(engine.events(now: 600, initial: false)
                == [HealthEvent(name: "p", status: .failing, reason: "0 processes, below quorum 1", changed: true)])
        #expect(engine.nextDeadline == nil)
        // The process "comes back" (a comm event for the still-running pid): OK at once.
        engine.handle(.comm(pid: pid, tgid: pid))
        #expect(engine.events(now: 700, initial: false)
                == [HealthEvent(name: "p", status: .ok, reason: "1 process running", changed: true)])
        // A brief loss that recovers within the delay is never reported.
        engine.handle(.exit(pid: pid, tgid: pid))
        #expect(engine.events(now: 800, initial: false).isEmpty)
        engine.handle(.exec(pid: pid, tgid: pid))
        #expect(engine.events(now: 900, initial: false).isEmpty)
        #expect(engine.nextDeadline == nil)
    }

    @Test("A /proc scan does not count an exited, unreaped (zombie) process as running")
    func zombieNotCounted() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let name = "vrrpz-\(String(UInt32.random(in: 0x1000_0000...UInt32.max), radix: 16))"
        let binary = "\(dir.path)/\(name)"
        #expect(ChildProcess.run(["/bin/cp", "/bin/sleep", binary], timeoutMilliseconds: 10_000) == .exited(0))
        let pid = try ChildProcess.spawn([binary, "30"]).get()
        var reaped = false
        defer { if !reaped { kill(pid, SIGKILL); var s: Int32 = 0; waitpid(pid, &s, 0) } }
        // Wait (hang bound 10 s) until exec has renamed the child.
        #expect(waitUntil(seconds: 10) { ProcFS.comm(pid) == name })
        var engine = TrackerEngine(specs: [ProcessSpec(name: "p", processName: name)])
        engine.rescan()
        #expect(engine.counts["p"] == 1)

        // The child exits but we (its parent) do not reap it: it stays in /proc as state Z,
        // as nginx does in a container whose PID 1 does not reap.
        kill(pid, SIGKILL)
        #expect(waitUntil(seconds: 10) { ProcFS.state(pid) == "Z" })
        #expect(ProcFS.comm(pid) == name, "a zombie keeps its /proc entry and comm")
        engine.rescan()
        #expect(engine.counts["p"] == 0)
        #expect(engine.events(now: 0, initial: true)
                == [HealthEvent(name: "p", status: .failing, reason: "0 processes, below quorum 1", changed: true)])
        var s: Int32 = 0
        waitpid(pid, &s, 0)
        reaped = true
    }

    @Test("Without the connector (as in a network namespace) a pidfd sees an unreaped exit long before the next /proc scan")
    func pidfdExitWatch() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let name = "vrrpf-\(String(UInt32.random(in: 0x1000_0000...UInt32.max), radix: 16))"
        let binary = "\(dir.path)/\(name)"
        #expect(ChildProcess.run(["/bin/cp", "/bin/sleep", binary], timeoutMilliseconds: 10_000) == .exited(0))
        let pid = try ChildProcess.spawn([binary, "30"]).get()
        var reaped = false
        defer { if !reaped { kill(pid, SIGKILL); var s: Int32 = 0; waitpid(pid, &s, 0) } }
        #expect(waitUntil(seconds: 10) { ProcFS.comm(pid) == name })

        let log = EventLog<HealthEvent>()
        let notices = EventLog<String>()
        // Discovery by /proc scan once a minute: only the pidfd can report the exit within
        // the 10 s hang bound below.
        let tracker = ProcessTracker(specs: [ProcessSpec(name: "nginx", processName: name)],
                                     sink: { log.append($0) }, notice: { notices.append($0) },
                                     pollInterval: .seconds(60), useConnector: false)
        tracker.start()
        defer { tracker.stop() }
        #expect(log.all == [HealthEvent(name: "nginx", status: .ok, reason: "1 process running", changed: false)])
        #expect(tracker.exitWatch == .pidfd, "notices: \(notices.all)")
        #expect(tracker.summary == "exits by pidfd, new processes by /proc scan every 60000 ms")
        if case .polling = tracker.mode {} else { Issue.record("mode \(tracker.mode)") }

        kill(pid, SIGKILL)   // not reaped: it stays a zombie, as under a PID 1 that does not reap
        let down = log.wait(limit: .seconds(10)) { $0.status == .failing }
        #expect(down == HealthEvent(name: "nginx", status: .failing, reason: "0 processes, below quorum 1", changed: true),
                "events: \(log.all) notices: \(notices.all)")
        #expect(ProcFS.state(pid) == "Z")
        #expect(tracker.count(of: "nginx") == 0)
        var s: Int32 = 0
        waitpid(pid, &s, 0)
        reaped = true
    }

    @Test("Track files report their value on start and on change")
    func trackFileMonitor() {
        let dir = TempDir()
        defer { dir.remove() }
        let path = dir.write("prio", "5\n", mode: 0o644)
        let log = EventLog<TrackFileEvent>()
        let monitor = TrackFileMonitor(specs: [TrackFileSpec(name: "tf", path: path, weight: 2),
                                               TrackFileSpec(name: "absent", path: "\(dir.path)/none")],
                                       pollInterval: .milliseconds(50), sink: { log.append($0) })
        monitor.start()
        defer { monitor.stop() }
        #expect(log.all == [TrackFileEvent(name: "tf", value: 5), TrackFileEvent(name: "absent", value: 0)])
        dir.write("prio", "not a number", mode: 0o644)
        #expect(log.wait { $0 == TrackFileEvent(name: "tf", value: 0) } != nil)
        dir.write("prio", "-300", mode: 0o644)
        #expect(log.wait { $0 == TrackFileEvent(name: "tf", value: -254) } != nil)
        #expect(monitor.value(of: "tf") == -254)
    }

    @Test("NotifyQueue runs commands per key in submission order even when the first is slow")
    func notifyOrdering() {
        let dir = TempDir()
        defer { dir.remove() }
        let out = "\(dir.path)/order"
        let queue = NotifyQueue()
        let outcomes = EventLog<ProcessOutcome>()
        queue.submit(key: "VI_1", argv: ["/bin/sh", "-c", "sleep 0.3; echo 1 >> \(out)"], timeout: .seconds(10)) { outcomes.append($0) }
        queue.submit(key: "VI_1", commandLine: "/bin/sh -c 'echo 2 >> \(out)'", timeout: .seconds(10)) { outcomes.append($0) }
        queue.submit(key: "VI_1", argv: ["/bin/sh", "-c", "echo 3 >> \(out)"], timeout: .seconds(10)) { outcomes.append($0) }
        #expect(queue.waitUntilIdle(limit: .seconds(20)))
        #expect(dir.read("order") == "1\n2\n3\n")
        #expect(outcomes.all == [.exited(0), .exited(0), .exited(0)])
    }

    @Test("NotifyQueue kills a command at its timeout, keeps other keys independent, and stops")
    func notifyTimeoutAndKeys() {
        let queue = NotifyQueue()
        let a = EventLog<ProcessOutcome>()
        let b = EventLog<ProcessOutcome>()
        queue.submit(key: "A", argv: ["/bin/sleep", "30"], timeout: .milliseconds(200)) { a.append($0) }
        queue.submit(key: "A", argv: ["/bin/sleep", "60"], timeout: .seconds(60)) { a.append($0) }
        queue.submit(key: "B", argv: ["/bin/false"], timeout: .seconds(10)) { b.append($0) }
        queue.submit(key: "B", argv: ["/nonexistent/notify"], timeout: .seconds(10)) { b.append($0) }
        #expect(a.wait { $0 == .timedOut } != nil)
        #expect(b.wait { if case .failedToStart = $0 { true } else { false } } != nil)
        #expect(b.all.first == .exited(1))
        // A's second command (60 s) is still running while B has finished.
        #expect(a.all == [.timedOut])
        queue.stop()
        #expect(a.wait { $0 == .cancelled } != nil)
        #expect(queue.waitUntilIdle(limit: .seconds(10)))
        let late = EventLog<ProcessOutcome>()
        queue.submit(key: "A", argv: ["/bin/true"], timeout: .seconds(1)) { late.append($0) }
        #expect(late.all == [.cancelled])
    }
}

/// Polls `condition` every 10 ms for at most `seconds` (a hang bound, not a timing assert).
func waitUntil(seconds: Int, _ condition: () -> Bool) -> Bool {
    let deadline = monotonicMilliseconds() + Int64(seconds) * 1000
    while monotonicMilliseconds() < deadline {
        if condition() { return true }
        sleepMilliseconds(10)
    }
    return condition()
}
