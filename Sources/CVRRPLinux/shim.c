// SPDX-License-Identifier: Apache-2.0
#define _GNU_SOURCE
#include <sched.h>
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include "CVRRPLinux.h"

int cvrrp_setns(int fd, int nstype) { return setns(fd, nstype); }

int cvrrp_gettid(void) { return (int)syscall(SYS_gettid); }

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434  /* the same number on every architecture (Linux 5.3) */
#endif
int cvrrp_pidfd_open(int pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

/* recvmmsg(2)/sendmmsg(2) (issue 16). struct mmsghdr needs _GNU_SOURCE, which Swift's Glibc
 * module does not define, so Swift passes plain msghdr arrays and the lengths come back in
 * `lens`. At most 64 messages per call. */
static int cvrrp_mmsg(int fd, struct msghdr *msgs, unsigned int *lens, unsigned int vlen, int flags, int send) {
    struct mmsghdr m[64];
    if (vlen > 64) vlen = 64;
    for (unsigned int i = 0; i < vlen; i++) { m[i].msg_hdr = msgs[i]; m[i].msg_len = 0; }
    int n = send ? sendmmsg(fd, m, vlen, flags) : recvmmsg(fd, m, vlen, flags, NULL);
    for (int i = 0; i < n; i++) { msgs[i] = m[i].msg_hdr; lens[i] = m[i].msg_len; }
    return n;
}

int cvrrp_recvmmsg(int fd, struct msghdr *msgs, unsigned int *lens, unsigned int vlen, int flags) {
    return cvrrp_mmsg(fd, msgs, lens, vlen, flags, 0);
}

int cvrrp_sendmmsg(int fd, struct msghdr *msgs, unsigned int *lens, unsigned int vlen, int flags) {
    return cvrrp_mmsg(fd, msgs, lens, vlen, flags, 1);
}
