/*
 * burrow-helper: a container's log in podman's k8s-file format, written by
 * the monitor (conmon's format, so podman's tools and burrow's `logs` read
 * the same lines):
 *
 *   2026-12-05T09:30:01.123456789+01:00 stdout F a whole line
 *   2026-12-05T09:30:01.123456790+01:00 stderr P the start of a line, no newline yet
 *
 * Each read from the container's pipe (or pty) becomes one line per newline
 * it holds, tagged F, and one tagged P for what follows the last newline, as
 * conmon writes them. With a size limit, a line that would take the file past
 * it starts a new, empty file first (conmon's truncation), made beside it and
 * renamed over it, so a reader never sees half a line.
 */
#define _GNU_SOURCE
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

int ctr_log_open(struct ctr_log *log, const char *path, uint64_t max_size) {
  log->path = path;
  log->max_size = max_size;
  log->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (log->fd < 0)
    return -1;
  struct stat st;
  log->size = fstat(log->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
  return 0;
}

/* A new empty file in the old one's place (the fd number kept). */
static int rotate(struct ctr_log *log) {
  char tmp[4200];
  snprintf(tmp, sizeof(tmp), "%s.tmp", log->path);
  int fd = open(tmp, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return -1;
  if (rename(tmp, log->path) < 0) {
    int e = errno;
    close(fd);
    unlink(tmp);
    errno = e;
    return -1;
  }
  if (dup3(fd, log->fd, O_CLOEXEC) < 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  close(fd);
  log->size = 0;
  return 0;
}

/* "2026-12-05T09:30:01.123456789+01:00" into buf (at least 40 bytes); its length. */
size_t ctr_log_timestamp(char *buf, size_t len) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  localtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
  char zone[8];
  if (strftime(zone, sizeof(zone), "%z", &tm) != 5)
    snprintf(zone, sizeof(zone), "+0000");
  n += (size_t)snprintf(buf + n, len - n, ".%09ld%.3s:%.2s", ts.tv_nsec, zone, zone + 3);
  return n;
}

static int write_line(struct ctr_log *log, const char *prefix, size_t plen, const char *tag, const char *data, size_t n) {
  size_t total = plen + 3 + n + 1;
  if (log->max_size > 0 && log->size > 0 && log->size + total > log->max_size && rotate(log) < 0)
    return -1;
  struct iovec iov[4] = {
      {(void *)prefix, plen}, {(void *)tag, 3}, {(void *)data, n}, {(void *)"\n", 1},
  };
  /* One writev: O_APPEND keeps it whole against another writer (a later monitor of the same container). */
  ssize_t w;
  while ((w = writev(log->fd, iov, 4)) < 0 && errno == EINTR)
    ;
  if (w < 0)
    return -1;
  if ((size_t)w < total) {
    /* A short write (a full disk): the rest, in order. */
    size_t done = (size_t)w;
    for (int i = 0; i < 4; i++) {
      if (done >= iov[i].iov_len) {
        done -= iov[i].iov_len;
        continue;
      }
      if (write_all(log->fd, (const char *)iov[i].iov_base + done, iov[i].iov_len - done) < 0)
        return -1;
      done = 0;
    }
  }
  log->size += total;
  return 0;
}

int ctr_log_write(struct ctr_log *log, const char *stream, const char *buf, size_t n) {
  char prefix[64];
  size_t plen = ctr_log_timestamp(prefix, sizeof(prefix));
  plen += (size_t)snprintf(prefix + plen, sizeof(prefix) - plen, " %s", stream);
  while (n > 0) {
    const char *nl = memchr(buf, '\n', n);
    size_t len = nl ? (size_t)(nl - buf) : n;
    if (write_line(log, prefix, plen, nl ? " F " : " P ", buf, len) < 0)
      return -1;
    if (!nl)
      break;
    buf += len + 1;
    n -= len + 1;
  }
  return 0;
}

/*
 * `burrow-helper logs FILE`: what `burrow logs CTR` prints of a log with no
 * filter (no --since, --until, -t, --tail, -f, one container), the same
 * bytes as src/runtime/logs.ts's LogReader: each line's text on its stream
 * (fd 1 or 2), the parts (P) of a line joined to the whole (F) one that
 * ends it, per stream; a line that is not k8s-file skipped; a last line
 * without its newline shown as a whole one; parts never ended shown as
 * they are. burrow execs into this after choosing the file, so a 100 MB log
 * costs what reading it does, not a JavaScript loop over a million lines.
 */
struct run_out {
  char *buf;
  size_t len, cap;
  int fd;
};

static int out_flush(struct run_out *o) {
  int r = o->len ? write_all(o->fd, o->buf, o->len) : 0;
  o->len = 0;
  return r;
}

static int out_put(struct run_out *o, int fd, const char *p, size_t n) {
  if (fd != o->fd) {
    if (out_flush(o) < 0)
      return -1;
    o->fd = fd;
  }
  if (o->len + n > o->cap && out_flush(o) < 0)
    return -1;
  if (n > o->cap)
    return write_all(fd, p, n);
  memcpy(o->buf + o->len, p, n);
  o->len += n;
  return 0;
}

struct part {
  char *buf;
  size_t len, cap;
  int open;
};

static int part_add(struct part *pt, const char *p, size_t n) {
  if (pt->len + n > pt->cap) {
    size_t cap = pt->cap ? pt->cap : 4096;
    while (cap < pt->len + n)
      cap *= 2;
    char *b = realloc(pt->buf, cap);
    if (!b)
      return -1;
    pt->buf = b;
    pt->cap = cap;
  }
  memcpy(pt->buf + pt->len, p, n);
  pt->len += n;
  pt->open = 1;
  return 0;
}

/* One line [s, e) (e at its newline, which p[e] is): its text out, or kept as a part. */
static int log_line(struct run_out *o, struct part parts[2], const char *p, size_t s, size_t e) {
  const char *sp = memchr(p + s, ' ', e - s);
  if (!sp)
    return 0;
  size_t a = (size_t)(sp - p);
  if (a + 8 >= e || p[a + 7] != ' ' || (p[a + 8] != 'F' && p[a + 8] != 'P') || (a + 9 < e && p[a + 9] != ' '))
    return 0;
  int which;
  if (!memcmp(p + a + 1, "stdout", 6))
    which = 0;
  else if (!memcmp(p + a + 1, "stderr", 6))
    which = 1;
  else
    return 0;
  size_t text = a + 10 < e ? a + 10 : e;
  struct part *pt = &parts[which];
  if (p[a + 8] == 'P')
    return part_add(pt, p + text, e - text);
  if (pt->open) {
    if (out_put(o, which + 1, pt->buf, pt->len) < 0)
      return -1;
    pt->len = 0;
    pt->open = 0;
  }
  return out_put(o, which + 1, p + text, e + 1 - text);
}

int cmd_logs(int argc, char **argv) {
  if (argc != 1) {
    fprintf(stderr, "Error: usage: burrow-helper logs FILE\n");
    return EXIT_HELPER;
  }
  /* A reader gone (`logs web | head`): nothing more, and exit 0, as burrow's own logs does. */
  signal(SIGPIPE, SIG_IGN);
  int fd = open(argv[0], O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return 0; /* no log yet: nothing to show */
    fprintf(stderr, "Error: read the log `%s`: %s\n", argv[0], errno_text(errno));
    return EXIT_HELPER;
  }
  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  size_t cap = 1 << 20, have = 0;
  char *buf = malloc(cap);
  struct run_out o = {.buf = malloc(1 << 20), .cap = 1 << 20, .fd = 1};
  struct part parts[2] = {{0}, {0}};
  if (!buf || !o.buf)
    return EXIT_HELPER;
  for (;;) {
    if (have == cap) { /* a line longer than the buffer: a bigger one */
      char *b = realloc(buf, cap * 2);
      if (!b)
        return EXIT_HELPER;
      buf = b;
      cap *= 2;
    }
    ssize_t n = read(fd, buf + have, cap - have);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      fprintf(stderr, "Error: read the log `%s`: %s\n", argv[0], errno_text(errno));
      return EXIT_HELPER;
    }
    if (n == 0)
      break;
    have += (size_t)n;
    size_t pos = 0;
    for (char *nl; (nl = memchr(buf + pos, '\n', have - pos)) != NULL;) {
      size_t e = (size_t)(nl - buf);
      if (log_line(&o, parts, buf, pos, e) < 0)
        return errno == EPIPE ? 0 : EXIT_HELPER;
      pos = e + 1;
    }
    memmove(buf, buf + pos, have - pos);
    have -= pos;
  }
  /* The end: a last line without its newline as a whole one, then parts never ended, as they are. */
  if (have > 0) {
    if (have == cap) {
      char *b = realloc(buf, cap + 1);
      if (!b)
        return EXIT_HELPER;
      buf = b;
    }
    buf[have] = '\n';
    if (log_line(&o, parts, buf, 0, have) < 0)
      return errno == EPIPE ? 0 : EXIT_HELPER;
  }
  for (int i = 0; i < 2; i++)
    if (parts[i].open && out_put(&o, i + 1, parts[i].buf, parts[i].len) < 0)
      return errno == EPIPE ? 0 : EXIT_HELPER;
  return out_flush(&o) < 0 && errno != EPIPE ? EXIT_HELPER : 0;
}
