// SPDX-License-Identifier: Apache-2.0
/* emberscope-sampler: loads sampler.bpf.c, samples every CPU with a software CPU-clock perf
 * event, and streams framed little-endian records (FORMAT.md) to stdout. Static: libbpf,
 * libelf and zlib are compiled in; the host needs only kernel BTF.
 * Privileges: CAP_BPF + CAP_PERFMON (CAP_SYS_ADMIN on kernels older than 5.8), dropped as
 * soon as the program is attached; then a default-deny seccomp filter (seccomp.c) confines it
 * to draining, polling and writing records. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <linux/perf_event.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/xattr.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "sampler.h"
#include "sampler.skel.h"
#include "seccomp.h"
#ifdef EMBERSCOPE_TEST_FORBIDDEN_SYSCALL
#include <sys/mman.h>
#endif

#ifndef SAMPLER_VERSION
#define SAMPLER_VERSION "dev"
#endif
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the record stream is little-endian; add byte swapping for this target"
#endif

#define PROG "emberscope-sampler"
#define FORMAT_VERSION 1
#define MAPS_LIMIT (1u << 20)
#define IP_STACK_ENTRIES 4096
#define BUILD_ID_STACK_ENTRIES 2048
#define SETTLE_NS 5000000 /* samples in flight finish long before this (they run in IRQ) */

enum exit_code { /* documented in README.md */
	EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2, EXIT_NO_BTF = 3, EXIT_EPERM = 4,
	EXIT_KERNEL_TOO_OLD = 5, EXIT_PERF_EVENT_OPEN = 6, EXIT_FILE_CAPS_IGNORED = 7,
	EXIT_BPF_LOAD = 8, EXIT_SETUP = 9,
};
enum record_type { R_HEADER = 1, R_STACK, R_COUNT, R_STATS, R_END, R_ERROR, R_MAPS, R_CAPS, R_KALLSYMS };
enum end_reason { END_DURATION = 0, END_SIGNAL, END_CLOSED, END_ERROR };
enum stack_kind { K_USER = 0, K_KERNEL = 1, K_USER_BUILD_ID = 2 };

struct __attribute__((packed)) rec_header {
	char magic[4];
	__u16 version, flags;
	__u32 clock, hz, ncpus, max_depth, sampler_pid;
	__u64 start_mono_ns, start_real_ns;
};
struct __attribute__((packed)) rec_stack {
	__u32 stack_id;
	__u8 kind, reserved[3];
	__u32 nframes;
};
struct __attribute__((packed)) build_id_frame {
	__u8 status, reserved[3];
	__u8 build_id[20];
	__u64 offset_or_ip;
};
struct __attribute__((packed)) rec_count {
	__u32 tgid, pid;
	__s32 user_stack_id, kernel_stack_id;
	char comm[TASK_COMM_LEN];
	__u64 count;
};
struct __attribute__((packed)) rec_stats {
	__u64 interval, mono_ns, samples, lost_map_full, lost_user_stack, lost_kernel_stack, lost_other;
	__u64 filtered, idle; /* trailing fields added after the first 56 bytes */
};
struct __attribute__((packed)) rec_end {
	__u32 reason, reserved;
	__u64 mono_ns, total_samples, total_lost;
};
struct __attribute__((packed)) rec_caps {
	__u32 stage, no_new_privs;
	__u64 effective, permitted, inheritable, ambient, bounding;
};
_Static_assert(sizeof(struct rec_header) == 44, "HEADER");
_Static_assert(sizeof(struct rec_stack) == 12, "STACK");
_Static_assert(sizeof(struct build_id_frame) == 32, "build-id frame");
_Static_assert(sizeof(struct bpf_stack_build_id) == 32, "kernel build-id frame");
_Static_assert(sizeof(struct rec_count) == 40, "COUNT");
_Static_assert(sizeof(struct rec_stats) == 72, "STATS");
_Static_assert(sizeof(struct rec_end) == 32, "END");
_Static_assert(sizeof(struct rec_caps) == 48, "CAPS");

static struct {
	__u32 hz, interval_ms, ncpus_attached, max_depth;
	__u64 duration_ns;
	__u32 pids[MAX_FILTER_PIDS], npids;
	__u32 exclude[MAX_FILTER_PIDS], nexclude;
	const char *cgroup;
	bool build_id, kernel_stacks, maps, kallsyms, verbose;
#ifdef EMBERSCOPE_TEST_FORBIDDEN_SYSCALL
	const char *test_forbidden;
#endif
} opt = { .hz = 99, .interval_ms = 1000, .kernel_stacks = true };

/* ---- output ------------------------------------------------------------------------------ */

static char *obuf;
static size_t olen, ocap;
static bool header_written;

static void flush_out(void)
{
	size_t off = 0;
	while (off < olen) {
		ssize_t n = write(STDOUT_FILENO, obuf + off, olen - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) /* EPIPE: the reader is gone, which is how a capture is abandoned */
			_exit(errno == EPIPE ? EXIT_OK : EXIT_RUNTIME);
		off += n;
	}
	olen = 0;
}

static void *reserve(size_t n)
{
	if (olen + n > ocap) {
		if (olen > 0 && olen + n > (1u << 20))
			flush_out();
		if (n > ocap) {
			ocap = n > (1u << 21) ? n : (1u << 21);
			obuf = realloc(obuf, ocap);
			if (!obuf)
				_exit(EXIT_RUNTIME);
		}
	}
	void *p = obuf + olen;
	olen += n;
	return p;
}

static void record2(__u32 type, const void *a, __u32 alen, const void *b, __u32 blen)
{
	__u32 frame[2] = { type, alen + blen };
	char *p = reserve(sizeof(frame) + alen + blen);
	memcpy(p, frame, sizeof(frame));
	memcpy(p + sizeof(frame), a, alen);
	if (blen)
		memcpy(p + sizeof(frame) + alen, b, blen);
}

static __u64 now_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static __u64 total_samples, total_lost;

