/* SPDX-License-Identifier: Apache-2.0 */
/* The sampler's default-deny seccomp filter (seccomp.c): after attaching, only the system calls
 * that draining the maps and writing records need are allowed; any other kills the process
 * (SIGSYS). */
#ifndef EMBERSCOPE_SECCOMP_H
#define EMBERSCOPE_SECCOMP_H

#include <fcntl.h>
#include <stdbool.h>

/* The only flags the sampler opens files with once the filter is on (--maps: /proc/PID/maps). */
#define SANDBOX_OPEN_FLAGS (O_RDONLY | O_CLOEXEC)

struct sandbox {
	bool open_maps; /* --maps: openat (read-only, SANDBOX_OPEN_FLAGS) */
	bool capset;    /* --maps with CAP_PERFMON kept: raise and lower it around each open */
};

/* Installs the filter (no_new_privs must already be set). Returns the number of system calls
 * allowed, or -errno. */
int sandbox_install(struct sandbox s);

#endif
