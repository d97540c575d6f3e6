// SPDX-License-Identifier: Apache-2.0
import Foundation

extension Lab {
    /// Runs a tool on the test host itself, outside every lab namespace, to completion (a
    /// container engine, an image build). It must not configure the root namespace's network:
    /// the container tests use it for `podman` with `--network ns:/run/netns/<lab host>`.
    /// After `timeout` its process group is killed and `LabError.timedOut` thrown.
    public static func runHostCommand(_ argv: [String], timeout: Duration = .seconds(60)) throws -> ProcessResult {
        guard let result = try Commands.temporary({ try $0.execute(argv, timeout: timeout) }) else {
            throw LabError.commandFailed(argv: argv, status: -1, stderr: "iproute2 is missing")
        }
        return result
    }
}

extension ProcessResult {
    /// stdout then stderr, for messages.
    public var output: String { stdout + stderr }
}
