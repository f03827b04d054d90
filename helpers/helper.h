/* burrow-helper: what the monitor (helper.c) and the container setup (setup.c) share. */
#ifndef BURROW_HELPER_H
#define BURROW_HELPER_H

#include "plan.h"

#include <stdint.h>
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
};

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

/* Runs in the cloned child: every in-container step, then execve. Never returns. */
void child_main(const struct plan *plan, const struct child_fds *fds) __attribute__((noreturn));

/* The memory of argv, so PID 1 with --init can show its own name instead of the helper's command line. */
extern char *g_argv_area;
extern size_t g_argv_area_len;

/* Sends an fd over a unix socket / receives one. */
int send_fd(int sock, int fd);
int recv_fd(int sock);

#endif
