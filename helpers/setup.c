/*
 * burrow-helper: the container side. Runs in the cloned child, inside the new
 * namespaces: waits for "maps written", becomes root in the user namespace,
 * makes every mount private, and then carries out the plan's steps strictly
 * in the order written (plan.h lists them), as bwrap's setup_newroot does:
 *
 *   for each record the child owns:  run_step()  ... exec (execve, never returns)
 *
 * Any failure is sent to the monitor as a struct setup_error naming the step,
 * the system call, the path and errno, and ends the child with 125/126/127.
 * Paths inside the root are resolved with openat2 RESOLVE_IN_ROOT, so a
 * symlink in the image cannot send a mount or a write outside; steps that
 * create files (write-file, write-fd) refuse a symlink as the last component.
 */
#define _GNU_SOURCE
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/keyctl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <net/if.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

static const struct child_fds *g_fds;
/* The root the in-root steps resolve beneath: the `root` step's, then "/" after pivot-root. */
static int g_rootfd = -1;
/* The host path g_rootfd was opened from: a mount on the root itself (bwrap's `--bind / /`) covers what g_rootfd holds, which is opened again. */
static const char *g_root_path;
/* sandbox-root's /proc/self (the host's procfs, read-write), for nested-userns after pivot-root; -1 without. */
static int g_proc_self = -1;
/* sandbox-root set the umask to 0 for its steps: the caller's, given back before the exec; -1: untouched. */
static int g_saved_umask = -1;

/* What the steps leave for later ones. */
struct exec_state {
  const struct record *env; /* the `env` record, for exec */
  const char *search_path;  /* `search-path`, for a command without "/" when env has no PATH */
  int tty;                  /* a `tty` step ran: init puts the command in the terminal's foreground */
  int prepared;             /* fds and signals are ready for execve (seccomp does it before its filter) */
  int network_waited;       /* the monitor said the network's ready processes are ready (await_network) */
  const char *pwd;          /* cwd-try: the directory it went to, the command's PWD */
  const struct plan *plan;
};

/*
 * The network's helper (a `ready` process: pasta, slirp4netns) comes up
 * while the mounts are made; before the first step that changes our
 * credentials (which makes us undumpable until the exec: the helper could
 * no longer open the /proc/PID/ns files), or else the command, the child asks the
 * monitor ('N') and waits for its 'G'. An end of file: the monitor failed,
 * and says why.
 */
static void await_network(struct exec_state *st) {
  if (st->network_waited)
    return;
  st->network_waited = 1;
  int any = 0;
  for (size_t i = 0; i < st->plan->nrecords; i++)
    any |= st->plan->records[i].kind == R_PROCESS && strcmp(st->plan->records[i].fields[0], "ready") == 0;
  if (!any)
    return;
  char go = 0;
  if (write(g_fds->sync, "N", 1) != 1 || read(g_fds->sync, &go, 1) != 1 || go != 'G')
    _exit(EXIT_HELPER);
}

static void die(int code, const char *step, const char *sc, const char *path, int err, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 6, 7)));

static void die(int code, const char *step, const char *sc, const char *path, int err, const char *fmt, ...) {
  struct setup_error e;
  memset(&e, 0, sizeof(e));
  e.exit_code = code;
  e.err = err;
  snprintf(e.step, sizeof(e.step), "%s", step);
  snprintf(e.syscall, sizeof(e.syscall), "%s", sc ? sc : "");
  snprintf(e.path, sizeof(e.path), "%s", path ? path : "");
  if (fmt) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.message, sizeof(e.message), fmt, ap);
    va_end(ap);
  }
  ssize_t n = write(g_fds->error, &e, sizeof(e));
  (void)n;
  _exit(code);
}

#define FAIL(step, sc, path) die(EXIT_HELPER, step, sc, path, errno, NULL)

/*
 * Opens PATH inside the root without following it out: beneath the `root`
 * step's directory, or "/" (after pivot-root, or a joined container's root).
 * No magic link either (/proc/self/fd/N, /proc/PID/cwd, /proc/PID/root): each
 * can name a directory outside the root held by some fd (CVE-2024-21626).
 */
static int open_in_root(const char *path, int flags) {
  struct open_how how = {
      .flags = (uint64_t)(flags | O_CLOEXEC),
      .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  const char *rel = path;
  while (*rel == '/')
    rel++;
  if (*rel == '\0')
    rel = ".";
  int root = g_rootfd >= 0 ? g_rootfd : open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return -1;
  int fd = (int)syscall(SYS_openat2, root, rel, &how, sizeof(how));
  if (root != g_rootfd) {
    int e = errno;
    close(root);
    errno = e;
  }
  return fd;
}

/* The most symlinks make_path follows for one path (the kernel's own limit, SYMLOOP_MAX). */
#define MAKE_PATH_LINKS 40

static void make_path_links(const char *step, const char *path, int file, mode_t mode, int links);

/*
 * A component of PATH (ending at `end` in buf) that is a symlink whose target
 * does not exist: the path is made again through the link's target, as crun's
 * securejoin does (a dangling /etc/hosts -> /run/... gets /run/... made), the
 * rest of PATH after the component appended. Every open is still in-root
 * (RESOLVE_IN_ROOT), so no target leads out. Returns 0 when the entry is no
 * symlink (it exists as something else: the caller goes on).
 */
static int make_path_through_link(const char *step, const char *path, int parent, const char *name, const char *dir, const char *rest, int file, mode_t mode, int links) {
  char target[PATH_MAX];
  ssize_t n = readlinkat(parent, name, target, sizeof(target) - 1);
  if (n < 0)
    return 0;
  target[n] = '\0';
  if (links >= MAKE_PATH_LINKS)
    die(EXIT_HELPER, step, "mkdir", path, ELOOP, NULL);
  char next[PATH_MAX];
  /* dir is the link's parent ("" for the root): a relative target is resolved from there. */
  int len = target[0] == '/' ? snprintf(next, sizeof(next), "%s%s", target, rest) : snprintf(next, sizeof(next), "%s/%s%s", dir, target, rest);
  if (len < 0 || (size_t)len >= sizeof(next))
    die(EXIT_HELPER, step, "mkdir", path, ENAMETOOLONG, NULL);
  make_path_links(step, next, file, mode, links + 1);
  return 1;
}

/* Creates every missing component of PATH inside the root; the last one as a file when `file`, else a directory of `mode`. */
static void make_path_links(const char *step, const char *path, int file, mode_t mode, int links) {
  char buf[PATH_MAX];
  size_t len = strlen(path);
  if (len >= sizeof(buf))
    die(EXIT_HELPER, step, "mkdir", path, ENAMETOOLONG, NULL);
  memcpy(buf, path, len + 1);
  for (char *p = buf + 1;; p++) {
    if (*p != '/' && *p != '\0')
      continue;
    int last = *p == '\0';
    char saved = *p;
    *p = '\0';
    int fd = open_in_root(buf, O_PATH);
    if (fd >= 0) {
      close(fd);
    } else if (errno == ENOENT) {
      char *slash = strrchr(buf, '/');
      const char *name = slash + 1;
      int parent;
      if (slash == buf) {
        parent = open_in_root("/", O_PATH | O_DIRECTORY);
      } else {
        *slash = '\0';
        parent = open_in_root(buf, O_PATH | O_DIRECTORY);
        *slash = '/';
      }
      if (parent < 0)
        FAIL(step, "openat2", buf);
      int made = last && file ? openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644) : mkdirat(parent, name, last ? mode : 0755);
      if (made < 0 && errno == EEXIST) {
        /* It is there, yet did not resolve: a symlink to nothing (yet). Made through its target instead. */
        char rest[PATH_MAX];
        snprintf(rest, sizeof(rest), "%s%s", last ? "" : "/", last ? "" : p + 1);
        *slash = '\0';
        int linked = make_path_through_link(step, path, parent, name, slash == buf ? "" : buf, rest, file, mode, links);
        *slash = '/';
        if (linked) {
          close(parent);
          return;
        }
        /* (something else, made meanwhile: left as it is) */
      } else if (made < 0) {
        FAIL(step, last && file ? "open" : "mkdir", buf);
      } else if (last && file) {
        close(made);
      } else if (last) {
        /* The umask took bits the plan asked for: set them on what was just made, never through a symlink. */
        int dir = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dir < 0 || fchmod(dir, mode) < 0)
          FAIL(step, "chmod", buf);
        close(dir);
      }
      close(parent);
    } else {
      FAIL(step, "openat2", buf);
    }
    *p = saved;
    if (last)
      break;
  }
}

static void make_path_mode(const char *step, const char *path, int file, mode_t mode) { make_path_links(step, path, file, mode, 0); }

static void make_path(const char *step, const char *path, int file) { make_path_mode(step, path, file, 0755); }

