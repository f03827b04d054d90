/*
 * burrow-helper: the monitor. It reads and checks the whole plan, clones the
 * child into the new namespaces, starts the plan's `process` programs and
 * writes the child's id maps, and then stays behind as the container's
 * parent: it passes signals on, relays the pty, stops the processes, and
 * exits with the container's status.
 *
 *   monitor (this file)                         child (setup.c)
 *   -------------------                         ---------------
 *   parse plan (refuse it whole if malformed)
 *   clone(namespaces) ------------------------> blocks reading `sync`
 *   status {"type":"pid"}
 *   process wait|keep, idmap-write (plan order);
 *   the wait ones must exit 0 (pidfd, timeout);
 *   the first ready process starts (fd 3)
 *   [ready processes] <- 'N' -----------------  before groups/user/caps/seccomp/exec
 *   wait for each (a byte on its fd 3), start the next; 'G' ->
 *   sync <- 'G' ------------------------------> setresuid(0), mounts made private,
 *                                               then each step in plan order:
 *   [process mount] <- 'R' ---------------------  at its record
 *   start it in a mount namespace of its own,
 *   wait for the mount (mountinfo POLLPRI);
 *   mounted tree (fd) ------------------------>  move_mount onto MOUNTPOINT
 *   [tty] <- pty master ('F') ------------------  at its record
 *   winsize on master, sync <- 'G' ----------->  setsid, controlling tty, ...
 *   sync ends (the child's exec closes it)       ..., seccomp, execve
 *   reads `error` until EOF <------------------ (close-on-exec ends `error`)
 *                                               or a struct setup_error, exit 125/126/127
 *   status {"type":"started"} or {"type":"error",...}
 *   relay pty, forward signals, wait
 *   stop keep/mount processes (SIGTERM, pidfd, SIGKILL after their timeout);
 *   ready ones get SIGTERM, their end waited for only before a --restart run
 *   exit-file, on-exit
 *   status {"type":"exit"}, exit with the container's code
 *
 * Usage:
 *   burrow-helper run [--status-fd N] [--unlink] PLAN
 *                                    PLAN may be /proc/self/fd/N (burrow's memfd): read, then N is closed
 *   burrow-helper check PLAN|-       parse only; print the records
 *   burrow-helper attach SOCKET [--stdin] [--stdin-once] [--tty] [--sig-proxy] [--detach-keys HEX]
 *                                    a client of a monitor's attach socket (attach.c)
 *   burrow-helper slirp-api SOCKET REQUEST...
 *                                    send each JSON REQUEST to slirp4netns's API socket (slirpapi.c)
 *   burrow-helper version
 */
#define _GNU_SOURCE
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/mount.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define HELPER_VERSION "0.1.0"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

static int g_status_fd = -1;
int g_bwrap;
/* A detached container's log (the `log` record): the monitor's own errors go there too, nobody reads its stderr. */
static struct ctr_log g_log_file = {-1, NULL, 0, 0};
static struct ctr_log *g_log;

/* One "Error: ..." line of the monitor's: into the container's log when it has one, else on stderr. */
static void __attribute__((format(printf, 1, 2))) say_error(const char *fmt, ...) {
  char line[4096];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
  attach_broadcast("stderr", line, len); /* an attached terminal (run -it) sees it too */
  if (g_log && ctr_log_write(g_log, "stderr", line, len) == 0)
    return;
  dprintf(2, "%s", line);
}
/* Set once the container exists: a failure after that still writes the exit file and runs on-exit. */
static const struct plan *g_started_plan;
static void finish(const struct plan *plan, int code);
static void record_end(const struct plan *plan, int code);
static struct termios g_saved_termios;
static int g_termios_saved;

void raw_terminal(void) {
  if (g_termios_saved || !isatty(0) || tcgetattr(0, &g_saved_termios) < 0)
    return;
  struct termios raw = g_saved_termios;
  cfmakeraw(&raw);
  if (tcsetattr(0, TCSADRAIN, &raw) == 0)
    g_termios_saved = 1;
}

void restore_terminal(void) {
  if (g_termios_saved)
    tcsetattr(0, TCSADRAIN, &g_saved_termios);
  g_termios_saved = 0;
}

void json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      fprintf(f, "\\%c", *p);
    else if (*p < 0x20)
      fprintf(f, "\\u%04x", *p);
    else
      fputc(*p, f);
  }
  fputc('"', f);
}

/* Writes one JSON line on the status fd, when there is one. */
static void status_line(const char *fmt, ...) {
  if (g_status_fd < 0)
    return;
  char buf[8192];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  if (n > 0) {
    ssize_t w = write(g_status_fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
    (void)w;
  }
}

/* Reports a failure as one "Error: ..." line on stderr and a JSON line on the status fd. */
static void report(const struct setup_error *e) {
  char msg[3072];
  const char *what = e->message;
  char fallback[1200];
  if (!what[0]) {
    snprintf(fallback, sizeof(fallback), "%s%s%s%s%s%s", e->step, e->syscall[0] ? ": " : "", e->syscall,
             e->path[0] ? " `" : "", e->path, e->path[0] ? "`" : "");
    what = fallback;
  }
  if (e->err)
    snprintf(msg, sizeof(msg), "%s: %s", what, errno_text(e->err));
  else
    snprintf(msg, sizeof(msg), "%s", what);
  restore_terminal();
  say_error("%s%s\n", g_bwrap ? "bwrap: " : "Error: ", msg);
  if (g_status_fd < 0)
    return;
  char *json = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&json, &len);
  if (!f)
    return;
  fprintf(f, "{\"type\":\"error\",\"step\":");
  json_string(f, e->step);
  fprintf(f, ",\"syscall\":");
  json_string(f, e->syscall);
  fprintf(f, ",\"path\":");
  json_string(f, e->path);
  fprintf(f, ",\"errno\":%d,\"code\":%d,\"message\":", e->err, e->exit_code);
  json_string(f, msg);
  fprintf(f, "}\n");
  fclose(f);
  ssize_t w = write(g_status_fd, json, len);
  (void)w;
  free(json);
}

static void __attribute__((noreturn, format(printf, 5, 6)))
fail(const char *step, const char *sc, const char *path, int err, const char *fmt, ...) {
  struct setup_error e;
  memset(&e, 0, sizeof(e));
  e.exit_code = EXIT_HELPER;
  e.err = err;
  snprintf(e.step, sizeof(e.step), "%s", step);
  snprintf(e.syscall, sizeof(e.syscall), "%s", sc ? sc : "");
  snprintf(e.path, sizeof(e.path), "%s", path ? path : "");
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e.message, sizeof(e.message), fmt, ap);
  va_end(ap);
  report(&e);
  if (g_started_plan) {
    const struct plan *plan = g_started_plan;
    g_started_plan = NULL;
    finish(plan, EXIT_HELPER);
  }
  exit(g_bwrap ? 1 : EXIT_HELPER);
}

/*
 * bwrap's --info-fd and --json-status-fd: the child's pid and the inode of
 * each namespace made new for it (bwrap's keys and order), as bwrap writes
 * them: indented over lines, or (`one_line`) on one line.
 */
const char *const SANDBOX_NS[SANDBOX_NS_COUNT][2] = {{"cgroup", "cgroup"}, {"ipc", "ipc"}, {"mount", "mnt"}, {"net", "net"}, {"pid", "pid"}, {"uts", "uts"}};

/* bwrap's info: the child's pid, and the inode of each namespace made for it (`ino`, SANDBOX_NS's order; 0: unknown). */
static int sandbox_info(int fd, const struct plan *plan, pid_t child, const unsigned long *ino, int one_line) {
  const struct record *ns = plan_find(plan, R_NAMESPACES);
  char buf[1024];
  size_t n = (size_t)snprintf(buf, sizeof(buf), one_line ? "{ \"child-pid\": %d" : "{\n    \"child-pid\": %d", (int)child);
  for (size_t k = 0; k < SANDBOX_NS_COUNT; k++) {
    int made = 0;
    for (size_t i = 0; ns && i < ns->nfields; i++)
      made |= !strcmp(ns->fields[i], SANDBOX_NS[k][0]);
    if (made && ino[k])
      n += (size_t)snprintf(buf + n, sizeof(buf) - n, one_line ? ", \"%s-namespace\": %lu" : ",\n    \"%s-namespace\": %lu", SANDBOX_NS[k][1], ino[k]);
  }
  n += (size_t)snprintf(buf + n, sizeof(buf) - n, one_line ? " }\n" : "\n}\n");
  return write_all(fd, buf, n);
}

static char *read_all(const char *path, size_t *len) {
  int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    fail("plan", "open", path, errno, "read plan `%s`", path);
  size_t cap = 65536, n = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (n == cap) {
      if (cap > PLAN_MAX_SIZE)
        fail("plan", NULL, path, 0, "plan `%s`: larger than %u bytes", path, PLAN_MAX_SIZE);
      cap *= 2;
      buf = realloc(buf, cap);
    }
    if (!buf)
      fail("plan", "malloc", path, ENOMEM, "read plan `%s`", path);
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      fail("plan", "read", path, errno, "read plan `%s`", path);
    if (r == 0)
      break;
    n += (size_t)r;
  }
  if (fd != 0)
    close(fd);
  *len = n;
  return buf;
}

static void load_plan(const char *path, struct plan *plan) {
  size_t len;
  char *buf = read_all(path, &len);
  char err[1024];
  if (plan_parse(buf, len, plan, err, sizeof(err)) < 0)
    fail("plan", NULL, path, 0, "plan `%s` refused: %s", path, err);
  free(buf);
}

static int same_ns(int a, int b) {
  struct stat x, y;
  return fstat(a, &x) == 0 && fstat(b, &y) == 0 && x.st_ino == y.st_ino && x.st_dev == y.st_dev;
}

