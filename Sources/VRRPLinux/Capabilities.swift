#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif
import CVRRPLinux

/// The two capabilities the daemon needs: CAP_NET_ADMIN (addresses, multicast options) and
/// CAP_NET_RAW (raw and packet sockets).
public enum Capabilities {
    /// True if both CAP_NET_ADMIN and CAP_NET_RAW are in the effective set.
    public static func hasNetCapabilities() -> Bool {
        cvrrp_has_capability(CAP_NET_ADMIN) == 1 && cvrrp_has_capability(CAP_NET_RAW) == 1
    }

    /// Drops every capability except CAP_NET_ADMIN and CAP_NET_RAW (effective and permitted)
    /// Irreversible; call after anything needing more is done.
    /// Linux capabilities are per thread and cap_set_proc(3) (without libpsx) changes only the
    /// calling thread, so call this on the main thread before any other thread starts: threads
    /// created later inherit the reduced sets.
    public static func keepOnlyNetCapabilities() throws {
        try syscall("cap_set_proc(CAP_NET_ADMIN, CAP_NET_RAW)") { cvrrp_keep_net_capabilities() }
    }
}