static void fd_path(int fd, char *out, size_t len) { snprintf(out, len, "/proc/self/fd/%d", fd); }

/*
 * Sets ATTRS (MOUNT_ATTR_RDONLY, _NOSUID, _NODEV) on the mount at fd (with its
 * submounts when `recursive`); the kernel keeps the locked flags.
 */
static void set_mount_attrs(const char *step, int fd, const char *path, int recursive, uint64_t attrs) {
  struct mount_attr attr = {.attr_set = attrs};
  if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof(attr)) == 0)
    return;
  if (errno != ENOSYS)
    FAIL(step, "mount_setattr", path);
  /* Older kernels: a remount must repeat the flags a user namespace may not drop. */
  struct statvfs sv;
  if (fstatvfs(fd, &sv) < 0)
    FAIL(step, "statvfs", path);
  unsigned long flags = MS_REMOUNT | MS_BIND;
  if ((sv.f_flag & ST_RDONLY) || (attrs & MOUNT_ATTR_RDONLY))
    flags |= MS_RDONLY;
  if ((sv.f_flag & ST_NOSUID) || (attrs & MOUNT_ATTR_NOSUID))
    flags |= MS_NOSUID;
  if ((sv.f_flag & ST_NODEV) || (attrs & MOUNT_ATTR_NODEV))
    flags |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC)
    flags |= MS_NOEXEC;
  if (sv.f_flag & ST_NOATIME)
    flags |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME)
    flags |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME)
    flags |= MS_RELATIME;
  char p[64];
  fd_path(fd, p, sizeof(p));
  if (mount(NULL, p, NULL, flags, NULL) < 0)
    FAIL(step, "mount", path);
}

/* Makes the mount at fd read-only (with its submounts when `recursive`). */
static void make_readonly(const char *step, int fd, const char *path, int recursive) { set_mount_attrs(step, fd, path, recursive, MOUNT_ATTR_RDONLY); }

/* The root the in-root steps resolve beneath: `root`'s and sandbox-root's, and again after a mount on the root itself (the new mount). */
static void open_root(const char *step, const char *path) {
  int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    FAIL(step, "open", path);
  if (g_rootfd >= 0)
    close(g_rootfd);
  g_rootfd = fd;
  g_root_path = path;
}

static void do_mount(const struct record *r) {
  const char *src = r->fields[0], *dst = r->fields[1], *fstype = r->fields[2], *data = r->fields[4];
  uint64_t flags = 0;
  plan_parse_u64(r->fields[3], 16, &flags);
  unsigned long msflags = (unsigned long)(flags & 0xffffffffULL);
  int host = (flags & BP_MOUNT_HOSTDST) != 0;
  int bind = (msflags & MS_BIND) != 0;

  if (bind && (flags & BP_MOUNT_OPTIONAL) && access(src, F_OK) < 0)
    return;
  if (!host && (flags & (BP_MOUNT_MKDIR | BP_MOUNT_MKFILE)))
    make_path("mount", dst, (flags & BP_MOUNT_MKFILE) != 0);

  int fd = host ? open(dst, O_PATH | O_CLOEXEC) : open_in_root(dst, O_PATH);
  if (fd < 0)
    FAIL("mount", "open", dst);
  char p[64];
  fd_path(fd, p, sizeof(p));
  if (mount(bind ? src : (*src ? src : fstype), p, bind ? NULL : fstype, msflags, *data ? data : NULL) < 0) {
    int e = errno;
    die(EXIT_HELPER, "mount", "mount", dst, e, "mount `%s` on `%s`", bind ? src : fstype, dst);
  }
  close(fd);
  if (!host && dst[strspn(dst, "/")] == '\0' && g_root_path)
    open_root("mount", g_root_path);
  /* A bind takes no flags of its own: read-only (BP_MOUNT_RDONLY), nosuid and nodev are set on it after, and
     with MS_REC on what it brought along (bwrap's binds: nosuid, and nodev unless --dev-bind). */
  uint64_t attrs = ((flags & BP_MOUNT_RDONLY) ? MOUNT_ATTR_RDONLY : 0) | ((msflags & MS_NOSUID) ? MOUNT_ATTR_NOSUID : 0) | ((msflags & MS_NODEV) ? MOUNT_ATTR_NODEV : 0);
  if (bind && attrs) {
    fd = host ? open(dst, O_PATH | O_CLOEXEC) : open_in_root(dst, O_PATH);
    if (fd < 0)
      FAIL("mount", "open", dst);
    set_mount_attrs("mount", fd, dst, (flags & BP_MOUNT_RDONLY) || (msflags & MS_REC), attrs);
    close(fd);
  }
}

/* Opens PATH inside the root for `step`; -1 when it does not exist (podman's lists name paths a kernel may lack). */
static int open_if_present(const char *step, const char *path) {
  int fd = open_in_root(path, O_PATH);
  if (fd < 0 && errno != ENOENT)
    FAIL(step, "openat2", path);
  return fd;
}

static void do_mask(const char *path) {
  int fd = open_if_present("mask", path);
  if (fd < 0)
    return;
  struct stat st;
  if (fstat(fd, &st) < 0)
    FAIL("mask", "fstat", path);
  char p[64];
  fd_path(fd, p, sizeof(p));
  int rc = S_ISDIR(st.st_mode) ? mount("tmpfs", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0k")
                               : mount("/dev/null", p, NULL, MS_BIND, NULL);
  if (rc < 0)
    FAIL("mask", "mount", path);
  close(fd);
}

static void do_readonly(const char *path, int if_writable) {
  int fd = open_if_present("readonly", path);
  if (fd < 0)
    return;
  char p[64];
  fd_path(fd, p, sizeof(p));
  /* `writable` (bwrap's cover of /proc/sys, sysrq-trigger, irq, bus): only what we could write to. */
  if (if_writable && access(p, W_OK) < 0) {
    if (errno != EACCES && errno != ENOENT && errno != EROFS)
      FAIL("readonly", "access", path);
    close(fd);
    return;
  }
  if (strcmp(path, "/") != 0 && mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0)
    FAIL("readonly", "mount", path);
  close(fd);
  fd = open_in_root(path, O_PATH);
  if (fd < 0)
    FAIL("readonly", "openat2", path);
  /* The root alone (--read-only): /dev, /proc, tmpfs and volumes mounted on it keep their own flags. */
  make_readonly("readonly", fd, path, strcmp(path, "/") != 0);
  close(fd);
}

static void do_symlink(const char *target, const char *linkpath) {
  char buf[PATH_MAX], name[NAME_MAX + 1];
  snprintf(buf, sizeof(buf), "%s", linkpath);
  char *slash = strrchr(buf, '/');
  /* (copied before the parent is cut off: for "/bin" the name and the parent's end share a byte) */
  snprintf(name, sizeof(name), "%s", slash + 1);
  if (slash == buf)
    buf[1] = '\0';
  else
    *slash = '\0';
  int parent = open_in_root(buf, O_PATH | O_DIRECTORY);
  if (parent < 0)
    FAIL("symlink", "openat2", linkpath);
  if (symlinkat(target, parent, name) < 0 && errno != EEXIST)
    FAIL("symlink", "symlink", linkpath);
  close(parent);
}

static void do_root(const char *path) {
  /* The new root must be a mount point for pivot_root. */
  if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
    FAIL("root", "mount", path);
  open_root("root", path);
}

static void do_pivot_root(void) {
  if (fchdir(g_rootfd) < 0)
    FAIL("pivot-root", "fchdir", "/");
  /* pivot_root(".", ".") stacks the old root on top of the new one; detach it. */
  if (syscall(SYS_pivot_root, ".", ".") < 0)
    FAIL("pivot-root", "pivot_root", ".");
  if (umount2(".", MNT_DETACH) < 0)
    FAIL("pivot-root", "umount2", ".");
  if (chdir("/") < 0)
    FAIL("pivot-root", "chdir", "/");
  close(g_rootfd);
  g_rootfd = -1;
  g_root_path = NULL;
}

/* bridge-port NETNS BRIDGE GATEWAY IFNAME PEER ADDRESS: our interface on a user network (netlink.c). */
static void do_bridge_port(const struct record *r) {
  int bridge = open(r->fields[0], O_RDONLY | O_CLOEXEC);
  if (bridge < 0)
    FAIL("bridge-port", "open", r->fields[0]);
  struct bridge_port_args a = {.bridge = r->fields[1], .gateway = r->fields[2], .ifname = r->fields[3], .peer = r->fields[4], .address = r->fields[5]};
  char err[512];
  if (bridge_port(bridge, &a, err, sizeof(err)) < 0)
    die(EXIT_HELPER, "bridge-port", NULL, r->fields[3], 0, "attach `%s` to the network's bridge `%s`: %s", r->fields[3], r->fields[1], err);
  close(bridge);
}

/* A new network namespace starts with `lo` down; podman brings it up. */
static void loopback_up(void) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    FAIL("loopback", "socket", NULL);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof(ifr));
  snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
    FAIL("loopback", "ioctl(SIOCGIFFLAGS)", "lo");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
    FAIL("loopback", "ioctl(SIOCSIFFLAGS)", "lo");
  close(fd);
}

