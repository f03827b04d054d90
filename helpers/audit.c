/*
 * burrow-helper: burrow sandbox's learning mode (--audit FILE). The child's
 * last filter sends the file system calls here; for each, the monitor reads
 * the path from the caller's memory, looks at it as the sandbox sees it
 * (beneath /proc/PID/root) and as the host does, writes a line to the log
 * when the sandbox lacks what the host has (or a write meets a read-only
 * mount, or Landlock's rules refuse it), and lets the call go on unchanged.
 * burrow's `sandbox profile suggest` turns the log into profile lines.
 * Landlock reports its refusals only to the kernel's audit log, root's: so
 * the monitor reads the plan's rules and decides as Landlock will, walking
 * up from the file (or the directory a new one is made in) to the root and
 * gathering the rights of the rules it meets on the way (a path rule holds
 * an inode), and, for connect and bind, the TCP port rules.
 */
#define _GNU_SOURCE
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
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

/* Landlock's rules, from the plan: the rights the ruleset handles, and its rules (a path's inode found when first needed). */
#define LL_EXECUTE 0x1
#define LL_WRITE_FILE 0x2
#define LL_READ_FILE 0x4
#define LL_READ_DIR 0x8
#define LL_MAKE_DIR 0x80
#define LL_MAKE_REG 0x100
#define LL_TRUNCATE 0x4000
#define LL_BIND_TCP 0x1
#define LL_CONNECT_TCP 0x2
static uint64_t g_ll_fs, g_ll_net;
struct ll_rule {
  uint64_t access;
  const char *path; /* NULL: a port rule */
  uint64_t port;
  dev_t dev;
  ino_t ino;
  int known; /* 0: not looked for yet, 1: found, -1: not there */
};
static struct ll_rule *g_ll;
static size_t g_nll;

