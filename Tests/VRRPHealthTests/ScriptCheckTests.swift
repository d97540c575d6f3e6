// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Testing
@testable import VRRPHealth

@Suite("Script checks")
struct ScriptCheckTests {
    func spec(_ command: String, timeout: Duration = .seconds(10), security: Bool = false,
              interval: Duration = .seconds(1)) -> CheckSpec {
        CheckSpec(name: "chk", kind: .script(ScriptCheck(command: command, enforceScriptSecurity: security)),
                  interval: interval, timeout: timeout)
    }

    @Test("A script exiting 0 is OK and one exiting 1 fails with its exit status")
    func exitStatus() {
        let dir = TempDir()
        defer { dir.remove() }
        let ok = dir.write("ok.sh", "#!/bin/sh\nexit 0\n")
        let bad = dir.write("bad.sh", "#!/bin/sh\nexit 1\n")
        #expect(HealthMonitor.runOnce(spec(ok)) == .ok("exit status 0"))
        #expect(HealthMonitor.runOnce(spec(bad)) == .failed("exit status 1"))
        // Arguments are passed without a shell, quotes removed.
        let args = dir.write("args.sh", "#!/bin/sh\n[ \"$1\" = \"a b\" ] && [ \"$2\" = c ]\n")
        #expect(HealthMonitor.runOnce(spec("\(args) 'a b' c")).success)
        #expect(!HealthMonitor.runOnce(spec("\(args) a b c")).success)
    }

