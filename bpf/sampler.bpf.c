// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Emberscope sampler: counts CPU samples by (tgid, pid, user stack, kernel stack, comm).
 *
 * Attached to one software CPU-clock perf event per CPU. Counts and stacks live in two
 * generations of maps; user space flips `gen`, waits for samples in flight, then drains
 * and empties the other generation. So a stack id is only valid within one interval.
 * (The program is GPL-compatible because bpf_get_stackid() is a GPL-only helper.) */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "sampler.h"

#define EFAULT 14
#define EEXIST 17
#define E2BIG 7
#define ENOMEM 12

/* The loader sets value_size (max_depth frames) and, for build-id frames, map_flags. */
#define STACK_MAP(name)                                                                            \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_STACK_TRACE);                                            \
		__uint(key_size, sizeof(__u32));                                                   \
		__uint(value_size, 127 * sizeof(__u64));                                           \
		__uint(max_entries, 4096);                                                         \
	} name SEC(".maps")

#define COUNT_MAP(name)                                                                            \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_HASH);                                                   \
		__type(key, struct count_key);                                                     \
		__type(value, __u64);                                                              \
		__uint(max_entries, COUNT_ENTRIES);                                                \
	} name SEC(".maps")

STACK_MAP(ustacks0);
STACK_MAP(ustacks1);
STACK_MAP(kstacks0);
STACK_MAP(kstacks1);
STACK_MAP(ustacks_ovf0);
STACK_MAP(ustacks_ovf1);
STACK_MAP(kstacks_ovf0);
STACK_MAP(kstacks_ovf1);
COUNT_MAP(counts0);
COUNT_MAP(counts1);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct gen_stats);
	__uint(max_entries, 2);
} stats SEC(".maps");

/* tgids to sample (when filter_tgids) and tgids never to sample (always: the sampler, the agent). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u8);
	__uint(max_entries, MAX_FILTER_PIDS);
} tgids SEC(".maps"), excluded SEC(".maps");

/* The cgroup v2 to sample, descendants included (when filter_cgroup). */
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
	__uint(max_entries, 1);
} cgroup SEC(".maps");

/* First sight of a process image (with --maps): the tgid goes to a ring buffer at once, so the
 * loader reads /proc/TGID/maps while a short-lived process still runs, not at the next drain.
 * The value is the address space (mm) it was announced with: a process that execs gets a new
 * one, and is announced again (a fork child sampled before its exec would otherwise keep the
 * parent's maps). The mm address never leaves the kernel. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, SEEN_TGIDS);
} seen_tgids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} new_tgids SEC(".maps");

const volatile bool notify_new_tgids = false;
const volatile bool filter_tgids = false;
const volatile bool filter_cgroup = false;
const volatile bool kernel_stacks = true;

__u32 gen = 0; /* written by user space through the mmap-ed .bss */

/* A stack id, from the overflow map if the main map's bucket holds another stack (-EEXIST).
 * -EFAULT means "there is none": no user stack in a kernel thread, no kernel stack for a
 * sample taken in user mode. Other errors are losses. */
static __always_inline __s32 stack_id(struct bpf_perf_event_data *ctx, void *map, void *ovf,
				      __u64 flags, __u64 *lost)
{
	long id = bpf_get_stackid(ctx, map, flags);

	if (id == -EEXIST) {
		id = bpf_get_stackid(ctx, ovf, flags);
		if (id >= 0)
			id += OVERFLOW_ID_BASE;
	}
	if (id < 0 && id != -EFAULT)
		(*lost)++;
	return id;
}

static __always_inline void record(struct bpf_perf_event_data *ctx, struct gen_stats *st,
				   __u64 pid_tgid, void *counts, void *ustacks, void *kstacks,
				   void *ustacks_ovf, void *kstacks_ovf)
{
	struct count_key key = {};
	__u64 one = 1, *val;
	long err;

	key.tgid = pid_tgid >> 32;
	key.pid = (__u32)pid_tgid;
	bpf_get_current_comm(&key.comm, sizeof(key.comm));

	key.user_stack_id = stack_id(ctx, ustacks, ustacks_ovf, BPF_F_USER_STACK, &st->lost_user_stack);
	key.kernel_stack_id = -1;
	if (kernel_stacks)
		key.kernel_stack_id = stack_id(ctx, kstacks, kstacks_ovf, 0, &st->lost_kernel_stack);

	val = bpf_map_lookup_elem(counts, &key);
	if (val) {
		__sync_fetch_and_add(val, 1);
		return;
	}
	err = bpf_map_update_elem(counts, &key, &one, BPF_NOEXIST);
	if (err == -EEXIST) { /* another CPU inserted it meanwhile */
		val = bpf_map_lookup_elem(counts, &key);
		if (val) {
			__sync_fetch_and_add(val, 1);
			return;
		}
	}
	if (err == -E2BIG || err == -ENOMEM)
		st->lost_map_full++;
	else if (err)
		st->lost_other++;
}

SEC("perf_event")
int ember_sample(struct bpf_perf_event_data *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	__u32 g = *(volatile __u32 *)&gen & 1;
	struct gen_stats *st;

	st = bpf_map_lookup_elem(&stats, &g);
	if (!st)
		return 0;
	if ((__u32)pid_tgid == 0) {
		st->idle++;
		return 0;
	}
	if (bpf_map_lookup_elem(&excluded, &tgid) ||
	    (filter_tgids && !bpf_map_lookup_elem(&tgids, &tgid)) ||
	    (filter_cgroup && bpf_current_task_under_cgroup(&cgroup, 0) != 1)) {
		st->filtered++;
		return 0;
	}
	st->samples++;
	if (notify_new_tgids) {
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();
		__u64 mm = (__u64)BPF_CORE_READ(task, mm);
		__u64 *seen = bpf_map_lookup_elem(&seen_tgids, &tgid);
		if (mm && (!seen || *seen != mm)) {
			/* Racing CPUs may both announce it: user space reads the maps twice, harmlessly.
			 * A full ring only delays the maps to the drain. */
			bpf_map_update_elem(&seen_tgids, &tgid, &mm, BPF_ANY);
			bpf_ringbuf_output(&new_tgids, &tgid, sizeof(tgid), 0);
		}
	}
	if (g)
		record(ctx, st, pid_tgid, &counts1, &ustacks1, &kstacks1, &ustacks_ovf1, &kstacks_ovf1);
	else
		record(ctx, st, pid_tgid, &counts0, &ustacks0, &kstacks0, &ustacks_ovf0, &kstacks_ovf0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
