// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials  // Date.ISO8601FormatStyle; not Foundation, which would link ICU (~40 MB)
#else
import Foundation
#endif
import VRRPStatus

struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Stream transitions and check changes, one line each, until interrupted.")

    @OptionGroup var socketOption: SocketOption

    @Flag(name: .long, help: "Print the daemon's JSON lines as they come.")
    var json = false

    func run() throws {
        try runClient {
            let client = try socketOption.connect()
            try client.send(.watch)
            var first = true
            while true {
                let reply: StatusReply
                do {
                    reply = try client.nextReply()
                } catch StatusClientError.closed {
                    return
                }
                // --timeout bounds the first answer; events after it come when they come.
                if first {
                    client.setTimeout(nil)
                    first = false
                }
                // Written straight to fd 1, unbuffered, so a pipe sees each line at once.
                if json {
                    FileHandleShim.writeStdout(String(decoding: reply.encodedLine(), as: UTF8.self))
                } else if let event = reply.event {
                    FileHandleShim.writeStdout(describe(event) + "\n")
                } else if let snapshot = reply.snapshot {
                    FileHandleShim.writeStdout(snapshot.renderTable(now: FileHandleShim.now()))
                }
            }
        }
    }

    private func describe(_ e: WatchEvent) -> String {
        let time = Date(timeIntervalSince1970: e.at).formatted(.iso8601)
        switch e.kind {
        case .transition:
            return "\(time) \(e.instance ?? "?"): \(e.from ?? "?") -> \(e.to ?? "?") (\(e.reason))"
        case .check, .priority:
            return "\(time) \(e.instance ?? "-"): \(e.reason)\(e.priority.map { " priority \($0)" } ?? "")"
        case .reload:
            return "\(time) reload: \(e.reason)"
        }
    }
}
