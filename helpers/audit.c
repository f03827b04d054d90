/*
 * burrow-helper: burrow sandbox's learning mode (--audit FILE). The child's
 * last filter sends the file system calls here; for each, the monitor reads
 * the path from the caller's memory, looks at it as the sandbox sees it
 * (beneath /proc/PID/root) and as the host does, writes a line to the log
 * when the sandbox lacks what the host has (or a write meets a read-only
 * mount), and lets the call go on unchanged. burrow's `sandbox profile
 * suggest` turns the log into profile lines. Landlock's own refusals are
 * not seen here (the kernel reports them only to its audit log).
 */
#define _GNU_SOURCE
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

int g_audit_fd = -1;
static int g_log = -1;

struct audited {
  long nr;
  char op[16];
  int dirfd_arg, path_arg, flags_arg; /* -1: none */
};
static struct audited g_calls[64];
static size_t g_ncalls;

static int arg_index(const char *s) { return *s == '-' ? -1 : atoi(s); }

int audit_open(const struct record *r) {
  g_log = open(r->fields[0], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (g_log < 0)
    return -1;
  for (size_t i = 1; i < r->nfields && g_ncalls < sizeof(g_calls) / sizeof(g_calls[0]); i++) {
    char op[16], d[8], p[8], f[8];
    long nr;
    if (sscanf(r->fields[i], "%ld:%15[a-z]:%7[-0-9]:%7[-0-9]:%7[-0-9]", &nr, op, d, p, f) != 5)
      continue;
    struct audited *a = &g_calls[g_ncalls++];
    a->nr = nr;
    snprintf(a->op, sizeof(a->op), "%s", op);
    a->dirfd_arg = arg_index(d);
    a->path_arg = arg_index(p);
    a->flags_arg = arg_index(f);
  }
  return 0;
}

/* A string of the caller's at addr, through /proc/PID/mem; -1 when it cannot be read. */
static int read_string(pid_t pid, uint64_t addr, char *out, size_t len) {
  char mem[64];
  snprintf(mem, sizeof(mem), "/proc/%d/mem", (int)pid);
  int fd = open(mem, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = pread(fd, out, len - 1, (off_t)addr);
  close(fd);
  if (n <= 0)
    return -1;
  out[n] = '\0';
  return strnlen(out, (size_t)n) < (size_t)n ? 0 : -1;
}

/* The lines written last, not written again (a program opens the same missing file many times). */
static char *g_recent[64];
static size_t g_next;

static void log_refusal(const char *op, const char *path, const char *why, int host) {
  char *line = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&line, &len);
  if (!f)
    return;
  fprintf(f, "{\"op\":");
  json_string(f, op);
  fprintf(f, ",\"path\":");
  json_string(f, path);
  fprintf(f, ",\"refused\":\"%s\",\"host\":%s}\n", why, host ? "true" : "false");
  fclose(f);
  for (size_t i = 0; i < sizeof(g_recent) / sizeof(g_recent[0]); i++)
    if (g_recent[i] && !strcmp(g_recent[i], line)) {
      free(line);
      return;
    }
  (void)write_all(g_log, line, len);
  free(g_recent[g_next]);
  g_recent[g_next] = line;
  g_next = (g_next + 1) % (sizeof(g_recent) / sizeof(g_recent[0]));
}

/* Looks at one call as the sandbox would see it, and logs it when the sandbox lacks what it asks for. */
static void look(const struct seccomp_notif *n, const struct audited *a) {
  char path[PATH_MAX], full[PATH_MAX * 2];
  if (a->path_arg < 0 || read_string(n->pid, n->data.args[a->path_arg], path, sizeof(path)) < 0 || path[0] == '\0')
    return;
  if (path[0] == '/') {
    snprintf(full, sizeof(full), "%s", path);
  } else {
    /* Relative: to the caller's working directory or its dirfd, as the sandbox names them. */
    char link[64], base[PATH_MAX];
    int dirfd = a->dirfd_arg >= 0 ? (int)n->data.args[a->dirfd_arg] : AT_FDCWD;
    if (dirfd == AT_FDCWD)
      snprintf(link, sizeof(link), "/proc/%d/cwd", (int)n->pid);
    else
      snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)n->pid, dirfd);
    ssize_t m = readlink(link, base, sizeof(base) - 1);
    if (m <= 0 || base[0] != '/')
      return;
    base[m] = '\0';
    snprintf(full, sizeof(full), "%s/%s", strcmp(base, "/") ? base : "", path);
  }
  char rootpath[64];
  snprintf(rootpath, sizeof(rootpath), "/proc/%d/root", (int)n->pid);
  int root = open(rootpath, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return;
  struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
  const char *rel = full;
  while (*rel == '/')
    rel++;
  int inside = (int)syscall(SYS_openat2, root, *rel ? rel : ".", &how, sizeof(how));
  int missing = inside < 0 && errno == ENOENT;
  uint64_t flags = a->flags_arg >= 0 ? n->data.args[a->flags_arg] : 0;
  int writes = !strcmp(a->op, "mkdir") || (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC));
  struct stat st;
  int host = stat(full, &st) == 0;
  if (missing && writes) {
    /* A new file or directory: refused when its parent's mount is read-only. */
    char parent[PATH_MAX * 2];
    snprintf(parent, sizeof(parent), "%s", rel);
    char *slash = strrchr(parent, '/');
    if (slash)
      *slash = '\0';
    else
      snprintf(parent, sizeof(parent), ".");
    int p = (int)syscall(SYS_openat2, root, parent, &how, sizeof(how));
    struct statvfs sv;
    if (p >= 0 && fstatvfs(p, &sv) == 0 && (sv.f_flag & ST_RDONLY))
      log_refusal(a->op, full, "read-only", host);
    if (p >= 0)
      close(p);
  } else if (missing) {
    if (host)
      log_refusal(a->op, full, "missing", host);
  } else if (inside >= 0 && writes) {
    struct statvfs sv;
    if (fstatvfs(inside, &sv) == 0 && (sv.f_flag & ST_RDONLY))
      log_refusal(a->op, full, "read-only", host);
  }
  if (inside >= 0)
    close(inside);
  close(root);
}

void audit_serve(void) {
  struct seccomp_notif n;
  memset(&n, 0, sizeof(n));
  if (ioctl(g_audit_fd, SECCOMP_IOCTL_NOTIF_RECV, &n) < 0) {
    if (errno != EINTR && errno != ENOENT) {
      close(g_audit_fd);
      g_audit_fd = -1;
    }
    return;
  }
  for (size_t i = 0; i < g_ncalls; i++)
    if (g_calls[i].nr == n.data.nr) {
      /* (the caller still waits, so its memory and its directories are as they were at the call) */
      if (ioctl(g_audit_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &n.id) == 0)
        look(&n, &g_calls[i]);
      break;
    }
  struct seccomp_notif_resp resp = {.id = n.id, .val = 0, .error = 0, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE};
  (void)ioctl(g_audit_fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}
