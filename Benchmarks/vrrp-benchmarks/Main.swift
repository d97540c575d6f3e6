// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import ArgumentParser
import Foundation
import VRRPLab

/// vrrpd and keepalived side by side on this machine, in one run (issue 9). Prints Markdown
/// tables and writes a JSON report. Needs root (network namespaces); `scripts/bench` builds
/// release binaries and runs it.
@main
struct VRRPBenchmarks: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vrrp-benchmarks",
        abstract: "Benchmarks vrrpd against keepalived: failover, scale, codec, health checks.")

    @Flag(help: "A tiny smoke run (seconds): checks that the harness works, measures nothing useful.")
    var quick = false

    @Option(help: "Where to write the JSON report.")
    var json = "benchmark-results.json"

    @Option(help: "Also write the Markdown tables here.")
    var markdown: String?

    @Option(help: "The vrrpd binary (use a release build).")
    var vrrpd = ".build/release/vrrpd"

    @Option(help: "The keepalived binary.")
    var keepalived = "/usr/sbin/keepalived"

    @Option(help: "Sections to run, comma separated: micro,failover,scale,ceiling,checks.")
    var sections = "micro,failover,scale,ceiling,checks"

    @Option(help: "Failover runs per daemon and scenario (alternating vrrpd / keepalived).")
    var repeats = 3

    @Option(help: "Seconds of CPU measurement per scale run.")
    var window = 12.0

    @Option(help: "Instance counts for the advert_int 1 scale runs (VRRPv2).")
    var scaleSizes = "100,500,1000"

    @Option(help: "Instance counts for the VRRPv3 advert_int 0.1 scale runs.")
    var midScaleSizes = "100,500,1000"

    @Option(help: "Instance counts for the VRRPv3 advert_int 0.01 scale runs.")
    var fastScaleSizes = "100,500,1000"

    @Option(help: "Ceiling sweep: VRRPv3 advert intervals (seconds), comma separated.")
    var ceilingIntervals = "0.01,0.1"

    @Option(help: "Ceiling sweep: seconds each size must hold without a false takeover (issue 16 asks 60; shorter for quick runs).")
    var ceilingWindow = 60.0

    @Option(help: "Ceiling sweep: the first size tried (then doubled, then bisected).")
    var ceilingStart = 125

    @Option(help: "Ceiling sweep: the largest size tried.")
    var ceilingMax = 4000

    @Flag(help: "Print progress lines.")
    var verbose = false

    @Option(help: "With `--sections profile` (scripts/bench-profile), alone: a callgrind profile of one vrrpd, N,SIDE,SECONDS,VERSION,ADVERT_INT (SIDE backup|master, N ≤ 250).")
    var profile = "250,backup,20,2,1"

    @Option(help: "Where the profile section copies callgrind's output.")
    var profileOut = "callgrind.out"

    func run() throws {
        guard Lab.isSupported else { throw ValidationError("vrrp-benchmarks needs root and iproute2 (network namespaces)") }
        let vrrpdPath = URL(fileURLWithPath: vrrpd).standardizedFileURL.path
        guard FileManager.default.isExecutableFile(atPath: vrrpdPath) else {
            throw ValidationError("\(vrrpdPath) is not executable; build it with `swift build -c release --product vrrpd`")
        }
        var daemons: [DaemonKind] = [.vrrpd]
        var notes: [String] = []
        if FileManager.default.isExecutableFile(atPath: keepalived) {
            daemons.append(.keepalived)
        } else {
            notes.append("keepalived not found at \(keepalived): vrrpd only, no ratios (scripts/setup-debian installs it)")
        }
        let binaries = Binaries(vrrpd: vrrpdPath, keepalived: keepalived)
        let wanted = Set(sections.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        let started = ContinuousClock.now
        let verbose = self.verbose
        let log: (String) -> Void = { line in
            if verbose { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
        if wanted == ["profile"] {
            let settings = try ProfileBench.Settings(profile)
            let output = URL(fileURLWithPath: profileOut).standardizedFileURL.path
            try withLabSync { lab in
                print(try ProfileBench.run(lab: lab, vrrpd: vrrpdPath, settings: settings, output: output, log: log),
                      terminator: "")
            }
            return
        }
        var report = BenchmarkReport(startedAt: ISO8601DateFormatter().string(from: Date()), durationSeconds: 0,
                                     command: CommandLine.arguments.joined(separator: " "), quick: quick,
                                     machine: machineInfo(binaries: binaries, daemons: daemons))
        report.notes = notes

        if wanted.contains("micro") {
            log("== micro benchmarks")
            report.micro = MicroBench.run(iterations: quick ? 2_000 : 200_000, rounds: quick ? 3 : 7)
        }
        if !wanted.isDisjoint(with: ["failover", "scale", "ceiling", "checks"]) {
            try withLabSync { lab in
                if wanted.contains("failover") {
                    log("== failover")
                    let bench = try FailoverBench(lab: lab, binaries: binaries, daemons: daemons, log: log)
                    let scenarios: [(FailoverBench.Kind, Int, Double)] = quick
                        ? [(.crash, 3, 0.1)]
                        : [(.crash, 2, 1), (.crash, 3, 0.1), (.crash, 3, 0.01),
                           (.graceful, 2, 1), (.graceful, 3, 0.1), (.graceful, 3, 0.01)]
                    for (kind, version, interval) in scenarios {
                        report.failover.append(bench.measure(kind, version: version, interval: interval,
                                                             repeats: quick ? 1 : repeats))
                    }
                }
                if wanted.contains("scale") {
                    log("== scale")
                    let slow = quick ? [1] : parseSizes(scaleSizes)
                    let mid = quick ? [] : parseSizes(midScaleSizes)
                    let fast = quick ? [] : parseSizes(fastScaleSizes)
                    let bench = try ScaleBench(lab: lab, maxInstances: (slow + mid + fast).max() ?? 1,
                                               binaries: binaries, daemons: daemons, log: log)
                    for n in slow {
                        report.scale.append(bench.measure(instances: n, version: 2, interval: 1, window: quick ? 2 : window))
                    }
                    for n in mid {
                        report.scale.append(bench.measure(instances: n, version: 3, interval: 0.1, window: quick ? 2 : window))
                    }
                    for n in fast {
                        report.scale.append(bench.measure(instances: n, version: 3, interval: 0.01, window: quick ? 2 : window))
                    }
                }
                if wanted.contains("ceiling"), !quick {
                    log("== scale ceiling")
                    let intervals = ceilingIntervals.split(separator: ",").compactMap { Double($0) }
                    let sweep = try CeilingSweep(lab: lab, maxInstances: ceilingMax, binaries: binaries, daemons: daemons, log: log)
                    for interval in intervals {
                        report.ceiling.append(sweep.measure(interval: interval, start: ceilingStart, maxInstances: ceilingMax,
                                                            window: ceilingWindow))
                    }
                }
                if wanted.contains("checks"), !quick {
                    log("== health checks")
                    let checks = try ChecksBench(lab: lab, vrrpd: vrrpdPath, log: log)
                    report.checks = try checks.measure(window: window)
                    for (interval, fall, weight) in [(0.5, 2, -60), (0.5, 2, 0), (1.0, 3, -60)] {
                        report.checkLatency.append(try checks.latency(interval: interval, fall: fall, weight: weight))
                    }
                }
            }
        }
        report.durationSeconds = seconds(ContinuousClock.now - started)
        report.notes += targetNotes(report)
        let markdownText = report.markdown()
        print(markdownText)
        print("Total \(fmt(report.durationSeconds, 0)) s on \(report.machine.cpus) CPUs (\(report.machine.cpuModel)); JSON: \(json)")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try encoder.encode(report).write(to: URL(fileURLWithPath: json))
        if let markdown { try markdownText.write(toFile: markdown, atomically: true, encoding: .utf8) }
    }

    func parseSizes(_ text: String) -> [Int] { text.split(separator: ",").compactMap { Int($0) } }

    /// Builds a lab, runs `body`, and tears the lab down on every exit path.
    func withLabSync(_ body: (Lab) throws -> Void) throws {
        let lab = try Lab(terminationGrace: .seconds(5))
        defer { lab.teardown() }
        try body(lab)
    }
}

func machineInfo(binaries: Binaries, daemons: [DaemonKind]) -> MachineInfo {
    let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
        .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "?"
    var uts = utsname()
    uname(&uts)
    let kernel = withUnsafeBytes(of: &uts.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    let load = ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "").split(separator: " ").prefix(3).joined(separator: " ")
    let keepalivedVersion = daemons.contains(.keepalived) ? firstLine(of: [binaries.keepalived, "--version"]) : "not installed"
    return MachineInfo(cpus: ProcessInfo.processInfo.activeProcessorCount, cpuModel: model, kernel: kernel,
                       loadAverage: load, keepalived: keepalivedVersion,
                       vrrpd: firstLine(of: [binaries.vrrpd, "--version"]) + " (\(binaries.vrrpd))")
}

func firstLine(of argv: [String]) -> String {
    guard let run = try? Lab.runHostCommand(argv, timeout: .seconds(10)) else { return "?" }
    return run.output.split(separator: "\n").first.map(String.init) ?? "?"
}

/// One line per target of issue 9: met, missed, or not measured in this run.
func targetNotes(_ r: BenchmarkReport) -> [String] {
    var out: [String] = []
    for f in r.failover {
        if let met = f.targetMet, let v = f.vipAfterLastAdvertMs["vrrpd"] {
            out.append("target \(f.kind) v\(f.version) \(intervalText(f.advertIntervalSeconds)) s: vrrpd median \(fmt(v.median, 2)) ms vs \(f.protocolLimitName) \(fmt(f.protocolLimitMs, 2)) ms (±\(fmt(f.targetMs, 0)) ms): \(met ? "met" : "missed")")
        }
    }
    // Issue 16: takeover overhead over the protocol limit ≤ 0.3 ms (median).
    for f in r.failover {
        if let v = f.vipAfterLastAdvertMs["vrrpd"] {
            let over = v.median - f.protocolLimitMs
            out.append("target #16 \(f.kind) v\(f.version) \(intervalText(f.advertIntervalSeconds)) s: overhead over \(f.protocolLimitName) \(fmt(over, 2)) ms (≤ 0.3): \(over <= 0.3 ? "met" : "missed")")
        }
    }
    // Issue 16: CPU ≤ 0.5 × keepalived on each side; RSS ≤ 13 MiB per daemon at 1 000 and below keepalived's.
    for s in r.scale {
        guard let v = s.runs["vrrpd"], let k = s.runs["keepalived"] else { continue }
        let scenario = "\(s.instances) × v\(s.version) \(intervalText(s.advertIntervalSeconds)) s"
        let master = v.master.cpuSecondsPerMinute / k.master.cpuSecondsPerMinute
        let backup = v.backup.cpuSecondsPerMinute / k.backup.cpuSecondsPerMinute
        let cpuMet = master <= 0.5 && backup <= 0.5
        out.append("target #16 CPU \(scenario): master \(fmt(master, 3)) backup \(fmt(backup, 3)) × keepalived (≤ 0.5 each): \(cpuMet ? "met" : "missed")\(v.keptUp ? "" : " (vrrpd did not keep up)")\(k.keptUp ? "" : " (keepalived did not keep up)")")
        if let ratio = s.rssRatio {
            out.append("target #16 RSS \(scenario): vrrpd/keepalived \(fmt(ratio, 3)) (< 1): \(ratio < 1 ? "met" : "missed")")
        }
        if s.instances == 1000 {
            let peak = Double(max(v.master.peakRSSKiB, v.backup.peakRSSKiB)) / 1024
            out.append("target #16 peak RSS per daemon at 1000 (\(scenario)): \(fmt(peak, 1)) MiB (≤ 13): \(peak <= 13 ? "met" : "missed")")
        }
    }
    for c in r.ceiling {
        let text = c.ceilings.sorted { $0.key > $1.key }.map { "\($0.key) \($0.value)\($0.value >= c.maxTried ? "+" : "")" }.joined(separator: ", ")
        out.append("ceiling v3 \(intervalText(c.advertIntervalSeconds)) s (\(fmt(c.windowSeconds, 0)) s without a false takeover): \(text); ratio vrrpd/keepalived \(fmt(c.ratio, 2))")
    }
    for c in r.checks {
        out.append("target native \(c.protocolName) check ≤ 0.1 × script: ratio \(fmt(c.ratio, 3)): \(c.targetMet ? "met" : "missed")")
    }
    return out
}
