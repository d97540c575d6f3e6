/// `vrrpd --config-test -f FILE` (keepalived's `-t`): every diagnostic, then one line per
/// instance; exit 0 when the configuration is usable, 1 otherwise.
public enum ConfigTest {
    public static func run(path: String, fileSystem: any ConfigFileSystem = LocalFileSystem(),
                           configID: String? = nil) -> (lines: [String], exitCode: Int32) {
        let result = ConfigurationLoader(fileSystem: fileSystem, configID: configID).load(path: path)
        var lines = result.diagnostics.map(\.description)
        guard let configuration = result.configuration else {
            let count = result.errors.count
            lines.append("\(path): \(count) error\(count == 1 ? "" : "s"), \(result.warnings.count) warning\(result.warnings.count == 1 ? "" : "s"); configuration not usable")
            return (lines, 1)
        }
        for i in configuration.instances {
            lines.append(summary(i))
        }
        let n = configuration.instances.count
        lines.append("\(path): configuration OK (\(n) instance\(n == 1 ? "" : "s"), \(result.warnings.count) warning\(result.warnings.count == 1 ? "" : "s"))")
        return (lines, 0)
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
