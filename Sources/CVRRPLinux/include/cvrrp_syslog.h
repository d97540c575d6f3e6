// SPDX-License-Identifier: Apache-2.0
#ifndef CVRRP_SYSLOG_H
#define CVRRP_SYSLOG_H

/// syslog(3) is variadic and does not import into Swift: these pass one preformatted message.
void cvrrp_openlog(const char *ident);
void cvrrp_syslog(int priority, const char *message);

#endif
