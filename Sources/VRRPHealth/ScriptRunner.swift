// SPDX-License-Identifier: Apache-2.0
/// Runs one `vrrp_script` check: split, then `ScriptPolicy` (user, script security), spawn, wait.
enum ScriptRunner {
    static func argv(for check: ScriptCheck) -> Result<[String], ProcessStartErrorText> {
        do {
            return .success(try ScriptLine.split(check.command))
        } catch {
            return .failure(ProcessStartErrorText("\(error)"))
        }
    }

    static func run(_ check: ScriptCheck, timeout: Duration, stop: WakePipe?) -> CheckResult {
        let argv: [String]
        switch Self.argv(for: check) {
        case .failure(let error): return .failed("cannot start: \(error.message)")
        case .success(let a): argv = a
        }
        let outcome = ChildProcess.run(argv, policy: check.policy, timeoutMilliseconds: max(1, timeout.wholeMilliseconds),
                                       stop: stop)
        switch outcome {
        case .exited(0): return .ok(outcome.description)
        case .timedOut: return .failed("timed out after \(timeout), process group killed")
        default: return .failed(outcome.description)
        }
    }
}
