// Reference C workload with a known profile. Each of `threads` threads repeats one round:
// spin_parse_request (5 units), spin_compress_block (3 units), spin_verify_session_token
// (2 units), so the leaf samples split 50 : 30 : 20. The unit varies from round to round
// (0.5x to 1.5x, mean 1x): a fixed round length can fall in step with the sampling period
// (a 2.5 ms round at 199 Hz puts every sample at the same phase), which skews the split. Built with -O0 -fno-omit-frame-pointer so
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

__attribute__((noinline)) void spin_parse_request(uint32_t unit) {
  uint64_t x = sink;
  for (uint32_t i = 0; i < 5 * unit; i++) x = x * 6364136223846793005ull + i;
  sink = x;
}

__attribute__((noinline)) void spin_compress_block(uint32_t unit) {
  uint64_t x = sink;
  for (uint32_t i = 0; i < 3 * unit; i++) x = x * 6364136223846793005ull + i;
  sink = x;
}

__attribute__((noinline)) void spin_verify_session_token(uint32_t unit) {
  uint64_t x = sink;
  for (uint32_t i = 0; i < 2 * unit; i++) x = x * 6364136223846793005ull + i;
  sink = x;
}

__attribute__((noinline)) static void serve_one_round(uint32_t unit) {
  spin_parse_request(unit);
  spin_compress_block(unit);
  spin_verify_session_token(unit);
  __atomic_add_fetch(&rounds, 1, __ATOMIC_RELAXED);
}

static void *worker(void *arg) {
  uint32_t r = (uint32_t)(uintptr_t)arg * 2654435761u + 1u;
  for (;;) {
    r ^= r << 13, r ^= r >> 17, r ^= r << 5; // xorshift32
    serve_one_round(UNIT / 2 + r % UNIT);
  }
  return NULL;
}

int main(int argc, char **argv) {
  long seconds = argc > 1 ? atol(argv[1]) : 0;
  long threads = argc > 2 ? atol(argv[2]) : 0;
  if (threads <= 0) threads = sysconf(_SC_NPROCESSORS_ONLN);
  for (long i = 1; i < threads; i++) {
    pthread_t t;
    if (pthread_create(&t, NULL, worker, (void *)(uintptr_t)i) != 0) { perror("pthread_create"); return 1; }
  }
  if (seconds <= 0) worker((void *)(uintptr_t)threads);
  pthread_t t;
  pthread_create(&t, NULL, worker, (void *)(uintptr_t)threads);
  struct timespec ts = { .tv_sec = seconds, .tv_nsec = 0 };
  nanosleep(&ts, NULL);
  // Rounds completed: the throughput figure the benchmarks compare with and without a profiler.
  printf("%llu\n", (unsigned long long)rounds);
  return 0;
}