static rlim_t parse_rlim(const char *s) {
  uint64_t v = 0;
  if (strcmp(s, "inf") == 0)
    return RLIM_INFINITY;
  plan_parse_u64(s, 10, &v);
  return (rlim_t)v;
}

uint64_t plan_hex(const char *s) {
  uint64_t v = 0;
  plan_parse_u64(s, 16, &v);
  return v;
}

static void capset_masks(uint64_t permitted, uint64_t effective, uint64_t inheritable) {
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof(data));
  data[0].permitted = (uint32_t)permitted;
  data[1].permitted = (uint32_t)(permitted >> 32);
  data[0].effective = (uint32_t)effective;
  data[1].effective = (uint32_t)(effective >> 32);
  data[0].inheritable = (uint32_t)inheritable;
  data[1].inheritable = (uint32_t)(inheritable >> 32);
  if (syscall(SYS_capset, &hdr, data) < 0)
    FAIL("caps", "capset", NULL);
}

static uint64_t permitted_now(void) {
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2];
  if (syscall(SYS_capget, &hdr, data) < 0)
    FAIL("caps", "capget", NULL);
  return (uint64_t)data[0].permitted | ((uint64_t)data[1].permitted << 32);
}

static void drop_bounding(uint64_t bounding) {
  for (int c = 0; c < 64; c++) {
    if ((bounding >> c) & 1)
      continue;
    if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) {
      if (errno == EINVAL)
        break; /* past the kernel's last capability */
      die(EXIT_HELPER, "caps", "prctl(PR_CAPBSET_DROP)", NULL, errno, "drop bounding capability %d", c);
    }
  }
}

/*
 * The five sets. A `user` step before this one kept the permitted set
 * (PR_SET_KEEPCAPS) but cleared the effective one, and dropping from the
 * bounding set needs CAP_SETPCAP effective: so the permitted set is made
 * effective again first.
 */
static void do_caps(const struct record *r) {
  uint64_t bounding = plan_hex(r->fields[0]), permitted = plan_hex(r->fields[1]), effective = plan_hex(r->fields[2]),
           inheritable = plan_hex(r->fields[3]), ambient = plan_hex(r->fields[4]);
  uint64_t held = permitted_now();
  capset_masks(held, held, 0);
  drop_bounding(bounding);
  capset_masks(permitted, effective, inheritable);
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    FAIL("caps", "prctl(PR_CAP_AMBIENT_CLEAR_ALL)", NULL);
  for (int c = 0; c < 64; c++)
    if ((ambient >> c) & 1)
      if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
        die(EXIT_HELPER, "caps", "prctl(PR_CAP_AMBIENT_RAISE)", NULL, errno, "raise ambient capability %d", c);
}

static void do_groups(const struct record *r) {
  gid_t list[r->nfields ? r->nfields : 1];
  for (size_t i = 0; i < r->nfields; i++) {
    uint64_t g = 0;
    plan_parse_u64(r->fields[i], 10, &g);
    list[i] = (gid_t)g;
  }
  if (setgroups(r->nfields, list) < 0)
    FAIL("groups", "setgroups", NULL);
}

static void do_user(const struct record *r) {
  uint64_t uid = 0, gid = 0;
  plan_parse_u64(r->fields[0], 10, &uid);
  plan_parse_u64(r->fields[1], 10, &gid);
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    FAIL("user", "prctl(PR_SET_KEEPCAPS)", NULL);
  /* "-": that one is left as it is (bwrap's --userns with --uid alone) */
  if (strcmp(r->fields[1], "-") && setresgid((gid_t)gid, (gid_t)gid, (gid_t)gid) < 0)
    die(EXIT_HELPER, "user", "setresgid", NULL, errno, "switch to gid %s (is it mapped in the user namespace?)", r->fields[1]);
  if (strcmp(r->fields[0], "-") && setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) < 0)
    die(EXIT_HELPER, "user", "setresuid", NULL, errno, "switch to uid %s (is it mapped in the user namespace?)", r->fields[0]);
  /* Again: a change of uid or gid cleared the parent-death signal set at the start. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    FAIL("user", "prctl(PR_SET_PDEATHSIG)", NULL);
}

/*
 * `nested-userns UIDMAP GIDMAP` (--userns nomap, auto, a --uidmap without
 * your own id): the container's own user namespace, a child of the one the
 * child was cloned into (where it, as root, made the mounts: that one maps
 * you, and so reads your files). A process that makes a user namespace
 * cannot write a map of more than its own id into it; a fork of ours, still
 * root of the first namespace, can (user_namespaces(7): the opener has
 * CAP_SETUID in the parent namespace). It opens our /proc/PID (held from
 * before: the container's /proc may be anything) once we have unshared,
 * writes both maps and ends; we wait for it, then hold every capability of
 * the new namespace for `user`, `caps` and the rest.
 */
static void do_nested_userns(const struct record *r) {
  /* (a sandbox's /proc may be anything by now, read-only or absent: the one sandbox-root held, else the root's) */
  int self = g_proc_self >= 0 ? dup(g_proc_self) : open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (self < 0)
    die(EXIT_HELPER, "nested-userns", "open", "/proc/self", errno, "open /proc/self to write the nested user namespace's maps (is /proc mounted?)");
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    FAIL("nested-userns", "pipe2", NULL);
  pid_t writer = fork();
  if (writer < 0)
    FAIL("nested-userns", "fork", NULL);
  if (writer == 0) {
    close(p[1]);
    char go;
    if (read(p[0], &go, 1) != 1)
      _exit(EPIPE);
    /* The exit code says which: errno, plus 128 for gid_map. */
    static const char *const files[] = {"uid_map", "gid_map"};
    for (int i = 0; i < 2; i++) {
      int fd = openat(self, files[i], O_WRONLY | O_CLOEXEC);
      size_t n = strlen(r->fields[i]);
      if (fd < 0 || write(fd, r->fields[i], n) != (ssize_t)n)
        _exit((errno > 0 && errno < 128 ? errno : EIO) + 128 * i);
      close(fd);
    }
    _exit(0);
  }
  close(p[0]);
  if (unshare(CLONE_NEWUSER) < 0)
    FAIL("nested-userns", "unshare(CLONE_NEWUSER)", NULL);
  int st = 0;
  ssize_t sent = write(p[1], "g", 1);
  close(p[1]);
  while (waitpid(writer, &st, 0) < 0 && errno == EINTR)
    ;
  close(self);
  if (sent != 1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : EIO, gid = code >= 128;
    const char *map = r->fields[gid];
    die(EXIT_HELPER, "nested-userns", "write", gid ? "gid_map" : "uid_map", gid ? code - 128 : code,
        "write the nested user namespace's %s (%.*s%s)", gid ? "gid_map" : "uid_map", (int)strcspn(map, "\n"), map, strchr(map, '\n')[1] ? "; ..." : "");
  }
}

static mode_t octal(const char *s) {
  uint64_t v = 0;
  plan_parse_u64(s, 8, &v);
  return (mode_t)v;
}

/* Splits PATH into its parent, opened inside the root, and its last component (in `name`). */
static int open_parent(const char *step, const char *path, char *name, size_t len) {
  char buf[PATH_MAX];
  if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
    die(EXIT_HELPER, step, "open", path, ENAMETOOLONG, NULL);
  char *slash = strrchr(buf, '/');
  snprintf(name, len, "%s", slash + 1);
  if (slash == buf)
    buf[1] = '\0';
  else
    *slash = '\0';
  int parent = open_in_root(buf, O_PATH | O_DIRECTORY);
  if (parent < 0)
    FAIL(step, "openat2", path);
  return parent;
}

/*
 * Creates or replaces the regular file PATH inside the root: the parent is
 * resolved beneath the root, the file itself is never a symlink (O_NOFOLLOW:
 * ELOOP) nor a fifo or device (O_NONBLOCK, then refused).
 */
static int create_file(const char *step, const char *path, mode_t mode) {
  char name[NAME_MAX + 1];
  int parent = open_parent(step, path, name, sizeof(name));
  int fd = openat(parent, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode);
  if (fd < 0)
    FAIL(step, "open", path);
  close(parent);
  struct stat st;
  if (fstat(fd, &st) < 0)
    FAIL(step, "fstat", path);
  if (!S_ISREG(st.st_mode))
    die(EXIT_HELPER, step, "open", path, EINVAL, "`%s` is not a regular file", path);
  if (fchmod(fd, mode) < 0)
    FAIL(step, "fchmod", path);
  return fd;
}

