/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the BPF program (sampler.bpf.c) and its loader (sampler.c). */
#ifndef EMBERSCOPE_SAMPLER_H
#define EMBERSCOPE_SAMPLER_H

#define TASK_COMM_LEN 16
#define MAX_FILTER_PIDS 1024
#define COUNT_ENTRIES 16384
/* tgids already announced to user space (LRU: an evicted one is announced again, harmlessly). */
#define SEEN_TGIDS 16384
/* Stack ids from a generation's overflow stack map (used when the main map's hash bucket is
 * taken by another stack) are offset by this. */
#define OVERFLOW_ID_BASE 0x100000

/* One kernel-side count: a sampled thread with its stacks. Its value is a __u64 count. */
struct count_key {
	__u32 tgid;
	__u32 pid;
	__s32 user_stack_id;
	__s32 kernel_stack_id;
	char comm[TASK_COMM_LEN];
};

/* Per-CPU counters of one generation. samples = counted + lost_map_full + lost_other. */
struct gen_stats {
	__u64 samples;           /* samples of selected tasks */
	__u64 lost_map_full;     /* not counted: the counts map was full */
	__u64 lost_user_stack;   /* counted, but the user stack could not be recorded */
	__u64 lost_kernel_stack; /* counted, but the kernel stack could not be recorded */
	__u64 lost_other;        /* not counted: any other failure */
	__u64 filtered;          /* samples of tasks that are not selected (or excluded) */
	__u64 idle;              /* samples of the idle task (pid 0) */
};

#endif
