// SPDX-License-Identifier: Apache-2.0
import Foundation

extension Lab {
    /// Runs a tool on the test host itself, outside every lab namespace, to completion (a
    /// container engine, an image build, `vrrpd -t`, `vrrpctl decode`, `useradd`), output
    /// through files (never a pipe that can fill). It must not configure the root namespace's
    /// network: the container tests use it for `podman` with `--network ns:/run/netns/<lab host>`.
    /// argv[0] must be absolute. After `timeout` its process group is killed and
    /// `LabError.timedOut` thrown. Needs no root.
    public static func runHostCommand(_ argv: [String], timeout: Duration = .seconds(60)) throws -> ProcessResult {
        try Commands.scratch { try $0.execute(argv, timeout: timeout) }
    }
}

extension ProcessResult {
    /// stdout then stderr, for messages.
    public var output: String { stdout + stderr }
}