/*
 * A container in a nested user namespace (nested-userns: --userns nomap,
 * auto) has its other namespaces owned by the one above its own, where it
 * was set up: the kernel lets no one enter them from below. Then this
 * process enters that owner first (yours: it maps you), the others from
 * there (the one setns on the pidfd, without CLONE_NEWUSER), and the
 * container's own last. Returns the fd of the container's own user
 * namespace still to enter, or -1 when it is not nested.
 */
static int enter_owner(pid_t pid, int pidfd, int *flags) {
  if (!(*flags & CLONE_NEWUSER))
    return -1;
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
  int user = open(path, O_RDONLY | O_CLOEXEC);
  snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
  int mnt = open(path, O_RDONLY | O_CLOEXEC);
  /* Both opened while the pidfd's process lives: they are its own, not a reused pid's. */
  if (user < 0 || mnt < 0 || syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
    fail("join", "open", path, errno, "open the namespaces of process %d to join them", (int)pid);
  int owner = ioctl(mnt, NS_GET_USERNS);
  if (owner < 0)
    fail("join", "ioctl(NS_GET_USERNS)", path, errno, "find the user namespace that owns process %d's mounts", (int)pid);
  close(mnt);
  if (same_ns(user, owner)) {
    close(user);
    close(owner);
    return -1; /* not nested: the one setns enters it with the rest */
  }
  if (setns(owner, CLONE_NEWUSER) < 0)
    fail("join", "setns", NULL, errno, "enter the user namespace that owns process %d's mounts", (int)pid);
  close(owner);
  *flags &= ~CLONE_NEWUSER;
  return user;
}

/*
 * `join`: this process enters the namespaces of a running process, so the
 * child it clones next is born in them (a pid namespace takes effect for
 * children only). One setns on a pidfd enters them all at once, the user
 * namespace first, as the kernel orders them; the pidfd also keeps a reused
 * pid from naming another process between open and setns.
 */
static int join_namespaces(const struct record *r, int keep_cgroupns) {
  /* Not dumpable from here on, and so neither is the child until its execve: no process of the
     container may open /proc/PID/exe (the host's helper binary) or our memory (CVE-2019-5736). */
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    fail("join", "prctl(PR_SET_DUMPABLE)", NULL, errno, "make the helper undumpable");
  uint64_t pid = 0;
  plan_parse_u64(r->fields[0], 10, &pid);
  int flags = 0;
  for (size_t i = 1; i < r->nfields; i++)
    flags |= plan_clone_flag(r->fields[i]);
  int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
  if (pidfd < 0)
    fail("join", "pidfd_open", NULL, errno, "open process %s to join it", r->fields[0]);
  int own_user = enter_owner((pid_t)pid, pidfd, &flags);
  /* Cloned into the container's cgroup, the child joins its cgroup namespace itself (setup.c): from
     inside it, this process's own cgroup would be out of sight and clone3 refuses (ENOENT). */
  int later = keep_cgroupns && (flags & CLONE_NEWCGROUP);
  if ((flags & ~(later ? CLONE_NEWCGROUP : 0)) && setns(pidfd, flags & ~(later ? CLONE_NEWCGROUP : 0)) < 0)
    fail("join", "setns", NULL, errno, "join the namespaces of process %s", r->fields[0]);
  if (own_user >= 0) {
    if (setns(own_user, CLONE_NEWUSER) < 0)
      fail("join", "setns", NULL, errno, "enter the user namespace of process %s", r->fields[0]);
    close(own_user);
  }
  if (later)
    return pidfd;
  close(pidfd);
  return -1;
}

static int clone_flags(const struct plan *plan) {
  const struct record *ns = plan_find(plan, R_NAMESPACES);
  int flags = 0;
  for (size_t i = 0; ns && i < ns->nfields; i++)
    flags |= plan_clone_flag(ns->fields[i]);
  return flags;
}


/* A `process` record's program while it runs: its pid and a pidfd to wait on (no polling loop). */
struct process {
  const struct record *r;
  pid_t pid;
  int pidfd;
};

#define MAX_PROCESSES 16
static struct process g_procs[MAX_PROCESSES];
static size_t g_nprocs;

static uint64_t process_timeout(const struct record *r) {
  uint64_t ms = 0;
  plan_parse_u64(r->fields[1], 10, &ms);
  return ms;
}

static void reset_signals(void) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGPIPE, SIG_DFL);
}

/*
 * The child's network and user namespaces, for a process record's "{netns}"
 * and "{userns}" (its fds 4 and 5): the launcher's own, passed back, when
 * the child shares another container's pid namespace (clone_shared: it is
 * never dumpable then, and its /proc/PID/ns files are closed to us); else
 * opened by their /proc path as soon as the child exists.
 */
static int g_child_netns = -1, g_child_userns = -1;

/* ARGV of a process record, "{pid}" replaced by the child's pid, "{netns}" and "{userns}" by its fds 4 and 5. */
static char **process_argv(const struct record *r, const char *pidstr) {
  size_t n = r->nfields - 3;
  char **argv = calloc(n + 1, sizeof(char *));
  if (!argv)
    fail("process", "calloc", r->fields[3], ENOMEM, "run `%s`", r->fields[3]);
  for (size_t i = 0; i < n; i++) {
    const char *f = r->fields[3 + i];
    argv[i] = !strcmp(f, "{pid}") ? (char *)pidstr : !strcmp(f, "{netns}") ? "/proc/self/fd/4" : !strcmp(f, "{userns}") ? "/proc/self/fd/5" : (char *)f;
  }
  return argv;
}

/* Does a process record name the child's namespaces by fd ("{netns}", "{userns}")? */
static int uses_ns_fds(const struct record *r) {
  for (size_t i = 3; i < r->nfields; i++)
    if (!strcmp(r->fields[i], "{netns}") || !strcmp(r->fields[i], "{userns}"))
      return 1;
  return 0;
}

static void remember(const struct record *r, pid_t pid, int pidfd) {
  if (g_nprocs == MAX_PROCESSES)
    fail("process", NULL, r->fields[3], 0, "more than %d process records", MAX_PROCESSES);
  if (pidfd < 0)
    pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0)
    fail("process", "pidfd_open", r->fields[3], errno, "watch `%s`", r->fields[3]);
  fcntl(pidfd, F_SETFD, FD_CLOEXEC);
  g_procs[g_nprocs++] = (struct process){.r = r, .pid = pid, .pidfd = pidfd};
}

/*
 * Starts a wait, keep or ready process for the child (newuidmap, newgidmap,
 * pasta, slirp4netns, ...). `ready_fd` >= 0 (ready mode) becomes its fd 3,
 * where it tells it is ready. What runs beside the container dies with the
 * monitor (PDEATHSIG), so a kill -9 of the monitor leaves no pasta behind.
 */
static void process_start(const struct record *r, pid_t child, int ready_fd, int err_fd) {
  char pidstr[32];
  snprintf(pidstr, sizeof(pidstr), "%d", (int)child);
  char **argv = process_argv(r, pidstr);
  pid_t parent = getpid();
  pid_t p = fork();
  if (p < 0)
    fail("process", "fork", argv[0], errno, "run `%s`", argv[0]);
  if (p == 0) {
    reset_signals();
    if (strcmp(r->fields[0], "wait") != 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
      if (getppid() != parent)
        _exit(127);
    }
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, 0);
      /* What runs beside the container says nothing on its output (slirp4netns's "sent tapfd"); errors stay on stderr. */
      if (strcmp(r->fields[0], "wait") != 0)
        dup2(devnull, 1);
    }
    if (err_fd >= 0)
      dup2(err_fd, 2);
    if (ready_fd >= 0 && dup2(ready_fd, 3) < 0)
      _exit(127);
    if (uses_ns_fds(r)) {
      /* Above 5 first, so that neither is overwritten by the other's dup2; then 4 and 5, without CLOEXEC. */
      int net = fcntl(g_child_netns, F_DUPFD_CLOEXEC, 10), user = fcntl(g_child_userns, F_DUPFD_CLOEXEC, 10);
      if (net < 0 || user < 0 || dup2(net, 4) < 0 || dup2(user, 5) < 0) {
        say_error("Error: run `%s` for the container: its namespaces: %s\n", argv[0], errno_text(errno));
        _exit(127);
      }
    }
    exec_search(argv[0], argv, environ, getenv("PATH"));
    say_error("Error: run `%s` for the container: %s\n", argv[0], errno_text(errno));
    _exit(127);
  }
  free(argv);
  remember(r, p, -1);
}

/* Waits for one process to end, at most `ms` milliseconds (0: no limit). 1 when it ended. */
static int process_wait(struct process *pr, uint64_t ms, int *status) {
  struct pollfd pfd = {.fd = pr->pidfd, .events = POLLIN};
  int rc;
  while ((rc = poll(&pfd, 1, ms ? (int)ms : -1)) < 0 && errno == EINTR)
    ;
  if (rc <= 0)
    return 0;
  siginfo_t info;
  memset(&info, 0, sizeof(info));
  /* WNOWAIT first is not needed: the pidfd says it ended; reap it (ECHILD: the monitor's SIGCHLD loop did). */
  if (waitid(P_PIDFD, (id_t)pr->pidfd, &info, WEXITED) == 0 && status)
    *status = info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
  else if (status)
    *status = 0;
  return 1;
}

