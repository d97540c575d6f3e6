// SPDX-License-Identifier: Apache-2.0
import Foundation
import VRRPLab

/// A `ping -D -i 0.1` running in the client namespace for the whole run: the times of its
/// replies tell when the client could reach the VIP, without spawning a command per check
/// (which stalls on a loaded machine whenever other namespaces are being torn down).
final class Pinger {
    let lab: Lab
    let process: LabProcess

    init(lab: Lab, client: LabHost, address: String) throws {
        self.lab = lab
        process = try lab.spawn(client, ["ping", "-n", "-D", "-i", "0.1", "-W", "1", address], name: "ping")
    }

    /// Wall-clock times (Unix seconds) of the replies so far.
    func replies() -> [Double] {
        lab.log(process).split(separator: "\n").compactMap { line in
            guard line.hasPrefix("["), line.contains("bytes from"), let end = line.firstIndex(of: "]") else { return nil }
            return Double(line[line.index(after: line.startIndex)..<end])
        }
    }

    /// The first reply at or after `time` (Unix seconds), if any yet.
    func firstReply(after time: Double) -> Double? { replies().first { $0 >= time } }

    /// The longest gap between consecutive replies (seconds).
    func longestGap() -> Double {
        let r = replies()
        return zip(r, r.dropFirst()).map { $1 - $0 }.max() ?? 0
    }

    func stop() { lab.stop(process) }
}
