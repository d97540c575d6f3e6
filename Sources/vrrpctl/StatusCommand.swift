// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials  // JSONEncoder; not Foundation, which would link ICU (~40 MB)
#else
import Foundation
#endif
import VRRPStatus

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the state of every VRRP instance, or of one.")

    @OptionGroup var socketOption: SocketOption

    @Flag(name: .long, help: "Print the daemon's JSON instead of a table.")
    var json = false

    @Argument(help: "An instance name.")
    var instance: String?

    func run() throws {
        try runClient {
            let client = try socketOption.connect()
            if let instance {
                let reply = try client.request(.instance(instance))
                guard let snapshot = reply.instance else { throw StatusClientError.malformedReply("no instance") }
                if json {
                    print(try jsonText(snapshot))
                } else {
                    print(reply.renderInstanceDump(now: FileHandleShim.now()) ?? "", terminator: "")
                }
            } else {
                let reply = try client.request(.status)
                guard let snapshot = reply.snapshot else { throw StatusClientError.malformedReply("no snapshot") }
                if json {
                    print(try jsonText(snapshot))
                } else {
                    print(snapshot.renderTable(now: FileHandleShim.now()), terminator: "")
                }
            }
        }
    }
}

func jsonText<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
