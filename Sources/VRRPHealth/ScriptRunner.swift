/// Runs one `vrrp_script` check: split, security check, optional user switch, spawn, wait.
enum ScriptRunner {
    /// Prepares argv once per run (the file may change between runs, so security is
    /// re-checked each time, as keepalived re-checks on reload).
    static func argv(for check: ScriptCheck) -> Result<[String], ProcessStartErrorText> {
        let words: [String]
        do {
            words = try ScriptLine.split(check.command)
        } catch {
            return .failure(ProcessStartErrorText("\(error)"))
        }
        if check.enforceScriptSecurity {
            guard let path = ChildProcess.resolve(words[0]) else {
                return .failure(ProcessStartErrorText("\(words[0]): not found in PATH"))
            }
            if let why = ScriptSecurity.insecurityReason(ofExecutable: path) {
                return .failure(ProcessStartErrorText("refused by script security: \(why)"))
            }
        }
        if let user = check.user {
            return RunAs.wrap(words, user: user, group: check.group)
        }
        return .success(words)
    }

    static func run(_ check: ScriptCheck, timeout: Duration, stop: WakePipe?) -> CheckResult {
        let argv: [String]
        switch Self.argv(for: check) {
        case .failure(let error): return .failed("cannot start: \(error.message)")
        case .success(let a): argv = a
        }
        let outcome = ChildProcess.run(argv, timeoutMilliseconds: max(1, timeout.wholeMilliseconds), stop: stop)
        switch outcome {
        case .exited(0): return .ok(outcome.description)
        case .timedOut: return .failed("timed out after \(timeout), process group killed")
        default: return .failed(outcome.description)
        }
    }
}
