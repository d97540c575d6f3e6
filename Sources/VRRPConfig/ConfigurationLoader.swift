// SPDX-License-Identifier: Apache-2.0
/// The result of loading a configuration: the typed model when it is usable, and every
/// warning and error with its location.
public struct LoadResult: Hashable, Sendable {
    /// nil when any diagnostic refuses the file (under `strict`, when any is an error).
    public var configuration: Configuration?
    public var diagnostics: [Diagnostic]

    public init(configuration: Configuration?, diagnostics: [Diagnostic]) {
        self.configuration = configuration
        self.diagnostics = diagnostics
    }

    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { diagnostics.filter { $0.severity == .warning } }
    /// The errors that stop the file from running (all errors under `strict`).
    public var refusals: [Diagnostic] {
        configuration == nil ? diagnostics.filter { $0.severity == .error || $0.verdict == .refused } : []
    }
    /// The errors vrrpd corrected, as keepalived does, before running the file.
    public var corrections: [Diagnostic] { diagnostics.filter { $0.severity == .error && $0.verdict == .corrected } }

    /// keepalived 2.2.7's `-t` exit code for these diagnostics: 0 clean, 5 runs after the
    /// corrections printed, 4 cannot run, 6 scripts without script security.
    public var exitCode: Int32 {
        if configuration == nil { return 4 }
        let worst = diagnostics.map(\.verdict).max() ?? .advice
        return worst == .advice ? 0 : Int32(worst.rawValue)
    }
}

/// Reads a keepalived.conf (and its includes) into a `Configuration`.
///
///     let result = ConfigurationLoader(fileSystem: LocalFileSystem()).load(path: "/etc/keepalived/keepalived.conf")
public struct ConfigurationLoader: Sendable {
    public var fileSystem: any ConfigFileSystem
    /// keepalived's `-i` config id, selecting `@ID` lines.
    public var configID: String?
    /// `vrrpd --strict`: refuse the file instead of applying keepalived's corrections.
    public var strict: Bool

    public init(fileSystem: any ConfigFileSystem, configID: String? = nil, strict: Bool = false) {
        self.fileSystem = fileSystem
        self.configID = configID
        self.strict = strict
    }

    public func load(path: String) -> LoadResult {
        let (nodes, parseDiagnostics) = parseTree(path: path)
        var builder = ConfigurationBuilder()
        builder.diagnostics = parseDiagnostics
        builder.build(nodes)
        var configuration = builder.configuration
        var diagnostics = builder.diagnostics
        ConfigurationValidator.validate(&configuration, diagnostics: &diagnostics)
        ScriptSecurityCheck.applyDefaultUser(&configuration, fileSystem: fileSystem, diagnostics: &diagnostics)
        let usable = !diagnostics.contains { $0.verdict == .refused || (strict && $0.severity == .error) }
        return LoadResult(configuration: usable ? configuration : nil, diagnostics: diagnostics)
    }

    /// The statement tree after includes, parameters and conditionals, without typing.
    public func parseTree(path: String) -> (nodes: [ConfigNode], diagnostics: [Diagnostic]) {
        var pre = Preprocessor(fileSystem: fileSystem, configID: configID)
        pre.process(path: path, from: nil)
        let nodes = pre.tree.finish()
        return (nodes, pre.diagnostics + pre.tree.diagnostics)
    }
}
