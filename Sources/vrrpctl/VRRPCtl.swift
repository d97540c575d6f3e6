// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

/// vrrpctl's root command. Its commands live in this library (`VRRPControl`) so that one
/// binary can be both programs: the package installs `/usr/sbin/vrrpd` and makes
/// `/usr/bin/vrrpctl` a link to it (`vrrpd`'s `Main` picks the command by the name it was run
/// as). `swift build` also makes a stand-alone `vrrpctl` (Sources/vrrpctl-main).
public struct VRRPCtl: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "vrrpctl",
        abstract: "Control and inspect swift-vrrp.",
        version: "0.1.0",
        subcommands: [
            // Each subcommand lives in its own file.
            StatusCommand.self,
            WatchCommand.self,
            IsMasterCommand.self,
            ReloadCommand.self,
            DecodeCommand.self,
            LintCommand.self,
        ]
    )
}