int audit_open(const struct plan *plan, const struct record *r) {
  for (size_t i = 0; i < plan->nrecords; i++) {
    const struct record *l = &plan->records[i];
    if (l->kind == R_LANDLOCK) {
      g_ll_fs = plan_hex(l->fields[0]);
      g_ll_net = plan_hex(l->fields[1]);
    } else if (l->kind == R_LANDLOCK_PATH || l->kind == R_LANDLOCK_PORT) {
      struct ll_rule *more = realloc(g_ll, (g_nll + 1) * sizeof(*g_ll));
      if (!more)
        return -1;
      g_ll = more;
      g_ll[g_nll] = (struct ll_rule){.access = plan_hex(l->fields[0]), .path = l->kind == R_LANDLOCK_PATH ? l->fields[1] : NULL};
      if (l->kind == R_LANDLOCK_PORT)
        plan_parse_u64(l->fields[1], 10, &g_ll[g_nll].port);
      g_nll++;
    }
  }
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

/* Up to len bytes of the caller's memory at addr, through /proc/PID/mem; how many were read, -1 when none. */
static ssize_t read_mem(pid_t pid, uint64_t addr, void *out, size_t len) {
  char mem[64];
  snprintf(mem, sizeof(mem), "/proc/%d/mem", (int)pid);
  int fd = open(mem, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = pread(fd, out, len, (off_t)addr);
  close(fd);
  return n;
}

/* A string of the caller's at addr; -1 when it cannot be read. */
static int read_string(pid_t pid, uint64_t addr, char *out, size_t len) {
  ssize_t n = read_mem(pid, addr, out, len - 1);
  if (n <= 0)
    return -1;
  out[n] = '\0';
  return strnlen(out, (size_t)n) < (size_t)n ? 0 : -1;
}

/* The lines written last, not written again (a program opens the same missing file many times). */
static char *g_recent[64];
static size_t g_next;

/*
 * {"op":OP,"path":PATH,"refused":WHY,"host":BOOL} for a path ("access":"ro|rx|rw" after WHY when Landlock refuses it:
 * the rule it would need), {"op":OP,"port":N,"refused":"landlock"} for a TCP port (path NULL).
 */
static int log_refusal(const char *op, const char *path, const char *why, int host, const char *access, unsigned port) {
  char *line = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&line, &len);
  if (!f)
    return 1;
  fprintf(f, "{\"op\":");
  json_string(f, op);
  if (path) {
    fprintf(f, ",\"path\":");
    json_string(f, path);
    fprintf(f, ",\"refused\":\"%s\"", why);
    if (access)
      fprintf(f, ",\"access\":\"%s\"", access);
    fprintf(f, ",\"host\":%s}\n", host ? "true" : "false");
  } else {
    fprintf(f, ",\"port\":%u,\"refused\":\"%s\"}\n", port, why);
  }
  fclose(f);
  for (size_t i = 0; i < sizeof(g_recent) / sizeof(g_recent[0]); i++)
    if (g_recent[i] && !strcmp(g_recent[i], line)) {
      free(line);
      return 1;
    }
  (void)write_all(g_log, line, len);
  free(g_recent[g_next]);
  g_recent[g_next] = line;
  g_next = (g_next + 1) % (sizeof(g_recent) / sizeof(g_recent[0]));
  return 1;
}

/* A path of the sandbox's as openat2 takes it beneath the root: without its leading slashes ("" for the root itself). */
static const char *beneath(const char *path) {
  while (*path == '/')
    path++;
  return path;
}

/* The directory `rel` (beneath root) is in, or would be made in; -1 when there is none. */
static int open_parent(int root, const char *rel, const struct open_how *how) {
  char parent[PATH_MAX * 2];
  snprintf(parent, sizeof(parent), "%s", rel);
  char *slash = strrchr(parent, '/');
  if (slash)
    *slash = '\0';
  else
    snprintf(parent, sizeof(parent), ".");
  return (int)syscall(SYS_openat2, root, parent, how, sizeof(*how));
}

/* The directory a file is in ("..", which needs a directory, through the file's own path beneath root). */
static int file_parent(int root, int fd) {
  char link[64], path[PATH_MAX];
  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  ssize_t m = readlink(link, path, sizeof(path) - 1);
  if (m <= 0 || path[0] != '/')
    return -1;
  path[m] = '\0';
  struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
  return open_parent(root, beneath(path), &how);
}

/*
 * The rights Landlock's path rules grant at `fd` (closed here): those of every rule on it or on a directory above
 * it, up to the top of the sandbox's mounts, as Landlock walks (a mount point's own directory, hidden by the mount,
 * is passed over, as ".." passes it). Stops once `need` is granted.
 */
static uint64_t landlock_granted(int root, int fd, uint64_t need) {
  struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
  for (size_t i = 0; i < g_nll; i++) {
    if (!g_ll[i].path || g_ll[i].known)
      continue;
    const char *rel = beneath(g_ll[i].path);
    int r = (int)syscall(SYS_openat2, root, *rel ? rel : ".", &how, sizeof(how));
    struct stat st;
    g_ll[i].known = r >= 0 && fstat(r, &st) == 0 ? 1 : -1;
    if (g_ll[i].known == 1) {
      g_ll[i].dev = st.st_dev;
      g_ll[i].ino = st.st_ino;
    }
    if (r >= 0)
      close(r);
  }
  uint64_t granted = 0;
  struct stat here;
  for (int depth = 0; depth < 4096 && fstat(fd, &here) == 0; depth++) {
    for (size_t i = 0; i < g_nll; i++)
      if (g_ll[i].known == 1 && g_ll[i].dev == here.st_dev && g_ll[i].ino == here.st_ino)
        granted |= g_ll[i].access;
    if (!(need & ~granted))
      break;
    int up = S_ISDIR(here.st_mode) ? openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC) : file_parent(root, fd);
    struct stat above;
    if (up < 0 || fstat(up, &above) < 0 || (above.st_dev == here.st_dev && above.st_ino == here.st_ino)) {
      if (up >= 0)
        close(up);
      break; /* the top: ".." of the root is itself */
    }
    close(fd);
    fd = up;
  }
  close(fd);
  return granted;
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
  const char *rel = beneath(full);
  int inside = (int)syscall(SYS_openat2, root, *rel ? rel : ".", &how, sizeof(how));
  int missing = inside < 0 && errno == ENOENT;
  uint64_t flags = a->flags_arg >= 0 ? n->data.args[a->flags_arg] : 0;
  int writes = !strcmp(a->op, "mkdir") || (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC));
  struct stat st;
  int host = stat(full, &st) == 0;
  int is_mkdir = !strcmp(a->op, "mkdir"), refused = 0;
  if (missing && writes) {
    /* A new file or directory: refused when its parent's mount is read-only. */
    int p = open_parent(root, rel, &how);
    struct statvfs sv;
    if (p >= 0 && fstatvfs(p, &sv) == 0 && (sv.f_flag & ST_RDONLY))
      refused = log_refusal(a->op, full, "read-only", host, NULL, 0);
    if (p >= 0)
      close(p);
  } else if (missing) {
    if (host)
      refused = log_refusal(a->op, full, "missing", host, NULL, 0);
  } else if (inside >= 0 && writes) {
    struct statvfs sv;
    if (fstatvfs(inside, &sv) == 0 && (sv.f_flag & ST_RDONLY))
      refused = log_refusal(a->op, full, "read-only", host, NULL, 0);
  }
  /*
   * Landlock (after a read-only mount's EROFS, which comes first): the rights the call needs (as Landlock's
   * file_open and path_mknod/mkdir hooks ask them) of the file itself, or of the directory a new one is made in.
   */
  if (g_ll_fs && !refused && (is_mkdir || !strcmp(a->op, "open") || !strcmp(a->op, "exec"))) {
    uint64_t need = 0;
    int from = -1, accmode = (int)(flags & O_ACCMODE);
    struct stat t;
    if (inside >= 0 && !is_mkdir && fstat(inside, &t) == 0) {
      if (!strcmp(a->op, "exec"))
        need = LL_EXECUTE | LL_READ_FILE;
      else if (!(flags & O_PATH))
        need = S_ISDIR(t.st_mode) ? LL_READ_DIR : (accmode != O_WRONLY ? LL_READ_FILE : 0) | (accmode != O_RDONLY ? LL_WRITE_FILE : 0) | (flags & O_TRUNC ? LL_TRUNCATE : 0);
      from = fcntl(inside, F_DUPFD_CLOEXEC, 0);
    } else if (missing && (is_mkdir || (flags & O_CREAT))) {
      need = is_mkdir ? LL_MAKE_DIR : LL_MAKE_REG | (accmode != O_RDONLY ? LL_WRITE_FILE : 0);
      from = open_parent(root, rel, &how);
    }
    need &= g_ll_fs;
    if (from >= 0 && !need)
      close(from);
    else if (from >= 0 && (need & ~landlock_granted(root, from, need))) /* (which closes `from`) */
      log_refusal(a->op, full, "landlock", host, need & (LL_WRITE_FILE | LL_MAKE_DIR | LL_MAKE_REG | LL_TRUNCATE) ? "rw" : need & LL_EXECUTE ? "rx" : "ro", 0);
  }
  if (inside >= 0)
    close(inside);
  close(root);
}