    @Test("A script that outlives its timeout is killed with its whole process group")
    func timeoutKillsGroup() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let script = dir.write("hang.sh", "#!/bin/sh\nsleep 30 &\necho $! > \"$1\"\nwait\n")
        let result = HealthMonitor.runOnce(spec("\(script) \(dir.path)/child.pid", timeout: .milliseconds(700)))
        #expect(!result.success)
        #expect(result.reason.contains("timed out"))
        let text = dir.read("child.pid").filter { $0.isNumber }
        let grandchild = try #require(Int32(text), "the script wrote its child's pid")
        var gone = false
        for _ in 0..<500 where !gone {
            gone = processIsGone(grandchild)
            if !gone { sleepMilliseconds(10) }
        }
        #expect(gone, "grandchild \(grandchild) must be killed with the script")
    }

    @Test("A missing binary fails with a reason instead of throwing or hanging")
    func missingBinary() {
        let dir = TempDir()
        defer { dir.remove() }
        let absent = HealthMonitor.runOnce(spec("\(dir.path)/does-not-exist --flag"))
        #expect(!absent.success)
        #expect(absent.reason.hasPrefix("cannot start:"))
        #expect(absent.reason.contains("No such file"))
        let notInPath = HealthMonitor.runOnce(spec("vrrp-no-such-program-\(getpid())"))
        #expect(notInPath == .failed("cannot start: vrrp-no-such-program-\(getpid()): not found in PATH"))
        let notExecutable = dir.write("plain.txt", "exit 0\n", mode: 0o644)
        #expect(HealthMonitor.runOnce(spec(notExecutable)).reason.contains("Permission denied"))
    }

    @Test("Script security refuses a script writable by others and accepts root's /bin/sh")
    func scriptSecurity() {
        let dir = TempDir()
        defer { dir.remove() }
        let script = dir.write("insecure.sh", "#!/bin/sh\nexit 0\n", mode: 0o757)
        func root(_ command: String, security: Bool) -> CheckSpec {
            CheckSpec(name: "chk", kind: .script(ScriptCheck(command: command, user: "root", enforceScriptSecurity: security)))
        }
        let refused = HealthMonitor.runOnce(root(script, security: true))
        #expect(!refused.success)
        #expect(refused.reason.contains("SECURITY VIOLATION"))
        #expect(refused.reason.contains("writable by others"))
        // Without enable_script_security the same script runs.
        #expect(HealthMonitor.runOnce(root(script, security: false)).success)
        #expect(HealthMonitor.runOnce(spec(script, security: false)).success)
        #expect(ScriptSecurity.insecurityReason(ofExecutable: "/bin/sh") == nil)
        #expect(HealthMonitor.runOnce(root("/bin/true", security: true)).success)
        // As keepalived: a world-writable directory is unsafe unless it has the sticky bit.
        let safe = dir.write("safe.sh", "#!/bin/sh\nexit 0\n", mode: 0o755)
        chmod(dir.path, 0o1777)
        #expect(ScriptSecurity.insecurityReason(ofExecutable: safe) == nil)
        chmod(dir.path, 0o777)
        #expect(ScriptSecurity.insecurityReason(ofExecutable: safe)?.contains("writable by others") == true)
        chmod(dir.path, 0o700)
    }

    @Test("Under script security, no script_user and no keepalived_script user: root is refused unless explicit",
          .enabled(if: getpwnam(ScriptPolicy.defaultUser) == nil))
    func implicitRootRefused() {
        let implicit = HealthMonitor.runOnce(spec("/bin/true", security: true))
        #expect(!implicit.success)
        #expect(implicit.reason.contains("SECURITY VIOLATION"))
        #expect(implicit.reason.contains("no script_user"))
        #expect(ScriptPolicy(user: "root", enforceSecurity: true).prepare(["/bin/true"]).map(\.identity) == .success(nil))
    }

    @Test("NotifyQueue applies the policy: an insecure notify script is refused, not run",
          .enabled(if: getpwnam("nobody") != nil))
    func notifyPolicy() {
        let dir = TempDir()
        defer { dir.remove() }
        let marker = "\(dir.path)/ran"
        let script = dir.write("notify.sh", "#!/bin/sh\ntouch \(marker)\n", mode: 0o777)
        let queue = NotifyQueue()
        let outcomes = EventLog<ProcessOutcome>()
        queue.submit(key: "VI_1", argv: [script], timeout: .seconds(5),
                     policy: ScriptPolicy(user: "root", enforceSecurity: true)) { outcomes.append($0) }
        #expect(queue.waitUntilIdle(limit: .seconds(10)))
        #expect(access(marker, F_OK) != 0, "the insecure notify script ran")
        guard case .failedToStart(let why)? = outcomes.all.first else {
            Issue.record("outcome: \(outcomes.all)")
            return
        }
        #expect(why.contains("SECURITY VIOLATION"))
    }

    @Test("A script with a user runs under that user's uid, switched in the child (no setpriv)",
          .enabled(if: getpwnam("nobody") != nil))
    func runAsUser() {
        let nobody = getpwnam("nobody")!.pointee.pw_uid
        let check = ScriptCheck(command: "/bin/sh -c '[ \"$(id -u)\" = \(nobody) ]'", user: "nobody")
        #expect(HealthMonitor.runOnce(CheckSpec(name: "u", kind: .script(check))) == .ok("exit status 0"))
        let asRoot = ScriptCheck(command: "/bin/sh -c '[ \"$(id -u)\" = \(nobody) ]'")
        #expect(HealthMonitor.runOnce(CheckSpec(name: "u", kind: .script(asRoot))) == .failed("exit status 1"))
        let unknown = ScriptCheck(command: "/bin/true", user: "vrrp-no-such-user")
        #expect(HealthMonitor.runOnce(CheckSpec(name: "u", kind: .script(unknown)))
                == .failed("cannot start: unknown user vrrp-no-such-user"))
    }

    @Test("The monitor reports a failing script once, keeps others running, and stops a hung one promptly")
    func monitorThreads() {
        let dir = TempDir()
        defer { dir.remove() }
        let bad = dir.write("bad.sh", "#!/bin/sh\nexit 1\n")
        let hang = dir.write("hang.sh", "#!/bin/sh\nexec sleep 60\n")
        let log = EventLog<HealthEvent>()
        let monitor = HealthMonitor(specs: [
            CheckSpec(name: "bad", kind: .script(ScriptCheck(command: bad)), interval: .milliseconds(50),
                      timeout: .seconds(5), rise: 1, fall: 2),
            CheckSpec(name: "missing", kind: .script(ScriptCheck(command: "\(dir.path)/nope")),
                      interval: .milliseconds(50), timeout: .seconds(5)),
            CheckSpec(name: "hang", kind: .script(ScriptCheck(command: hang)), interval: .seconds(1),
                      timeout: .seconds(60)),
        ], sink: { log.append($0) })
        monitor.start()
        let failed = log.wait { $0.name == "bad" && $0.changed }
        #expect(failed == HealthEvent(name: "bad", status: .failing, reason: "exit status 1", changed: true))
        // Let the failing checks run many more times: each reason is still reported once.
        sleepMilliseconds(400)
        let started = monotonicMilliseconds()
        monitor.stop()
        #expect(monotonicMilliseconds() - started < 10_000, "stop() must not wait for the hung script")
        #expect(log.all.filter { $0.name == "bad" }.count == 1)
        #expect(log.all.filter { $0.name == "missing" }.count == 1)
        #expect(log.all.filter { $0.name == "hang" }.isEmpty)
        #expect(monitor.status(of: "bad") == .failing)
        #expect(monitor.status(of: "hang") == .ok)
    }

    @Test("A restarted check keeps the verdict it is given until its first result; stop() returns at once")
    func carriedVerdict() {
        let dir = TempDir()
        defer { dir.remove() }
        let hang = dir.write("hang.sh", "#!/bin/sh\nexec sleep 60\n")
        let log = EventLog<HealthEvent>()
        let monitor = HealthMonitor(specs: [spec(hang, timeout: .seconds(30))], initialStatuses: ["chk": .failing]) {
            log.append($0)
        }
        monitor.start()
        sleepMilliseconds(300)
        #expect(monitor.status(of: "chk") == .failing, "a failing check must not read OK while its first run hangs")
        let started = monotonicMilliseconds()
        monitor.stop()
        #expect(monotonicMilliseconds() - started < 1000, "stop() must not wait for the thread")
        #expect(monitor.waitUntilStopped(limit: .seconds(10)), "the thread kills the script and ends")
        #expect(log.all.isEmpty, "nothing is reported after stop(): \(log.all)")
        // Rise/fall continue from the carried verdict.
        var failing = RiseFallCounter(rise: 2, fall: 2, keeping: .failing)
        #expect(!failing.record(success: true) && failing.status == .failing)
        #expect(failing.record(success: true) && failing.status == .ok)
        var ok = RiseFallCounter(rise: 2, fall: 2, keeping: .ok)
        #expect(!ok.record(success: false) && ok.status == .ok)
    }
}
