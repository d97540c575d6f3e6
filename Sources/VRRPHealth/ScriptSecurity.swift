// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif

/// keepalived `enable_script_security`: a script run as root must not be modifiable by
/// anyone but root. The file and every directory above it must be owned by root and not
/// writable by group (unless the group is root) or others. Symlinks are resolved first
/// (`realpath`), so the checked path is the one that executes.
public enum ScriptSecurity {
    /// nil when secure, else the reason it is refused.
    public static func insecurityReason(ofExecutable path: String) -> String? {
        guard let resolved = realpath(path, nil) else {
            return "\(path): \(errnoText(errno))"
        }
        let real = String(cString: resolved)
        free(resolved)
        var components = real.split(separator: "/").map(String.init)
        var current = "/" + components.joined(separator: "/")
        while true {
            var st = stat()
            if stat(current, &st) != 0 {
                return "\(current): \(errnoText(errno))"
            }
            if let why = unsafeReason(st) {
                return "\(current) \(why)"
            }
            if components.isEmpty { return nil }
            components.removeLast()
            current = "/" + components.joined(separator: "/")
        }
    }

    /// keepalived `check_security`: the owner must be root; group (other than root) or world
    /// write permission is unsafe, except on a directory with the sticky bit (such as /tmp),
    /// where others cannot replace root's files.
    static func unsafeReason(_ st: stat) -> String? {
        if st.st_uid != 0 { return "is owned by uid \(st.st_uid), not root" }
        if st.st_mode & S_IFMT == S_IFDIR && st.st_mode & S_ISVTX != 0 { return nil }
        if st.st_mode & S_IWOTH != 0 { return "is writable by others" }
        if st.st_mode & S_IWGRP != 0 && st.st_gid != 0 { return "is writable by group \(st.st_gid)" }
        return nil
    }
}

/// The user a script runs as: uid, primary gid and supplementary groups, switched in the
/// child between fork and exec (`cvrrp_spawn`), never through a setuid helper such as setpriv,
/// which cannot gain CAP_SETUID under the unit's NoNewPrivileges=yes.
public struct RunIdentity: Sendable, Hashable, CustomStringConvertible {
    public var user: String
    public var uid: uid_t
    public var gid: gid_t
    public var groups: [gid_t]

    public var description: String { "\(user) (uid \(uid), gid \(gid))" }
    public var isRoot: Bool { uid == 0 && gid == 0 }

    /// getpwnam_r / getgrnam_r / getgrouplist (checker and notify threads resolve concurrently).
    /// `group` replaces the user's primary group (keepalived `script_user USER [GROUP]`).
    public static func lookup(user: String, group: String?) -> Result<RunIdentity, ProcessStartErrorText> {
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        var pwd = passwd()
        var pwResult: UnsafeMutablePointer<passwd>? = nil
        getpwnam_r(user, &pwd, &buffer, buffer.count, &pwResult)
        guard pwResult != nil else {
            return .failure(ProcessStartErrorText("unknown user \(user)"))
        }
        let uid = pwd.pw_uid
        var gid = pwd.pw_gid
        if let group {
            var grp = group_struct()
            var grResult: UnsafeMutablePointer<group_struct>? = nil
            var groupBuffer = [CChar](repeating: 0, count: 16 * 1024)
            getgrnam_r(group, &grp, &groupBuffer, groupBuffer.count, &grResult)
            guard grResult != nil else {
                return .failure(ProcessStartErrorText("unknown group \(group)"))
            }
            gid = grp.gr_gid
        }
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(user, gid, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count))
            if getgrouplist(user, gid, &groups, &count) < 0 { count = 0 }
        }
        return .success(RunIdentity(user: user, uid: uid, gid: gid, groups: Array(groups.prefix(Int(max(0, count))))))
    }
}

/// Who runs a script and whether `enable_script_security` applies: the same rules for
/// `vrrp_script` checks and notify scripts (keepalived's `check_vrrp_script_security` covers
/// track scripts, instance and sync-group notify scripts and the notify_fifo script alike).
public struct ScriptPolicy: Sendable, Hashable {
    /// `user` of the script, else `script_user`; nil: keepalived's default, the user
    /// `keepalived_script` if it exists, else root.
    public var user: String?
    public var group: String?
    /// keepalived `enable_script_security`.
    public var enforceSecurity: Bool

    public init(user: String? = nil, group: String? = nil, enforceSecurity: Bool = false) {
        self.user = user
        self.group = group
        self.enforceSecurity = enforceSecurity
    }

    /// keepalived's default script user when no `script_user` is set.
    public static let defaultUser = "keepalived_script"

    /// What to execute: the resolved path, argv, and the identity to switch to (nil: stay root).
    public struct Launch: Sendable, Hashable {
        public var path: String
        public var argv: [String]
        public var identity: RunIdentity?
    }

    /// Resolves the program and the user and applies script security. Runs on the worker
    /// thread that starts the script (it reads the password database and stats the path), so
    /// the file is re-checked on every run, as keepalived re-checks on reload.
    public func prepare(_ argv: [String]) -> Result<Launch, ProcessStartErrorText> {
        guard let first = argv.first else { return .failure(ProcessStartErrorText("empty command")) }
        guard let path = ChildProcess.resolve(first) else {
            return .failure(ProcessStartErrorText("\(first): not found in PATH"))
        }
        var identity: RunIdentity?
        var explicit = false
        if let user {
            switch RunIdentity.lookup(user: user, group: group) {
            case .success(let found): identity = found
            case .failure(let error): return .failure(error)
            }
            explicit = true
        } else if case .success(let found) = RunIdentity.lookup(user: Self.defaultUser, group: group) {
            identity = found
        }
        let asRoot = identity.map { $0.uid == 0 } ?? true
        if enforceSecurity && asRoot {
            if !explicit {
                return .failure(ProcessStartErrorText(
                    "SECURITY VIOLATION - refusing to run \(path) as root: no script_user is set and user "
                    + "\(Self.defaultUser) does not exist (set script_user, or script_user root to allow root)"))
            }
            if let why = ScriptSecurity.insecurityReason(ofExecutable: path) {
                return .failure(ProcessStartErrorText("SECURITY VIOLATION - refusing to run \(path) as root: \(why)"))
            }
        }
        // Root with root's group needs no switch: the child runs as the daemon does.
        if let id = identity, id.isRoot { identity = nil }
        var args = argv
        args[0] = first
        return .success(Launch(path: path, argv: args, identity: identity))
    }
}

typealias group_struct = group

public struct ProcessStartErrorText: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
