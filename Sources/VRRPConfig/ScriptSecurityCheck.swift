// SPDX-License-Identifier: Apache-2.0
/// `-t`'s script checks, as keepalived 2.2.7 makes them before running (keepalived/vrrp/vrrp.c
/// `check_vrrp_script_security`, lib/notify.c `check_script_secure`), when there is at least
/// one vrrp_instance:
/// - a vrrp_script whose program is not found is disabled, a configuration error (exit 5);
/// - any script or notify program that exists, without `enable_script_security`, is a
///   "SECURITY VIOLATION" (exit 6). `</dev/tcp/...` lines open a file and run nothing.
/// Needs a file system that can answer `regularFileExists`; the in-memory one skips the checks.
public enum ScriptSecurityCheck {
    /// keepalived searches PATH for a bare program name; systemd's default PATH.
    static let searchPath = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    public static func check(_ c: Configuration, fileSystem: any ConfigFileSystem) -> [Diagnostic] {
        guard !c.instances.isEmpty else { return [] }
        var out: [Diagnostic] = []
        var existing: [(String, SourceLocation)] = []
        func resolve(_ line: String) -> (program: String, found: Bool?)? {
            guard let program = firstWord(line), !program.isEmpty else { return nil }
            if program.hasPrefix("<") { return nil }
            if program.contains("/") { return (program, fileSystem.regularFileExists(atPath: program)) }
            for dir in searchPath {
                guard let found = fileSystem.regularFileExists(atPath: dir + "/" + program) else { return (program, nil) }
                if found { return (program, true) }
            }
            return (program, false)
        }
        for s in c.scripts {
            guard let (program, found) = resolve(s.script), let found else { continue }
            if found {
                existing.append((program, s.location))
            } else {
                out.append(.correction(s.location, "vrrp_script \(s.name): program \(program) not found; keepalived disables the script at start-up (its tracking is dropped), vrrpd runs it and counts each failure: install \(program) or fix the path"))
            }
        }
        let notifies = c.instances.map { ($0.notify, $0.location) } + c.syncGroups.map { ($0.notify, $0.location) }
        for (n, at) in notifies {
            for line in [n.master, n.backup, n.fault, n.stop, n.any].compactMap({ $0 }) {
                if let (program, found) = resolve(line), found == true { existing.append((program, at)) }
            }
        }
        // keepalived/vrrp/vrrp.c `check_vrrp_script_security`: the FIFO scripts too.
        for f in [c.globals.notifyFifoScript, c.globals.vrrpNotifyFifoScript].compactMap({ $0 }) {
            if let (program, found) = resolve(f.command), found == true { existing.append((program, f.location)) }
        }
        if !c.globals.enableScriptSecurity, let first = existing.first {
            out.append(Diagnostic(.error, first.1, "SECURITY VIOLATION (keepalived's words): scripts are run (\(Set(existing.map(\.0)).sorted().joined(separator: ", "))) but `enable_script_security` is not set: add it to global_defs so scripts writable by non-root users are refused", verdict: .scriptSecurity))
        }
        return out
    }

    /// keepalived 2.2.7 (lib/notify.c `get_default_script_user`, vrrp_parser.c
    /// `vrrp_script_end_handler`): with `enable_script_security`, no `script_user` and no user
    /// `keepalived_script`, a vrrp_script without its own `user` has no user to run as and is
    /// removed at load (a correction, -t exit 5); the instances and sync groups tracking it
    /// ignore it. vrrpd removes the same scripts, at start-up and on reload.
    public static func applyDefaultUser(_ c: inout Configuration, fileSystem: any ConfigFileSystem,
                                        diagnostics: inout [Diagnostic]) {
        // keepalived (global_parser.c `script_user_handler`): an unknown script_user is a
        // config error and stays unset, so the default user applies.
        if let user = c.globals.scriptUser, fileSystem.userExists(user) == false {
            diagnostics.append(.correction(c.globals.scriptUserLocation ?? SourceLocation(file: "", line: 1, column: 1),
                                         "script_user \(user): no such user; ignored, as keepalived ignores it (scripts run as keepalived_script, else root): create the user or fix the name"))
            c.globals.scriptUser = nil
            c.globals.scriptGroup = nil
            c.globals.scriptUserLocation = nil
        }
        let g = c.globals
        guard g.enableScriptSecurity, g.scriptUser == nil,
              c.scripts.contains(where: { $0.user == nil }),
              fileSystem.userExists("keepalived_script") == false else { return }
        let removed = Set(c.scripts.filter { $0.user == nil }.map(\.name))
        for s in c.scripts where s.user == nil {
            diagnostics.append(.correction(s.location, "vrrp_script \(s.name): no user to run it as: enable_script_security is set, script_user is not and user keepalived_script does not exist; removed with its tracking, as keepalived removes it: add `script_user NAME` to global_defs or `user NAME` to the script"))
        }
        c.scripts.removeAll { removed.contains($0.name) }
        for index in c.instances.indices {
            c.instances[index].trackScripts.removeAll { removed.contains($0.name) }
        }
        for index in c.syncGroups.indices {
            c.syncGroups[index].trackScripts.removeAll { removed.contains($0.name) }
        }
    }

    /// The program of a script line: its first word, quotes removed; a first word that is
    /// itself a quoted command line gives its own first word (keepalived's second split).
    static func firstWord(_ line: String) -> String? {
        guard let word = firstWordOnce(line) else { return nil }
        guard word.contains(where: { $0 == " " || $0 == "\t" }) else { return word }
        return firstWordOnce(word) ?? word
    }

    static func firstWordOnce(_ line: String) -> String? {
        var word = ""
        var quote: Character?
        var started = false
        for ch in line {
            if let q = quote {
                if ch == q { quote = nil } else { word.append(ch) }
                continue
            }
            if ch == " " || ch == "\t" {
                if started { break }
                continue
            }
            started = true
            if ch == "\"" || ch == "'" { quote = ch } else { word.append(ch) }
        }
        return started ? word : nil
    }
}