static void write_whole(const char *step, const char *path, int fd, const char *buf, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, buf, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0)
      FAIL(step, "write", path);
    buf += w;
    n -= (size_t)w;
  }
}

static void do_write_file(const struct record *r) {
  int fd = create_file("write-file", r->fields[0], octal(r->fields[1]));
  write_whole("write-file", r->fields[0], fd, r->fields[2], strlen(r->fields[2]));
  close(fd);
}

/* A sysctl: the file exists (procfs makes no new ones), and procfs refuses the fchmod create_file does. */
static void do_sysctl(const struct record *r) {
  char name[NAME_MAX + 1];
  int parent = open_parent("sysctl", r->fields[0], name, sizeof(name));
  int fd = openat(parent, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    die(EXIT_HELPER, "sysctl", "open", r->fields[0], errno, "set `%s` (does the kernel have it, in this namespace?)", r->fields[0]);
  close(parent);
  size_t n = strlen(r->fields[1]);
  /* One write: the kernel parses a sysctl from the whole buffer of a single write. */
  if (write(fd, r->fields[1], n) != (ssize_t)n)
    die(EXIT_HELPER, "sysctl", "write", r->fields[0], errno, "set `%s` to `%s`", r->fields[0], r->fields[1]);
  close(fd);
}

/* The rest of write-fd: what the inherited fd of the record holds, up to its end, into fd; both closed. */
static void copy_from_fd(const struct record *r, int fd) {
  uint64_t src = 0;
  plan_parse_u64(r->fields[2], 10, &src);
  char buf[65536];
  for (;;) {
    ssize_t n = read((int)src, buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      die(EXIT_HELPER, "write-fd", "read", r->fields[0], errno, "read fd %s for `%s`", r->fields[2], r->fields[0]);
    if (n == 0)
      break;
    write_whole("write-fd", r->fields[0], fd, buf, (size_t)n);
  }
  close(fd);
  close((int)src);
}

/* bwrap's --file: what an inherited fd holds, up to its end. */
static void do_write_fd(const struct record *r) { copy_from_fd(r, create_file("write-fd", r->fields[0], octal(r->fields[1]))); }

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

/* chmod of what PATH names inside the root (a symlink there is followed, inside the root only). */
static void do_chmod(const struct record *r) {
  const char *path = r->fields[0];
  int fd = open_in_root(path, O_PATH);
  if (fd < 0)
    FAIL("chmod", "openat2", path);
  if (syscall(SYS_fchmodat2, fd, "", octal(r->fields[1]), AT_EMPTY_PATH) < 0) {
    if (errno != ENOSYS && errno != EINVAL)
      FAIL("chmod", "fchmodat2", path);
    /* Before Linux 6.6: through the fd's magic link, which names exactly this inode. */
    char p[64];
    fd_path(fd, p, sizeof(p));
    if (chmod(p, octal(r->fields[1])) < 0)
      FAIL("chmod", "chmod", path);
  }
  close(fd);
}

/* bwrap's --dev-bind: a recursive bind that keeps device nodes usable; DST made as SRC's kind. */
static void do_dev_bind(const struct record *r) {
  const char *src = r->fields[0], *dst = r->fields[1];
  struct stat st;
  if (stat(src, &st) < 0)
    FAIL("dev-bind", "stat", src);
  make_path("dev-bind", dst, !S_ISDIR(st.st_mode));
  int fd = open_in_root(dst, O_PATH);
  if (fd < 0)
    FAIL("dev-bind", "openat2", dst);
  char p[64];
  fd_path(fd, p, sizeof(p));
  if (mount(src, p, NULL, MS_BIND | MS_REC, NULL) < 0)
    die(EXIT_HELPER, "dev-bind", "mount", dst, errno, "bind `%s` on `%s`", src, dst);
  close(fd);
}

/* bwrap's --remount-ro: the mount at PATH alone ("does not recursively remount"). */
static void do_remount_ro(const char *path) {
  int fd = open_in_root(path, O_PATH);
  if (fd < 0)
    FAIL("remount-ro", "openat2", path);
  make_readonly("remount-ro", fd, path, 0);
  close(fd);
}

/*
 * A copy of the mount at SRC in another mount namespace (NS, a host path: a
 * container's /proc/PID/ns/mnt) on DST inside the root: a shared --ipc's
 * /dev/shm, the same files on both sides. A mount cannot be bound from a
 * namespace not our own, so the child enters NS, clones the tree there
 * (open_tree; SRC resolved beneath that namespace's root, no symlink
 * followed) and comes straight back to its own (root and working directory
 * as they were: before pivot-root, the namespace's root), where the tree is
 * moved onto DST.
 */
static void do_mount_from(const struct record *r) {
  const char *ns = r->fields[0], *src = r->fields[1], *dst = r->fields[2];
  make_path("mount-from", dst, 0);
  int target = open_in_root(dst, O_PATH);
  if (target < 0)
    FAIL("mount-from", "openat2", dst);
  int own = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC), cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (own < 0 || cwd < 0)
    FAIL("mount-from", "open", "/proc/self/ns/mnt");
  int other = open(ns, O_RDONLY | O_CLOEXEC);
  if (other < 0)
    FAIL("mount-from", "open", ns);
  if (setns(other, CLONE_NEWNS) < 0)
    die(EXIT_HELPER, "mount-from", "setns", ns, errno, "enter the mount namespace `%s`", ns);
  struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
  int at = (int)syscall(SYS_openat2, AT_FDCWD, src, &how, sizeof(how)), e = errno;
  int tree = at < 0 ? -1 : (int)syscall(SYS_open_tree, at, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
  if (at >= 0)
    e = errno;
  /* Back before anything else, failed or not: nothing more is done in the other namespace. */
  if (setns(own, CLONE_NEWNS) < 0 || fchdir(cwd) < 0)
    die(EXIT_HELPER, "mount-from", "setns", NULL, errno, "come back to the container's own mount namespace");
  if (at < 0)
    die(EXIT_HELPER, "mount-from", "openat2", src, e, "open `%s` in the mount namespace `%s`", src, ns);
  if (tree < 0)
    die(EXIT_HELPER, "mount-from", "open_tree", src, e, "copy the mount at `%s` in `%s`", src, ns);
  if (syscall(SYS_move_mount, tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    die(EXIT_HELPER, "mount-from", "move_mount", dst, errno, "mount `%s` of `%s` on `%s`", src, ns, dst);
  close(tree);
  close(at);
  close(other);
  close(cwd);
  close(own);
  close(target);
}

/* bwrap's --block-fd: go on once FD has a byte for us or has ended. */
static void do_block_fd(const char *field) {
  uint64_t fd = 0;
  plan_parse_u64(field, 10, &fd);
  struct pollfd pfd = {.fd = (int)fd, .events = POLLIN};
  while (poll(&pfd, 1, -1) < 0)
    if (errno != EINTR)
      die(EXIT_HELPER, "block-fd", "poll", NULL, errno, "wait on fd %s", field);
  if (pfd.revents & POLLNVAL)
    die(EXIT_HELPER, "block-fd", "poll", NULL, EBADF, "wait on fd %s", field);
  char byte;
  while (read((int)fd, &byte, 1) < 0 && errno == EINTR)
    ;
  close((int)fd);
}

/* The mount the monitor's `process` (mount mode) made, moved into place. */
static void do_process_mount(const struct record *r) {
  if (write(g_fds->sync, "R", 1) != 1)
    _exit(EXIT_HELPER);
  int tree = recv_fd(g_fds->sync);
  if (tree < 0)
    _exit(EXIT_HELPER); /* the monitor failed and reports it */
  if (syscall(SYS_move_mount, tree, "", AT_FDCWD, r->fields[2], MOVE_MOUNT_F_EMPTY_PATH) < 0)
    FAIL("process", "move_mount", r->fields[2]);
  close(tree);
}

/* Opens a pty in the container's devpts, hands the master to the monitor, makes the slave our terminal. */
static void setup_tty(void) {
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    FAIL("tty", "open", "/dev/ptmx");
  int unlock = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
    FAIL("tty", "ioctl(TIOCSPTLCK)", "/dev/ptmx");
  int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
  if (slave < 0)
    FAIL("tty", "ioctl(TIOCGPTPEER)", "/dev/ptmx");
  if (send_fd(g_fds->sync, master) < 0)
    FAIL("tty", "sendmsg", NULL);
  close(master);
  /* The monitor sets the window size before it lets us go on. */
  char go;
  if (read(g_fds->sync, &go, 1) != 1)
    die(EXIT_HELPER, "tty", "read", NULL, errno, "the monitor went away");
  if (setsid() < 0)
    FAIL("tty", "setsid", NULL);
  if (ioctl(slave, TIOCSCTTY, 0) < 0)
    FAIL("tty", "ioctl(TIOCSCTTY)", NULL);
  for (int i = 0; i < 3; i++)
    if (dup2(slave, i) < 0)
      FAIL("tty", "dup2", NULL);
  if (slave > 2)
    close(slave);
}

/* PID 1 with --init: passes signals on to the command, reaps everything, exits as the command did. */
static void run_init(int tty) {
  /* Every signal waited for rather than handled (32 to 34 too, which the C library's sigaction refuses):
     SIGCHLD reaps, any other is passed on to the command. Blocked before the fork, so that none sent in
     between is lost, nor the SIGCHLD of a command that ends at once (ignored, not queued, while unblocked). */
  sigset_t all, before;
  sigset_all(&all);
  sig_block(SIG_SETMASK, &all, &before);
  pid_t child = fork();
  if (child < 0)
    FAIL("init", "fork", NULL);
  if (child == 0) {
    sig_block(SIG_SETMASK, &before, NULL);
    if (tty) {
      /* Our own process group, in the terminal's foreground. tcsetpgrp from a background
       * group raises SIGTTOU: blocked for the call (every mask is cleared before the exec). */
      sigset_t ttou, old;
      sigemptyset(&ttou);
      sigaddset(&ttou, SIGTTOU);
      sigprocmask(SIG_BLOCK, &ttou, &old);
      setpgid(0, 0);
      if (tcsetpgrp(0, getpid()) < 0)
        FAIL("init", "tcsetpgrp", NULL);
      sigprocmask(SIG_SETMASK, &old, NULL);
    }
    return;
  }
  close(g_fds->error);
  close(g_fds->sync);
  /* Not dumpable: no process in the container may open /proc/1/exe (the helper binary on the host). A sandbox's
     is, as bwrap's: its command may read /proc/1/ns (the helper runs from a sealed copy, which nothing can write). */
  if (!g_bwrap)
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  /* Its own name in ps, not the helper's command line with host paths. */
  /* (a sandbox's is bwrap's name, as bwrap's own PID 1 shows) */
  const char *name = g_bwrap ? "bwrap" : "burrow-init";
  prctl(PR_SET_NAME, name, 0, 0, 0);
  if (g_argv_area && g_argv_area_len > 0) {
    memset(g_argv_area, 0, g_argv_area_len);
    snprintf(g_argv_area, g_argv_area_len, "%s", name);
  }
  for (;;) {
    int sig = sig_wait(&all);
    if (sig < 0) {
      if (errno == EINTR)
        continue;
      _exit(EXIT_HELPER);
    }
    if (sig != SIGCHLD) {
      kill(child, sig);
      continue;
    }
    int status;
    pid_t p;
    while ((p = waitpid(-1, &status, WNOHANG)) > 0)
      if (p == child) {
        if (WIFEXITED(status))
          _exit(WEXITSTATUS(status));
        _exit(128 + WTERMSIG(status));
      }
  }
}

static const char *env_get(const struct record *env, const char *name) {
  size_t n = strlen(name);
  if (!env)
    return NULL;
  for (size_t i = 0; i < env->nfields; i++)
    if (strncmp(env->fields[i], name, n) == 0 && env->fields[i][n] == '=')
      return env->fields[i] + n + 1;
  return NULL;
}

static void do_exec(const struct record *exec, const struct exec_state *st) {
  const struct record *env = st->env;
  const char *file = exec->fields[0];
  char **argv = exec->fields + 1;
  char *empty[] = {NULL};
  char **envp = env ? env->fields : empty;
  /* cwd-try: PWD names where it went, as bwrap sets it. */
  if (st->pwd) {
    size_t n = env ? env->nfields : 0;
    char **with = calloc(n + 2, sizeof(char *));
    char *pwd = malloc(strlen(st->pwd) + 5);
    if (!with || !pwd)
      die(EXIT_HELPER, "exec", "malloc", NULL, ENOMEM, NULL);
    sprintf(pwd, "PWD=%s", st->pwd);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
      if (strncmp(envp[i], "PWD=", 4) != 0)
        with[k++] = envp[i];
    with[k++] = pwd;
    with[k] = NULL;
    envp = with;
  }
  if (g_bwrap) {
    /* As bwrap's execvp (glibc's): the PATH of the command's environment (/bin:/usr/bin without one); its wording, exit 1. */
    exec_search(file, argv, envp, env_get(env, "PATH"));
    die(EXIT_HELPER, "exec", "execvp", file, errno, "execvp %s", file);
  }

  if (strchr(file, '/')) {
    execve(file, argv, envp);
    int e = errno;
    if (e == ENOENT)
      die(EXIT_NOT_FOUND, "exec", "execve", file, e, "executable file `%s` not found", file);
    die(EXIT_CANNOT_EXEC, "exec", "execve", file, e, "exec `%s`", file);
  }
  /* The plan says where to look when the environment does not (search-path): no default here. */
  const char *path = env_get(env, "PATH");
  if (!path)
    path = st->search_path;
  if (!path)
    die(EXIT_NOT_FOUND, "exec", "execve", file, ENOENT, "executable file `%s` not found: no PATH to search", file);
  int denied = 0, denied_errno = 0;
  char candidate[PATH_MAX];
  for (const char *p = path;;) {
    const char *end = strchrnul(p, ':');
    size_t dlen = (size_t)(end - p);
    if (dlen == 0)
      snprintf(candidate, sizeof(candidate), "%s", file);
    else
      snprintf(candidate, sizeof(candidate), "%.*s/%s", (int)dlen, p, file);
    execve(candidate, argv, envp);
    if (errno == EACCES || errno == ENOEXEC || errno == EISDIR || errno == ETXTBSY) {
      struct stat st;
      /* A directory of that name along PATH is skipped, as execvp does. */
      if (!(stat(candidate, &st) == 0 && S_ISDIR(st.st_mode))) {
        denied = 1;
        denied_errno = errno;
      }
    } else if (errno != ENOENT && errno != ENOTDIR && errno != ENAMETOOLONG && errno != ELOOP) {
      die(EXIT_CANNOT_EXEC, "exec", "execve", candidate, errno, "exec `%s`", candidate);
    }
    if (*end == '\0')
      break;
    p = end + 1;
  }
  if (denied)
    die(EXIT_CANNOT_EXEC, "exec", "execve", file, denied_errno, "exec `%s`", file);
  die(EXIT_NOT_FOUND, "exec", "execve", file, ENOENT, "executable file `%s` not found in $PATH", file);
}

static void prepare_exec(struct exec_state *st);

/* A pod's infra: the sealed copy of the helper (g_pause_fd, inherited from the monitor) as `burrow-helper pause`. */
static void do_pause(struct exec_state *st) {
  char *argv[] = {"burrow-pause", "pause", NULL}, *envp[] = {NULL};
  prepare_exec(st);
  syscall(SYS_execveat, g_pause_fd, "", argv, envp, AT_EMPTY_PATH);
  FAIL("pause", "execveat", NULL);
}

/* Only 0-2 reach the command, and no signal setting of ours (or Node's) does. */
static void prepare_exec(struct exec_state *st) {
  if (st->prepared)
    return;
  st->prepared = 1;
  if (g_saved_umask >= 0)
    umask((mode_t)g_saved_umask);
  /* Everything above 2 closes at exec (the error pipe too, which is how the monitor learns the exec worked). */
  if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
    for (int fd = 3; fd < 65536; fd++)
      fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  for (int fd = 0; fd < 3; fd++) {
    int fl = fcntl(fd, F_GETFD);
    if (fl >= 0 && (fl & FD_CLOEXEC))
      fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
  }
  /* inherit-fds: what the caller gave bwrap's command line (burrow sandbox), or a file passed to a worker (a layout's layer): the command's as well. */
  const struct record *inherit = plan_find(st->plan, R_INHERIT_FDS);
  for (size_t i = 0; inherit && i < inherit->nfields; i++) {
    uint64_t fd = 0;
    plan_parse_u64(inherit->fields[i], 10, &fd);
    fcntl((int)fd, F_SETFD, 0);
  }
  /*
   * Ignored signals survive execve (Node ignores SIGPIPE): reset every disposition and the
   * mask. The raw system call, since glibc's sigaction refuses its own 32 and 33 (a parent
   * started through posix_spawn has them ignored).
   */
  struct {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
  } dfl = {SIG_DFL, 0, NULL, 0};
  for (int s = 1; s < NSIG; s++)
    if (s != SIGKILL && s != SIGSTOP)
      syscall(SYS_rt_sigaction, s, &dfl, NULL, sizeof(dfl.mask));
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
}

static int hexdigit(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

/*
 * The plan's BPF program. With no-new-privs, the last step before execve
 * (the filter sees nothing of ours but it); without, before `caps` (as runc
 * and crun do), since the kernel then wants CAP_SYS_ADMIN in our user
 * namespace, which is raised from the permitted set for the call. Only caps,
 * cwd, env, search-path, init and exec may follow (the parser sees to it):
 * fds and signals are made ready first.
 */
static void do_seccomp(const struct record *r, struct exec_state *st) {
  const char *hexprog = r->fields[0];
  uint64_t flags = 0;
  if (r->nfields > 1)
    plan_parse_u64(r->fields[1], 16, &flags);
  size_t n = strlen(hexprog) / 16;
  struct sock_filter *code = calloc(n, sizeof(*code));
  if (!code)
    die(EXIT_HELPER, "seccomp", "calloc", NULL, ENOMEM, NULL);
  unsigned char *bytes = (unsigned char *)code;
  for (size_t i = 0; i < n * 8; i++)
    bytes[i] = (unsigned char)(hexdigit(hexprog[2 * i]) << 4 | hexdigit(hexprog[2 * i + 1]));
  struct sock_fprog prog = {.len = (unsigned short)n, .filter = code};
  prepare_exec(st);
  if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
    uint64_t held = permitted_now();
    capset_masks(held, held, 0);
  }
  long listener = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned int)flags, &prog);
  if (listener < 0) {
    if (errno != ENOSYS || flags != 0)
      FAIL("seccomp", "seccomp", NULL);
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
      FAIL("seccomp", "prctl(PR_SET_SECCOMP)", NULL);
  } else if (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
    /* The `audit` record's filter: its notifications go to the monitor, which answers them. */
    if (send_msg(g_fds->sync, 'A', (int)listener) < 0)
      FAIL("seccomp", "sendmsg", NULL);
    close((int)listener);
  }
  free(code);
}

static void do_stdin(const char *mode) {
  if (strcmp(mode, "NULL") != 0)
    return;
  int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || dup2(fd, 0) < 0)
    FAIL("stdin", "open", "/dev/null");
  close(fd);
}

static void do_rlimit(const struct record *r) {
  uint64_t res = 0;
  plan_parse_u64(r->fields[0], 10, &res);
  struct rlimit rl = {.rlim_cur = parse_rlim(r->fields[1]), .rlim_max = parse_rlim(r->fields[2])};
  if (setrlimit((int)res, &rl) < 0)
    die(EXIT_HELPER, "rlimit", "setrlimit", NULL, errno, "set resource limit %s to %s:%s", r->fields[0], r->fields[1],
        r->fields[2]);
}

/* The working directory, resolved inside the root like every other path: never through a magic link to an fd's directory outside it (CVE-2024-21626). */
static void do_cwd(const char *path) {
  int fd = open_in_root(path, O_PATH | O_DIRECTORY);
  if (fd < 0 || fchdir(fd) < 0)
    die(EXIT_HELPER, "cwd", "chdir", path, errno, g_bwrap ? "Can't chdir to %s" : "change to working directory `%s`", path);
  close(fd);
}

/* One step of the child's list. */
/* copy-up: the image's files at PATH (inside the root) into an empty new volume (a host directory). */
static void do_copy_up(const struct record *r) {
  int src = open_in_root(r->fields[0], O_RDONLY | O_DIRECTORY);
  if (src < 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      return; /* nothing of the image's there */
    FAIL("copy-up", "openat2", r->fields[0]);
  }
  int dst = open(r->fields[1], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dst < 0)
    FAIL("copy-up", "open", r->fields[1]);
  char where[1024];
  if (copy_up(src, dst, where, sizeof(where)) < 0)
    die(EXIT_HELPER, "copy-up", NULL, r->fields[0], errno, "copy `%s/%s` of the image into the new volume `%s`", strcmp(r->fields[0], "/") ? r->fields[0] : "", where, r->fields[1]);
  close(src);
  close(dst);
}

/*
 * bwrap's base: a tmpfs on BASE (bwrap's own is /tmp) made the root, the
 * host's tree moved to /oldroot under it, and /newroot (bound onto itself, a
 * mount point for pivot-root) the sandbox's root for the in-root steps. Host
 * paths are then /oldroot/...; paths without it (a `host` mkdir or write-fd)
 * are the base's, which no one sees after pivot-root.
 */
static void do_sandbox_root(const char *base) {
  /* As bwrap: the modes asked for, exactly, while the root is made; the caller's umask again for the command. */
  g_saved_umask = (int)umask(0);
  if (mount("tmpfs", base, "tmpfs", MS_NODEV | MS_NOSUID, NULL) < 0)
    die(EXIT_HELPER, "sandbox-root", "mount", base, errno, "Failed to mount tmpfs on %s", base);
  if (chdir(base) < 0)
    FAIL("sandbox-root", "chdir", base);
  if (mkdir("newroot", 0755) < 0 || mkdir("oldroot", 0755) < 0)
    FAIL("sandbox-root", "mkdir", base);
  if (syscall(SYS_pivot_root, ".", "oldroot") < 0)
    FAIL("sandbox-root", "pivot_root", base);
  if (chdir("/") < 0)
    FAIL("sandbox-root", "chdir", "/");
  if (mount("newroot", "newroot", NULL, MS_BIND | MS_REC, NULL) < 0)
    FAIL("sandbox-root", "mount", "/newroot");
  /* The steps name what they opened by /proc/self/fd/N: the host's /proc in the base too (gone with it at pivot-root). */
  if (mkdir("proc", 0555) < 0 || mount("/oldroot/proc", "/proc", NULL, MS_BIND | MS_REC, NULL) < 0)
    FAIL("sandbox-root", "mount", "/proc");
  g_proc_self = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
  open_root("sandbox-root", "/newroot");
}

/* `mkdir PATH MODE host`: a directory in the tree as it is (sandbox-root's base), not inside the root. */
static void do_mkdir_host(const struct record *r) {
  if (mkdir(r->fields[0], octal(r->fields[1])) < 0 && errno != EEXIST)
    FAIL("mkdir", "mkdir", r->fields[0]);
}

/* bwrap's --lock-file: a read lock on PATH held while this process lives (PID 1's, with an init). */
static void do_lock_file(const char *path) {
  int fd = open_in_root(path, O_RDONLY);
  if (fd < 0)
    die(EXIT_HELPER, "lock-file", "open", path, errno, "Can't create lockfile %s", path);
  struct flock lock = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
  if (fcntl(fd, F_SETLK, &lock) < 0)
    die(EXIT_HELPER, "lock-file", "fcntl", path, errno, "Can't lock file %s", path);
  /* kept open (close-on-exec): closing any fd of the file would drop the lock */
}

/*
 * bwrap's --disable-userns: at most one user namespace below this one (the
 * limit FILE, /proc/sys/user/max_user_namespaces as this namespace sees it);
 * the `nested-userns` that follows takes it, so no process of the sandbox,
 * in that nested namespace, can make another or raise the limit of its parent.
 */
static void do_disable_userns(const char *file) {
  int fd = open(file, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || write(fd, "1", 1) != 1)
    die(EXIT_HELPER, "disable-userns", "write", file, errno, "Failed to disable userns nesting");
  close(fd);
}

/* `userns2`'s namespace, opened as the child starts (its PATH, /proc/self/fd/N, names an fd the child closes then). */
static int g_userns2 = -1;

/*
 * bwrap's --userns2: into that user namespace once the root is in place, before the nested one and the ids:
 * flatpak's sub-sandbox runs where its parent's application runs.
 */
static void do_userns2(const char *path) {
  if (g_userns2 < 0 || setns(g_userns2, CLONE_NEWUSER) < 0)
    die(EXIT_HELPER, "userns2", "setns", path, g_userns2 < 0 ? EBADF : errno, "Setting userns2 failed");
  close(g_userns2);
  g_userns2 = -1;
}

/* `selinux-label`'s files, opened as the child starts: once the sandbox is built, it may have no /proc. */
static int g_attr_exec = -1, g_attr_fscreate = -1;
/* The command, named in bwrap's words when its label cannot be given. */
static const char *g_exec_name = "";

static void selinux_label_failed(int exec, const char *sc, const char *path, int err) {
  if (exec)
    die(EXIT_HELPER, "selinux-label", sc, path, err, "label_exec %s", g_exec_name);
  die(EXIT_HELPER, "selinux-label", sc, path, err, "--file-label setup failed");
}

/*
 * bwrap's --file-label and --exec-label: the label, with its NUL as libselinux's setfscreatecon and setexeccon
 * write it, into this thread's attribute (the files it makes from now on; the program its exec starts).
 */
static void do_selinux_label(const struct record *r) {
  int exec = !strcmp(r->fields[0], "exec");
  int fd = exec ? g_attr_exec : g_attr_fscreate;
  size_t len = strlen(r->fields[1]) + 1;
  if (fd < 0 || write(fd, r->fields[1], len) != (ssize_t)len)
    selinux_label_failed(exec, "write", exec ? "/proc/thread-self/attr/exec" : "/proc/thread-self/attr/fscreate", fd < 0 ? EBADF : errno);
}

/* bwrap's default working directory: the first of the paths we can go to (else "/"), the command's PWD. */
static void do_cwd_try(const struct record *r, struct exec_state *st) {
  st->pwd = "/";
  for (size_t i = 0; i < r->nfields; i++)
    if (chdir(r->fields[i]) == 0) {
      st->pwd = r->fields[i];
      return;
    }
  if (chdir("/") < 0)
    FAIL("cwd-try", "chdir", "/");
}

/* `write-fd PATH MODE FD host`: the file in the tree as it is (sandbox-root's base: bwrap's --bind-data file). */
static void do_write_fd_host(const struct record *r) {
  int fd = open(r->fields[0], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, octal(r->fields[1]));
  if (fd < 0 || fchmod(fd, octal(r->fields[1])) < 0)
    FAIL("write-fd", "open", r->fields[0]);
  copy_from_fd(r, fd);
}

/*
 * Landlock (a second wall inside the sandbox's own): `landlock FS NET SCOPE FLAGS` makes a ruleset handling
 * those access masks (hex; what this kernel's ABI knows, burrow cut them to it), `landlock-path ACCESS PATH`
 * and `landlock-port ACCESS PORT` add its rules (PATH as this process sees it now, after pivot-root),
 * `landlock-restrict` enforces it on this process and all it starts (FLAGS: landlock_restrict_self's).
 */
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif
static int g_landlock = -1;
static uint32_t g_landlock_flags;

static void do_landlock(const struct record *r) {
  struct {
    uint64_t fs, net, scoped;
  } attr = {plan_hex(r->fields[0]), plan_hex(r->fields[1]), plan_hex(r->fields[2])};
  /* The struct as long as the fields used: an older kernel takes the shorter one. */
  size_t size = attr.scoped ? 24 : attr.net ? 16 : 8;
  g_landlock = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
  if (g_landlock < 0)
    die(EXIT_HELPER, "landlock", "landlock_create_ruleset", NULL, errno, "make the Landlock ruleset");
  fcntl(g_landlock, F_SETFD, FD_CLOEXEC);
  g_landlock_flags = (uint32_t)plan_hex(r->fields[3]);
}

static void do_landlock_path(const struct record *r) {
  struct __attribute__((packed)) {
    uint64_t allowed;
    int32_t fd;
  } rule = {plan_hex(r->fields[0]), -1};
  rule.fd = open(r->fields[1], O_PATH | O_CLOEXEC);
  if (rule.fd < 0)
    die(EXIT_HELPER, "landlock-path", "open", r->fields[1], errno, "Landlock rule on `%s`", r->fields[1]);
  /* A file takes only the rights that apply to files. */
  struct stat st;
  if (fstat(rule.fd, &st) == 0 && !S_ISDIR(st.st_mode))
    rule.allowed &= 0x1 | 0x2 | 0x4 | 0x4000 | 0x8000; /* EXECUTE, WRITE_FILE, READ_FILE, TRUNCATE, IOCTL_DEV */
  if (syscall(SYS_landlock_add_rule, g_landlock, 1 /* LANDLOCK_RULE_PATH_BENEATH */, &rule, 0) < 0)
    die(EXIT_HELPER, "landlock-path", "landlock_add_rule", r->fields[1], errno, "Landlock rule on `%s`", r->fields[1]);
  close(rule.fd);
}

static void do_landlock_port(const struct record *r) {
  uint64_t port = 0;
  plan_parse_u64(r->fields[1], 10, &port);
  struct {
    uint64_t allowed, port;
  } rule = {plan_hex(r->fields[0]), port};
  if (syscall(SYS_landlock_add_rule, g_landlock, 2 /* LANDLOCK_RULE_NET_PORT */, &rule, 0) < 0)
    die(EXIT_HELPER, "landlock-port", "landlock_add_rule", r->fields[1], errno, "Landlock rule on TCP port %s", r->fields[1]);
}

static void do_landlock_restrict(void) {
  if (syscall(SYS_landlock_restrict_self, g_landlock, g_landlock_flags) < 0)
    die(EXIT_HELPER, "landlock-restrict", "landlock_restrict_self", NULL, errno, "enforce the Landlock ruleset");
  close(g_landlock);
  g_landlock = -1;
}

static void run_step(const struct record *r, struct exec_state *st) {
  switch (r->kind) {
  case R_PROCESS: do_process_mount(r); break;
  case R_ROOT: do_root(r->fields[0]); break;
  case R_MOUNT: do_mount(r); break;
  case R_DEV_BIND: do_dev_bind(r); break;
  case R_REMOUNT_RO: do_remount_ro(r->fields[0]); break;
  case R_MOUNT_FROM: do_mount_from(r); break;
  case R_UMASK: umask((mode_t)octal(r->fields[0])); break;
  case R_SYMLINK: do_symlink(r->fields[0], r->fields[1]); break;
  case R_MASK: do_mask(r->fields[0]); break;
  case R_READONLY: do_readonly(r->fields[0], r->nfields > 1); break;
  case R_MKDIR:
    if (r->nfields > 2)
      do_mkdir_host(r);
    else
      make_path_mode("mkdir", r->fields[0], 0, octal(r->fields[1]));
    break;
  case R_SANDBOX_ROOT: do_sandbox_root(r->fields[0]); break;
  case R_LOCK_FILE: do_lock_file(r->fields[0]); break;
  case R_DISABLE_USERNS: do_disable_userns(r->fields[0]); break;
  case R_ASSERT_USERNS_DISABLED:
    if (unshare(CLONE_NEWUSER) == 0)
      die(EXIT_HELPER, "assert-userns-disabled", "unshare", NULL, 0, "creation of new user namespaces was not disabled as requested");
    break;
  case R_USERNS2: do_userns2(r->fields[0]); break;
  case R_SELINUX_LABEL: do_selinux_label(r); break;
  case R_CWD_TRY: do_cwd_try(r, st); break;
  case R_LANDLOCK: do_landlock(r); break;
  case R_LANDLOCK_PATH: do_landlock_path(r); break;
  case R_LANDLOCK_PORT: do_landlock_port(r); break;
  case R_LANDLOCK_RESTRICT: do_landlock_restrict(); break;
  case R_WRITE_FILE: do_write_file(r); break;
  case R_WRITE_FD:
    if (r->nfields > 3)
      do_write_fd_host(r);
    else
      do_write_fd(r);
    break;
  case R_CHMOD: do_chmod(r); break;
  case R_SYSCTL: do_sysctl(r); break;
  case R_COPY_UP: do_copy_up(r); break;
  case R_PIVOT_ROOT: do_pivot_root(); break;
  case R_HOSTNAME:
    if (sethostname(r->fields[0], strlen(r->fields[0])) < 0)
      FAIL("hostname", "sethostname", r->fields[0]);
    break;
  case R_DOMAINNAME:
    if (setdomainname(r->fields[0], strlen(r->fields[0])) < 0)
      FAIL("domainname", "setdomainname", r->fields[0]);
    break;
  case R_LOOPBACK: loopback_up(); break;
  case R_BRIDGE_PORT: do_bridge_port(r); break;
  case R_RLIMIT: do_rlimit(r); break;
  case R_TTY: setup_tty(); st->tty = 1; break;
  case R_STDIN: do_stdin(r->fields[0]); break;
  case R_NEW_SESSION:
    if (setsid() < 0)
      FAIL("new-session", "setsid", NULL);
    break;
  case R_NESTED_USERNS:
    /* (pasta and slirp4netns enter the first namespace, which owns the network's: before it is left) */
    await_network(st);
    do_nested_userns(r);
    break;
  case R_GROUPS:
    await_network(st);
    do_groups(r);
    break;
  case R_USER:
    await_network(st);
    do_user(r);
    break;
  case R_CAPS:
    await_network(st);
    do_caps(r);
    break;
  case R_NO_NEW_PRIVS:
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
      FAIL("no-new-privs", "prctl(PR_SET_NO_NEW_PRIVS)", NULL);
    break;
  case R_CWD: do_cwd(r->fields[0]); break;
  case R_ENV: st->env = r; break;
  case R_SEARCH_PATH: st->search_path = r->fields[0]; break;
  case R_INIT: run_init(st->tty); break; /* returns in the child that goes on */
  case R_BLOCK_FD: do_block_fd(r->fields[0]); break;
  case R_SECCOMP:
    await_network(st);
    do_seccomp(r, st);
    break;
  case R_SESSION_KEYRING:
    /* Refused (ENOSYS, or EPERM under an outer filter): then the container cannot reach a keyring either. */
    if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS && errno != EPERM)
      FAIL("session-keyring", "keyctl(KEYCTL_JOIN_SESSION_KEYRING)", NULL);
    break;
  case R_EXEC:
    await_network(st);
    prepare_exec(st);
    do_exec(r, st);
    break;
  case R_PAUSE:
    await_network(st);
    do_pause(st);
    break;
  default:
    break; /* the monitor's records */
  }
}

