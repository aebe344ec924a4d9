// SPDX-License-Identifier: Apache-2.0
/* The sampler's seccomp filter, hand-written classic BPF (no libseccomp: the whole filter is the
 * allowlist below, 57 instructions (65 with --maps), and adds no library to the static binary
 * or the pinned toolchain). Installed after the program is attached and the capabilities are
 * dropped; from then on the sampler only drains maps it already holds, polls, reads
 * /proc/PID/maps (--maps) and writes records. Every other system call, and every call from
 * another ABI (x32 on x86_64, a 32-bit compat call), kills the whole process:
 * SECCOMP_RET_KILL_PROCESS, seen by the parent as death by SIGSYS. Syscall numbers come from
 * <sys/syscall.h>, so an aarch64 build uses the same list with its own numbers and
 * AUDIT_ARCH_AARCH64.
 *
 * The list is what the statically linked code (this glibc, this libbpf) calls after attach,
 * traced with strace (drain, --maps, --kallsyms, signals, stdin, parent death, EPIPE,
 * SIGSTOP/SIGCONT); README.md explains each entry. */
#include <errno.h>
#include <stddef.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/perf_event.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "seccomp.h"

#if defined(__x86_64__)
#define SANDBOX_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SANDBOX_ARCH AUDIT_ARCH_AARCH64
#else
#error "seccomp.c: add this architecture's AUDIT_ARCH_* and check its system call list"
#endif
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "seccomp.c reads the low 32 bits of an argument at its first byte (little-endian)"
#endif

#define MAX_INSNS 128
#define NR_OFF offsetof(struct seccomp_data, nr)
#define ARCH_OFF offsetof(struct seccomp_data, arch)
/* Arguments that the kernel reads as int / unsigned int: only their low 32 bits are compared
 * (the upper half of the register is not defined by the ABI and the kernel ignores it). */
#define ARG_LO_OFF(i) (offsetof(struct seccomp_data, args) + (i) * sizeof(__u64))

struct prog {
	struct sock_filter insn[MAX_INSNS];
	unsigned n, nsyscalls;
	bool overflow;
};

static void emit(struct prog *p, struct sock_filter i)
{
	if (p->n < MAX_INSNS)
		p->insn[p->n++] = i;
	else
		p->overflow = true;
}

/* Each block expects the syscall number in A and leaves it there when it does not match. */
static void allow(struct prog *p, long nr)
{
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1));
	emit(p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	p->nsyscalls++;
}

/* Allows `nr` only if (low 32 bits of args[arg]) & mask is one of vals; kills otherwise (so A
 * may be overwritten: the block returns whenever it matched). */
static void allow_if(struct prog *p, long nr, unsigned arg, __u32 mask, const __u32 *vals, unsigned nvals)
{
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, nvals + 4));
	emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO_OFF(arg)));
	emit(p, (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, mask));
	for (unsigned i = 0; i < nvals; i++) /* match: jump over the remaining tests and the kill */
		emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, vals[i], nvals - i, 0));
	emit(p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
	emit(p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	p->nsyscalls++;
}

#define ALLOW_IF(p, nr, arg, mask, ...) \
	allow_if(p, nr, arg, mask, (const __u32[]){ __VA_ARGS__ }, sizeof((__u32[]){ __VA_ARGS__ }) / sizeof(__u32))

int sandbox_install(struct sandbox s)
{
	struct prog p = { .n = 0 };

	emit(&p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARCH_OFF));
	emit(&p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_ARCH, 1, 0));
	emit(&p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
	emit(&p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR_OFF));

	/* Draining: map commands on the fds it holds; no load, create, attach or fd-by-id. */
	ALLOW_IF(&p, __NR_bpf, 0, ~0u, BPF_MAP_LOOKUP_ELEM, BPF_MAP_UPDATE_ELEM, BPF_MAP_DELETE_ELEM,
		 BPF_MAP_GET_NEXT_KEY);
	/* Records to stdout, messages to stderr: no other fd. */
	ALLOW_IF(&p, __NR_write, 0, ~0u, STDOUT_FILENO, STDERR_FILENO);
	/* Waiting on the signalfd, stdin and the ring buffer's epoll fd. */
#ifdef __NR_poll
	allow(&p, __NR_poll);
#else
	allow(&p, __NR_ppoll);
#endif
	allow(&p, __NR_read);               /* signalfd, stdin, an open maps file */
	allow(&p, __NR_clock_nanosleep);    /* the 5 ms settle before each drain */
	allow(&p, __NR_clock_gettime);      /* when the vDSO cannot answer */
	allow(&p, __NR_getppid);            /* a SIGTERM: the parent's death (PR_SET_PDEATHSIG)? */
	allow(&p, __NR_close);
	allow(&p, __NR_restart_syscall);    /* a sleep or poll resumed after SIGSTOP/SIGCONT */
	/* malloc; no executable memory (and no mprotect at all). */
	ALLOW_IF(&p, __NR_mmap, 2, PROT_EXEC, 0);
	allow(&p, __NR_munmap);
	allow(&p, __NR_mremap);
	allow(&p, __NR_brk);
	/* Detaching at the end (libbpf's bpf_link__destroy of a perf event). */
	ALLOW_IF(&p, __NR_ioctl, 1, ~0u, PERF_EVENT_IOC_DISABLE);
	allow(&p, __NR_exit_group);
	allow(&p, __NR_exit);
	if (s.open_maps) /* /proc/PID/maps, read-only (seccomp cannot see the path: a pointer) */
		ALLOW_IF(&p, __NR_openat, 2, ~0u, SANDBOX_OPEN_FLAGS);
	if (s.capset) /* CAP_PERFMON between permitted and effective; it cannot add any other */
		allow(&p, __NR_capset);
	emit(&p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));

	if (p.overflow)
		return -E2BIG;
	struct sock_fprog prog = { .len = p.n, .filter = p.insn };
	if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0)
		return -errno;
	return p.nsyscalls;
}
