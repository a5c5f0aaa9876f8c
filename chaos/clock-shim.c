/*
 * A fast (or slow) clock for one redis-server, loaded with LD_PRELOAD by the fault suite
 * (chaos/shim.ts compiles it with the machine's C compiler). Every wall and monotonic
 * clock the process reads runs at TENURE_CLOCK_RATE times real time, counted from the
 * moment the library was loaded: TIME, key expiry, uptime and timers all move together.
 * CPU-time clocks are left alone. Unset, empty or invalid rate: 1 (the real clock).
 *
 * (libfaketime 0.9.10 hangs redis-server 7.0.15 at start-up; this is the small part of it
 * the suite needs.) Readings before the constructor ran, or before dlsym answered, use the
 * raw system call, so no interposed function ever calls into the dynamic loader.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define SCALED_CLOCKS 12 /* clock ids 0..11: REALTIME, MONOTONIC, ..., TAI */

typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);

static clock_gettime_fn real_clock_gettime;
static double rate = 1.0;
static int64_t base_ns[SCALED_CLOCKS];
static int have_base[SCALED_CLOCKS];

static int raw_clock_gettime(clockid_t id, struct timespec *ts) {
  if (real_clock_gettime) return real_clock_gettime(id, ts);
  return (int)syscall(SYS_clock_gettime, id, ts);
}

static int scaled(clockid_t id) {
  /* CPU-time clocks (2, 3) and dynamic clock ids (negative) keep running at real speed. */
  return id >= 0 && id < SCALED_CLOCKS && id != CLOCK_PROCESS_CPUTIME_ID && id != CLOCK_THREAD_CPUTIME_ID;
}

static int64_t to_ns(const struct timespec *ts) { return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec; }

__attribute__((constructor)) static void shim_init(void) {
  const char *env = getenv("TENURE_CLOCK_RATE");
  if (env && *env) {
    char *end;
    double r = strtod(env, &end);
    if (*end == '\0' && r > 0 && r < 1000) rate = r;
  }
  for (clockid_t id = 0; id < SCALED_CLOCKS; id++) {
    struct timespec ts;
    if (!scaled(id) || syscall(SYS_clock_gettime, id, &ts) != 0) continue;
    base_ns[id] = to_ns(&ts);
    have_base[id] = 1;
  }
  real_clock_gettime = (clock_gettime_fn)dlsym(RTLD_NEXT, "clock_gettime");
}

int clock_gettime(clockid_t id, struct timespec *ts) {
  int rc = raw_clock_gettime(id, ts);
  if (rc != 0 || rate == 1.0 || !scaled(id) || !have_base[id]) return rc;
  int64_t now = to_ns(ts);
  int64_t fake = base_ns[id] + (int64_t)((double)(now - base_ns[id]) * rate);
  ts->tv_sec = fake / 1000000000LL;
  ts->tv_nsec = fake % 1000000000LL;
  return 0;
}

/* glibc declares `tv` nonnull, but callers may pass NULL (POSIX leaves it open): check anyway. */
#pragma GCC diagnostic ignored "-Wnonnull-compare"
int gettimeofday(struct timeval *restrict tv, void *restrict tz) {
  (void)tz; /* the time zone argument is obsolete: Linux fills nothing useful in it */
  if (tv == NULL) return 0;
  struct timespec ts;
  int rc = clock_gettime(CLOCK_REALTIME, &ts);
  if (rc != 0) return rc;
  tv->tv_sec = ts.tv_sec;
  tv->tv_usec = ts.tv_nsec / 1000;
  return 0;
}

time_t time(time_t *out) {
  struct timespec ts;
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0) return (time_t)-1;
  if (out) *out = ts.tv_sec;
  return ts.tv_sec;
}
