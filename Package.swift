// swift-tools-version: 6.1
// SPDX-License-Identifier: Apache-2.0
import PackageDescription

let package = Package(
    name: "swift-vrrp",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "VRRPCore", targets: ["VRRPCore"]),
        .library(name: "VRRPConfig", targets: ["VRRPConfig"]),
        .library(name: "VRRPHealth", targets: ["VRRPHealth"]),
        .executable(name: "vrrpctl", targets: ["vrrpctl"]),
        .executable(name: "vrrpd", targets: ["vrrpd"]),
        .executable(name: "vrrp-lab", targets: ["vrrp-lab"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // Pure protocol: codec, timers, state machine. Standard library only.
        .target(name: "VRRPCore"),
        // Pure keepalived.conf front end: lexer, preprocessor, typed model, lint.
        .target(name: "VRRPConfig", dependencies: ["VRRPCore"]),
        // C shim for the Linux headers Glibc's module map lacks.
        .target(name: "CVRRPLinux", linkerSettings: [.linkedLibrary("cap")]),
        // The one syscall helper (EINTR retried, errno captured): Glibc only, for every module.
        .target(name: "VRRPSystem"),
        // Linux IO: raw VRRP sockets, AF_PACKET, rtnetlink.
        .target(name: "VRRPLinux", dependencies: ["VRRPCore", "CVRRPLinux", "VRRPSystem"]),
        // Codable status snapshot, the status-socket line protocol and its client.
        .target(name: "VRRPStatus", dependencies: ["VRRPSystem"]),
        // Health checks (script, TCP, HTTP, AMQP, process, file): emit HealthEvent values only.
        .target(name: "VRRPHealth", dependencies: ["VRRPCore", "CVRRPLinux", "VRRPSystem"]),
        // The driver: event loop, sockets, addresses, checks, status, reload.
        .target(name: "VRRPRuntime", dependencies: [
            "VRRPCore", "VRRPConfig", "VRRPLinux", "VRRPHealth", "VRRPStatus",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Simulation and test helpers (tests only).
        .target(name: "VRRPTestSupport", dependencies: ["VRRPCore", "VRRPLinux", "VRRPLab"]),
        // Network-namespace lab (root, Linux): LANs, hosts, processes, captures.
        .target(name: "VRRPLab", dependencies: ["VRRPCore", "VRRPSystem", "VRRPStatus"]),
        // One binary for the daemon and the CLI: run as `vrrpctl` (the package's link), it is vrrpctl.
        .executableTarget(name: "vrrpd", dependencies: [
            "VRRPRuntime", "VRRPConfig", "VRRPLinux", "VRRPControl",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Chaos, leak and hostile-packet drivers over the lab (root, Linux).
        .target(name: "VRRPChaos", dependencies: ["VRRPLab", "VRRPStatus", "VRRPCore"]),
        // vrrpctl's commands (status, watch, is-master, reload, decode, lint), a library so that
        // vrrpd can be vrrpctl too. FoundationEssentials at most: Foundation would link ICU.
        .target(name: "VRRPControl", dependencies: [
            "VRRPCore", "VRRPConfig", "VRRPStatus",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Sources/vrrpctl"),
        // The stand-alone vrrpctl of a development build (tests and scripts run it from .build).
        .executableTarget(name: "vrrpctl", dependencies: ["VRRPControl"], path: "Sources/vrrpctl-main"),
        // The lab tool (up/status/fail/down/demo, chaos run/leaks); Debian package vrrpd-lab.
        .executableTarget(name: "vrrp-lab", dependencies: [
            "VRRPLab", "VRRPChaos", "VRRPStatus", "VRRPCore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "InteropTests", dependencies: ["VRRPLab", "VRRPStatus", "VRRPCore", "VRRPTestSupport"]),
        // Benchmarks (issue 9): vrrpd vs keepalived side by side; `scripts/bench` runs it.
        .target(name: "CBenchAlloc", path: "Benchmarks/CBenchAlloc"),
        .executableTarget(name: "vrrp-benchmarks", dependencies: [
            "VRRPLab", "VRRPCore", "CBenchAlloc",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Benchmarks/vrrp-benchmarks"),
        .testTarget(name: "VRRPCoreTests", dependencies: ["VRRPCore", "VRRPTestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "VRRPConfigTests", dependencies: ["VRRPConfig", "VRRPCore"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "VRRPStatusTests", dependencies: ["VRRPStatus"]),
        // The daemon over fake sockets and a manual clock: no root, simulated time.
        .testTarget(name: "VRRPRuntimeTests", dependencies: [
            "VRRPRuntime", "VRRPTestSupport", "VRRPConfig", "VRRPCore", "VRRPLinux", "VRRPStatus",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "VRRPLinuxTests", dependencies: ["VRRPLinux", "VRRPCore", "VRRPSystem", "VRRPTestSupport"]),
        .testTarget(name: "VRRPLabTests", dependencies: ["VRRPLab", "VRRPTestSupport"]),
        .testTarget(name: "IntegrationTests", dependencies: ["VRRPLab", "VRRPStatus", "VRRPCore", "VRRPTestSupport"]),
        .testTarget(name: "VRRPHealthTests", dependencies: ["VRRPHealth", "VRRPCore"]),
        .testTarget(name: "HealthIntegrationTests", dependencies: ["VRRPLab", "VRRPStatus", "VRRPCore", "VRRPTestSupport"]),
        .testTarget(name: "StatusIntegrationTests", dependencies: ["VRRPLab", "VRRPStatus", "VRRPCore", "VRRPTestSupport"]),
        // Builds the .deb with packaging/build-deb.sh and inspects it (release build, cached).
        .testTarget(name: "PackagingTests"),
        .testTarget(name: "ChaosTests", dependencies: ["VRRPChaos", "VRRPLab", "VRRPTestSupport"]),
        .testTarget(name: "HostileTests", dependencies: ["VRRPChaos", "VRRPLab", "VRRPStatus", "VRRPCore", "VRRPTestSupport"]),
        .testTarget(name: "BenchmarkSmokeTests", dependencies: ["VRRPLab", "VRRPTestSupport"]),
        // Every vrrpctl/vrrpd command line shown in docs/ and README parses (issue 18).
        .testTarget(name: "DocsTests", dependencies: ["VRRPControl", "vrrpd"]),
        // Builds packaging/container's image and runs two containers in lab namespaces (root, podman).
        .testTarget(name: "ContainerTests", dependencies: ["VRRPLab", "VRRPStatus", "VRRPTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
