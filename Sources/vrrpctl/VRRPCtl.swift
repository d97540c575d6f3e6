import ArgumentParser

@main
struct VRRPCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
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
