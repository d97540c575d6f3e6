// SPDX-License-Identifier: Apache-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "CVRRPLinux.h"

/// What the child reports through the close-on-exec pipe when it fails before execve.
struct spawn_failure {
    int stage;
    int error;
};

/// Only async-signal-safe calls and raw system calls run in the child (the daemon has other
/// threads; the child has one and must not take locks they may hold). Raw setresuid/setresgid:
/// glibc's wrappers would try to change every thread of the process (setxid broadcast).
static void child(const char *path, char *const argv[], char *const envp[], int switch_user,
                  uid_t uid, gid_t gid, const gid_t *groups, int ngroups, int report) {
    struct spawn_failure failure = { 0, 0 };
    struct sigaction dfl;
    sigset_t none;
    int fd;

    for (int sig = 1; sig < _NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        dfl.sa_handler = SIG_DFL;
        dfl.sa_flags = 0;
        sigemptyset(&dfl.sa_mask);
        sigaction(sig, &dfl, NULL);   /* EINVAL for the glibc-internal ones: harmless */
    }
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* Its own process group (pgid = pid): a timeout kills the script and what it started. */
    setpgid(0, 0);

    fd = open("/dev/null", O_RDWR);
    if (fd < 0) { failure.stage = CVRRP_SPAWN_STAGE_DEVNULL; goto fail; }
    if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) { failure.stage = CVRRP_SPAWN_STAGE_DEVNULL; goto fail; }
    if (fd > 2) close(fd);

    if (switch_user) {
        if (syscall(SYS_setgroups, (size_t)ngroups, groups) != 0) { failure.stage = CVRRP_SPAWN_STAGE_SETGROUPS; goto fail; }
        if (syscall(SYS_setresgid, gid, gid, gid) != 0) { failure.stage = CVRRP_SPAWN_STAGE_SETGID; goto fail; }
        /* Leaving uid 0 for another uid clears every capability set (capabilities(7)). */
        if (syscall(SYS_setresuid, uid, uid, uid) != 0) { failure.stage = CVRRP_SPAWN_STAGE_SETUID; goto fail; }
    }
    execve(path, argv, envp);
    failure.stage = CVRRP_SPAWN_STAGE_EXEC;
fail:
    failure.error = errno;
    while (write(report, &failure, sizeof failure) < 0 && errno == EINTR) {}
    _exit(127);
}

int cvrrp_spawn(const char *path, char *const argv[], char *const envp[], int switch_user,
                uid_t uid, gid_t gid, const gid_t *groups, int ngroups,
                pid_t *pid_out, int *stage_out) {
    int fds[2];
    sigset_t all, saved;
    pid_t pid;
    struct spawn_failure failure;
    ssize_t got;
    int status;

    *stage_out = 0;
    if (pipe2(fds, O_CLOEXEC) != 0) return -1;
    /* No signal handler may run in the child between fork and the reset above. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    pid = fork();
    if (pid == 0) {
        close(fds[0]);
        child(path, argv, envp, switch_user, uid, gid, groups, ngroups, fds[1]);
    }
    int fork_errno = errno;
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        *stage_out = CVRRP_SPAWN_STAGE_FORK;
        errno = fork_errno;
        return -1;
    }
    /* Also from here, so the group exists before the caller may kill it (no race with exec). */
    setpgid(pid, pid);
    do {
        got = read(fds[0], &failure, sizeof failure);
    } while (got < 0 && errno == EINTR);
    close(fds[0]);
    if (got == (ssize_t)sizeof failure) {
        /* The child failed before exec and exits at once: reap it. */
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        *stage_out = failure.stage;
        errno = failure.error;
        return -1;
    }
    *pid_out = pid;
    return 0;
}