/* The wait processes: each must end with 0 (within its timeout) before the child goes on. */
static void wait_processes(pid_t child) {
  for (size_t i = 0; i < g_nprocs; i++) {
    struct process *pr = &g_procs[i];
    if (strcmp(pr->r->fields[0], "wait") != 0 || pr->pid <= 0)
      continue;
    int code = 0;
    if (!process_wait(pr, process_timeout(pr->r), &code)) {
      syscall(SYS_pidfd_send_signal, pr->pidfd, SIGKILL, NULL, 0);
      process_wait(pr, 0, NULL);
      kill(child, SIGKILL);
      fail("process", NULL, pr->r->fields[3], ETIMEDOUT, "`%s` did not end within %s ms", pr->r->fields[3], pr->r->fields[1]);
    }
    pr->pid = 0;
    if (code != 0) {
      kill(child, SIGKILL);
      fail("process", NULL, pr->r->fields[3], 0, "`%s` failed (exit status %d): the container could not be set up", pr->r->fields[3], code);
    }
  }
}

/* Is `path` mounted in this process's mount namespace? (`mountinfo`: an open copy, read from its start.) */
static int is_mount_point(FILE *mountinfo, const char *path) {
  rewind(mountinfo);
  char line[8192];
  while (fgets(line, sizeof(line), mountinfo)) {
    char mnt[4096];
    /* id parent major:minor root MOUNTPOINT ... */
    if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 && strcmp(mnt, path) == 0)
      return 1;
  }
  return 0;
}

/*
 * Waits, without a polling loop, until `path` is mounted: the kernel marks
 * an open mountinfo POLLPRI at every change of the mount table, and the
 * daemon's pidfd POLLIN when it dies. 0 once mounted, -1 on death or timeout.
 */
static int wait_for_mount(const char *path, int daemon_pidfd, uint64_t ms) {
  FILE *mi = fopen("/proc/self/mountinfo", "re");
  if (!mi)
    return -1;
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  int rc = -1;
  for (;;) {
    if (is_mount_point(mi, path)) {
      rc = 0;
      break;
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t spent = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
    if (ms && spent >= (int64_t)ms)
      break;
    struct pollfd pfd[2] = {{.fd = fileno(mi), .events = POLLPRI}, {.fd = daemon_pidfd, .events = POLLIN}};
    int n = poll(pfd, 2, ms ? (int)((int64_t)ms - spent) : -1);
    if (n < 0 && errno != EINTR)
      break;
    if (n > 0 && (pfd[1].revents & POLLIN))
      break; /* it ended without mounting */
  }
  fclose(mi);
  return rc;
}

/*
 * After setns into a container's user namespace: its root, where its map has
 * one (the user's own id is another container id under keep-id's map; a map
 * without a root, nomap's, leaves it as it is, every capability there all the
 * same). 0, or -1 with errno.
 */
static int become_userns_root(void) {
  if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
    return -1;
  if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
    return -1;
  return 0;
}

/*
 * A mount-mode process (fuse-overlayfs -f). It must not share the child's
 * mount namespace: pivot_root would move its root too, and its layer paths
 * would vanish. So a helper process enters the child's user namespace, makes
 * a mount namespace of its own, starts the program, waits for its mount,
 * clones the mounted tree (open_tree) and sends it back with a pidfd of the
 * program; the child moves the tree into place. The program is this
 * monitor's child (subreaper) and is stopped when the container has ended.
 */
/*
 * (g_child_userns, for a mount process too: once the child has become
 * container root under a map where that is not the user's own id (keep-id),
 * it is no longer dumpable, and /proc/PID/ns/user is closed to the monitor.)
 */
static int process_mount(const struct record *r, pid_t child) {
  const char *mountpoint = r->fields[2], *prog = r->fields[3];
  int sp[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
    fail("process", "socketpair", prog, errno, "start `%s`", prog);
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  pid_t p = fork();
  if (p < 0)
    fail("process", "fork", prog, errno, "start `%s`", prog);
  if (p == 0) {
    close(sp[0]);
    int fd = g_child_userns;
    if (fd < 0 || setns(fd, CLONE_NEWUSER) < 0 || unshare(CLONE_NEWNS) < 0 ||
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
      say_error("Error: process: enter the container's user namespace: %s\n", errno_text(errno));
      _exit(EXIT_HELPER);
    }
    /* As the namespace's root, so that it keeps its capabilities across the exec. */
    if (become_userns_root() < 0) {
      say_error("Error: process: become root of the container's user namespace: %s\n", errno_text(errno));
      _exit(EXIT_HELPER);
    }
    char pidstr[32];
    snprintf(pidstr, sizeof(pidstr), "%d", (int)child);
    char **argv = process_argv(r, pidstr);
    pid_t d = fork();
    if (d < 0)
      _exit(EXIT_HELPER);
    if (d == 0) {
      reset_signals();
      /* All three: it lives on after the container, and its chatter (fuse-overlayfs warns about
       * options it ignores) is not the container's output. */
      int devnull = open("/dev/null", O_RDWR);
      if (devnull >= 0) {
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(devnull, 2);
      }
      execv(argv[0], argv);
      _exit(127);
    }
    int dfd = (int)syscall(SYS_pidfd_open, d, 0);
    if (dfd < 0 || wait_for_mount(mountpoint, dfd, process_timeout(r)) < 0) {
      say_error("Error: process: `%s` did not mount `%s` (run it by hand to see why)\n", prog, mountpoint);
      kill(d, SIGKILL);
      _exit(EXIT_HELPER);
    }
    int tree = (int)syscall(SYS_open_tree, AT_FDCWD, mountpoint, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    if (tree < 0 || send_fd(sp[1], tree) < 0 || send_fd(sp[1], dfd) < 0 ||
        write(sp[1], &d, sizeof(d)) != (ssize_t)sizeof(d)) {
      say_error("Error: process: hand over `%s`: %s\n", mountpoint, errno_text(errno));
      kill(d, SIGKILL);
      _exit(EXIT_HELPER);
    }
    _exit(0);
  }
  close(sp[1]);
  int tree = recv_fd(sp[0]);
  int dfd = tree >= 0 ? recv_fd(sp[0]) : -1;
  pid_t d = -1;
  if (dfd >= 0 && read(sp[0], &d, sizeof(d)) != (ssize_t)sizeof(d))
    d = -1;
  close(sp[0]);
  int st;
  while (waitpid(p, &st, 0) < 0 && errno == EINTR)
    ;
  if (tree < 0 || dfd < 0 || d <= 0) {
    kill(child, SIGKILL);
    fail("process", NULL, mountpoint, 0, "`%s` could not mount the container's root filesystem", prog);
  }
  remember(r, d, dfd);
  return tree;
}

/* Stops what still runs beside the container: SIGTERM, then SIGKILL after the record's timeout. */
/*
 * Network helpers (ready mode) told to end, whose end the monitor does not
 * wait for: the kernel takes their tap device down as they exit, tens of
 * milliseconds. Before the container runs again (--restart) they are waited
 * for (their ports must be free); a monitor that exits leaves them to end
 * (PDEATHSIG kills any that would not). burrow's port check allows for it.
 */
static struct process g_dying[MAX_PROCESSES];
static size_t g_ndying;

static void wait_dying(void) {
  for (size_t i = 0; i < g_ndying; i++) {
    struct process *pr = &g_dying[i];
    uint64_t grace = process_timeout(pr->r);
    if (!process_wait(pr, grace ? grace : 2000, NULL)) {
      syscall(SYS_pidfd_send_signal, pr->pidfd, SIGKILL, NULL, 0);
      process_wait(pr, 0, NULL);
    }
    close(pr->pidfd);
  }
  g_ndying = 0;
}

static void stop_processes(void) {
  for (size_t i = 0; i < g_nprocs; i++) {
    struct process *pr = &g_procs[i];
    if (pr->pid <= 0)
      continue;
    syscall(SYS_pidfd_send_signal, pr->pidfd, SIGTERM, NULL, 0);
    if (strcmp(pr->r->fields[0], "ready") == 0 && g_ndying < MAX_PROCESSES) {
      g_dying[g_ndying++] = *pr;
      pr->pid = 0;
      continue;
    }
    uint64_t grace = process_timeout(pr->r);
    if (!process_wait(pr, grace ? grace : 2000, NULL)) {
      syscall(SYS_pidfd_send_signal, pr->pidfd, SIGKILL, NULL, 0);
      process_wait(pr, 0, NULL);
    }
    close(pr->pidfd);
    pr->pid = 0;
  }
  g_nprocs = 0;
}

/*
 * `fallback PLAN NOTE` (burrow sandbox without --require-userns): where the kernel refuses the new user
 * namespace (the clone, the maps, or a namespace with no capabilities in it), NOTE is said and the helper
 * runs the other plan PLAN (an inherited memfd, /proc/self/fd/N: the sandbox with Landlock and seccomp only).
 */
static const struct record *g_fallback;

static int userns_refused(int err) { return err == EPERM || err == ENOSPC || err == EACCES || err == EUSERS; }

static void take_fallback(pid_t child) {
  if (child > 0) {
    int st;
    kill(child, SIGKILL);
    while (waitpid(child, &st, 0) < 0 && errno == EINTR)
      ;
  }
  dprintf(2, "%s\n", g_fallback->fields[1]);
  char *argv[] = {"burrow-helper", "run", g_fallback->fields[0], NULL};
  execv("/proc/self/exe", argv);
  fail("fallback", "execv", "/proc/self/exe", errno, "run the sandbox without user namespaces");
}

static void idmap_write(const struct record *r, pid_t child) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/%s", (int)child, r->fields[0]);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, r->fields[1], strlen(r->fields[1])) < 0) {
    int e = errno;
    if (g_fallback && userns_refused(e))
      take_fallback(child);
    kill(child, SIGKILL);
    fail("idmap", "write", path, e, "write `%s`", path);
  }
  close(fd);
}

static int exit_code(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return EXIT_HELPER;
}

static void copy_winsize(int master) {
  struct winsize ws;
  if (ioctl(0, TIOCGWINSZ, &ws) == 0)
    ioctl(master, TIOCSWINSZ, &ws);
}

int write_all(int fd, const char *buf, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, buf, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0)
      return -1;
    buf += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Writes what the container said on `stream` into its log (or on our stdout when it has none), and to attach's clients; -1 when nobody reads it. */
static int output(const char *stream, const char *buf, size_t n) {
  attach_broadcast(stream, buf, n);
  if (!g_log)
    return write_all(1, buf, n);
  if (ctr_log_write(g_log, stream, buf, n) < 0) {
    static int told;
    if (!told++)
      dprintf(2, "Error: write the container's log: %s\n", errno_text(errno));
  }
  return 0;
}

/* Copies what the container wrote on one of its log pipes into the log; -1 once the pipe has ended. */
static int relay_log(int logpipe, const char *stream) {
  char buf[16384];
  ssize_t r = read(logpipe, buf, sizeof(buf));
  if (r > 0) {
    output(stream, buf, (size_t)r);
    return logpipe;
  }
  if (r < 0 && (errno == EINTR || errno == EAGAIN))
    return logpipe;
  close(logpipe);
  return -1;
}

/* A signal came to the monitor and was passed on: the container is being stopped from outside. */
static int g_signalled;

/*
 * The `health` record: burrow's `healthcheck run` started when the interval
 * has passed, in a session of its own (a terminal's ^C is not for it), its
 * stdio on /dev/null and no signal blocked; never two at once. Once
 * started it runs to its own end, even past the container's (burrow's check
 * then finds the container gone and records nothing).
 */
static pid_t g_health_pid;

static void health_start(const struct record *r) {
  if (g_health_pid > 0)
    return;
  pid_t p = fork();
  if (p == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    setsid();
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, 0);
      dup2(devnull, 1);
      dup2(devnull, 2);
    }
    execv(r->fields[1], r->fields + 1);
    _exit(127);
  }
  if (p > 0)
    g_health_pid = p;
}