static void emit_end(__u32 reason)
{
	struct rec_end e = { .reason = reason, .mono_ns = now_ns(CLOCK_MONOTONIC),
			     .total_samples = total_samples, .total_lost = total_lost };
	record2(R_END, &e, sizeof(e), NULL, 0);
	flush_out();
}

/* One line on stderr (`emberscope-sampler: CODE: words`); after the header also an ERROR and
 * an END record. Exits. */
static void __attribute__((noreturn, format(printf, 3, 4))) fail(int code, const char *name, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, PROG ": %s: %s\n", name, msg);
	if (header_written) {
		__u32 len = strlen(name);
		char *p = reserve(8 + 4 + len + strlen(msg));
		__u32 frame[2] = { R_ERROR, 4 + len + (__u32)strlen(msg) };
		memcpy(p, frame, 8);
		memcpy(p + 8, &len, 4);
		memcpy(p + 12, name, len);
		memcpy(p + 12 + len, msg, strlen(msg));
		emit_end(END_ERROR);
	}
	exit(code);
}

/* ---- capabilities ------------------------------------------------------------------------ */

static const char *const cap_names[] = {
	"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid",
	"setpcap", "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw",
	"ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
	"sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod",
	"lease", "audit_write", "audit_control", "setfcap", "mac_override", "mac_admin", "syslog",
	"wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
};
#define NCAPS (sizeof(cap_names) / sizeof(cap_names[0]))
#define BIT(c) (1ull << (c))

struct caps {
	__u64 eff, prm, inh, amb, bnd;
	bool nnp;
};

static struct caps read_caps(void)
{
	struct caps c = {};
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");
	if (!f)
		return c;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;
		char key[32];
		if (sscanf(line, "%31[^:]: %llx", key, &v) != 2)
			continue;
		if (!strcmp(key, "CapEff")) c.eff = v;
		else if (!strcmp(key, "CapPrm")) c.prm = v;
		else if (!strcmp(key, "CapInh")) c.inh = v;
		else if (!strcmp(key, "CapAmb")) c.amb = v;
		else if (!strcmp(key, "CapBnd")) c.bnd = v;
		else if (!strcmp(key, "NoNewPrivs")) c.nnp = v != 0;
	}
	fclose(f);
	return c;
}

static void cap_list(char *buf, size_t size, __u64 set)
{
	size_t n = 0;
	buf[0] = 0;
	for (unsigned i = 0; i < 64 && n < size; i++)
		if (set & BIT(i))
			n += snprintf(buf + n, size - n, "%scap_%s", n ? "," : "",
				      i < NCAPS ? cap_names[i] : "unknown");
	if (!n)
		snprintf(buf, size, "none");
}

static void caps_record(__u32 stage, struct caps c)
{
	struct rec_caps r = { .stage = stage, .no_new_privs = c.nnp, .effective = c.eff,
			      .permitted = c.prm, .inheritable = c.inh, .ambient = c.amb,
			      .bounding = c.bnd };
	record2(R_CAPS, &r, sizeof(r), NULL, 0);
}

static struct caps report_caps(__u32 stage)
{
	struct caps c = read_caps();
	char e[1024], p[1024], i[1024], a[1024];
	cap_list(e, sizeof(e), c.eff);
	cap_list(p, sizeof(p), c.prm);
	cap_list(i, sizeof(i), c.inh);
	cap_list(a, sizeof(a), c.amb);
	fprintf(stderr, PROG ": info: capabilities %s: CapEff=%016llx (%s) CapPrm=%016llx (%s) "
		"CapInh=%016llx (%s) CapAmb=%016llx (%s) CapBnd=%016llx NoNewPrivs=%d\n",
		stage ? "after drop" : "at start", c.eff, e, c.prm, p, c.inh, i, c.amb, a, c.bnd, c.nnp);
	if (header_written)
		caps_record(stage, c);
	return c;
}

static int set_caps(__u64 eff, __u64 prm)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {
		{ .effective = (__u32)eff, .permitted = (__u32)prm },
		{ .effective = (__u32)(eff >> 32), .permitted = (__u32)(prm >> 32) },
	};
	return syscall(SYS_capset, &h, d);
}

/* Capabilities in the binary's security.capability xattr that this process did not get. */
static void check_file_caps_ignored(__u64 missing)
{
	char exe[PATH_MAX];
	struct vfs_ns_cap_data x = {};
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return;
	exe[n] = 0;
	n = getxattr(exe, "security.capability", &x, sizeof(x));
	if (n < (ssize_t)XATTR_CAPS_SZ_2)
		return;
	__u64 fileprm = x.data[0].permitted | (__u64)x.data[1].permitted << 32;
	if (!(fileprm & missing))
		return;
	struct statvfs vfs;
	if (read_caps().nnp)
		fail(EXIT_FILE_CAPS_IGNORED, "FILE_CAPS_IGNORED",
		     "%s has file capabilities but the kernel ignored them because no_new_privs is set "
		     "(run it without no_new_privs, or pass the capabilities as ambient ones)", exe);
	if (statvfs(exe, &vfs) == 0 && (vfs.f_flag & ST_NOSUID))
		fail(EXIT_FILE_CAPS_IGNORED, "FILE_CAPS_IGNORED",
		     "%s has file capabilities but its filesystem is mounted nosuid, so the kernel ignored them "
		     "(install it on a filesystem without nosuid)", exe);
}

