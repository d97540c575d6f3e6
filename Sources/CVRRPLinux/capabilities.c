#include "CVRRPLinux.h"
#include <errno.h>

int cvrrp_keep_net_capabilities(void) {
    cap_value_t keep[] = { CAP_NET_ADMIN, CAP_NET_RAW };
    cap_t caps = cap_init();
    if (caps == NULL) return -1;
    if (cap_set_flag(caps, CAP_EFFECTIVE, 2, keep, CAP_SET) != 0 ||
        cap_set_flag(caps, CAP_PERMITTED, 2, keep, CAP_SET) != 0) {
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