/* A timerfd that fires every INTERVAL-MS of the `health` record, from now; -1 without one. */
static int health_timer(const struct record *r) {
  uint64_t ms;
  if (!r || plan_parse_u64(r->fields[0], 10, &ms) < 0 || ms == 0)
    return -1;
  int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (tfd < 0) {
    say_error("Error: start the health check timer: %s\n", errno_text(errno));
    return -1;
  }
  struct timespec every = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
  struct itimerspec its = {.it_interval = every, .it_value = every};
  if (timerfd_settime(tfd, 0, &its, NULL) < 0) {
    say_error("Error: start the health check timer: %s\n", errno_text(errno));
    close(tfd);
    return -1;
  }
  return tfd;
}

/*
 * Waits for the container, forwarding signals, relaying the pty and the log
 * pipes, and starting the health check when its timer fires. Returns its exit code.
 */
static int monitor(pid_t child, int master, int relay_stdin, const sigset_t *forward, int sfd, int outpipe, int errpipe, const struct record *health, int lfd, int stdin_pipe) {
  int tfd = health_timer(health);
  int status = 0, exited = 0;
  int stdin_open = relay_stdin && master >= 0;
  char buf[16384];
  while (!exited || master >= 0 || outpipe >= 0 || errpipe >= 0) {
    struct pollfd pfd[8 + ATTACH_MAX_CLIENTS];
    int n = 0, i_sig = -1, i_master = -1, i_stdin = -1, i_out = -1, i_err = -1, i_timer = -1, i_attach = -1, i_audit = -1;
    if (g_audit_fd >= 0 && !exited) {
      i_audit = n;
      pfd[n++] = (struct pollfd){.fd = g_audit_fd, .events = POLLIN};
    }
    if (outpipe >= 0) {
      i_out = n;
      pfd[n++] = (struct pollfd){.fd = outpipe, .events = POLLIN};
    }
    if (errpipe >= 0) {
      i_err = n;
      pfd[n++] = (struct pollfd){.fd = errpipe, .events = POLLIN};
    }
    if (!exited) {
      i_sig = n;
      pfd[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
    }
    if (master >= 0) {
      i_master = n;
      pfd[n++] = (struct pollfd){.fd = master, .events = POLLIN};
    }
    if (tfd >= 0 && !exited) {
      i_timer = n;
      pfd[n++] = (struct pollfd){.fd = tfd, .events = POLLIN};
    }
    if (stdin_open && !exited) {
      i_stdin = n;
      pfd[n++] = (struct pollfd){.fd = 0, .events = POLLIN};
    }
    /* Last: attach's listener and clients (while the container runs; a new client after its end waits for the next run). */
    size_t n_attach = 0;
    if (!exited) {
      i_attach = n;
      n_attach = attach_fill(lfd, &pfd[n]);
      n += (int)n_attach;
    }
    /* After the exit, only drain what the pty still holds. */
    int rc = poll(pfd, (nfds_t)n, exited ? 100 : -1);
    if (rc < 0 && errno == EINTR)
      continue;
    if (rc < 0)
      break;
    if (rc == 0 && exited)
      break;
    if (i_audit >= 0 && (pfd[i_audit].revents & (POLLIN | POLLHUP | POLLERR))) {
      if (pfd[i_audit].revents & POLLIN)
        audit_serve();
      else {
        close(g_audit_fd); /* every process of the filter has ended */
        g_audit_fd = -1;
      }
    }
    if (i_sig >= 0 && (pfd[i_sig].revents & POLLIN)) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
        int sig = (int)si.ssi_signo;
        if (sig == SIGCHLD) {
          pid_t p;
          int st;
          while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
            if (p == child) {
              status = st;
              exited = 1;
            } else if (p == g_health_pid) {
              g_health_pid = 0;
            }
          }
        } else if (sig == SIGWINCH && master >= 0) {
          copy_winsize(master); /* the kernel signals the container's foreground group */
        } else if (sigismember(forward, sig)) {
          g_signalled = 1; /* someone stops it through us (`stop`): not to be restarted */
          kill(child, sig);
        }
      }
    }
    if (i_attach >= 0) {
      struct attach_target target = {.input = master >= 0 ? master : stdin_pipe, .master = master, .input_ended = 0};
      int sig = attach_ready(lfd, &pfd[i_attach], n_attach, &target);
      if (target.input_ended && stdin_pipe >= 0) {
        close(stdin_pipe); /* the container reads an end of file */
        stdin_pipe = -1;
      }
      if (sig > 0 && !exited) {
        g_signalled = 1; /* the user stops it through attach (--sig-proxy): not to be restarted */
        kill(child, sig);
      }
    }
    if (i_timer >= 0 && (pfd[i_timer].revents & POLLIN)) {
      uint64_t ticks;
      if (read(tfd, &ticks, sizeof(ticks)) == (ssize_t)sizeof(ticks) && !exited)
        health_start(health);
    }
    if (i_out >= 0 && (pfd[i_out].revents & (POLLIN | POLLHUP | POLLERR)))
      outpipe = relay_log(outpipe, "stdout");
    if (i_err >= 0 && (pfd[i_err].revents & (POLLIN | POLLHUP | POLLERR)))
      errpipe = relay_log(errpipe, "stderr");
    if (i_master >= 0 && (pfd[i_master].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t r = read(master, buf, sizeof(buf));
      if (r > 0) {
        if (output("stdout", buf, (size_t)r) < 0) {
          /* Nobody reads our output any more (EPIPE): hang the terminal up, as closing a
           * terminal window does, so the container gets SIGHUP/EIO and ends. */
          close(master);
          master = -1;
          stdin_open = 0;
        }
      } else if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) {
        close(master); /* EIO: every slave is closed */
        master = -1;
      }
    }
    if (i_stdin >= 0 && (pfd[i_stdin].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t r = read(0, buf, sizeof(buf));
      if (r > 0) {
        write_all(master, buf, (size_t)r);
      } else if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) {
        /* Our input ended: the container's terminal reads an end of file. */
        struct termios t;
        if (tcgetattr(master, &t) == 0 && (t.c_lflag & ICANON) && t.c_cc[VEOF] != _POSIX_VDISABLE) {
          char eof = (char)t.c_cc[VEOF];
          write_all(master, &eof, 1);
        }
        stdin_open = 0;
      }
    }
  }
  if (tfd >= 0)
    close(tfd);
  if (!exited) {
    while (waitpid(child, &status, 0) < 0 && errno == EINTR)
      ;
  }
  return exit_code(status);
}

/* When the container was started (its clone): the exit file says it, so a reader needs nothing else. */
static struct timespec g_started_at;

/* What the exit file says of the last run (for `restarting` to be added to it). */
static char g_exit_text[128];

/* Writes `text` to `path` atomically (a temporary file beside it, renamed over it); -1 (errno set) when it could not. */
static int write_file_atomic(const char *path, const char *text) {
  char tmp[4200];
  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return -1;
  int rc = write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0 ? -1 : 0;
  close(fd);
  if (rc == 0 && rename(tmp, path) == 0)
    return 0;
  int e = errno;
  unlink(tmp);
  errno = e;
  return -1;
}

static void after_container(const struct plan *plan);

/* After the container: its exit code to the exit file, then the clean-up and the on-exit program. */
static void finish(const struct plan *plan, int code) {
  record_end(plan, code);
  after_container(plan);
}

/* The end of one run of the container: its processes stopped, the exit file and the `died` event written. */
static void record_end(const struct plan *plan, int code) {
  stop_processes();
  /* The run's cgroup goes with it (a container's, not a joined one's): empty now that its processes ended. */
  const struct record *cgroup = plan_find(plan, R_CGROUP);
  if (cgroup && !plan_find(plan, R_JOIN))
    rmdir(cgroup->fields[0]);
  const struct record *exit_file = plan_find(plan, R_EXIT_FILE), *event = plan_find(plan, R_EVENT);
  if (exit_file) {
    /* To the nanosecond, as podman's FinishedAt: a container must never look as if it ended before it was made. */
    struct timespec now;
    char text[128];
    clock_gettime(CLOCK_REALTIME, &now);
    snprintf(text, sizeof(text), "%d %lld.%09ld %lld.%09ld\n", code, (long long)now.tv_sec, now.tv_nsec, (long long)g_started_at.tv_sec, g_started_at.tv_nsec);
    write_file_atomic(exit_file->fields[0], text);
    snprintf(g_exit_text, sizeof(g_exit_text), "%s", text);
  }
  if (event) {
    /* burrow's `died` event, its exit code after the time */
    char *after = NULL;
    if (asprintf(&after, "%s%d%s", event->fields[2], code, event->fields[3]) >= 0)
      append_event_line(event->fields[0], event->fields[1], after);
    free(after);
  }
  attach_finish(code);
}

