// SPDX-License-Identifier: Apache-2.0
#ifndef CBENCHALLOC_H
#define CBENCHALLOC_H

/// Heap allocations (malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign) made by
/// this process since it started. The benchmark executable replaces glibc's malloc family
/// with counting wrappers around glibc's own __libc_* entry points (glibc supports replacing
/// malloc this way), so the count covers the Swift runtime's allocations too.
unsigned long long cbench_allocations(void);

#endif
