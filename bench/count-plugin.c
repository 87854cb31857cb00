/* count-plugin.c - an audisp plugin that reads as fast as it can and discards (bench/plugin-run).
 * Reads string-format records (`type=X msg=audit(...): ...` lines) from stdin in 1 MiB chunks
 * and counts lines, EOE lines and the storm's SYSCALL lines (key="storm"). At most every 50 ms
 * while data flows, after 50 ms without data and at EOF, it rewrites OUT with
 * "lines=N eoe=N storm_syscalls=N", so the bench can watch the count grow and stop growing.
 * usage: count-plugin OUT (as the `args` of a plugins.d file) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define KEY "key=\"storm\""
#define CHUNK (1 << 20)
#define LINE_MAX_KEPT 65536

static long lines, eoe, storm;

static void report(int fd) {
  char s[128];
  int n = snprintf(s, sizeof s, "lines=%ld eoe=%ld storm_syscalls=%ld\n", lines, eoe, storm);
  if (pwrite(fd, s, (size_t)n, 0) == n) (void)ftruncate(fd, n);
}

static void line(const char *p, size_t n) {
  lines++;
  if (n >= 13 && !memcmp(p, "type=SYSCALL ", 13)) {
    if (memmem(p, n, KEY, sizeof KEY - 1)) storm++;
  } else if (n >= 9 && !memcmp(p, "type=EOE ", 9)) {
    eoe++;
  }
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  int out = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) return 1;
  static char buf[LINE_MAX_KEPT + CHUNK];
  size_t have = 0; /* bytes of an unfinished line kept at the start of buf */
  double last = now();
  long reported = 0;
  report(out);
  for (;;) {
    struct pollfd pf = { 0, POLLIN, 0 };
    if (poll(&pf, 1, 50) == 0) { /* idle: make the last figures visible */
      if (reported != lines) { report(out); reported = lines; last = now(); }
      continue;
    }
    ssize_t r = read(0, buf + have, CHUNK);
    if (r < 0) continue; /* EINTR */
    if (r == 0) break;
    char *p = buf, *end = buf + have + r, *nl;
    while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
      line(p, (size_t)(nl - p));
      p = nl + 1;
    }
    have = (size_t)(end - p);
    if (have > LINE_MAX_KEPT) { line(p, have); have = 0; } /* not a record: count it as one */
    else memmove(buf, p, have);
    double t = now();
    if (t - last >= 0.05) { report(out); reported = lines; last = t; }
  }
  if (have) line(buf, have);
  report(out);
  return 0;
}
