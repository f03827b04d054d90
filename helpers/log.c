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

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
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

void append_event_line(const char *file, const char *before, const char *after) {
  char stamp[64];
  size_t slen = ctr_log_timestamp(stamp, sizeof(stamp));
  size_t blen = strlen(before), alen = strlen(after), total = blen + slen + alen + 1;
  char *line = malloc(total);
  int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (line && fd >= 0) {
    memcpy(line, before, blen);
    memcpy(line + blen, stamp, slen);
    memcpy(line + blen + slen, after, alen);
    line[total - 1] = '\n';
    if (write(fd, line, total) < 0) {
      /* nothing to tell: what the event says happened all the same */
    }
  }
  if (fd >= 0)
    close(fd);
  free(line);
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
 *
 * The file is read a megabyte at a time; the newlines of each block are
 * found 64 bytes at a time (SSE2, which every x86-64 has; memchr elsewhere),
 * and the texts are not copied but written where they lie, a writev of up to
 * IOV_MAX of them (runs of adjacent text joined): a 160 MB log in about twice
 * the time of `cat` (it was 3.5 to 4 x with a copy of each line and musl's
 * memchr).
 */
#define LOG_IOV 1024 /* IOV_MAX */

struct run_out {
  struct iovec iov[LOG_IOV];
  int n;
  int fd;
};

/* Writes what is pending, all of it (a short writev goes on from where it stopped). */
static int out_flush(struct run_out *o) {
  struct iovec *v = o->iov;
  int n = o->n;
  o->n = 0;
  while (n > 0) {
    ssize_t w = writev(o->fd, v, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0)
      return -1;
    for (; n > 0 && (size_t)w >= v->iov_len; v++, n--)
      w -= (ssize_t)v->iov_len;
    if (n > 0) {
      v->iov_base = (char *)v->iov_base + w;
      v->iov_len -= (size_t)w;
    }
  }
  return 0;
}

/* [p, p + n) to go out on `fd`: it must stay where it is until the next out_flush. */
static inline int out_put(struct run_out *o, int fd, const char *p, size_t n) {
  if (fd != o->fd) {
    if (out_flush(o) < 0)
      return -1;
    o->fd = fd;
  }
  if (n == 0)
    return 0;
  struct iovec *last = o->n ? &o->iov[o->n - 1] : NULL;
  if (last && (const char *)last->iov_base + last->iov_len == p) {
    last->iov_len += n;
    return 0;
  }
  if (o->n == LOG_IOV && out_flush(o) < 0)
    return -1;
  o->iov[o->n++] = (struct iovec){(void *)p, n};
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

/*
 * The first space of [s, e): within the first 48 bytes (a timestamp burrow's
 * monitor writes, "2026-12-05T09:30:01.123456789+01:00", is 35) found 16
 * at a time, where the line is that long; memchr further on, and elsewhere.
 */
static inline const char *first_space(const char *p, size_t s, size_t e) {
#ifdef __SSE2__
  if (e - s >= 48) {
    const __m128i space = _mm_set1_epi8(' ');
    for (size_t i = s; i < s + 48; i += 16) {
      int m = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + i)), space));
      if (m)
        return p + i + __builtin_ctz((unsigned)m);
    }
    s += 48;
  }
#endif
  return memchr(p + s, ' ', e - s);
}

/* One line [s, e) (e at its newline, which p[e] is): its text out, or kept as a part. */
static inline int log_line(struct run_out *o, struct part parts[2], const char *p, size_t s, size_t e) {
  const char *sp = first_space(p, s, e);
  if (!sp)
    return 0;
  size_t a = (size_t)(sp - p);
  if (a + 8 >= e || p[a + 7] != ' ' || (p[a + 8] != 'F' && p[a + 8] != 'P') || (a + 9 < e && p[a + 9] != ' '))
    return 0;
  /* "stdout" or "stderr", byte by byte (a call to memcmp per line shows in a 100 MB log) */
  if (p[a + 1] != 's' || p[a + 2] != 't' || p[a + 3] != 'd')
    return 0;
  int which;
  if (p[a + 4] == 'o' && p[a + 5] == 'u' && p[a + 6] == 't')
    which = 0;
  else if (p[a + 4] == 'e' && p[a + 5] == 'r' && p[a + 6] == 'r')
    which = 1;
  else
    return 0;
  size_t text = a + 10 < e ? a + 10 : e;
  struct part *pt = &parts[which];
  if (p[a + 8] == 'P')
    return part_add(pt, p + text, e - text);
  if (pt->open) {
    /* The part's bytes go out now, before its buffer takes the next part. */
    if (out_put(o, which + 1, pt->buf, pt->len) < 0 || out_put(o, which + 1, p + text, e + 1 - text) < 0 || out_flush(o) < 0)
      return -1;
    pt->len = 0;
    pt->open = 0;
    return 0;
  }
  return out_put(o, which + 1, p + text, e + 1 - text);
}

/* Every whole line of [0, have) handed to log_line; where the first unfinished one starts. -1 on a write error. */
static ssize_t log_lines(struct run_out *o, struct part parts[2], const char *buf, size_t have) {
  size_t pos = 0, b = 0;
#ifdef __SSE2__
  const __m128i nl = _mm_set1_epi8('\n');
  for (; b + 64 <= have; b += 64) {
#define NL16(i) ((uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(buf + b + 16 * (i))), nl)) << (16 * (i)))
    uint64_t m = NL16(0) | NL16(1) | NL16(2) | NL16(3);
#undef NL16
    for (; m; m &= m - 1) {
      size_t e = b + (size_t)__builtin_ctzll(m);
      if (log_line(o, parts, buf, pos, e) < 0)
        return -1;
      pos = e + 1;
    }
  }
#endif
  for (const char *q; b < have && (q = memchr(buf + b, '\n', have - b)) != NULL; b = pos) {
    size_t e = (size_t)(q - buf);
    if (log_line(o, parts, buf, pos, e) < 0)
      return -1;
    pos = e + 1;
  }
  return (ssize_t)pos;
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
  char *buf = malloc(cap + 1);
  struct run_out o = {.n = 0, .fd = 1}; /* (16 KiB of iovecs on the stack, not in the binary) */
  struct part parts[2] = {{0}, {0}};
  if (!buf)
    return EXIT_HELPER;
  for (;;) {
    if (have == cap) { /* a line longer than the buffer: a bigger one */
      char *b = realloc(buf, cap * 2 + 1);
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
    ssize_t pos = log_lines(&o, parts, buf, have);
    /* (what is pending points into buf: out before buf moves) */
    if (pos < 0 || out_flush(&o) < 0)
      return errno == EPIPE ? 0 : EXIT_HELPER;
    memmove(buf, buf + pos, have - (size_t)pos);
    have -= (size_t)pos;
  }
  /* The end: a last line without its newline as a whole one (the byte after cap is kept for it), then parts never ended, as they are. */
  if (have > 0) {
    buf[have] = '\n';
    if (log_line(&o, parts, buf, 0, have) < 0)
      return errno == EPIPE ? 0 : EXIT_HELPER;
  }
  for (int i = 0; i < 2; i++)
    if (parts[i].open && out_put(&o, i + 1, parts[i].buf, parts[i].len) < 0)
      return errno == EPIPE ? 0 : EXIT_HELPER;
  return out_flush(&o) < 0 && errno != EPIPE ? EXIT_HELPER : 0;
}