/*
 * The `cleanup` record: a fork enters the container's user namespace, whose
 * ids own the container's files (g_child_userns, kept for it), and removes
 * them there (remove.c), with no newuidmap and no exec. Not dumpable: its
 * memory is the monitor's. Without the namespace (it could not be opened),
 * nothing is removed: `burrow rm` and the next start's sweep still can.
 */
static void cleanup_in_userns(const struct record *cleanup) {
  if (g_child_userns < 0) {
    say_error("Error: remove the container after it ended: its user namespace is not open\n");
    return;
  }
  pid_t p = fork();
  if (p == 0) {
    /* (The monitor's signals stay blocked: a ^C to the terminal's group does not leave half a container.) */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if (setns(g_child_userns, CLONE_NEWUSER) < 0) {
      say_error("Error: remove the container after it ended: enter its user namespace: %s\n", errno_text(errno));
      _exit(EXIT_HELPER);
    }
    if (become_userns_root() < 0) {
      say_error("Error: remove the container after it ended: become root of its user namespace: %s\n", errno_text(errno));
      _exit(EXIT_HELPER);
    }
    _exit(cmd_remove((int)cleanup->nfields, cleanup->fields));
  }
  if (p > 0)
    while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
      ;
}

static void on_exit_program(const struct record *on_exit);

/* After the container's last run: the `cleanup` record's removal, then the `on-exit` program. */
static void after_container(const struct plan *plan) {
  const struct record *cleanup = plan_find(plan, R_CLEANUP), *on_exit = plan_find(plan, R_ON_EXIT);
  if (cleanup)
    cleanup_in_userns(cleanup);
  if (on_exit)
    on_exit_program(on_exit);
}

static void on_exit_program(const struct record *on_exit) {
  {
    pid_t p = fork();
    if (p == 0) {
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, NULL);
      int devnull = open("/dev/null", O_RDWR);
      if (devnull >= 0) {
        dup2(devnull, 0);
        dup2(devnull, 1);
      }
      execv(on_exit->fields[0], on_exit->fields);
      say_error("Error: run `%s` after the container: %s\n", on_exit->fields[0], errno_text(errno));
      _exit(127);
    }
    if (p > 0)
      while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
        ;
  }
}

/*
 * The `cgroup` record's directory, opened for clone3 (made first for a
 * container; a joined one's is the container's own); -1 without the record.
 */
