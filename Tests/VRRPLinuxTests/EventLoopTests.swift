// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import CVRRPLinux
import Synchronization
import Testing
import VRRPCore
@testable import VRRPLinux

/// Loop-thread-only record, touched from callbacks (and read after the loop thread is joined).
final class Record: @unchecked Sendable {
    var entries: [String] = []
}

@Suite("EventLoop")
struct EventLoopTests {
    @Test("timers fire in deadline order, never early, and a cancelled one never fires")
    func timersInOrder() throws {
        let loop = try EventLoop()
        let record = Record()
        let start = EventLoop.now()
        for (label, ms) in [("c", Int64(30)), ("a", 10), ("b", 20), ("a2", 10)] {
            let deadline = start + .milliseconds(ms)
            loop.schedule(at: deadline) {
                if EventLoop.now() < deadline { record.entries.append("early \(label)") }
                record.entries.append(label)
            }
        }
        let cancelled = loop.schedule(at: start + .milliseconds(15)) { record.entries.append("cancelled") }
        #expect(loop.cancel(cancelled))
        #expect(!loop.cancel(cancelled))
        loop.schedule(at: start + .milliseconds(40)) { loop.stop() }
        // Hang guard only.
        loop.schedule(at: start + .seconds(10)) { record.entries.append("watchdog"); loop.stop() }
        try onNewThread { try loop.run() }
        #expect(record.entries == ["a", "a2", "b", "c"])
    }

    @Test("a timer with an earliest instant fires with an earlier timer, never wakes the loop before its deadline")
    func earlyFireRidesAlong() throws {
        let loop = try EventLoop()
        let record = Record()
        let start = EventLoop.now()
        loop.schedule(at: start + .milliseconds(20)) { record.entries.append("exact") }
        loop.schedule(at: start + .milliseconds(30), earliest: start + .milliseconds(15), afterIO: false) { record.entries.append("tolerant") }
        let alone = start + .milliseconds(60)
        loop.schedule(at: alone, earliest: start + .milliseconds(45), afterIO: false) {
            record.entries.append(EventLoop.now() < alone ? "early alone" : "alone")
            loop.stop()
        }
        loop.schedule(at: start + .seconds(10)) { record.entries.append("watchdog"); loop.stop() }  // hang guard
        try onNewThread { try loop.run() }
        #expect(record.entries == ["exact", "tolerant", "alone"])
        // One wake-up for the first two, one for the third (plus the first turn).
        #expect(loop.counters.turns <= 4, "\(loop.counters)")
    }

    @Test("execute() from another thread runs the job on the loop thread")
    func executeRunsOnLoopThread() throws {
        let loop = try EventLoop()
        let loopThreadID = Atomic<Int32>(0)
        let sawLoopThread = Atomic<Bool>(false)
        let started = Atomic<Bool>(false)
        loop.schedule(after: .zero) {
            loopThreadID.store(cvrrp_gettid(), ordering: .sequentiallyConsistent)
            started.store(true, ordering: .sequentiallyConsistent)
        }
        loop.schedule(after: .seconds(10)) { loop.stop() }  // hang guard
        let loopThread = try onNewThreadAsync { try loop.run() }
        _ = try eventually("loop start") { started.load(ordering: .sequentiallyConsistent) ? true : nil }
        let submitterID = cvrrp_gettid()
        loop.execute {
            sawLoopThread.store(loop.inLoopThread && cvrrp_gettid() == loopThreadID.load(ordering: .sequentiallyConsistent)
                                    && cvrrp_gettid() != submitterID, ordering: .sequentiallyConsistent)
            loop.stop()
        }
        try loopThread()
        let saw = sawLoopThread.load(ordering: .sequentiallyConsistent)
        #expect(saw)
        #expect(!loop.inLoopThread)
    }

    @Test("a registered fd's callback runs when it becomes readable and stops after unregister")
    func fdReadiness() throws {
        let loop = try EventLoop()
        var fds: [CInt] = [0, 0]
        try syscall("pipe") { pipe(&fds) }
        defer { close(fds[0]); close(fds[1]) }
        let record = Record()
        try loop.register(fd: fds[0]) {
            var byte: UInt8 = 0
            _ = read(fds[0], &byte, 1)
            record.entries.append("read \(byte)")
            loop.unregister(fd: fds[0])
            loop.schedule(after: .milliseconds(20)) { loop.stop() }
        }
        loop.schedule(after: .milliseconds(5)) {
            var bytes: [UInt8] = [7, 8]
            _ = write(fds[1], &bytes, 2)  // two bytes, one read: level-triggered would call again
        }
        loop.schedule(after: .seconds(10)) { loop.stop() }  // hang guard
        try onNewThread { try loop.run() }
        #expect(record.entries == ["read 7"])
    }

    @Test("a signal sent to the loop thread reaches the onSignal handler through the signalfd")
    func signalDelivery() throws {
        let loop = try EventLoop()
        let record = Record()
        try onNewThread {
            // Registered and raised on this thread only: SIGUSR2 is blocked here, so the
            // thread-directed signal stays pending for the signalfd and cannot kill the process.
            try loop.onSignal([SIGUSR2]) { signal in
                record.entries.append("signal \(signal)")
                loop.stop()
            }
            loop.schedule(after: .milliseconds(5)) { pthread_kill(pthread_self(), SIGUSR2) }
            loop.schedule(after: .seconds(10)) { loop.stop() }  // hang guard
            try loop.run()
        }
        #expect(record.entries == ["signal \(SIGUSR2)"])
    }

    @Test("an idle turn costs one epoll_wait: no eventfd read without a job, no timerfd read, one wake-up per timer")
    func idleTurnSyscalls() throws {
        let loop = try EventLoop()
        let record = Record()
        let fires = 20
        func chain(_ n: Int) {
            loop.schedule(after: .milliseconds(1)) {
                record.entries.append("t\(n)")
                if n == fires { loop.stop() } else { chain(n + 1) }
            }
        }
        chain(1)
        loop.schedule(after: .seconds(10)) { loop.stop() }  // hang guard
        try onNewThread { try loop.run() }
        #expect(record.entries.count == fires)
        let c = loop.counters
        // Issue 16: the eventfd was read on every turn (EAGAIN) although nothing was posted;
        // now only before the first turn and for the stop.
        #expect(c.wakeupReads <= 2, "\(c)")
        // Nothing in the loop wakes it periodically: one turn per timer (plus the first and
        // the stop), and one timerfd_settime per fire, which also clears the fired timerfd.
        #expect(c.turns <= fires + 2, "\(c)")
        #expect(c.timerSettings <= fires + 2, "\(c)")
    }
}