/* ---- options ----------------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [options] > records\n"
		"Samples on-CPU stacks of every CPU with eBPF and writes framed binary records (FORMAT.md).\n"
		"  --hz N              samples per second per CPU (1-100000, default 99)\n"
		"  --duration SECONDS  stop after this long (default: until stdin closes, the parent dies or a signal)\n"
		"  --interval-ms N     drain the kernel maps every N ms (10-60000, default 1000)\n"
		"  --pid P             sample only this process (tgid); repeatable\n"
		"  --cgroup PATH       sample only this cgroup v2 and its descendants\n"
		"  --exclude-pid P     never sample this process; repeatable (itself and its parent always)\n"
		"  --build-id          user frames as (build id, file offset) instead of addresses\n"
		"  --no-kernel-stacks  do not record kernel stacks\n"
		"  --maps              emit /proc/PID/maps of each sampled process before its first count\n"
		"  --kallsyms          emit the kernel's text symbols once (read before the capability drop,\n"
		"                      so CAP_SYSLOG is not kept; without it the addresses read as zero)\n"
		"  --verbose           let libbpf log to stderr\n"
#ifdef EMBERSCOPE_TEST_FORBIDDEN_SYSCALL
		"  --test-forbidden-syscall NAME  TEST BUILD ONLY: make a forbidden system call once the\n"
		"                      seccomp filter is on (socket, execve, open-write, bpf-prog-load,\n"
		"                      write-fd, mmap-exec, mprotect, x32, i386)\n"
#endif
		"  --version           print the version and exit\n"
		"  --help              print this help and exit\n");
}

static void __attribute__((noreturn, format(printf, 1, 2))) bad_option(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, PROG ": BAD_OPTION: %s (see --help)\n", msg);
	exit(EXIT_USAGE);
}

static unsigned long number(const char *name, const char *s, unsigned long lo, unsigned long hi)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || errno || s[0] == '-' || v < lo || v > hi)
		bad_option("%s needs a whole number from %lu to %lu, got '%.64s'", name, lo, hi, s);
	return v;
}

static void parse_options(int argc, char **argv)
{
	enum { O_HZ = 256, O_DURATION, O_INTERVAL, O_PID, O_CGROUP, O_EXCLUDE, O_BUILD_ID,
	       O_NO_KSTACKS, O_MAPS, O_KALLSYMS, O_VERBOSE, O_VERSION, O_HELP, O_TEST_FORBIDDEN };
	static const struct option longopts[] = {
		{ "hz", required_argument, 0, O_HZ },
		{ "duration", required_argument, 0, O_DURATION },
		{ "interval-ms", required_argument, 0, O_INTERVAL },
		{ "pid", required_argument, 0, O_PID },
		{ "cgroup", required_argument, 0, O_CGROUP },
		{ "exclude-pid", required_argument, 0, O_EXCLUDE },
		{ "build-id", no_argument, 0, O_BUILD_ID },
		{ "no-kernel-stacks", no_argument, 0, O_NO_KSTACKS },
		{ "maps", no_argument, 0, O_MAPS },
		{ "kallsyms", no_argument, 0, O_KALLSYMS },
		{ "verbose", no_argument, 0, O_VERBOSE },
		{ "version", no_argument, 0, O_VERSION },
		{ "help", no_argument, 0, O_HELP },
#ifdef EMBERSCOPE_TEST_FORBIDDEN_SYSCALL
		{ "test-forbidden-syscall", required_argument, 0, O_TEST_FORBIDDEN },
#endif
		{ 0 },
	};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:", longopts, NULL)) != -1) {
		switch (c) {
		case O_HZ: opt.hz = number("--hz", optarg, 1, 100000); break;
		case O_DURATION:
			opt.duration_ns = number("--duration", optarg, 1, 31536000) * 1000000000ull;
			break;
		case O_INTERVAL: opt.interval_ms = number("--interval-ms", optarg, 10, 60000); break;
		case O_PID:
			if (opt.npids == MAX_FILTER_PIDS)
				bad_option("at most %d --pid", MAX_FILTER_PIDS);
			opt.pids[opt.npids++] = number("--pid", optarg, 1, INT_MAX);
			break;
		case O_EXCLUDE:
			if (opt.nexclude == MAX_FILTER_PIDS - 2)
				bad_option("at most %d --exclude-pid", MAX_FILTER_PIDS - 2);
			opt.exclude[opt.nexclude++] = number("--exclude-pid", optarg, 1, INT_MAX);
			break;
		case O_CGROUP:
			if (!*optarg)
				bad_option("--cgroup needs a path");
			opt.cgroup = optarg;
			break;
		case O_BUILD_ID: opt.build_id = true; break;
		case O_NO_KSTACKS: opt.kernel_stacks = false; break;
		case O_MAPS: opt.maps = true; break;
		case O_KALLSYMS: opt.kallsyms = true; break;
		case O_VERBOSE: opt.verbose = true; break;
		case O_VERSION:
			printf(PROG " %s (record format %d)\n", SAMPLER_VERSION, FORMAT_VERSION);
			exit(EXIT_OK);
		case O_HELP: usage(stdout); exit(EXIT_OK);
#ifdef EMBERSCOPE_TEST_FORBIDDEN_SYSCALL
		case O_TEST_FORBIDDEN: opt.test_forbidden = optarg; break;
#endif
		case ':': bad_option("%.64s needs a value", argv[optind - 1]);
		default: bad_option("unknown option '%.64s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		bad_option("unexpected argument '%.64s'", argv[optind]);
}

/* ---- small helpers ----------------------------------------------------------------------- */

static long read_sysctl(const char *path, long fallback)
{
	long v = fallback;
	FILE *f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = fallback;
		fclose(f);
	}
	return v;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return opt.verbose ? vfprintf(stderr, fmt, ap) : 0;
}

/* An open-addressing set of tgids that already had their MAPS record. */
static __u32 *seen;
static size_t seen_cap, seen_len;

static bool seen_add(__u32 tgid)
{
	if ((seen_len + 1) * 2 > seen_cap) {
		size_t ncap = seen_cap ? seen_cap * 2 : 1024;
		__u32 *n = calloc(ncap, sizeof(*n));
		if (!n)
			fail(EXIT_RUNTIME, "NO_MEMORY", "out of memory");
		for (size_t i = 0; i < seen_cap; i++)
			if (seen[i])
				for (size_t j = seen[i] * 2654435761u % ncap;; j = (j + 1) % ncap)
					if (!n[j]) { n[j] = seen[i]; break; }
		free(seen);
		seen = n;
		seen_cap = ncap;
	}
	for (size_t j = tgid * 2654435761u % seen_cap;; j = (j + 1) % seen_cap) {
		if (seen[j] == tgid)
			return false;
		if (!seen[j]) {
			seen[j] = tgid;
			seen_len++;
			return true;
		}
	}
}

