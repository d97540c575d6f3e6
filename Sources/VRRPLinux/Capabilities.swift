// SPDX-License-Identifier: Apache-2.0
import VRRPSystem
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif
import CVRRPLinux

/// The capabilities the daemon keeps: CAP_NET_ADMIN (addresses, multicast options) and
/// CAP_NET_RAW (raw and packet sockets), plus `scriptUser` when scripts run as another user.
public enum Capabilities {
    /// True if both CAP_NET_ADMIN and CAP_NET_RAW are in the effective set.
    public static func hasNetCapabilities() -> Bool {
        cvrrp_has_capability(CAP_NET_ADMIN) == 1 && cvrrp_has_capability(CAP_NET_RAW) == 1
    }

    /// CAP_NET_ADMIN and CAP_NET_RAW: addresses, multicast options, raw and packet sockets.
    public static let network: [Int32] = [CAP_NET_ADMIN, CAP_NET_RAW]
    /// What running scripts as another user needs: CAP_SETUID and CAP_SETGID to switch in the
    /// child before exec, CAP_KILL to kill its process group at the timeout (kill(2) between
    /// different uids).
    public static let scriptUser: [Int32] = [CAP_SETUID, CAP_SETGID, CAP_KILL]
    /// `max_auto_priority`: switching to SCHED_RR (and raising RLIMIT_RTTIME) while running.
    public static let realtimeScheduling: [Int32] = [CAP_SYS_NICE, CAP_SYS_RESOURCE]
    /// `vrrp_no_swap`: mlockall(MCL_FUTURE) locks every later allocation; without CAP_IPC_LOCK
    /// they count against RLIMIT_MEMLOCK and malloc fails once it is reached.
    public static let memoryLock: [Int32] = [CAP_IPC_LOCK]

    /// Keeps exactly `keep` (those of them permitted now) in the effective and permitted sets,
    /// clears the inheritable and ambient sets and, when CAP_SETPCAP allows it, removes every
    /// other capability from the bounding set, so that scripts (which run as root unless a user
    /// is configured) cannot regain more on exec. Per thread: call before any thread starts.
    public static func keepOnly(_ keep: [Int32]) throws {
        try syscall("keep capabilities \(keep)") {
            keep.withUnsafeBufferPointer { cvrrp_keep_capabilities($0.baseAddress, Int32($0.count)) }
        }
    }
}
