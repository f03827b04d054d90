/* burrow-helper: what the monitor (helper.c) and the container setup (setup.c) share. */
#ifndef BURROW_HELPER_H
#define BURROW_HELPER_H

#include "plan.h"

#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/*
 * One failure, as the child sends it to the monitor over the error pipe
 * (one write, smaller than PIPE_BUF, so it arrives whole or not at all).
 */
struct setup_error {
  int exit_code; /* 125, 126 or 127 */
  int err;       /* errno, 0 when none */
  char step[32];
  char syscall[32];
  char path[1024];
  char message[1024];
};

/* What the child needs besides the plan: the fds it shares with the monitor. */
struct child_fds {
  int sync;  /* socket: reads "maps written" and "go", sends the pty master */
  int error; /* pipe, close-on-exec: EOF without data means the exec happened */
  int out;   /* with a `log` record: the pipes to the monitor, made the child's stdout and stderr; else -1 */
  int err;
  int cgroupns; /* `join` into a cgroup: a pidfd of the joined process, whose cgroup namespace the child enters; else -1 */
};

/* The text of errno e in glibc's words, whichever C library the helper is built with (errtext.c). */
const char *errno_text(int e);

/*
 * glibc's execvpe: FILE with a slash is run as it is, else looked up along PATH (glibc's /bin:/usr/bin when
 * NULL); a file the kernel cannot run (ENOEXEC) is run with /bin/sh. Returns -1 with errno when nothing ran:
 * EACCES if a candidate was refused, else the last error (compat.c).
 */
int exec_search(const char *file, char *const argv[], char *const envp[], const char *path);

/* Adds signal SIG (1 to 64, its kernel number) to SET, those the C library keeps for itself included (compat.c). */
int sigset_add(sigset_t *set, int sig);
/* SET: every signal but SIGKILL and SIGSTOP, 32 to 34 included. */
void sigset_all(sigset_t *set);
/* sigprocmask and sigwaitinfo as the kernel has them, without the C library's filter of its own signals. */
int sig_block(int how, const sigset_t *set, sigset_t *old);
int sig_wait(const sigset_t *set);

/* The namespaces bwrap's --info-fd names, as the plan's `namespaces` and as /proc/PID/ns names them (helper.c). */
#define SANDBOX_NS_COUNT 6
extern const char *const SANDBOX_NS[SANDBOX_NS_COUNT][2];

/* A plan field in hex (setup.c); 0 when it is not one (the plan was checked). */
uint64_t plan_hex(const char *s);

/* Writes all of buf (again after EINTR or a short write); -1 with errno. */
int write_all(int fd, const char *buf, size_t n);

/* The container's log in k8s-file format (log.c), written by the monitor. */
struct ctr_log {
  int fd;
  const char *path;
  uint64_t max_size; /* 0: no limit */
  uint64_t size;
};

/* Opens (appends to) the log; -1 with errno. */
int ctr_log_open(struct ctr_log *log, const char *path, uint64_t max_size);
/* Writes what a stream ("stdout", "stderr") said as k8s-file lines; -1 with errno. */
int ctr_log_write(struct ctr_log *log, const char *stream, const char *buf, size_t n);
/* "2026-12-05T09:30:01.123456789+01:00" into buf (at least 40 bytes); its length. */
size_t ctr_log_timestamp(char *buf, size_t len);
/* burrow's events file: BEFORE, that timestamp, AFTER and a newline appended to FILE in one write (so that it never
   interleaves with another's line), made 0600 if missing; a failure is not told (what happened, happened). */
void append_event_line(const char *file, const char *before, const char *after);

/* Runs in the cloned child: every in-container step, then execve. Never returns. */
void child_main(const struct plan *plan, const struct child_fds *fds) __attribute__((noreturn));

/* With a `pause` record: the sealed copy of this helper the infra execs (the monitor makes it); else -1. */
extern int g_pause_fd;
/* burrow-helper pause: a pod's infra. */
int cmd_pause(void);
/* Makes the sealed copy (pause.c); -1 with errno. */
int pause_copy(void);
/* `run` re-execs itself from a sealed memfd copy of this helper (pause.c, CVE-2019-5736); returns when it already runs from one, or cannot. */
void run_from_sealed_copy(char **argv);

