// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import ArgumentParser
import Foundation

@main
struct VRRPLabTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vrrp-lab",
        abstract: "A VRRP lab in network namespaces: proxies running vrrpd (or keepalived), a client, faults and timelines.",
        discussion: """
            Everything lives in network namespaces named lab-NAME-…, with addresses from \
            198.18.0.0/15 and 2001:db8::/32; the root namespace's interfaces are never touched. \
            Needs root (namespaces, veths, raw sockets). State: /run/vrrp-lab/vrrplab-lab-NAME/.
            """,
        subcommands: [UpCommand.self, StatusCommand.self, FailCommand.self, DownCommand.self, DemoCommand.self,
                      ChaosCommand.self])
}

/// Options every subcommand shares.
struct LabName: ParsableArguments {
    @Option(name: .long, help: "The lab's name (lower-case letters, digits, '-').")
    var name = "demo"
}

func requireRoot(_ what: String) throws {
    guard geteuid() == 0 else {
        printError("""
            vrrp-lab \(what): needs root. It creates network namespaces, veth pairs and bridges, \
            and vrrpd opens raw VRRP sockets and adds virtual addresses (CAP_SYS_ADMIN, \
            CAP_NET_ADMIN, CAP_NET_RAW). Everything happens inside the lab's own namespaces; \
            the machine's own interfaces are never touched. Run it with sudo.
            """)
        throw ExitCode(77)
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
