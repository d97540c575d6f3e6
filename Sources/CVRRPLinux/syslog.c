// SPDX-License-Identifier: Apache-2.0
#include "cvrrp_syslog.h"
#include <syslog.h>

void cvrrp_openlog(const char *ident) {
    openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void cvrrp_syslog(int priority, const char *message) {
    syslog(priority, "%s", message);
}
