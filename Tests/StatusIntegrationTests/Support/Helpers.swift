// SPDX-License-Identifier: Apache-2.0
import Foundation
import Synchronization
import VRRPLab
import VRRPStatus

/// A `watch` connection read on a thread of its own, so the test can poll what has arrived
/// without blocking. The thread ends when the daemon closes the connection (lab teardown).
final class WatchRecorder: Sendable {
    private let replies = Mutex<[StatusReply]>([])
    private let failure = Mutex<String?>(nil)

    init(socket: String) {
        Thread.detachNewThread { [self] in
            do {
                let client = try StatusClient(path: socket)
                try client.send(.watch)
                while true {
                    let reply = try client.nextReply()
                    replies.withLock { $0.append(reply) }
                }
            } catch {
                failure.withLock { $0 = "\(error)" }
            }
        }
    }

    var received: [StatusReply] { replies.withLock { $0 } }
    var error: String? { failure.withLock { $0 } }
}

/// A system user (with a group of the same name) that exists for one test: created with
/// `useradd --system --user-group`, removed by `remove()`.
struct ThrowawayUser {
    let name: String

    static func create() throws -> ThrowawayUser {
        let name = "vrrptest-\(String(UInt32.random(in: 0x10_0000...0xff_ffff), radix: 16))"
        let result = try runHost(["/usr/sbin/useradd", "--system", "--no-create-home", "--user-group",
                                  "--shell", "/usr/sbin/nologin", name])
        guard result.status == 0 else {
            throw HarnessError(description: "useradd \(name) failed (\(result.status)): \(result.output)")
        }
        return ThrowawayUser(name: name)
    }

    func remove() {
        _ = try? runHost(["/usr/sbin/userdel", name])
        // userdel removes the user's own group; make sure, in case USERGROUPS_ENAB is off.
        _ = try? runHost(["/usr/sbin/groupdel", name])
    }
}

/// Runs a short command on the test host itself (user management only), output combined.
func runHost(_ argv: [String]) throws -> (status: Int32, output: String) {
    let run = try Lab.runHostCommand(argv, timeout: .seconds(30))
    return (run.status, run.output)
}

/// A strict reader of the Prometheus text format (0.0.4) as the renderer writes it: HELP and
/// TYPE comments, then `name{label="value",…} number` samples of declared families only.
/// Returns sample → value, keyed by the sample's name and labels exactly as written.
func parsePrometheus(_ text: String) throws -> [String: Double] {
    func bad(_ line: Substring) -> HarnessError { HarnessError(description: "not Prometheus text: \(line)") }
    var declared: Set<String> = []
    var samples: [String: Double] = [:]
    for line in text.split(separator: "\n") {
        if line.hasPrefix("# HELP ") { continue }
        if line.hasPrefix("# TYPE ") {
            let parts = line.split(separator: " ")
            guard parts.count == 4, ["counter", "gauge"].contains(parts[3]) else { throw bad(line) }
            declared.insert(String(parts[2]))
            continue
        }
        guard let brace = line.firstIndex(of: "{"), let close = line.lastIndex(of: "}") else { throw bad(line) }
        let name = String(line[..<brace])
        guard declared.contains(name), name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw bad(line)
        }
        for pair in line[line.index(after: brace)..<close].split(separator: ",") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, kv[1].hasPrefix("\""), kv[1].hasSuffix("\"") else { throw bad(line) }
        }
        guard let value = Double(line[line.index(after: close)...].trimmingPrefix(" ")) else { throw bad(line) }
        samples[String(line[...close])] = value
    }
    return samples
}
