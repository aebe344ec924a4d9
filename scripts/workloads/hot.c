// Reference C workload with a known profile. Each of `threads` threads repeats one round:
// spin_parse_request (5 units), spin_compress_block (3 units), spin_verify_session_token
// (2 units), so the leaf samples split 50 : 30 : 20. Built with -O0 -fno-omit-frame-pointer so
// every frame keeps its frame pointer (gcc drops it in leaf loops at -O1 and above).
// The third name is deliberately "sensitive" (session, token) for the redaction tests.
//
// usage: hot-c [seconds (0 = forever)] [threads (0 = one per CPU)]
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define UNIT 200000u

static volatile uint64_t sink;
static volatile uint64_t rounds;

__attribute__((noinline)) void spin_parse_request(void) {
  uint64_t x = sink;
  for (uint32_t i = 0; i < 5 * UNIT; i++) x = x * 6364136223846793005ull + i;
  sink = x;
}

__attribute__((noinline)) void spin_compress_block(void) {
  uint64_t x = sink;
  for (uint32_t i = 0; i < 3 * UNIT; i++) x = x * 6364136223846793005ull + i;
  sink = x;
}

__attribute__((noinline)) void spin_verify_session_token(void) {
  uint64_t x = sink;
  for (uint32_t i = 0; i < 2 * UNIT; i++) x = x * 6364136223846793005ull + i;
  sink = x;
}

__attribute__((noinline)) static void serve_one_round(void) {
  spin_parse_request();
  spin_compress_block();
  spin_verify_session_token();
  __atomic_add_fetch(&rounds, 1, __ATOMIC_RELAXED);
}

static void *worker(void *arg) {
  (void)arg;
  for (;;) serve_one_round();
  return NULL;
}

int main(int argc, char **argv) {
  long seconds = argc > 1 ? atol(argv[1]) : 0;
  long threads = argc > 2 ? atol(argv[2]) : 0;
  if (threads <= 0) threads = sysconf(_SC_NPROCESSORS_ONLN);
  for (long i = 1; i < threads; i++) {
    pthread_t t;
    if (pthread_create(&t, NULL, worker, NULL) != 0) { perror("pthread_create"); return 1; }
  }
  if (seconds <= 0) worker(NULL);
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  struct timespec ts = { .tv_sec = seconds, .tv_nsec = 0 };
  nanosleep(&ts, NULL);
  // Rounds completed: the throughput figure the benchmarks compare with and without a profiler.
  printf("%llu\n", (unsigned long long)rounds);
  return 0;
}
