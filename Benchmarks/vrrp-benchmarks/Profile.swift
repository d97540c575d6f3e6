// SPDX-License-Identifier: Apache-2.0
import Foundation
import VRRPLab

/// The `profile` section (`scripts/bench-profile`): an instruction profile (valgrind
/// --tool=callgrind) of one vrrpd under load, for hot-path work. Two lab hosts on one LAN run
/// `instances` instances (VRIDs 1…N, the scale section's configuration); `side` (backup or
/// master) runs under callgrind for `seconds`, the other normally. Prints the top of
/// `callgrind_annotate --inclusive=yes` (demangled) and copies the whole profile to `output`.
/// Not part of the JSON report: it measures instructions, not the comparison with keepalived.
struct ProfileBench {
    struct Settings {
        var instances = 255
        var side = "backup"
        var seconds = 20.0
        var version = 2
        var interval = 1.0

        /// "N,SIDE,SECONDS,VERSION,INTERVAL", any suffix left out.
        init(_ text: String) throws {
            let parts = text.split(separator: ",").map(String.init)
            if parts.count > 0 { instances = Int(parts[0]) ?? -1 }
            if parts.count > 1 { side = parts[1] }
            if parts.count > 2 { seconds = Double(parts[2]) ?? -1 }
            if parts.count > 3 { version = Int(parts[3]) ?? -1 }
            if parts.count > 4 { interval = Double(parts[4]) ?? -1 }
            guard (1...ScaleBench.perInterface).contains(instances), ["backup", "master"].contains(side),
                  seconds > 0, [2, 3].contains(version), interval > 0 else {
                throw LabError.unexpectedOutput("--profile \(text): want N (1…\(ScaleBench.perInterface)),backup|master,SECONDS,2|3,ADVERT_INT")
            }
        }
    }

    static func run(lab: Lab, vrrpd: String, settings s: Settings, output: String, log: (String) -> Void) throws -> String {
        guard let valgrind = LabRequirement.which("valgrind") else {
            throw LabError.unexpectedOutput("the profile section needs valgrind (apt-get install valgrind)")
        }
        let lan = try lab.addLAN("prof")
        let a = try lab.addHost("a", on: [lan], ipv4: ["198.18.0.1/24"])
        let b = try lab.addHost("b", on: [lan], ipv4: ["198.18.0.2/24"])
        // Valgrind 3.19 cannot read the DWARF 5 that Swift 6 emits: profile a copy without debug
        // info (function names come from the symbol table).
        let stripped = "\(lab.directory)/vrrpd"
        try FileManager.default.copyItem(atPath: vrrpd, toPath: stripped)
        let strip = try Lab.runHostCommand([LabRequirement.which("strip") ?? "/usr/bin/strip", "--strip-debug", stripped])
        guard strip.succeeded else { throw LabError.unexpectedOutput("strip \(stripped): \(strip.output)") }
        let profile = "\(lab.directory)/callgrind.out"
        var started: [LabVRRPNode] = []
        defer { for d in started { d.stop(grace: .seconds(60)) } }
        func start(_ host: LabHost, master: Bool) throws {
            var options = LabVRRPDOptions(tag: master ? "a" : "b", arguments: [], waitForStatus: nil)
            options.binary = stripped
            if (s.side == "master") == master {
                options.wrapper = [valgrind, "--tool=callgrind", "--callgrind-out-file=\(profile)"]
            }
            let config = ScaleBench.config(instances: s.instances, version: s.version, interval: s.interval, master: master)
            started.append(try lab.startVRRPD(host, config: config, options: options))
        }
        log("== profile: \(s.instances) instances, v\(s.version), advert_int \(s.interval) s, the \(s.side) under callgrind for \(s.seconds) s")
        if s.side == "backup" {
            try start(b, master: false)
            sleepSeconds(2)   // callgrind starts slowly: the backup is up before the master's first adverts
            try start(a, master: true)
        } else {
            try start(b, master: false)
            try start(a, master: true)
        }
        sleepSeconds(s.seconds)
        let vips = (try countAddresses(lab, a, prefix: "198.19."), try countAddresses(lab, b, prefix: "198.19."))
        for d in started { d.stop(grace: .seconds(60)) }   // SIGTERM: callgrind writes the profile at exit
        started = []
        try? FileManager.default.removeItem(atPath: output)
        try FileManager.default.copyItem(atPath: profile, toPath: output)
        let annotate = try Lab.runHostCommand(["/bin/bash", "-c",
            "callgrind_annotate --inclusive=yes \"$0\" 2>/dev/null | swift demangle --simplified 2>/dev/null | head -70 | cut -c1-220",
            output], timeout: .seconds(120))
        return "master VIPs: \(vips.0) backup VIPs: \(vips.1)\n" + annotate.stdout + "full profile: \(output)\n"
    }
}