static bool keep_perfmon; /* --maps: CAP_PERFMON stays permitted, raised only to open maps */
static __u64 kept_caps;   /* what drop_capabilities kept (CAP_BPF on kernels that need it) */

static void emit_maps(__u32 tgid)
{
	static char *text;
	char path[32];
	struct { __u32 tgid, flags; } h = { tgid, 0 };
	size_t len = 0;
	if (!text && !(text = malloc(MAPS_LIMIT)))
		fail(EXIT_RUNTIME, "NO_MEMORY", "out of memory");
	snprintf(path, sizeof(path), "/proc/%u/maps", tgid);
	if (keep_perfmon)
		set_caps(kept_caps, kept_caps);
	int fd = open(path, SANDBOX_OPEN_FLAGS);
	if (keep_perfmon)
		set_caps(kept_caps & ~BIT(CAP_PERFMON), kept_caps);
	if (fd < 0) {
		h.flags |= 2; /* could not be read: gone, or not permitted */
	} else {
		for (;;) {
			ssize_t n = read(fd, text + len, MAPS_LIMIT - len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) { h.flags |= 2; break; }
			if (n == 0) break;
			len += n;
			if (len == MAPS_LIMIT) {
				char c;
				if (read(fd, &c, 1) > 0) {
					/* cut at the last whole line */
					while (len > 0 && text[len - 1] != '\n')
						len--;
					h.flags |= 1;
				}
				break;
			}
		}
		close(fd);
	}
	record2(R_MAPS, &h, sizeof(h), text, len);
}

/* --maps: tgids announced by the program at the first sample of a process image (ring buffer:
 * a new process, or one that exec'd), read at once. */
static struct ring_buffer *new_tgid_rb;

static int on_new_tgid(void *ctx, void *data, size_t size)
{
	__u32 tgid;
	if (size < sizeof(tgid))
		return 0;
	memcpy(&tgid, data, sizeof(tgid));
	seen_add(tgid); /* the drain need not read them again */
	emit_maps(tgid); /* a new process, or one that exec'd since its first MAPS */
	return 0;
}

/* --kallsyms: the text symbols (types t T w W) of /proc/kallsyms, read once while the
 * capabilities of the start (CAP_SYSLOG when the user opted in) are still effective, kept until
 * the KALLSYMS record is written after the drop. Flags: bit0 cut at KALLSYMS_LIMIT (at a line
 * end), bit1 not readable or every address zero (no CAP_SYSLOG): the text is then empty. */
#define KALLSYMS_LIMIT (15u << 20)
static char *ksyms;
static size_t ksyms_len;
static __u32 ksyms_flags;

static void read_kallsyms(void)
{
	char line[640];
	bool nonzero = false;
	FILE *f = fopen("/proc/kallsyms", "re");
	if (!f) {
		ksyms_flags |= 2;
		return;
	}
	if (!(ksyms = malloc(KALLSYMS_LIMIT)))
		fail(EXIT_RUNTIME, "NO_MEMORY", "out of memory");
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);
		if (n == 0 || line[n - 1] != '\n') { /* over-long line: skip the rest of it */
			int c;
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		if (n < 20 || line[16] != ' ' || line[18] != ' ' ||
		    (line[17] != 't' && line[17] != 'T' && line[17] != 'w' && line[17] != 'W'))
			continue;
		if (memcmp(line, "0000000000000000", 16) == 0)
			continue;
		nonzero = true;
		if (ksyms_len + n > KALLSYMS_LIMIT) {
			ksyms_flags |= 1;
			break;
		}
		memcpy(ksyms + ksyms_len, line, n);
		ksyms_len += n;
	}
	fclose(f);
	if (!nonzero) {
		ksyms_flags |= 2;
		ksyms_len = 0;
	}
}

static void emit_kallsyms(void)
{
	record2(R_KALLSYMS, &ksyms_flags, sizeof(ksyms_flags), ksyms, ksyms_len);
	flush_out();
	free(ksyms);
	ksyms = NULL;
}

/* ---- draining ---------------------------------------------------------------------------- */

static struct sampler_bpf *skel;
static int ncpus_possible;
static __u64 interval_no;

struct gen_maps { int counts, ustacks, kstacks, uovf, kovf; };

static struct gen_maps gen_maps(int g)
{
	if (g)
		return (struct gen_maps){ bpf_map__fd(skel->maps.counts1), bpf_map__fd(skel->maps.ustacks1),
					  bpf_map__fd(skel->maps.kstacks1), bpf_map__fd(skel->maps.ustacks_ovf1),
					  bpf_map__fd(skel->maps.kstacks_ovf1) };
	return (struct gen_maps){ bpf_map__fd(skel->maps.counts0), bpf_map__fd(skel->maps.ustacks0),
				  bpf_map__fd(skel->maps.kstacks0), bpf_map__fd(skel->maps.ustacks_ovf0),
				  bpf_map__fd(skel->maps.kstacks_ovf0) };
}

static void clear_stack_map(int fd)
{
	__u32 key, next, *keys = NULL;
	size_t n = 0, cap = 0;
	int err = bpf_map_get_next_key(fd, NULL, &next);
	while (!err) {
		if (n == cap && !(keys = realloc(keys, (cap = cap ? cap * 2 : 256) * sizeof(*keys))))
			fail(EXIT_RUNTIME, "NO_MEMORY", "out of memory");
		keys[n++] = key = next;
		err = bpf_map_get_next_key(fd, &key, &next);
	}
	for (size_t i = 0; i < n; i++)
		bpf_map_delete_elem(fd, &keys[i]);
	free(keys);
}

/* Emits stack `id` unless done this interval. Ids from OVERFLOW_ID_BASE on live in the overflow
 * map `ovf` (entries / 2 slots); `done` has entries + entries / 2 flags. Returns false if the
 * stack could not be read. */