static int open_cgroup(const struct record *cg, int joined) {
  if (!cg)
    return -1;
  if (!joined && mkdir(cg->fields[0], 0755) < 0 && errno != EEXIST)
    fail("cgroup", "mkdir", cg->fields[0], errno, "make the container's cgroup `%s`", cg->fields[0]);
  int fd = open(cg->fields[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    fail("cgroup", "open", cg->fields[0], errno, "open the container's cgroup `%s`", cg->fields[0]);
  return fd;
}

/* struct clone_args of <linux/sched.h>, as far as CLONE_INTO_CGROUP (kernel 5.7). */
struct clone3_args {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/*
 * `share` records: this process enters the user namespace that owns the
 * first shared namespace (another container's), then each shared one. A
 * launcher does it (clone_shared), never the monitor, which stays in the
 * host's user namespace for what it runs after the container.
 */
static void enter_shared(const struct plan *plan) {
  int entered_user = 0;
  for (size_t i = 0; i < plan->nrecords; i++) {
    const struct record *r = &plan->records[i];
    if (r->kind != R_SHARE)
      continue;
    int fd = open(r->fields[1], O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      fail("share", "open", r->fields[1], errno, "open the %s namespace `%s` to share it", r->fields[0], r->fields[1]);
    /* A user namespace itself (a user network's): entered, and the child's other namespaces are new, its own. */
    if (!strcmp(r->fields[0], "user")) {
      if (setns(fd, CLONE_NEWUSER) < 0)
        fail("share", "setns", r->fields[1], errno, "enter the user namespace `%s`", r->fields[1]);
      close(fd);
      entered_user = 1;
      continue;
    }
    if (!entered_user) {
      int owner = ioctl(fd, NS_GET_USERNS);
      if (owner < 0)
        fail("share", "ioctl(NS_GET_USERNS)", r->fields[1], errno, "find the user namespace that owns `%s`", r->fields[1]);
      struct stat a, b;
      /* Not our own (a namespace of the host's user namespace: then the setns below says whether we may). */
      if (fstat(owner, &a) == 0 && stat("/proc/self/ns/user", &b) == 0 && (a.st_ino != b.st_ino || a.st_dev != b.st_dev) && setns(owner, CLONE_NEWUSER) < 0)
        fail("share", "setns", r->fields[1], errno, "enter the user namespace that owns `%s`", r->fields[1]);
      close(owner);
      entered_user = 1;
    }
    if (setns(fd, plan_clone_flag(r->fields[0])) < 0)
      fail("share", "setns", r->fields[1], errno, "share the %s namespace `%s`", r->fields[0], r->fields[1]);
    close(fd);
  }
}

static pid_t clone_child(int flags, int cgroup_fd);

/* The pid of the process a pidfd names, as this process's pid namespace numbers it (its fdinfo); -1 if none. */
static pid_t pidfd_pid(int pidfd) {
  char path[64], buf[1024];
  snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  const char *line = strstr(buf, "\nPid:\t");
  return line ? (pid_t)atoi(line + 6) : -1;
}

/*
 * With `share` records the child is cloned by a launcher that entered them
 * (CLONE_PARENT: the child is still the monitor's own, to wait for and to
 * signal); the launcher passes its pid back and ends. 0 in the child.
 */
static pid_t clone_shared(const struct plan *plan, int flags, int cgroup_fd) {
  int pid_shared = 0;
  for (size_t i = 0; i < plan->nrecords; i++)
    pid_shared |= plan->records[i].kind == R_SHARE && !strcmp(plan->records[i].fields[0], "pid");
  int nested = pid_shared && (flags & CLONE_NEWPID);
  int p[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0)
    fail("share", "socketpair", NULL, errno, "start the launcher");
  fflush(NULL);
  pid_t launcher = fork();
  if (launcher < 0)
    fail("share", "fork", NULL, errno, "start the launcher");
  if (launcher == 0) {
    close(p[0]);
    /* Born into another container's pid namespace, the child is seen there before its pivot_root, with the
       host's root as its /proc/PID/root: not dumpable (its mm the host user namespace's), nothing in that
       container may open it, even with CAP_SYS_PTRACE; its execve makes the command dumpable again. The
       monitor's processes (pasta, slirp4netns, fuse-overlayfs) get its namespaces as fds from here. */
    if (pid_shared && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
      fail("share", "prctl(PR_SET_DUMPABLE)", NULL, errno, "make the launcher undumpable");
    enter_shared(plan);
    /* Its own network namespace made here, so that this process, whose own it is, can pass it on. */
    if ((flags & CLONE_NEWNET) && unshare(CLONE_NEWNET) < 0)
      fail("share", "unshare(CLONE_NEWNET)", NULL, errno, "create the container's network namespace");
    int net = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), user = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
    if (net < 0 || user < 0 || send_fd(p[1], net) < 0 || send_fd(p[1], user) < 0)
      fail("share", "open", "/proc/self/ns", errno, "pass the container's namespaces to the monitor");
    if (nested) {
      /* A new pid namespace below the shared one (bwrap's --pidns with --unshare-pid): the kernel makes one only
         below the caller's own, so a second launcher, born in the shared one (and the monitor's child too,
         CLONE_PARENT), clones the child and passes a pidfd of it (its pid there is not the monitor's). It waits
         until this one has said its pid, so that the monitor reads them in order. */
      int go[2];
      if (pipe2(go, O_CLOEXEC) < 0)
        fail("share", "pipe2", NULL, errno, "start the second launcher");
      pid_t second = (pid_t)syscall(SYS_clone, CLONE_PARENT, NULL, NULL, NULL, NULL);
      if (second < 0)
        fail("share", "clone", NULL, errno, "start the second launcher");
      if (second == 0) {
        char b;
        close(go[1]);
        if (read(go[0], &b, 1) != 1)
          _exit(EXIT_HELPER);
        int pidfd = -1;
        struct clone3_args args = {.flags = (uint64_t)(unsigned)((flags & ~CLONE_NEWNET) | CLONE_PARENT) | CLONE_PIDFD | (cgroup_fd >= 0 ? CLONE_INTO_CGROUP : 0),
                                   .pidfd = (uint64_t)(uintptr_t)&pidfd, .exit_signal = 0, .cgroup = (uint64_t)(cgroup_fd >= 0 ? cgroup_fd : 0)};
        pid_t child = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
        if (child < 0)
          fail("start", "clone3", NULL, errno, "create the sandbox's pid namespace in the one given");
        if (child == 0) {
          close(p[1]);
          close(net);
          close(user);
          return 0;
        }
        _exit(send_fd(p[1], pidfd) < 0 ? EXIT_HELPER : 0);
      }
      close(go[0]);
      int said = write(p[1], &second, sizeof(second)) == (ssize_t)sizeof(second);
      _exit(said && write(go[1], "g", 1) == 1 ? 0 : EXIT_HELPER);
    }
    pid_t child = clone_child((flags & ~CLONE_NEWNET) | CLONE_PARENT, cgroup_fd);
    if (child == 0) {
      close(p[1]);
      close(net);
      close(user);
      return 0;
    }
    _exit(write(p[1], &child, sizeof(child)) == (ssize_t)sizeof(child) ? 0 : EXIT_HELPER);
  }
  close(p[1]);
  int net = recv_fd(p[0]);
  int user = net >= 0 ? recv_fd(p[0]) : -1;
  pid_t child = -1;
  ssize_t n = -1;
  if (user >= 0)
    while ((n = read(p[0], &child, sizeof(child))) < 0 && errno == EINTR)
      ;
  int st;
  if (nested && n == (ssize_t)sizeof(child)) {
    /* That was the second launcher's pid; the child's comes as a pidfd. */
    pid_t second = child;
    int pidfd = recv_fd(p[0]);
    child = pidfd >= 0 ? pidfd_pid(pidfd) : -1;
    if (pidfd >= 0)
      close(pidfd);
    while (waitpid(second, &st, 0) < 0 && errno == EINTR)
      ;
    if (child <= 0)
      n = -1;
  }
  close(p[0]);
  while (waitpid(launcher, &st, 0) < 0 && errno == EINTR)
    ;
  /* The launcher said why on stderr (fail). */
  if (n != (ssize_t)sizeof(child))
    exit(WIFEXITED(st) ? WEXITSTATUS(st) : EXIT_HELPER);
  if (g_child_netns >= 0)
    close(g_child_netns);
  if (g_child_userns >= 0)
    close(g_child_userns);
  g_child_netns = net;
  g_child_userns = user;
  return child;
}

/* Clones the container's first process into new namespaces (and with `cgroup_fd` >= 0, into that cgroup). */
static pid_t clone_child(int flags, int cgroup_fd) {
  fflush(NULL);
  if (cgroup_fd >= 0) {
    /* CLONE_PARENT (clone_shared): the exit signal is the launcher's own, and clone3 wants none given. */
    struct clone3_args args = {.flags = (uint64_t)(unsigned)flags | CLONE_INTO_CGROUP, .exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD, .cgroup = (uint64_t)cgroup_fd};
    pid_t child = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
    if (child < 0)
      fail("start", "clone3", NULL, errno, "create the container's namespaces in its cgroup");
    return child;
  }
  pid_t child = (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, NULL);
  if (child < 0) {
    int e = errno;
    if (g_fallback && (flags & CLONE_NEWUSER) && userns_refused(e))
      take_fallback(-1);
    /* bwrap's words, which scripts read */
    if (g_bwrap && e == ENOSPC)
      fail("start", "clone", NULL, 0, "Creating new namespace failed: nesting depth or /proc/sys/user/max_*_namespaces exceeded (ENOSPC)");
    if (g_bwrap && e == EPERM)
      fail("start", "clone", NULL, 0, "No permissions to create a new namespace, likely because the kernel does not allow non-privileged user namespaces. On e.g. debian this can be enabled with 'sysctl kernel.unprivileged_userns_clone=1'.");
    fail("start", "clone", NULL, e, "create the container's namespaces%s", e == EPERM || e == ENOSPC ?
         " (are unprivileged user namespaces enabled? see sysctl kernel.unprivileged_userns_clone and user.max_user_namespaces)" : "");
  }
  return child;
}

/*
 * Ready-mode processes (pasta -P /proc/self/fd/3, slirp4netns --ready-fd 3):
 * each started with a pipe's write end as its fd 3, and ready once a byte
 * comes through it (within the record's timeout); its end, or the pipe's,
 * before that is the container's failure to start. The first starts with
 * the child's steps (they overlap); the child waits for all of them before
 * its command ('N', serve_child), and each later one starts only once the
 * one before it is ready (slirp4netns before the ports it is told of).
 */
struct ready {
  const struct record *r;
  size_t proc; /* its index in g_procs */
  int pipe;    /* the read end */
  int err;     /* its stderr (memfd), shown when it fails */
};
static struct ready g_ready;
static int g_ready_started;

static void ready_start(const struct record *r, pid_t child) {
  if (g_ready_started) { /* the last run's, never waited for (its child failed first) */
    close(g_ready.pipe);
    if (g_ready.err >= 0)
      close(g_ready.err);
  }
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    fail("process", "pipe2", r->fields[3], errno, "run `%s`", r->fields[3]);
  /* Its stderr kept aside (slirp4netns's chatter), and shown only when it fails. */
  int err = (int)syscall(SYS_memfd_create, "network-helper-stderr", MFD_CLOEXEC);
  process_start(r, child, p[1], err);
  close(p[1]);
  g_ready = (struct ready){.r = r, .proc = g_nprocs - 1, .pipe = p[0], .err = err};
  g_ready_started = 1;
}

static void ready_wait(pid_t child) {
  if (!g_ready_started)
    return;
  g_ready_started = 0;
  const struct record *r = g_ready.r;
  struct process *pr = &g_procs[g_ready.proc];
  uint64_t ms = process_timeout(r);
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  int ready = 0;
  for (;;) {
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t spent = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
    if (ms && spent >= (int64_t)ms)
      break;
    struct pollfd pfd = {.fd = g_ready.pipe, .events = POLLIN};
    int n = poll(&pfd, 1, ms ? (int)((int64_t)ms - spent) : -1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    char buf[64];
    ssize_t got = read(g_ready.pipe, buf, sizeof(buf));
    ready = got > 0;
    if (got >= 0 || errno != EINTR)
      break;
  }
  close(g_ready.pipe);
  int err = g_ready.err;
  if (ready) {
    if (err >= 0)
      close(err);
    return;
  }
  int code = -1;
  if (!process_wait(pr, 50, &code)) {
    syscall(SYS_pidfd_send_signal, pr->pidfd, SIGKILL, NULL, 0);
    process_wait(pr, 0, NULL);
  }
  pr->pid = 0;
  kill(child, SIGKILL);
  if (err >= 0) {
    char buf[4096];
    ssize_t n = pread(err, buf, sizeof(buf) - 1, 0);
    if (n > 0) {
      buf[n] = '\0';
      say_error("%s%s", buf, buf[n - 1] == '\n' ? "" : "\n");
    }
  }
  if (code < 0)
    fail("process", NULL, r->fields[3], ETIMEDOUT, "`%s` was not ready within %s ms", r->fields[3], r->fields[1]);
  fail("process", NULL, r->fields[3], 0, "`%s` failed (exit status %d): the container's network could not be set up", r->fields[3], code);
}

/* The ready processes after `from` (plan order): the first one started, the rest each started and waited for in turn ('N'). */
static void ready_all(const struct plan *plan, pid_t child, int first_only) {
  int first = 1;
  for (size_t i = 0; i < plan->nrecords; i++) {
    const struct record *r = &plan->records[i];
    if (r->kind != R_PROCESS || strcmp(r->fields[0], "ready") != 0)
      continue;
    if (first_only) {
      ready_start(r, child);
      return;
    }
    if (first) { /* started by before_steps */
      first = 0;
      ready_wait(child);
      continue;
    }
    ready_start(r, child);
    ready_wait(child);
  }
}

/*
 * What the monitor does once the child exists, before the child's steps
 * start: the wait and keep processes (newuidmap and newgidmap side by side:
 * they touch different files) and the idmap-write records, in plan order;
 * then it waits for the wait processes.
 */
static void before_steps(const struct plan *plan, pid_t child) {
  for (size_t i = 0; i < plan->nrecords; i++) {
    const struct record *r = &plan->records[i];
    if (r->kind == R_PROCESS && (strcmp(r->fields[0], "wait") == 0 || strcmp(r->fields[0], "keep") == 0))
      process_start(r, child, -1, -1);
    else if (r->kind == R_IDMAP_WRITE)
      idmap_write(r, child);
  }
  wait_processes(child);
  /* Then, once the ids are mapped, the first ready one, coming up while the steps run. */
  ready_all(plan, child, 1);
}

/* The next mount-mode process record after `*from`, in plan order. */
static const struct record *next_mount_process(const struct plan *plan, size_t *from) {
  for (; *from < plan->nrecords; (*from)++) {
    const struct record *r = &plan->records[*from];
    if (r->kind == R_PROCESS && strcmp(r->fields[0], "mount") == 0) {
      (*from)++;
      return r;
    }
  }
  return NULL;
}

/* One message from the child on the sync socket: its byte, and the fd it carries (else -1). 0 at its end. */
static int recv_msg(int sock, char *kind, int *fd) {
  struct iovec iov = {.iov_base = kind, .iov_len = 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
  ssize_t n;
  while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
    ;
  *fd = -1;
  if (n != 1)
    return 0;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
    memcpy(fd, CMSG_DATA(c), sizeof(int));
  return 1;
}

/*
 * The inodes of the child's namespaces, for bwrap's info: from /proc/PID/ns, or, in namespaces shared with
 * another sandbox (the child is not dumpable there and its /proc/PID/ns is closed to us: clone_shared), from
 * the fds the child sends first (setup.c).
 */
static void sandbox_namespaces(const struct plan *plan, pid_t child, int sync, unsigned long *ino) {
  int sent = plan_find(plan, R_SHARE) != NULL;
  for (size_t k = 0; k < SANDBOX_NS_COUNT; k++) {
    struct stat st;
    int ok;
    if (sent) {
      char kind;
      int fd;
      if (!recv_msg(sync, &kind, &fd) || kind != 'N')
        return;
      ok = fd >= 0 && fstat(fd, &st) == 0;
      if (fd >= 0)
        close(fd);
    } else {
      char path[64];
      snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)child, SANDBOX_NS[k][1]);
      ok = stat(path, &st) == 0;
    }
    ino[k] = ok ? (unsigned long)st.st_ino : 0;
  }
}

/*
 * Serves the child while its steps run, until it closes the sync socket (at
 * its exec, or its death): 'R' asks for the next mount-mode process's tree,
 * 'F' brings the pty master (answered with 'G' once the window size is set).
 * Returns the pty master, or -1.
 */
static int serve_child(const struct plan *plan, pid_t child, int sync) {
  int master = -1;
  size_t next = 0;
  char kind;
  int fd;
  for (;;) {
    /* The audit filter's calls are answered while the child's steps run too: its exec is one of them. */
    if (g_audit_fd >= 0) {
      struct pollfd pfd[2] = {{.fd = sync, .events = POLLIN}, {.fd = g_audit_fd, .events = POLLIN}};
      if (poll(pfd, 2, -1) < 0) {
        if (errno == EINTR)
          continue;
        break;
      }
      if (pfd[1].revents & POLLIN)
        audit_serve();
      if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
    }
    if (!recv_msg(sync, &kind, &fd))
      break;
    if (kind == 'A' && fd >= 0 && g_audit_fd < 0) {
      g_audit_fd = fd;
    } else if (kind == 'R') {
      const struct record *r = next_mount_process(plan, &next);
      if (!r) {
        shutdown(sync, SHUT_RDWR); /* each request has its record: a confused child gets an end of file */
        break;
      }
      int tree = process_mount(r, child);
      if (send_fd(sync, tree) < 0)
        fail("process", "sendmsg", r->fields[2], errno, "hand the mounted tree to the container");
      close(tree);
    } else if (kind == 'N') {
      /* The command is next: every ready process ready first (a failure ends here, saying why). */
      ready_all(plan, child, 0);
      if (write(sync, "G", 1) != 1)
        break;
    } else if (kind == 'F' && fd >= 0 && master < 0) {
      master = fd;
      copy_winsize(master);
      attach_first_winsize(master); /* run -it through attach: the terminal's size from the start */
      if (write(sync, "G", 1) != 1) {
        close(master);
        master = -1;
      }
    } else if (fd >= 0) {
      close(fd);
    }
  }
  return master;
}

/* The `log` record: the file, opened here (not by burrow), and the pipes the container writes into. */
struct log_fds {
  int out, err;           /* the monitor's ends, read into the log */
  int child_out, child_err; /* the container's ends: its stdout and stderr */
};

static struct log_fds open_log(const struct record *r) {
  struct log_fds log = {-1, -1, -1, -1};
  if (!r)
    return log;
  uint64_t max;
  if (plan_parse_u64(r->fields[1], 10, &max) < 0)
    fail("log", NULL, NULL, 0, "log: `%s` is not a size in bytes", r->fields[1]);
  if (g_log_file.fd >= 0) /* a restart (--restart): the log opened again, not leaked */
    close(g_log_file.fd);
  if (ctr_log_open(&g_log_file, r->fields[0], max) < 0)
    fail("log", "open", r->fields[0], errno, "open the container's log `%s`", r->fields[0]);
  g_log = &g_log_file;
  int p[2], q[2];
  if (pipe2(p, O_CLOEXEC) < 0 || pipe2(q, O_CLOEXEC) < 0)
    fail("log", "pipe2", r->fields[0], errno, "make the container's log pipes");
  log.out = p[0];
  log.child_out = p[1];
  log.err = q[0];
  log.child_err = q[1];
  return log;
}

/*
 * The `restart` record: after the container ended with `code`, whether the
 * monitor runs it again, and after how long (docker's back-off: 100 ms,
 * doubled each time, at most a minute; back to 100 ms after a run of 10 s).
 * Never when it was stopped from outside: a signal passed on by the monitor
 * (`stop`), or burrow's stopped file (`stop`, `kill`). Waits out the delay;
 * a signal to pass on meanwhile stops it too.
 */
static int restart_again(const struct record *r, const struct record *exit_file, int code, unsigned *restarts, long *delay_ms, const sigset_t *forward) {
  if (!r || g_signalled || access(r->fields[2], F_OK) == 0)
    return 0;
  uint64_t max = 0;
  plan_parse_u64(r->fields[1], 10, &max);
  if (strcmp(r->fields[0], "on-failure") == 0 && (code == 0 || (max > 0 && *restarts >= max)))
    return 0;
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  if (now.tv_sec - g_started_at.tv_sec >= 10)
    *delay_ms = 100;
  struct timespec wait = {.tv_sec = *delay_ms / 1000, .tv_nsec = (*delay_ms % 1000) * 1000000L};
  /* Meanwhile the exit file says it is to run again (ps: Restarting). */
  if (exit_file && g_exit_text[0]) {
    char text[160];
    snprintf(text, sizeof(text), "%.*s restarting\n", (int)strcspn(g_exit_text, "\n"), g_exit_text);
    write_file_atomic(exit_file->fields[0], text);
  }
  siginfo_t si;
  int sig;
  while ((sig = sigtimedwait(forward, &si, &wait)) < 0 && errno == EINTR)
    ;
  if (sig > 0)
    return 0; /* stopped while it waited */
  if (access(r->fields[2], F_OK) == 0)
    return 0;
  *delay_ms = *delay_ms * 2 > 60000 ? 60000 : *delay_ms * 2;
  (*restarts)++;
  char text[32];
  snprintf(text, sizeof(text), "%u\n", *restarts);
  write_file_atomic(r->fields[3], text);
  return 1;
}

/*
 * After a run: its end recorded (exit file, `died` event); then, with a
 * `restart` record whose policy says so, 1 once the delay is over (the exit
 * file removed: it runs again); else the on-exit program, and 0.
 */
static int again_after(const struct plan *plan, const struct record *restart, const struct record *exit_file, int code, unsigned *restarts, long *delay_ms, const sigset_t *forward) {
  g_started_plan = NULL;
  record_end(plan, code);
  if (restart && restart_again(restart, exit_file, code, restarts, delay_ms, forward)) {
    if (exit_file)
      unlink(exit_file->fields[0]);
    return 1;
  }
  after_container(plan);
  return 0;
}

static int cmd_run(int argc, char **argv) {
  const char *path = NULL;
  int unlink_plan = 0;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--status-fd") && i + 1 < argc) {
      uint64_t v;
      if (plan_parse_u64(argv[++i], 10, &v) < 0 || v > 65535)
        fail("args", NULL, NULL, 0, "--status-fd: `%s` is not a file descriptor", argv[i]);
      g_status_fd = (int)v;
      fcntl(g_status_fd, F_SETFD, FD_CLOEXEC);
    } else if (!strcmp(argv[i], "--unlink")) {
      unlink_plan = 1;
    } else if (!path && argv[i][0] != '-') {
      path = argv[i];
    } else {
      fail("args", NULL, NULL, 0, "run: unexpected argument `%s`", argv[i]);
    }
  }
  if (!path)
    fail("args", NULL, NULL, 0, "run: no plan given");

  struct plan plan;
  load_plan(path, &plan);
  if (unlink_plan)
    unlink(path);
  /* A plan handed over as an fd (burrow's memfd) is read now: that fd is not for anyone we start. */
  int plan_fd, end = 0;
  if (sscanf(path, "/proc/self/fd/%d%n", &plan_fd, &end) == 1 && !path[end] && plan_fd > 2 && plan_fd != g_status_fd)
    close(plan_fd);
  /* A closed reader must be an EPIPE for the monitor, not its death (the child resets this). */
  signal(SIGPIPE, SIG_IGN);
  g_bwrap = plan_find(&plan, R_BWRAP) != NULL;
  g_fallback = plan_find(&plan, R_FALLBACK);
  const struct record *audit = plan_find(&plan, R_AUDIT);
  if (audit && audit_open(&plan, audit) < 0)
    fail("audit", "open", audit->fields[0], errno, "open the audit log `%s`", audit->fields[0]);
  /* bwrap's --die-with-parent: the monitor dies with whoever started it (and the child with the monitor). */
  if (plan_find(&plan, R_DIE_WITH_PARENT) && prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    fail("start", "prctl(PR_SET_PDEATHSIG)", NULL, errno, "die with the parent");
  const struct record *info_fd = plan_find(&plan, R_INFO_FD), *json_fd = plan_find(&plan, R_JSON_STATUS_FD);

  const struct record *fwd = plan_find(&plan, R_FORWARD_SIGNALS);
  sigset_t forward, blocked;
  sigemptyset(&forward);
  for (size_t i = 0; fwd && i < fwd->nfields; i++)
    sigset_add(&forward, atoi(fwd->fields[i]));
  blocked = forward;
  sigaddset(&blocked, SIGCHLD);
  sigaddset(&blocked, SIGWINCH);
  /* Blocked before the clone, so the child starts with them blocked and none is lost. */
  if (sig_block(SIG_BLOCK, &blocked, NULL) < 0)
    fail("start", "sigprocmask", NULL, errno, "block signals");

  /* With a `restart` record the monitor runs the container again after it ends, as its policy says. */
  const struct record *restart = plan_find(&plan, R_RESTART);
  const struct record *exit_file = plan_find(&plan, R_EXIT_FILE);
  unsigned restarts = 0;
  long delay_ms = 100;
  /* attach's socket, and for -i without -t the pipe that is the container's stdin: once, for every run. */
  const struct record *attach = plan_find(&plan, R_ATTACH);
  int attach_fd = -1, stdin_pipe = -1;
  if (attach) {
    attach_fd = attach_listen(attach->fields[0]);
    if (attach_fd < 0)
      fail("attach", "bind", attach->fields[0], errno, "listen on the attach socket `%s`", attach->fields[0]);
    /* hold (run -it): the container starts once its terminal is attached, so none of its output is missed. */
    if (attach->nfields > 2 && !strcmp(attach->fields[2], "hold"))
      attach_wait_first(attach_fd, !strcmp(attach->fields[1], "tty"));
    if (!strcmp(attach->fields[1], "pipe")) {
      int p[2];
      if (pipe2(p, O_CLOEXEC) < 0 || dup2(p[0], 0) < 0)
        fail("attach", "pipe2", NULL, errno, "make the container's stdin pipe");
      close(p[0]);
      /* Never blocking the monitor on a container that does not read its input. */
      fcntl(p[1], F_SETFL, O_NONBLOCK);
      stdin_pipe = p[1];
    }
  }
  /* A pod's infra execs a sealed copy of this helper (pause.c), made once for every run. */
  if (plan_find(&plan, R_PAUSE) && (g_pause_fd = pause_copy()) < 0)
    fail("pause", "memfd_create", NULL, errno, "copy the helper for the pod's infra");
again:;
  wait_dying(); /* the last run's network helpers: their ports free again */
  struct log_fds log = open_log(plan_find(&plan, R_LOG));
  int sync[2], errpipe[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sync) < 0)
    fail("start", "socketpair", NULL, errno, "create the sync socket");
  if (pipe2(errpipe, O_CLOEXEC) < 0)
    fail("start", "pipe2", NULL, errno, "create the error pipe");
  const struct record *join = plan_find(&plan, R_JOIN), *cgroup = plan_find(&plan, R_CGROUP);
  /* Opened here, by its host path: after `join` this process sees the container's mounts. */
  int cgroup_fd = open_cgroup(cgroup, join != NULL);
  int cgroupns = join ? join_namespaces(join, cgroup_fd >= 0) : -1;
  clock_gettime(CLOCK_REALTIME, &g_started_at);
  /* Into its cgroup, the cgroup namespace is the child's to make (setup.c): rooted there, not here. */
  int flags = clone_flags(&plan) & ~(cgroup_fd >= 0 ? CLONE_NEWCGROUP : 0);
  pid_t child = plan_find(&plan, R_SHARE) ? clone_shared(&plan, flags, cgroup_fd) : clone_child(flags, cgroup_fd);
  if (cgroup_fd >= 0)
    close(cgroup_fd);
  if (child != 0 && cgroupns >= 0)
    close(cgroupns);
  if (child == 0) {
    close(sync[0]);
    close(errpipe[0]);
    struct child_fds fds = {.sync = sync[1], .error = errpipe[1], .out = log.child_out, .err = log.child_err, .cgroupns = cgroupns};
    child_main(&plan, &fds);
  }
  close(sync[1]);
  close(errpipe[1]);
  if (log.child_out >= 0) {
    close(log.child_out);
    close(log.child_err);
  }
  g_started_plan = &plan;
  status_line("{\"type\":\"pid\",\"pid\":%d}\n", (int)child);
  const struct record *pid_file = plan_find(&plan, R_PID_FILE);
  if (pid_file) {
    char text[32];
    snprintf(text, sizeof(text), "%d\n", (int)child);
    if (write_file_atomic(pid_file->fields[0], text) < 0)
      say_error("Warning: --pidfile: write `%s`: %s\n", pid_file->fields[0], errno_text(errno));
  }
  /* While the child still has the user's own credentials (it waits for `G`): see g_child_netns. The
     launcher passed them (clone_shared) when there was one. */
  if (!plan_find(&plan, R_SHARE)) {
    if (g_child_userns >= 0)
      close(g_child_userns);
    if (g_child_netns >= 0)
      close(g_child_netns);
    g_child_userns = g_child_netns = -1;
    for (size_t i = 0; i < plan.nrecords; i++)
      if (plan.records[i].kind == R_CLEANUP || (plan.records[i].kind == R_PROCESS && (strcmp(plan.records[i].fields[0], "mount") == 0 || uses_ns_fds(&plan.records[i])))) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)child);
        g_child_userns = open(path, O_RDONLY | O_CLOEXEC);
        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)child);
        g_child_netns = open(path, O_RDONLY | O_CLOEXEC);
        break;
      }
  }

  unsigned long ns_ino[SANDBOX_NS_COUNT] = {0};
  if (info_fd || json_fd)
    sandbox_namespaces(&plan, child, sync[0], ns_ino);
  if (info_fd) {
    int fd = atoi(info_fd->fields[0]);
    if (sandbox_info(fd, &plan, child, ns_ino, 0) < 0) {
      int e = errno;
      kill(child, SIGKILL);
      fail("info-fd", "write", NULL, e, "Write to info_fd");
    }
    close(fd);
  }
  if (json_fd && sandbox_info(atoi(json_fd->fields[0]), &plan, child, ns_ino, 1) < 0) {
    int e = errno;
    kill(child, SIGKILL);
    fail("json-status-fd", "write", NULL, e, "Write to json_status_fd");
  }
  before_steps(&plan, child);
  if (write(sync[0], "G", 1) != 1)
    fail("start", "write", NULL, errno, "wake the container");
  int master = serve_child(&plan, child, sync[0]);

  struct setup_error e;
  ssize_t n;
  while ((n = read(errpipe[0], &e, sizeof(e))) < 0 && errno == EINTR)
    ;
  close(errpipe[0]);
  close(sync[0]);
  if (n == (ssize_t)sizeof(e)) {
    int st;
    while (waitpid(child, &st, 0) < 0 && errno == EINTR)
      ;
    if (e.exit_code == EXIT_USERNS_DENIED) {
      if (g_fallback)
        take_fallback(-1);
      e.exit_code = EXIT_HELPER;
    }
    report(&e);
    if (again_after(&plan, restart, exit_file, e.exit_code, &restarts, &delay_ms, &forward))
      goto again;
    if (attach)
      unlink(attach->fields[0]); /* no monitor behind it any more */
    status_line("{\"type\":\"exit\",\"code\":%d}\n", e.exit_code);
    return g_bwrap ? 1 : e.exit_code;
  }
  if (n != 0) {
    int st;
    kill(child, SIGKILL);
    waitpid(child, &st, 0);
    fail("start", "read", NULL, n < 0 ? errno : 0, "the container ended during its setup");
  }

  status_line("{\"type\":\"started\"}\n");
  int relay_stdin = plan_find(&plan, R_RELAY_STDIN) != NULL;
  if (master >= 0 && relay_stdin)
    raw_terminal();
  int sfd = signalfd(-1, &blocked, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) {
    kill(child, SIGKILL);
    fail("start", "signalfd", NULL, errno, "watch signals");
  }
  int code = monitor(child, master, relay_stdin, &forward, sfd, log.out, log.err, plan_find(&plan, R_HEALTH), attach_fd, stdin_pipe);
  close(sfd);
  restore_terminal();
  if (again_after(&plan, restart, exit_file, code, &restarts, &delay_ms, &forward))
    goto again;
  if (attach)
    unlink(attach->fields[0]); /* no monitor behind it any more */
  status_line("{\"type\":\"exit\",\"code\":%d}\n", code);
  if (json_fd) {
    char line[64];
    int n = snprintf(line, sizeof(line), "{ \"exit-code\": %d }\n", code);
    (void)write_all(atoi(json_fd->fields[0]), line, (size_t)n);
  }
  plan_free(&plan);
  return code;
}

