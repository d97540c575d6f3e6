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

    static func unsafeReason(_ st: stat) -> String? {
        if st.st_uid != 0 { return "is owned by uid \(st.st_uid), not root" }
        if st.st_mode & S_IWOTH != 0 { return "is writable by others" }
        if st.st_mode & S_IWGRP != 0 && st.st_gid != 0 { return "is writable by group \(st.st_gid)" }
        return nil
    }
}

/// Running a check as another user without fork in the daemon: the argv is prefixed with
/// `setpriv --reuid=UID --regid=GID --init-groups --` (util-linux), which changes identity and
/// execs the script. setpriv is found in /usr/bin, /bin, /usr/sbin or /sbin.
public enum RunAs {
    public static func wrap(_ argv: [String], user: String, group: String?) -> Result<[String], ProcessStartErrorText> {
        // getpwnam_r / getgrnam_r: checker threads may resolve users concurrently.
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
            getgrnam_r(group, &grp, &buffer, buffer.count, &grResult)
            guard grResult != nil else {
                return .failure(ProcessStartErrorText("unknown group \(group)"))
            }
            gid = grp.gr_gid
        }
        let candidates = ["/usr/bin/setpriv", "/bin/setpriv", "/usr/sbin/setpriv", "/sbin/setpriv"]
        guard let setpriv = candidates.first(where: { access($0, X_OK) == 0 }) else {
            return .failure(ProcessStartErrorText("setpriv not found (needed to run as user \(user))"))
        }
        return .success([setpriv, "--reuid=\(uid)", "--regid=\(gid)", "--init-groups", "--"] + argv)
    }
}

typealias group_struct = group

public struct ProcessStartErrorText: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
