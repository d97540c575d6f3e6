// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import VRRPLab

struct DownCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down", abstract: "Remove the lab: its processes, namespaces and directory (nothing else).")

    @OptionGroup var lab: LabName

    func run() throws {
        try requireRoot("down")
        let prefix = LabState.prefix(for: lab.name)
        let namespaces = try Lab.namespaces(withPrefix: prefix + "-")
        try Lab.remove(prefix: prefix, root: LabState.root)
        print("lab '\(lab.name)' removed (\(namespaces.count) namespaces)")
    }
}
