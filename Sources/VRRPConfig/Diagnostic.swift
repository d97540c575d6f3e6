// SPDX-License-Identifier: Apache-2.0
/// Where a token came from: file, 1-based line and column.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// A warning or an error about a configuration, printed as `file:line:column: severity: message`.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Hashable, Sendable {
        case warning
        case error
    }

    /// What the problem means for running the file, classed as keepalived 2.2.7's `-t` classes
    /// it (lib/parser.h `config_err_t`, keepalived/core/main.c `config_test_exit`).
    public enum Verdict: Int, Hashable, Sendable, Comparable {
        /// vrrpd's own advice; keepalived reports nothing. No effect on `-t`'s exit code.
        case advice = 0
        /// keepalived reports it and runs the file after correcting or ignoring it (`-t` exit 5);
        /// vrrpd applies the same correction at start-up and reload (refused under `--strict`).
        case corrected = 5
        /// Scripts would run as root without `enable_script_security` (`-t` exit 6).
        case scriptSecurity = 6
        /// The file cannot run (`-t` exit 4); vrrpd refuses it.
        case refused = 4

        public static func < (a: Verdict, b: Verdict) -> Bool { a.rank < b.rank }

        /// refused > scriptSecurity > corrected > advice: the worst one sets the exit code.
        var rank: Int {
            switch self {
            case .advice: 0
            case .corrected: 1
            case .scriptSecurity: 2
            case .refused: 3
            }
        }
    }

    public var severity: Severity
    public var location: SourceLocation
    public var message: String
    public var verdict: Verdict

    public init(_ severity: Severity, _ location: SourceLocation, _ message: String, verdict: Verdict? = nil) {
        self.severity = severity
        self.location = location
        self.message = message
        self.verdict = verdict ?? (severity == .error ? .refused : .advice)
    }

    /// A mistake vrrpd cannot run with: the configuration is refused.
    public static func error(_ location: SourceLocation, _ message: String) -> Diagnostic {
        Diagnostic(.error, location, message)
    }

    /// Advice keepalived does not give: the file runs as written.
    public static func warning(_ location: SourceLocation, _ message: String) -> Diagnostic {
        Diagnostic(.warning, location, message)
    }

    /// A mistake keepalived corrects and then runs the file: vrrpd applies the same correction
    /// and logs it at error level (`-t` exit 5; a refusal under `--strict`).
    public static func correction(_ location: SourceLocation, _ message: String) -> Diagnostic {
        Diagnostic(.error, location, message, verdict: .corrected)
    }

    /// A remark keepalived also prints (an unknown or deprecated keyword): a warning that makes
    /// `-t` exit 5 as keepalived's does.
    public static func reported(_ location: SourceLocation, _ message: String) -> Diagnostic {
        Diagnostic(.warning, location, message, verdict: .corrected)
    }

    public var description: String { "\(location): \(severity.rawValue): \(message)" }
}