static bool emit_stack(int fd, int ovf, __u32 entries, __s32 id, __u8 kind, __u8 *done, void *buf,
		       size_t frame_size)
{
	__u32 key = id, slot = id;
	if (id >= OVERFLOW_ID_BASE) {
		fd = ovf;
		key = id - OVERFLOW_ID_BASE;
		slot = entries + key;
	}
	if (key >= entries)
		return false;
	if (done[slot])
		return true;
	if (bpf_map_lookup_elem(fd, &key, buf))
		return false;
	__u32 n = 0;
	if (kind == K_USER_BUILD_ID) {
		struct bpf_stack_build_id *k = buf;
		struct build_id_frame *out = buf; /* same size: converted in place */
		while (n < opt.max_depth && k[n].status != BPF_STACK_BUILD_ID_EMPTY)
			n++;
		for (__u32 i = 0; i < n; i++) {
			struct bpf_stack_build_id f = k[i];
			memset(&out[i], 0, sizeof(out[i]));
			out[i].status = f.status;
			if (f.status == BPF_STACK_BUILD_ID_VALID) {
				memcpy(out[i].build_id, f.build_id, sizeof(out[i].build_id));
				out[i].offset_or_ip = f.offset;
			} else {
				out[i].offset_or_ip = f.ip;
			}
		}
	} else {
		__u64 *ips = buf;
		while (n < opt.max_depth && ips[n])
			n++;
	}
	struct rec_stack h = { .stack_id = id, .kind = kind, .nframes = n };
	record2(R_STACK, &h, sizeof(h), buf, n * frame_size);
	done[slot] = 1;
	return true;
}

static void drain(int g)
{
	struct gen_maps m = gen_maps(g);
	size_t uframe = opt.build_id ? sizeof(struct bpf_stack_build_id) : sizeof(__u64);
	static __u8 *udone, *kdone;
	static void *stackbuf;
	static struct count_key *keys;
	static size_t keys_cap;
	size_t n = 0;
	__u64 user_lost = 0, kernel_lost = 0;

	__u32 uentries = opt.build_id ? BUILD_ID_STACK_ENTRIES : IP_STACK_ENTRIES;
	if (!stackbuf) {
		stackbuf = malloc(opt.max_depth * sizeof(struct bpf_stack_build_id));
		udone = calloc(uentries * 3 / 2, 1);
		kdone = calloc(IP_STACK_ENTRIES * 3 / 2, 1);
		if (!stackbuf || !udone || !kdone)
			fail(EXIT_RUNTIME, "NO_MEMORY", "out of memory");
	}
	memset(udone, 0, uentries * 3 / 2);
	memset(kdone, 0, IP_STACK_ENTRIES * 3 / 2);

	struct count_key key, next;
	int err = bpf_map_get_next_key(m.counts, NULL, &next);
	while (!err) {
		if (n == keys_cap &&
		    !(keys = realloc(keys, (keys_cap = keys_cap ? keys_cap * 2 : 1024) * sizeof(*keys))))
			fail(EXIT_RUNTIME, "NO_MEMORY", "out of memory");
		keys[n++] = key = next;
		err = bpf_map_get_next_key(m.counts, &key, &next);
	}
	if (err != -ENOENT)
		fail(EXIT_RUNTIME, "MAP_READ", "reading the counts map failed: %s", strerror(-err));

	for (size_t i = 0; i < n; i++) {
		struct rec_count c = { .tgid = keys[i].tgid, .pid = keys[i].pid,
				       .user_stack_id = keys[i].user_stack_id,
				       .kernel_stack_id = keys[i].kernel_stack_id };
		memcpy(c.comm, keys[i].comm, sizeof(c.comm));
		if (bpf_map_lookup_elem(m.counts, &keys[i], &c.count))
			fail(EXIT_RUNTIME, "MAP_READ", "reading a count failed: %s", strerror(errno));
		bpf_map_delete_elem(m.counts, &keys[i]);
		if (c.user_stack_id >= 0 &&
		    !emit_stack(m.ustacks, m.uovf, uentries, c.user_stack_id,
				opt.build_id ? K_USER_BUILD_ID : K_USER, udone, stackbuf, uframe)) {
			c.user_stack_id = -ENOENT;
			user_lost += c.count;
		}
		if (c.kernel_stack_id >= 0 &&
		    !emit_stack(m.kstacks, m.kovf, IP_STACK_ENTRIES, c.kernel_stack_id, K_KERNEL, kdone,
				stackbuf, sizeof(__u64))) {
			c.kernel_stack_id = -ENOENT;
			kernel_lost += c.count;
		}
		if (opt.maps && seen_add(c.tgid))
			emit_maps(c.tgid);
		record2(R_COUNT, &c, sizeof(c), NULL, 0);
	}
	clear_stack_map(m.ustacks);
	clear_stack_map(m.uovf);
	if (opt.kernel_stacks) {
		clear_stack_map(m.kstacks);
		clear_stack_map(m.kovf);
	}

	struct gen_stats per[ncpus_possible], zero[ncpus_possible];
	struct rec_stats s = { .interval = interval_no++, .mono_ns = now_ns(CLOCK_MONOTONIC) };
	__u32 gk = g;
	memset(zero, 0, sizeof(zero));
	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.stats), &gk, per))
		fail(EXIT_RUNTIME, "MAP_READ", "reading the stats failed: %s", strerror(errno));
	bpf_map_update_elem(bpf_map__fd(skel->maps.stats), &gk, zero, BPF_ANY);
	for (int i = 0; i < ncpus_possible; i++) {
		s.samples += per[i].samples;
		s.lost_map_full += per[i].lost_map_full;
		s.lost_user_stack += per[i].lost_user_stack;
		s.lost_kernel_stack += per[i].lost_kernel_stack;
		s.lost_other += per[i].lost_other;
		s.filtered += per[i].filtered;
		s.idle += per[i].idle;
	}
	s.lost_user_stack += user_lost;
	s.lost_kernel_stack += kernel_lost;
	total_samples += s.samples;
	total_lost += s.lost_map_full + s.lost_user_stack + s.lost_kernel_stack + s.lost_other;
	record2(R_STATS, &s, sizeof(s), NULL, 0);
	flush_out();
}

