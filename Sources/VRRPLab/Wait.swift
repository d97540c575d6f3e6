// SPDX-License-Identifier: Apache-2.0
/// Polls `condition` until it is true; throws `LabError.timedOut` naming `what` and the call
/// site after `timeout`. Errors thrown by `condition` end the wait. Use generous timeouts:
/// they catch hangs, they do not measure.
public func waitUntil(_ what: String = "condition", timeout: Duration, poll: Duration = .milliseconds(50),
                      fileID: String = #fileID, line: Int = #line,
                      _ condition: () throws -> Bool) throws {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try condition() { return }
        if ContinuousClock.now >= deadline {
            throw LabError.timedOut("timed out after \(timeout) waiting for \(what) (\(fileID):\(line))")
        }
        Spawn.sleep(for: poll)
    }
}

/// `waitUntil` for async code: sleeps with `Task.sleep`, so it does not hold a thread.
public func waitUntil(_ what: String = "condition", timeout: Duration, poll: Duration = .milliseconds(50),
                      fileID: String = #fileID, line: Int = #line,
                      _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try await condition() { return }
        if ContinuousClock.now >= deadline {
            throw LabError.timedOut("timed out after \(timeout) waiting for \(what) (\(fileID):\(line))")
        }
        try await Task.sleep(for: poll)
    }
}

/// Creates a lab, runs `body`, and tears the lab down on every exit path (return or throw).
public func withLab<T>(prefix: String? = nil, keepDirectory: Bool = false,
                       isolation: isolated (any Actor)? = #isolation,
                       _ body: (Lab) async throws -> T) async throws -> T {
    let lab = try Lab(prefix: prefix, keepDirectory: keepDirectory)
    do {
        let result = try await body(lab)
        lab.teardown()
        return result
    } catch {
        lab.teardown()
        throw error
    }
}
