// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import VRRPStatus

struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Ask the daemon to re-read its configuration (as SIGHUP does) and print the outcome.")

    @OptionGroup var socketOption: SocketOption

    func run() throws {
        let result: ReloadResult = try runClient {
            let client = try socketOption.connect()
            try client.send(.reload)
            let reply = try client.nextReply()
            guard let result = reply.reload else {
                throw StatusClientError.daemon(reply.error ?? "no reload result")
            }
            return result
        }
        for w in result.warnings { print(w) }
        if result.ok {
            print("reloaded: \(result.unchanged.count) unchanged, \(result.changed.count) changed, "
                  + "\(result.added.count) added, \(result.removed.count) removed")
        } else {
            for e in result.errors { printError(e) }
            printError("vrrpctl: reload refused; the running configuration stays")
            throw ExitCode(1)
        }
    }
}