static int compare_ints(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

/*
 * Closes every fd above 2 the child's steps do not use: whatever the monitor
 * holds or was started with (a status pipe, a directory some caller leaked)
 * must not be there for a step, a magic link or the exec to reach
 * (CVE-2024-21626). The exec closes the rest (close-on-exec).
 */
static void close_unneeded_fds(const struct plan *plan, const struct child_fds *fds) {
  int keep[1100];
  size_t n = 0;
  keep[n++] = fds->sync;
  keep[n++] = fds->error;
  keep[n++] = fds->cgroupns;
  keep[n++] = g_pause_fd;
  keep[n++] = g_userns2;
  keep[n++] = g_attr_exec;
  keep[n++] = g_attr_fscreate;
  for (size_t i = 0; i < plan->nrecords && n < sizeof(keep) / sizeof(keep[0]); i++) {
    const struct record *r = &plan->records[i];
    uint64_t fd;
    if ((r->kind == R_WRITE_FD && plan_parse_u64(r->fields[2], 10, &fd) == 0) || (r->kind == R_BLOCK_FD && plan_parse_u64(r->fields[0], 10, &fd) == 0))
      keep[n++] = fd < INT_MAX ? (int)fd : -1;
    for (size_t f = 0; r->kind == R_INHERIT_FDS && f < r->nfields && n < sizeof(keep) / sizeof(keep[0]); f++)
      if (plan_parse_u64(r->fields[f], 10, &fd) == 0)
        keep[n++] = fd < INT_MAX ? (int)fd : -1;
  }
  qsort(keep, n, sizeof(keep[0]), compare_ints);
  unsigned from = 3;
  for (size_t i = 0; i < n; i++) {
    if (keep[i] < (int)from)
      continue;
    if ((unsigned)keep[i] > from)
      syscall(SYS_close_range, from, (unsigned)keep[i] - 1, 0);
    from = (unsigned)keep[i] + 1;
  }
  syscall(SYS_close_range, from, ~0U, 0);
}

void child_main(const struct plan *plan, const struct child_fds *fds) {
  g_fds = fds;
  const struct record *ns = plan_find(plan, R_NAMESPACES);

  /* The container dies with its monitor. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    FAIL("start", "prctl(PR_SET_PDEATHSIG)", NULL);

  /* With a log, what the container writes goes to the monitor, which writes the log. */
  if (fds->out >= 0) {
    if (dup2(fds->out, 1) < 0 || dup2(fds->err, 2) < 0)
      FAIL("log", "dup2", NULL);
    close(fds->out);
    close(fds->err);
  }

  const struct record *userns2 = plan_find(plan, R_USERNS2);
  if (userns2 && (g_userns2 = open(userns2->fields[0], O_RDONLY | O_CLOEXEC)) < 0)
    die(EXIT_HELPER, "userns2", "open", userns2->fields[0], errno, "Setting userns2 failed");
  const struct record *command = plan_find(plan, R_EXEC);
  g_exec_name = command ? command->fields[0] : "";
  for (size_t i = 0; i < plan->nrecords; i++) {
    const struct record *r = &plan->records[i];
    if (r->kind != R_SELINUX_LABEL)
      continue;
    int exec = !strcmp(r->fields[0], "exec");
    int *fd = exec ? &g_attr_exec : &g_attr_fscreate;
    char path[64];
    snprintf(path, sizeof(path), "/proc/thread-self/attr/%s", r->fields[0]);
    if (*fd < 0 && (*fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
      selinux_label_failed(exec, "open", path, errno);
  }
  close_unneeded_fds(plan, fds);

  /* bwrap's info of a sandbox in namespaces shared with another: the monitor cannot open this process's
     /proc/PID/ns (not dumpable: clone_shared), so each is sent, in SANDBOX_NS's order ('N', no fd if none). */
  if (g_bwrap && plan_find(plan, R_SHARE) && (plan_find(plan, R_INFO_FD) || plan_find(plan, R_JSON_STATUS_FD)))
    for (size_t k = 0; k < SANDBOX_NS_COUNT; k++) {
      char path[64];
      snprintf(path, sizeof(path), "/proc/self/ns/%s", SANDBOX_NS[k][1]);
      int f = open(path, O_RDONLY | O_CLOEXEC);
      if (f < 0 ? write(fds->sync, "N", 1) != 1 : send_msg(fds->sync, 'N', f) < 0)
        _exit(EXIT_HELPER);
      if (f >= 0)
        close(f);
    }

  char go;
  ssize_t n = read(fds->sync, &go, 1);
  if (n != 1)
    _exit(EXIT_HELPER); /* the monitor failed to write the maps and reports it */

  /* New namespaces, or (join) a running container's: then its mounts are its own and are left as they are. */
  const struct record *join = plan_find(plan, R_JOIN);
  int userns = 0, mountns = 0;
  for (size_t i = 0; ns && i < ns->nfields; i++) {
    userns |= strcmp(ns->fields[i], "user") == 0;
    mountns |= strcmp(ns->fields[i], "mount") == 0;
  }
  for (size_t i = 1; join && i < join->nfields; i++)
    userns |= strcmp(join->fields[i], "user") == 0;
  /* A new user namespace that gives its maker no capabilities (AppArmor's restriction of unprivileged user
     namespaces lets the clone through and takes them away): said so, for the monitor's fallback. */
  if (userns && g_bwrap && !join && !((permitted_now() >> CAP_SYS_ADMIN) & 1))
    die(EXIT_USERNS_DENIED, "start", "capget", NULL, EPERM, "the new user namespace gives no capabilities (are unprivileged user namespaces restricted, as by AppArmor?)");
  int dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
  if (userns && !g_bwrap && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
    die(EXIT_HELPER, "user", "setresuid", NULL, errno, "become root in the user namespace");
  /* Under a map whose root is not the user's own id (keep-id) the change of credentials made it
     undumpable, and the network helper could no longer open its /proc/PID/ns: as dumpable as it was
     (a joining child stays as join made it). */
  if (userns && !join && dumpable == 1)
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
  /* Cloned into its cgroup (`cgroup`): its cgroup namespace is made now, rooted there, not at the
     clone, which would root it at the monitor's cgroup (the kernel copies namespaces first). */
  int cgroupns = 0;
  for (size_t i = 0; ns && i < ns->nfields; i++)
    cgroupns |= strcmp(ns->fields[i], "cgroup") == 0;
  if (cgroupns && plan_find(plan, R_CGROUP) && unshare(CLONE_NEWCGROUP) < 0)
    FAIL("start", "unshare(CLONE_NEWCGROUP)", NULL);
  if (fds->cgroupns >= 0) {
    if (setns(fds->cgroupns, CLONE_NEWCGROUP) < 0)
      FAIL("join", "setns(CLONE_NEWCGROUP)", NULL);
    close(fds->cgroupns);
  }
  /* Nothing we mount may propagate back to the host (a sandbox, as bwrap's, still sees the host's new mounts). */
  if (mountns && mount(NULL, "/", NULL, MS_REC | (g_bwrap ? MS_SLAVE : MS_PRIVATE), NULL) < 0)
    FAIL("mount", "mount", "/");

  struct exec_state st = {.plan = plan};
  for (size_t i = 0; i < plan->nrecords; i++)
    if (plan_is_child_step(&plan->records[i]))
      run_step(&plan->records[i], &st);
  _exit(EXIT_HELPER); /* not reached: the parser wants an `exec` */
}

int send_fd(int sock, int fd) { return send_msg(sock, 'F', fd); }

/* One message to the monitor: its kind byte, with fd (SCM_RIGHTS). */
int send_msg(int sock, char kind, int fd) {
  char dummy = kind;
  struct iovec iov = {.iov_base = &dummy, .iov_len = 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

int recv_fd(int sock) {
  char dummy;
  struct iovec iov = {.iov_base = &dummy, .iov_len = 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
  if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
    return -1;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
    return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof(int));
  return fd;
}
