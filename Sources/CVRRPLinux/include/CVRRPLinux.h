// SPDX-License-Identifier: Apache-2.0
#ifndef CVRRPLINUX_H
#define CVRRPLINUX_H

// Headers that Swift's Glibc module map does not bring in, and static inline
// wrappers for the function-like macros (CMSG_*, NLMSG_*, RTA_*) that never import.
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/eventfd.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/icmp6.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <net/ethernet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/filter.h>
#include <linux/connector.h>
#include <linux/cn_proc.h>

/// recvmmsg(2)/sendmmsg(2) over plain msghdr arrays (struct mmsghdr needs _GNU_SOURCE);
/// the byte count of message i comes back in lens[i]. At most 64 messages per call.
int cvrrp_recvmmsg(int fd, struct msghdr *msgs, unsigned int *lens, unsigned int vlen, int flags);
int cvrrp_sendmmsg(int fd, struct msghdr *msgs, unsigned int *lens, unsigned int vlen, int flags);

static inline struct cmsghdr *cvrrp_cmsg_firsthdr(const struct msghdr *m) { return CMSG_FIRSTHDR(m); }
static inline struct cmsghdr *cvrrp_cmsg_nxthdr(struct msghdr *m, struct cmsghdr *c) { return CMSG_NXTHDR(m, c); }
static inline unsigned char *cvrrp_cmsg_data(struct cmsghdr *c) { return CMSG_DATA(c); }
static inline size_t cvrrp_cmsg_space(size_t len) { return CMSG_SPACE(len); }
static inline size_t cvrrp_cmsg_len(size_t len) { return CMSG_LEN(len); }


/// `struct in6_pktinfo` is only declared under _GNU_SOURCE; same layout as the kernel's.
struct cvrrp_in6_pktinfo {
    struct in6_addr ipi6_addr;
    unsigned int ipi6_ifindex;
};

/// CLONE_NEWNET, for `cvrrp_setns` (sched.h needs _GNU_SOURCE).
#define CVRRP_CLONE_NEWNET 0x40000000

/// setns(2) for the calling thread; defined in shim.c where _GNU_SOURCE is on.
int cvrrp_setns(int fd, int nstype);

/// The calling thread's kernel thread id.
int cvrrp_gettid(void);
/* pidfd_open(2) (Linux >= 5.3): -1 with errno set on failure (ENOSYS on older kernels). */
int cvrrp_pidfd_open(int pid);

/// 1 if the calling process has the capability in its effective set, 0 if not, -1 on error.
int cvrrp_has_capability(int cap);

/// Where `cvrrp_spawn` failed (0: it did not).
#define CVRRP_SPAWN_STAGE_FORK 1
#define CVRRP_SPAWN_STAGE_DEVNULL 2
#define CVRRP_SPAWN_STAGE_SETGROUPS 3
#define CVRRP_SPAWN_STAGE_SETGID 4
#define CVRRP_SPAWN_STAGE_SETUID 5
#define CVRRP_SPAWN_STAGE_EXEC 6

/// fork + (setgroups, setresgid, setresuid when `switch_user`) + execve, in a new process
/// group, stdin/stdout/stderr on /dev/null, signal mask and dispositions reset. The identity
/// is switched in the child by system calls (needs CAP_SETUID and CAP_SETGID in the calling
/// thread), so it works under NoNewPrivileges, where a setuid helper like setpriv cannot gain
/// them. Returns 0 and the pid, or -1 with errno and `*stage_out` (the child is reaped).
int cvrrp_spawn(const char *path, char *const argv[], char *const envp[], int switch_user,
                uid_t uid, gid_t gid, const gid_t *groups, int ngroups,
                pid_t *pid_out, int *stage_out);

/// Keeps exactly the capabilities in `keep` (effective and permitted; inheritable and ambient
/// cleared) and removes every other one from the bounding set, for the calling thread (call
/// before any other thread starts). The bounding set is only reduced when CAP_SETPCAP is
/// effective (a unit's CapabilityBoundingSet= has already reduced it otherwise).
/// Returns 0, or -1 with errno.
int cvrrp_keep_capabilities(const int *keep, int count);

#include "cvrrp_syslog.h"

#endif
