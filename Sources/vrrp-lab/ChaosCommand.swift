// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import ArgumentParser
import Foundation
import VRRPChaos
import VRRPLab

/// `vrrp-lab chaos run|leaks`: chaos and leak runs of vrrpd in the lab's namespaces.
struct ChaosCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos",
        abstract: "Chaos and leak runs of vrrpd in network namespaces (root).",
        subcommands: [Run.self, Leaks.self],
        defaultSubcommand: Run.self)
}

struct ChaosOptionsGroup: ParsableArguments {
    @Option(help: "The vrrpd executable (default: $VRRPD, $VRRP_BIN_DIR, next to vrrp-lab, or .build/debug/vrrpd).")
    var vrrpd: String?

    func daemonPath() throws -> String {
        setvbuf(stdout, nil, _IOLBF, 0)   // progress lines show up at once when piped
        guard Lab.isSupported else { throw ValidationError("needs root and iproute2 (network namespaces)") }
        guard let path = vrrpd ?? (try? LabBinaries.vrrpd) else {
            throw ValidationError("vrrpd not found: build it (swift build --product vrrpd) or pass --vrrpd")
        }
        return path
    }
}

extension ChaosCommand {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Three nodes (150/100/50), random faults for N rounds; exits 1 on any invariant violation.")

        @OptionGroup var common: ChaosOptionsGroup
        @Option(help: "Random seed (printed; replay a run with the same seed).") var seed: UInt64?
        @Option(help: "Number of fault rounds.") var rounds = 20
        @Option(help: "VRRP version (2: advert_int 1 s, PASS auth; 3: advert_int --interval).") var version = 3
        @Option(help: "VRRPv3 advertisement interval in seconds.") var interval = 0.2
        @Flag(help: "Run the lowest-priority daemon under valgrind --leak-check=full.") var valgrind = false
        @Flag(help: "Leave higher_prio_send_advert out of the nodes' configuration.") var withoutHigherPrioSendAdvert = false
        @Option(help: "Fixed faults instead of random ones, e.g. sigkill-restart:p1,partition:p1 (one round each; kinds: \(FaultKind.allCases.map(\.rawValue).joined(separator: ", "))).")
        var faults: String?

        func run() async throws {
            let vrrpd = try common.daemonPath()
            var options = ChaosOptions(seed: seed ?? UInt64.random(in: 1...UInt64(UInt32.max)), rounds: rounds)
            options.valgrind = valgrind
            options.settings.higherPrioritySendAdvert = !withoutHigherPrioSendAdvert
            if let faults {
                options.script = try faults.split(separator: ",").map { item in
                    let parts = item.split(separator: ":")
                    guard parts.count == 2, let kind = FaultKind(rawValue: String(parts[0])),
                          parts[1].hasPrefix("p"), let n = Int(parts[1].dropFirst()), (1...3).contains(n) else {
                        throw ValidationError("bad fault '\(item)': write KIND:pN, e.g. partition:p1")
                    }
                    return (kind, n - 1)
                }
                options.rounds = options.script!.count
            }
            options.settings.version = version
            options.settings.advertInterval = version == 2 ? 1 : interval
            if version == 2 { options.settings.password = "chaos" }
            let report = try await runChaos(options, vrrpd: vrrpd)
            print(report)
            if !report.violations.isEmpty { throw ExitCode(1) }
        }
    }

    struct Leaks: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "leaks",
            abstract: "Flap a weight-0 track file until the daemon made N transitions; print fd count and RSS.")

        @OptionGroup var common: ChaosOptionsGroup
        @Option(help: "Transitions to drive.") var transitions = 10_000
        @Option(help: "VRRPv3 advertisement interval in seconds.") var interval = 0.01

        func run() async throws {
            let vrrpd = try common.daemonPath()
            let report = try await runLeaks(transitions: transitions, interval: interval, vrrpd: vrrpd)
            print(report)
            if !report.flat { throw ExitCode(1) }
        }
    }
}
