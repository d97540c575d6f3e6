// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import VRRPStatus

/// `--socket PATH`, shared by every command that talks to the daemon.
struct SocketOption: ParsableArguments {
    /// `--status-socket` too: vrrpd's option of the same meaning (docs once used it for vrrpctl).
    @Option(name: [.long, .customLong("status-socket")], help: "The daemon's status socket.")
    var socket: String = defaultStatusSocketPath

    @Option(name: .long, help: "Seconds to wait for the daemon to accept and answer (0: for ever).")
    var timeout: Double = 5

    func connect() throws -> StatusClient {
        do {
            return try StatusClient(path: socket, timeout: timeout > 0 ? timeout : nil)
        } catch let error as StatusClientError {
            throw ValidationFailure(message: error.description)
        }
    }
}

/// An error printed as is, with exit status 2 (1 is kept for "not master" and "rejected").
struct ValidationFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

func runClient<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as StatusClientError {
        printError("vrrpctl: \(error.description)")
        throw ExitCode(2)
    } catch let error as ValidationFailure {
        printError("vrrpctl: \(error.message)")
        throw ExitCode(2)
    }
}

func printError(_ message: String) {
    var stderr = StandardError()
    print(message, to: &stderr)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandleShim.writeStderr(string)
    }
}