static void print_field(const char *s) {
  putchar(' ');
  json_string(stdout, s);
}

static int cmd_check(int argc, char **argv) {
  if (argc != 1)
    fail("args", NULL, NULL, 0, "check: expected one plan");
  struct plan plan;
  load_plan(argv[0], &plan);
  for (size_t i = 0; i < plan.nrecords; i++) {
    fputs(plan_record_name(plan.records[i].kind), stdout);
    for (size_t f = 0; f < plan.records[i].nfields; f++)
      print_field(plan.records[i].fields[f]);
    putchar('\n');
  }
  plan_free(&plan);
  return 0;
}

char *g_argv_area;
size_t g_argv_area_len;

int main(int argc, char **argv) {
  if (argc > 0) {
    g_argv_area = argv[0];
    g_argv_area_len = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) + 1 - argv[0]);
  }
  if (argc >= 2 && !strcmp(argv[1], "run")) {
    run_from_sealed_copy(argv);
    return cmd_run(argc - 2, argv + 2);
  }
  if (argc >= 2 && !strcmp(argv[1], "check"))
    return cmd_check(argc - 2, argv + 2);
  if (argc >= 2 && !strcmp(argv[1], "attach"))
    return cmd_attach(argc - 2, argv + 2);
  if (argc == 2 && !strcmp(argv[1], "pause"))
    return cmd_pause();
  if (argc >= 2 && !strcmp(argv[1], "network-connect"))
    return cmd_network_connect(argc - 2, argv + 2);
  if (argc >= 2 && !strcmp(argv[1], "network-disconnect"))
    return cmd_network_disconnect(argc - 2, argv + 2);
  if (argc >= 2 && !strcmp(argv[1], "slirp-api"))
    return cmd_slirp_api(argc - 2, argv + 2);
  if (argc >= 2 && !strcmp(argv[1], "logs"))
    return cmd_logs(argc - 2, argv + 2);
  if (argc >= 2 && !strcmp(argv[1], "remove"))
    return cmd_remove(argc - 2, argv + 2);
  if (argc == 2 && !strcmp(argv[1], "version")) {
    printf("burrow-helper %s (plan version %d)\n", HELPER_VERSION, PLAN_VERSION);
    return 0;
  }
  fprintf(stderr, "Error: usage: burrow-helper run [--status-fd N] [--unlink] PLAN | check PLAN | pause | network-connect PID NETNS BRIDGE GATEWAY IFNAME PEER ADDRESS | network-disconnect PID IFNAME | attach SOCKET [OPTIONS] | slirp-api SOCKET REQUEST... | logs FILE | remove [--unless FILE] [--links DIR TARGET] [--event FILE PREFIX SUFFIX] [--] TREE... | version\n");
  return EXIT_HELPER;
}