static void settle(void)
{
	struct timespec ts = { 0, SETTLE_NS };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Flips the generation the BPF program counts into, then drains the previous one. */
static void next_interval(void)
{
	__u32 old = skel->bss->gen & 1;
	__atomic_store_n(&skel->bss->gen, old ^ 1, __ATOMIC_SEQ_CST);
	settle();
	drain(old);
}

/* ---- setup ------------------------------------------------------------------------------- */

static void check_privileges(const struct utsname *u)
{
	unsigned major = 0, minor = 0;
	sscanf(u->release, "%u.%u", &major, &minor);
	bool old_kernel = major < 5 || (major == 5 && minor < 8);
	struct caps c = read_caps();
	if (major < 5 || (major == 5 && minor < 5))
		fail(EXIT_KERNEL_TOO_OLD, "KERNEL_TOO_OLD",
		     "kernel %s is older than 5.5, the oldest this sampler supports", u->release);
	if (old_kernel && !(c.eff & BIT(CAP_SYS_ADMIN)))
		fail(EXIT_KERNEL_TOO_OLD, "KERNEL_TOO_OLD",
		     "kernel %s predates CAP_BPF and CAP_PERFMON (5.8): it needs CAP_SYS_ADMIN, which it does not have",
		     u->release);
	if (c.eff & BIT(CAP_SYS_ADMIN))
		return;
	__u64 need = BIT(CAP_BPF) | BIT(CAP_PERFMON), missing = need & ~c.eff;
	if (!missing)
		return;
	check_file_caps_ignored(missing);
	const char *has = (c.eff & need) == 0 ? "neither" :
			  (c.eff & BIT(CAP_BPF)) ? "CAP_BPF only" : "CAP_PERFMON only";
	fail(EXIT_EPERM, "EPERM", "needs CAP_BPF and CAP_PERFMON; it has %s", has);
}

static int open_cgroup(__u64 *id)
{
	struct statfs sfs;
	struct stat st;
	int fd = open(opt.cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		fail(EXIT_SETUP, "CGROUP", "cannot open cgroup %s: %s", opt.cgroup, strerror(errno));
	if (fstatfs(fd, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC)
		fail(EXIT_SETUP, "CGROUP", "%s is not a cgroup v2 directory", opt.cgroup);
	fstat(fd, &st);
	*id = st.st_ino;
	return fd;
}

static void add_pid(struct bpf_map *map, __u32 pid)
{
	__u8 one = 1;
	if (bpf_map__update_elem(map, &pid, sizeof(pid), &one, sizeof(one), BPF_ANY))
		fail(EXIT_SETUP, "BPF_LOAD", "cannot fill the pid filter: %s", strerror(errno));
}

static void set_stack_map(struct bpf_map *map, __u32 value_size, __u32 entries, __u32 flags)
{
	if (bpf_map__set_value_size(map, value_size) || bpf_map__set_max_entries(map, entries) ||
	    bpf_map__set_map_flags(map, flags))
		fail(EXIT_BPF_LOAD, "BPF_LOAD", "cannot size the stack maps");
}

static void load(void)
{
	__u32 ip_size = opt.max_depth * sizeof(__u64);
	__u32 bid_size = opt.max_depth * sizeof(struct bpf_stack_build_id);

	skel = sampler_bpf__open();
	if (!skel)
		fail(EXIT_BPF_LOAD, "BPF_LOAD", "cannot open the embedded BPF object: %s", strerror(errno));
	skel->rodata->filter_tgids = opt.npids > 0;
	skel->rodata->filter_cgroup = opt.cgroup != NULL;
	skel->rodata->kernel_stacks = opt.kernel_stacks;
	skel->rodata->notify_new_tgids = opt.maps;
	for (int g = 0; g < 2; g++) {
		struct bpf_map *u = g ? skel->maps.ustacks1 : skel->maps.ustacks0;
		struct bpf_map *k = g ? skel->maps.kstacks1 : skel->maps.kstacks0;
		struct bpf_map *uo = g ? skel->maps.ustacks_ovf1 : skel->maps.ustacks_ovf0;
		struct bpf_map *ko = g ? skel->maps.kstacks_ovf1 : skel->maps.kstacks_ovf0;
		if (opt.build_id) {
			set_stack_map(u, bid_size, BUILD_ID_STACK_ENTRIES, BPF_F_STACK_BUILD_ID);
			set_stack_map(uo, bid_size, BUILD_ID_STACK_ENTRIES / 2, BPF_F_STACK_BUILD_ID);
		} else {
			set_stack_map(u, ip_size, IP_STACK_ENTRIES, 0);
			set_stack_map(uo, ip_size, IP_STACK_ENTRIES / 2, 0);
		}
		if (opt.kernel_stacks) {
			set_stack_map(k, ip_size, IP_STACK_ENTRIES, 0);
			set_stack_map(ko, ip_size, IP_STACK_ENTRIES / 2, 0);
		} else {
			set_stack_map(k, sizeof(__u64), 1, 0);
			set_stack_map(ko, sizeof(__u64), 1, 0);
		}
	}
	int err = sampler_bpf__load(skel);
	if (err == -EPERM || err == -EACCES)
		fail(EXIT_EPERM, "EPERM",
		     "the kernel refused to load the BPF program (%s): needs CAP_BPF and CAP_PERFMON "
		     "(or the kernel's lockdown or a security module forbids BPF)", strerror(-err));
	if (err)
		fail(EXIT_BPF_LOAD, "BPF_LOAD", "cannot load the BPF program: %s (run with --verbose for the verifier log)",
		     strerror(-err));
}

static int perf_event_open(int cpu)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.size = sizeof(attr),
		.freq = 1,
		.sample_freq = opt.hz,
	};
	return syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static struct bpf_link **links;

static void attach(void)
{
	long max_rate = read_sysctl("/proc/sys/kernel/perf_event_max_sample_rate", 100000);
	if ((long)opt.hz > max_rate)
		fail(EXIT_PERF_EVENT_OPEN, "PERF_EVENT_OPEN",
		     "--hz %u is above kernel.perf_event_max_sample_rate (%ld)", opt.hz, max_rate);
	links = calloc(ncpus_possible, sizeof(*links));
	if (!links)
		fail(EXIT_RUNTIME, "NO_MEMORY", "out of memory");
	for (int cpu = 0; cpu < ncpus_possible; cpu++) {
		int fd = perf_event_open(cpu);
		if (fd < 0 && errno == ENODEV)
			continue; /* offline CPU */
		if (fd < 0)
			fail(EXIT_PERF_EVENT_OPEN, "PERF_EVENT_OPEN",
			     "perf_event_open of the CPU clock on CPU %d failed: %s", cpu, strerror(errno));
		links[cpu] = bpf_program__attach_perf_event(skel->progs.ember_sample, fd);
		if (!links[cpu]) {
			int e = errno;
			close(fd);
			fail(e == EPERM ? EXIT_EPERM : EXIT_BPF_LOAD, e == EPERM ? "EPERM" : "BPF_LOAD",
			     "attaching to CPU %d failed: %s", cpu, strerror(e));
		}
		opt.ncpus_attached++;
	}
	if (!opt.ncpus_attached)
		fail(EXIT_PERF_EVENT_OPEN, "PERF_EVENT_OPEN", "no online CPU to sample");
}

static void detach(void)
{
	for (int cpu = 0; cpu < ncpus_possible; cpu++)
		bpf_link__destroy(links[cpu]); /* closes the perf event too */
}

/* Drops every capability, except CAP_BPF if this kernel needs it to read maps through an
 * open fd (before 6.5 with unprivileged_bpf_disabled set) and CAP_PERFMON for --maps. */
static void drop_capabilities(void)
{
	__u64 keep = opt.maps ? BIT(CAP_PERFMON) : 0;
	struct caps c = read_caps();
	__u32 k = 0;
	struct gen_stats probe[ncpus_possible];

	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (set_caps(c.eff & ~BIT(CAP_BPF) & ~BIT(CAP_SYS_ADMIN), c.prm) == 0 &&
	    bpf_map_lookup_elem(bpf_map__fd(skel->maps.stats), &k, probe) != 0 && errno == EPERM) {
		keep |= BIT(CAP_BPF) | (c.eff & BIT(CAP_SYS_ADMIN));
		fprintf(stderr, PROG ": info: this kernel needs %s to read BPF maps: keeping it\n",
			(c.eff & BIT(CAP_SYS_ADMIN)) ? "CAP_SYS_ADMIN" : "CAP_BPF");
	}
	keep &= c.prm;
	keep_perfmon = keep & BIT(CAP_PERFMON);
	kept_caps = keep;
	if (set_caps(keep & ~BIT(CAP_PERFMON), keep))
		fail(EXIT_RUNTIME, "CAPSET", "cannot drop capabilities: %s", strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		fail(EXIT_RUNTIME, "CAPSET", "cannot set no_new_privs: %s", strerror(errno));
}

/* The seccomp filter, last step of the setup. No core file when it kills the sampler (or
 * anything else does): its memory holds kernel addresses and other processes' maps. */
static void seal(void)
{
	struct rlimit no_core = { 0, 0 };
	if (setrlimit(RLIMIT_CORE, &no_core))
		fail(EXIT_RUNTIME, "SECCOMP", "cannot disable core dumps: %s", strerror(errno));
	int n = sandbox_install((struct sandbox){ .open_maps = opt.maps, .capset = keep_perfmon });
	if (n < 0)
		fail(EXIT_RUNTIME, "SECCOMP", "cannot install the seccomp filter: %s", strerror(-n));
	fprintf(stderr, PROG ": info: seccomp filter on: %d system calls allowed, any other kills the sampler (SIGSYS)\n", n);
}

#ifdef EMBERSCOPE_TEST_FORBIDDEN_SYSCALL
/* Test build only (make test-build): one system call the filter must refuse by killing the
 * process. If it returns, the filter let it through: say so and exit 99. */
static void forbidden_syscall(const char *name, int sfd)
{
	long r = -1;
	if (!strcmp(name, "socket")) {
		r = syscall(__NR_socket, 2 /* AF_INET */, 1 /* SOCK_STREAM */, 0);
	} else if (!strcmp(name, "execve")) {
		char *argv[] = { "/bin/true", NULL };
		r = syscall(__NR_execve, "/bin/true", argv, NULL);
	} else if (!strcmp(name, "open-write")) { /* openat is allowed with --maps, read-only */
		r = syscall(__NR_openat, AT_FDCWD, "/dev/null", O_WRONLY | O_CLOEXEC);
	} else if (!strcmp(name, "bpf-prog-load")) { /* bpf() is allowed for map commands only */
		union bpf_attr attr;
		memset(&attr, 0, sizeof(attr));
		r = syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	} else if (!strcmp(name, "write-fd")) { /* write() is allowed to stdout and stderr only */
		r = syscall(__NR_write, sfd, "x", 1);
	} else if (!strcmp(name, "mmap-exec")) { /* mmap() is allowed without PROT_EXEC */
		r = syscall(__NR_mmap, NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	} else if (!strcmp(name, "mprotect")) {
		r = syscall(__NR_mprotect, obuf, 4096, PROT_READ);
#if defined(__x86_64__)
	} else if (!strcmp(name, "x32")) { /* an x32-ABI call: same AUDIT_ARCH, bit 30 set */
		r = syscall(0x40000000 | __NR_getppid);
	} else if (!strcmp(name, "i386")) { /* a 32-bit compat call (AUDIT_ARCH_I386): getppid is 64 */
		int ret;
		__asm__ volatile("int $0x80" : "=a"(ret) : "a"(64) : "memory");
		r = ret;
#endif
	} else {
		fprintf(stderr, PROG ": TEST: unknown forbidden system call '%s'\n", name);
		exit(99);
	}
	fprintf(stderr, PROG ": TEST: forbidden system call %s was allowed (returned %ld)\n", name, r);
	exit(99);
}
#endif

/* ---- main -------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	pid_t parent = getppid();
	struct utsname u;
	sigset_t sigs;

	parse_options(argc, argv);
	/* Die with the parent: SIGTERM arrives through the signalfd below. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
	if (getppid() != parent)
		return EXIT_OK;
	int sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	libbpf_set_print(libbpf_print);

	ncpus_possible = libbpf_num_possible_cpus();
	long depth = read_sysctl("/proc/sys/kernel/perf_event_max_stack", 127);
	opt.max_depth = depth < 1 ? 1 : depth > 1024 ? 1024 : depth;
	uname(&u);

	struct rec_header h = {
		.magic = "EMBS", .version = FORMAT_VERSION,
		.flags = (opt.build_id ? 1 : 0) | (opt.kernel_stacks ? 2 : 0) | (opt.maps ? 4 : 0),
		.clock = 1, .hz = opt.hz, .ncpus = sysconf(_SC_NPROCESSORS_ONLN),
		.max_depth = opt.max_depth, .sampler_pid = getpid(),
	};
	struct caps start_caps = report_caps(0);
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
		fail(EXIT_NO_BTF, "NO_BTF",
		     "this kernel has no BTF (/sys/kernel/btf/vmlinux): it needs CONFIG_DEBUG_INFO_BTF=y");
	check_privileges(&u);

	__u64 cgroup_id = 0;
	int cgfd = opt.cgroup ? open_cgroup(&cgroup_id) : -1;
	load();
	add_pid(skel->maps.excluded, getpid());
	if (parent > 1)
		add_pid(skel->maps.excluded, parent);
	for (__u32 i = 0; i < opt.nexclude; i++)
		add_pid(skel->maps.excluded, opt.exclude[i]);
	for (__u32 i = 0; i < opt.npids; i++)
		add_pid(skel->maps.tgids, opt.pids[i]);
	if (cgfd >= 0) {
		__u32 zero = 0;
		if (bpf_map__update_elem(skel->maps.cgroup, &zero, sizeof(zero), &cgfd, sizeof(cgfd), BPF_ANY))
			fail(EXIT_SETUP, "CGROUP", "cannot set the cgroup filter: %s", strerror(errno));
		close(cgfd);
		fprintf(stderr, PROG ": info: sampling cgroup %s (id %llu) and its descendants\n", opt.cgroup,
			(unsigned long long)cgroup_id);
	}

	attach();
	h.ncpus = opt.ncpus_attached;
	h.start_mono_ns = now_ns(CLOCK_MONOTONIC);
	h.start_real_ns = now_ns(CLOCK_REALTIME);
	record2(R_HEADER, &h, sizeof(h), NULL, 0);
	header_written = true;
	caps_record(0, start_caps);
	if (opt.maps) { /* before the drop: setting it up queries the map (bpf()) and maps it */
		new_tgid_rb = ring_buffer__new(bpf_map__fd(skel->maps.new_tgids), on_new_tgid, NULL, NULL);
		if (!new_tgid_rb)
			fprintf(stderr, PROG ": info: no ring buffer for new processes (%s): their maps are read at the drain\n",
				strerror(errno));
	}
	if (opt.kallsyms)
		read_kallsyms();
	drop_capabilities();
	prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
	report_caps(1);
	/* stdin: a pipe, socket or terminal closing ends the capture; /dev/null or a file does not. */
	struct stat st;
	bool watch_stdin = fstat(STDIN_FILENO, &st) == 0 &&
			   (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || isatty(STDIN_FILENO));
	seal();
	flush_out();
	if (opt.kallsyms)
		emit_kallsyms();
#ifdef EMBERSCOPE_TEST_FORBIDDEN_SYSCALL
	if (opt.test_forbidden)
		forbidden_syscall(opt.test_forbidden, sfd);
#endif
	__u64 interval_ns = (__u64)opt.interval_ms * 1000000ull;
	__u64 next = h.start_mono_ns + interval_ns;
	__u64 deadline = opt.duration_ns ? h.start_mono_ns + opt.duration_ns : UINT64_MAX;
	__u32 reason = END_DURATION;

	for (;;) {
		__u64 now = now_ns(CLOCK_MONOTONIC);
		if (now >= deadline) {
			reason = END_DURATION;
			break;
		}
		if (now >= next) {
			next_interval();
			while (next <= now)
				next += interval_ns;
			continue;
		}
		__u64 until = next < deadline ? next : deadline;
		struct pollfd p[3] = { { .fd = sfd, .events = POLLIN },
				       { .fd = watch_stdin ? STDIN_FILENO : -1, .events = POLLIN },
				       { .fd = new_tgid_rb ? ring_buffer__epoll_fd(new_tgid_rb) : -1, .events = POLLIN } };
		int r = poll(p, 3, (int)((until - now + 999999) / 1000000));
		if (r < 0 && errno != EINTR)
			fail(EXIT_RUNTIME, "POLL", "poll failed: %s", strerror(errno));
		if (r > 0 && p[0].revents) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				reason = getppid() != parent ? END_CLOSED : END_SIGNAL;
				break;
			}
		}
		if (r > 0 && p[2].revents)
			ring_buffer__consume(new_tgid_rb);
		if (r > 0 && watch_stdin && p[1].revents) {
			char buf[4096];
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
				reason = END_CLOSED;
				break;
			}
		}
	}

	/* Detach, let samples in flight land, drain both generations, END. */
	detach();
	__u32 cur = skel->bss->gen & 1;
	__atomic_store_n(&skel->bss->gen, cur ^ 1, __ATOMIC_SEQ_CST);
	settle();
	drain(cur);
	emit_end(reason);
	ring_buffer__free(new_tgid_rb);
	sampler_bpf__destroy(skel);
	return EXIT_OK;
}