/* connect and bind: a TCP port Landlock's rules do not list (the socket's own protocol asked through a copy of it). */
static void look_port(const struct seccomp_notif *n, const struct audited *a) {
  uint64_t need = !strcmp(a->op, "connect") ? LL_CONNECT_TCP : LL_BIND_TCP;
  if (!(g_ll_net & need) || a->path_arg < 0)
    return;
  unsigned char sa[4];
  ssize_t got = read_mem(n->pid, n->data.args[a->path_arg], sa, sizeof(sa));
  sa_family_t family;
  memcpy(&family, sa, sizeof(family));
  if (got != (ssize_t)sizeof(sa) || (family != AF_INET && family != AF_INET6))
    return;
  unsigned port = (unsigned)sa[2] << 8 | sa[3];
  int pidfd = (int)syscall(SYS_pidfd_open, n->pid, 0);
  int sock = pidfd < 0 ? -1 : (int)syscall(SYS_pidfd_getfd, pidfd, (int)n->data.args[0], 0);
  int protocol = 0;
  socklen_t len = sizeof(protocol);
  int tcp = sock >= 0 && getsockopt(sock, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) == 0 && protocol == IPPROTO_TCP;
  if (sock >= 0)
    close(sock);
  if (pidfd >= 0)
    close(pidfd);
  if (!tcp)
    return;
  for (size_t i = 0; i < g_nll; i++)
    if (!g_ll[i].path && g_ll[i].port == port && (g_ll[i].access & need))
      return;
  log_refusal(a->op, NULL, "landlock", 0, NULL, port);
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
      if (ioctl(g_audit_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &n.id) == 0) {
        if (!strcmp(g_calls[i].op, "connect") || !strcmp(g_calls[i].op, "bind"))
          look_port(&n, &g_calls[i]);
        else
          look(&n, &g_calls[i]);
      }
      break;
    }
  struct seccomp_notif_resp resp = {.id = n.id, .val = 0, .error = 0, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE};
  (void)ioctl(g_audit_fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}
