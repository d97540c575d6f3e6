// SPDX-License-Identifier: Apache-2.0
/// `vrrpd --config-test -f FILE` (keepalived's `-t`): every diagnostic, then one line per
/// instance. Exit codes are keepalived 2.2.7's (keepalived/core/main.c `config_test_exit`;
/// keepalived(8) of 2.2.7 lists them one lower than the code uses): 0 clean, 5 runs after the
/// corrections printed, 4 cannot run, 6 scripts would run as root without
/// `enable_script_security`.
public enum ConfigTest {
    public static func run(path: String, fileSystem: any ConfigFileSystem = LocalFileSystem(),
                           configID: String? = nil, strict: Bool = false) -> (lines: [String], exitCode: Int32) {
        var result = ConfigurationLoader(fileSystem: fileSystem, configID: configID, strict: strict).load(path: path)
        if let configuration = result.configuration {
            result.diagnostics += ScriptSecurityCheck.check(configuration, fileSystem: fileSystem)
        }
        var lines = result.diagnostics.map(\.description)
        let warnings = "\(result.warnings.count) warning\(result.warnings.count == 1 ? "" : "s")"
        guard let configuration = result.configuration else {
            let count = result.errors.count
            lines.append("\(path): \(count) error\(count == 1 ? "" : "s"), \(warnings); configuration not usable\(strict ? " (--strict)" : "")")
            return (lines, result.exitCode)
        }
        for i in configuration.instances {
            lines.append(summary(i))
        }
        let n = configuration.instances.count
        let corrected = result.corrections.count
        let verdict = corrected == 0 ? "configuration OK" : "configuration runs after \(corrected) correction\(corrected == 1 ? "" : "s")"
        lines.append("\(path): \(verdict) (\(n) instance\(n == 1 ? "" : "s"), \(warnings))")
        return (lines, result.exitCode)
    }

    /// `VI_1: interface eth0, VRID 51, VRRPv2, priority 100, 1 virtual address, state MASTER`.
    public static func summary(_ i: InstanceConfiguration) -> String {
        let count = i.virtualAddresses.count
        return "\(i.name): interface \(i.interface), VRID \(i.virtualRouterID), \(i.version), priority \(i.priority), \(count) virtual address\(count == 1 ? "" : "es"), state \(i.initialState.rawValue)"
    }
}

/// `vrrpctl lint FILE FILE...`: loads each node's configuration and runs `ClusterLint`.
/// Exit 0 when every file loads and no cross-node error is found, 1 otherwise.
public enum ClusterLintRun {
    public static func run(paths: [String], fileSystem: any ConfigFileSystem = LocalFileSystem(),
                           configID: String? = nil) -> (lines: [String], exitCode: Int32) {
        var lines: [String] = []
        var nodes: [ClusterLint.Node] = []
        var failed = false
        let loader = ConfigurationLoader(fileSystem: fileSystem, configID: configID)
        for path in paths {
            let result = loader.load(path: path)
            lines += result.diagnostics.map(\.description)
            if let configuration = result.configuration {
                nodes.append(ClusterLint.Node(name: Path.lastComponent(path), configuration: configuration))
            } else {
                failed = true
                lines.append("\(path): not usable (\(result.errors.count) errors); left out of the cross-node checks")
            }
        }
        let findings = ClusterLint.check(nodes)
        lines += findings.map(\.description)
        let errors = findings.filter { $0.severity == .error }.count
        let warnings = findings.count - errors
        lines.append("checked \(nodes.count) of \(paths.count) configurations: \(errors) cross-node error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
        return (lines, failed || errors > 0 ? 1 : 0)
    }
}
