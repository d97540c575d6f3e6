// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import VRRPConfig

/// `vrrpctl lint FILE FILE...`: cross-node checks for the configurations of one cluster.
struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check the keepalived.conf files of one cluster's nodes against each other.",
        discussion: """
            Reports each file's warnings and errors, then the mistakes between nodes: one VRID \
            with different address sets, several nodes starting MASTER at equal priority, \
            authentication, advert_int or version mismatches, and an address claimed by two VRIDs. \
            Exits 1 when a file is unusable or a cross-node error is found.
            """
    )

    @Argument(help: "The configuration files, one per node.")
    var files: [String]

    @Option(name: .customShort("i"), help: "keepalived's config id, selecting @ID lines.")
    var configID: String?

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one configuration file") }
    }

    func run() throws {
        let (lines, exitCode) = ClusterLintRun.run(paths: files, configID: configID)
        for line in lines { print(line) }
        if exitCode != 0 { throw ExitCode(exitCode) }
    }
}
