// SPDX-License-Identifier: Apache-2.0
#define _GNU_SOURCE
#include <sched.h>
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "CVRRPLinux.h"

int cvrrp_setns(int fd, int nstype) { return setns(fd, nstype); }

int cvrrp_gettid(void) { return (int)syscall(SYS_gettid); }

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434  /* the same number on every architecture (Linux 5.3) */
#endif
int cvrrp_pidfd_open(int pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }
