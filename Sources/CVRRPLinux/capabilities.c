// SPDX-License-Identifier: Apache-2.0
#include "CVRRPLinux.h"
#include <errno.h>

int cvrrp_has_capability(int cap) {
    cap_t caps = cap_get_proc();
    if (caps == NULL) return -1;
    cap_flag_value_t value = CAP_CLEAR;
    int rc = cap_get_flag(caps, (cap_value_t)cap, CAP_EFFECTIVE, &value);
    int saved = errno;
    cap_free(caps);
    errno = saved;
    if (rc != 0) return -1;
    return value == CAP_SET ? 1 : 0;
}

int cvrrp_keep_capabilities(const int *keep, int count) {
    int last = 0;
    /* The highest capability the kernel knows: PR_CAPBSET_READ fails with EINVAL beyond it. */
    while (prctl(PR_CAPBSET_READ, (unsigned long)(last + 1), 0, 0, 0) >= 0) last++;
    if (cvrrp_has_capability(CAP_SETPCAP) == 1) {
        for (int cap = 0; cap <= last; cap++) {
            int kept = 0;
            for (int i = 0; i < count; i++) if (keep[i] == cap) kept = 1;
            if (!kept && prctl(PR_CAPBSET_READ, (unsigned long)cap, 0, 0, 0) == 1 &&
                prctl(PR_CAPBSET_DROP, (unsigned long)cap, 0, 0, 0) != 0) {
                return -1;
            }
        }
    }
    /* Ambient capabilities would survive execve into scripts. EINVAL: kernel without them. */
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) return -1;
    cap_t caps = cap_init();   /* everything clear, inheritable included */
    if (caps == NULL) return -1;
    /* Only what is permitted now can be kept (a unit's bounding set may lack some). */
    cap_t current = cap_get_proc();
    if (current == NULL) { cap_free(caps); return -1; }
    cap_value_t values[64];
    int n = 0;
    for (int i = 0; i < count && n < 64; i++) {
        cap_flag_value_t permitted = CAP_CLEAR;
        if (cap_get_flag(current, (cap_value_t)keep[i], CAP_PERMITTED, &permitted) == 0 && permitted == CAP_SET)
            values[n++] = (cap_value_t)keep[i];
    }
    cap_free(current);
    if (n > 0 && (cap_set_flag(caps, CAP_EFFECTIVE, n, values, CAP_SET) != 0 ||
                  cap_set_flag(caps, CAP_PERMITTED, n, values, CAP_SET) != 0)) {
        int saved = errno;
        cap_free(caps);
        errno = saved;
        return -1;
    }
    int rc = cap_set_proc(caps);
    int saved = errno;
    cap_free(caps);
    errno = saved;
    return rc;
}
