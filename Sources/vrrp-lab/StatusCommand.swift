// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Each host's VRRP state (status socket; keepalived: its log) and who holds the VIP.")

    @OptionGroup var lab: LabName

    func run() throws {
        try requireRoot("status")
        StatusCommand.show(try LabState.load(name: lab.name))
    }

    static func show(_ state: LabState) {
        print("HOST  ADDRESS        STATE    VIP  DETAIL")
        for host in state.hosts {
            let (vrrp, detail) = Shell.state(host)
            let vip = host.role == "proxy" && Shell.hasAddress(host, state.vip) ? "yes" : "-"
            let nginx = host.nginxPID.map { Shell.processAlive($0) ? ", nginx up" : ", nginx down" } ?? ""
            print(pad(host.name, 5) + " " + pad(host.address, 14) + " " + pad(vrrp, 8) + " " + pad(vip, 4) + " " + detail + nginx)
        }
    }

    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
}