/* netlink.c: a container's interface on a user network's bridge (docs/design.md, "User networks"). */
struct bridge_port_args {
  const char *bridge;  /* the bridge's name in the networks' namespace, made when missing */
  const char *gateway; /* its ADDRESS/PREFIX */
  const char *ifname;  /* the container's end of the veth pair */
  const char *peer;    /* the bridge's end */
  const char *address; /* the container's ADDRESS/PREFIX */
};
/* Our network namespace on the bridge (our netns never changes: the bridge's side is a forked process's); -1 with a message in err. */
int bridge_port(int bridge_ns, const struct bridge_port_args *a, char *err, size_t errlen);
/* Removes IFNAME of member_ns (entered, not left). */
int bridge_unport(int member_ns, const char *ifname, char *err, size_t errlen);
int cmd_network_connect(int argc, char **argv);
int cmd_network_disconnect(int argc, char **argv);

/*
 * The plan has a `bwrap` record (burrow sandbox): bwrap's conventions. The helper's own errors are
 * "bwrap: MESSAGE" lines and exit status 1 (a failed exec too, worded as bwrap's execvp); the child
 * stays the user it was cloned as (the sandbox's uid, every capability of its new user namespace)
 * and makes its mounts slaves of the host's, as bwrap does. Set by the monitor before the clone.
 */
extern int g_bwrap;

/* A sandbox's child found its new user namespace gives it no capabilities (AppArmor's restriction of unprivileged
   user namespaces): the code of its setup_error, between child and monitor only, never an exit status. */
#define EXIT_USERNS_DENIED 1000

/* The memory of argv, so PID 1 with --init can show its own name instead of the helper's command line. */
extern char *g_argv_area;
extern size_t g_argv_area_len;

/* attach.c: the monitor's attach socket (the `attach` record) and its clients. */
struct attach_target {
  int input;  /* where clients' input goes: the pty master or the stdin pipe; -1: nowhere */
  int master; /* the pty master, for window sizes; -1 without a tty */
  int input_ended; /* set when a client's input ended (its 'd'): the pipe is then to be closed */
};
/* Listens on PATH (0600, any old socket there replaced); -1 with errno. */
int attach_listen(const char *path);
/* The listener (when lfd >= 0) and each client, into pfd; how many. */
size_t attach_fill(int lfd, struct pollfd *pfd);
/* After poll: new clients accepted, their packets acted on; a signal a client asks to pass on, else 0. */
int attach_ready(int lfd, const struct pollfd *pfd, size_t n, struct attach_target *t);
/* attach's `hold`: waits (at most a minute) for the first client; with `tty`, also for its window size. */
void attach_wait_first(int lfd, int tty);
/* That window size onto the pty master, once it exists. */
void attach_first_winsize(int master);
/* What the container said on "stdout" or "stderr", to every client. */
void attach_broadcast(const char *stream, const char *buf, size_t n);
/* The run ended with `code`: each client told, and let go. */
void attach_finish(int code);
/* burrow-helper attach: the client. */
int cmd_attach(int argc, char **argv);
int cmd_slirp_api(int argc, char **argv);
/* log.c: `burrow-helper logs FILE`, what `burrow logs` prints of a log with no filter */
int cmd_logs(int argc, char **argv);
/* remove.c: `burrow-helper remove [--unless FILE] [--links DIR TARGET] [--event FILE PREFIX SUFFIX] [--] TREE...` */
int cmd_remove(int argc, char **argv);
#define ATTACH_MAX_CLIENTS 16

/* copyup.c: the tree of directory fd `src` into directory fd `dst` when `dst` is empty; -1 with errno, the entry in `where`. */
int copy_up(int src, int dst, char *where, size_t len);

/* Our stdin's terminal, when it is one, in raw mode (a container's pty or attach relays it) / as it was. */
void raw_terminal(void);
void restore_terminal(void);

/* Sends an fd over a unix socket / receives one. */
int send_fd(int sock, int fd);
int send_msg(int sock, char kind, int fd);
/* A JSON string of s (quotes, backslashes and control bytes escaped) onto f. */
void json_string(FILE *f, const char *s);

/*
 * audit.c: burrow sandbox's --audit. The `audit FILE ENTRY...` record names the log and, for each system call
 * the child's filter sends here (SECCOMP_RET_USER_NOTIF), "NR:OP:DIRFD-ARG:PATH-ARG:FLAGS-ARG" (- for none).
 * Each call is let through unchanged (SECCOMP_USER_NOTIF_FLAG_CONTINUE); one the sandbox refuses for want of the
 * path (missing in the sandbox, or a write under a read-only mount) or that the plan's Landlock rules refuse (a
 * path's rights, or a TCP port for connect and bind: OP "connect" or "bind", PATH-ARG the sockaddr) is a JSON line
 * in FILE.
 */
extern int g_audit_fd;
int audit_open(const struct plan *plan, const struct record *r);
void audit_serve(void);
int recv_fd(int sock);

#endif
