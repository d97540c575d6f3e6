// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Testing
import VRRPCore
@testable import VRRPLinux

@Suite("EventLoop turns, timer lag, pid-file lock")
struct LoopBudgetTests {
    @Test("runNextTurn work runs after the turn's timers, one slice per turn, and timers due meanwhile run in between")
    func nextTurnInterleavesWithTimers() throws {
        let loop = try EventLoop()
        let record = Record()
        var slices = 0
        func slice() {
            slices += 1
            record.entries.append("slice \(slices)")
            if slices == 3 { loop.schedule(after: .zero) { record.entries.append("timer") } }
            if slices < 6 { loop.runNextTurn(slice) } else { loop.stop() }
        }
        loop.schedule(after: .zero) { loop.runNextTurn(slice) }
        loop.schedule(after: .seconds(10)) { record.entries.append("watchdog"); loop.stop() }
        try onNewThread { try loop.run() }
        // The timer scheduled by slice 3 fires before slice 4: slices never starve timers.
        #expect(record.entries == ["slice 1", "slice 2", "slice 3", "timer", "slice 4", "slice 5", "slice 6"])
    }

    @Test("a callback that blocks the loop shows as timer lag, at least as long as it blocked")
    func timerLagRecordsAStall() throws {
        let loop = try EventLoop()
        var lag = (maximum: Interval.zero, lastMinute: Interval.zero)
        let start = EventLoop.now()
        loop.schedule(at: start) { usleep(200_000) }   // the stall
        loop.schedule(at: start + .milliseconds(10)) {
            lag = loop.timerLag
            loop.stop()
        }
        loop.schedule(after: .seconds(10)) { loop.stop() }
        try onNewThread { try loop.run() }
        // The second timer was due 10 ms in and could only fire after the 200 ms stall.
        #expect(lag.maximum >= .milliseconds(150), "lag \(lag.maximum)")
        #expect(lag.lastMinute == lag.maximum)
    }

    @Test("the one-minute lag window forgets a stall two minutes old but keeps the maximum")
    func lagWindow() {
        var lag = LoopLag()
        let t0 = Instant(nanoseconds: 1_000_000_000)
        lag.record(.milliseconds(500), at: t0)
        lag.record(.milliseconds(5), at: t0 + .seconds(30))
        #expect(lag.lastMinute(now: t0 + .seconds(90)) == .milliseconds(500))   // previous bucket
        #expect(lag.lastMinute(now: t0 + .seconds(150)) == .zero)
        lag.record(.milliseconds(20), at: t0 + .seconds(151))
        #expect(lag.lastMinute(now: t0 + .seconds(152)) == .milliseconds(20))
        #expect(lag.maximum == .milliseconds(500))
    }

    @Test("a pid file locked by one holder is refused to the next, with the holder's PID; free again after release")
    func pidFileLock() throws {
        let path = "/tmp/vrrpd-pidlock-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).pid"
        defer { unlink(path) }
        guard case .acquired(let first) = try PidFileLock.acquire(path) else {
            Issue.record("the first acquire was refused")
            return
        }
        guard case .heldByAnother(let pid) = try PidFileLock.acquire(path) else {
            Issue.record("a second lock on a held pid file was granted")
            return
        }
        #expect(pid == getpid())
        first.remove()
        withExtendedLifetime(first) {}
        #expect(access(path, F_OK) != 0)
    }

    @Test("a planted symlink at the pid file's path is not followed")
    func pidFileSymlink() throws {
        let target = "/tmp/vrrpd-pidlock-target-\(getpid())"
        let path = "/tmp/vrrpd-pidlock-link-\(getpid())"
        defer { unlink(path); unlink(target) }
        #expect(symlink(target, path) == 0)
        #expect(throws: SystemError.self) { try PidFileLock.acquire(path) }
        #expect(access(target, F_OK) != 0)
    }
}
