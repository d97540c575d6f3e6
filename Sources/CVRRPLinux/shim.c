#define _GNU_SOURCE
#include <sched.h>
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "CVRRPLinux.h"

int cvrrp_setns(int fd, int nstype) { return setns(fd, nstype); }

int cvrrp_gettid(void) { return (int)syscall(SYS_gettid); }
