// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import VRRPStatus

struct IsMasterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "is-master",
        abstract: "Exit 0 when the instance is MASTER here, 1 when it is not (2 on errors).")

    @OptionGroup var socketOption: SocketOption

    @Flag(name: .shortAndLong, help: "Print nothing.")
    var quiet = false

    @Argument(help: "The instance name.")
    var instance: String

    func run() throws {
        let state: String = try runClient {
            let client = try socketOption.connect()
            let reply = try client.request(.instance(instance))
            guard let snapshot = reply.instance else { throw StatusClientError.malformedReply("no instance") }
            return snapshot.state
        }
        if !quiet { print(state) }
        if state != "MASTER" { throw ExitCode(1) }
    }
}
