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
#include <stdio.h>
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
