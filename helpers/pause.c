/*
 * A pod's infra: the process that holds the pod's namespaces (user, network,
 * ipc, uts, pid) while its containers come and go. The plan's `pause` record
 * makes the container's first process exec a copy of this helper, sealed in
 * a memfd (as runc runs a cloned binary): nothing in the pod can reach the
 * helper's file on the host through /proc/PID/exe, nor write the copy. It is
 * exec'd inside the pod's user namespace, so burrow's own user (that
 * namespace's owner) may still open its /proc/PID/ns files though it is not
 * dumpable; no process of the pod without CAP_SYS_PTRACE may.
 */
#define _GNU_SOURCE
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

int g_pause_fd = -1;

/* Does fd hold our seals (a copy made by sealed_copy)? */
static int is_sealed(int fd) {
  int seals = fcntl(fd, F_GET_SEALS);
  return seals >= 0 && (seals & (F_SEAL_SEAL | F_SEAL_WRITE)) == (F_SEAL_SEAL | F_SEAL_WRITE);
}

/* A copy of /proc/self/exe in a memfd named NAME, sealed against every change; -1 with errno. A kernel that
   refuses exec'able memfds (vm.memfd_noexec=2) gets the file itself. */
static int sealed_copy(const char *name) {
  int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (src < 0)
    return -1;
  struct stat st;
  int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (fd < 0 && errno == EINVAL)
    fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0 || fstat(src, &st) < 0) {
    if (fd >= 0)
      close(fd);
    return src;
  }
  for (off_t done = 0; done < st.st_size;) {
    ssize_t n = sendfile(fd, src, NULL, (size_t)(st.st_size - done));
    if (n <= 0) {
      int e = n < 0 ? errno : EIO;
      close(fd);
      close(src);
      errno = e;
      return -1;
    }
    done += n;
  }
  close(src);
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

int pause_copy(void) { return sealed_copy("burrow-pause"); }

/*
 * CVE-2019-5736: a container that runs this helper as its own program (its
 * command, or a #! interpreter, being /proc/self/exe of the helper's child)
 * reaches the binary through /proc/PID/exe, and could write it (it is the
 * user's own file) once no monitor keeps it busy: the next `burrow run` would
 * then run the container's code on the host. So `run` re-execs itself from a
 * sealed memfd copy first (as runc does), and /proc/self/exe of the monitor
 * and of everything it clones is that copy, which nothing can change. About
 * 0.4 ms per start with the musl build (measured: a 230 KiB copy and one more
 * execve; 1 ms with static glibc's 1.1 MiB). Where the
 * kernel refuses to exec a memfd, it goes on from the file.
 */
void run_from_sealed_copy(char **argv) {
  int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0)
    return;
  int copied = is_sealed(self);
  close(self);
  if (copied) {
    /* Its name in ps (the exec of an fd names it after the fd's number). */
    prctl(PR_SET_NAME, "burrow-helper", 0, 0, 0);
    return;
  }
  int fd = sealed_copy("burrow-helper");
  if (fd < 0)
    return;
  if (is_sealed(fd))
    syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
  close(fd); /* not sealed (no exec'able memfd here) or the exec failed: from the file, as before */
}

/*
 * burrow-helper pause: sleeps until SIGTERM or SIGINT (exit 0; SIGKILL ends
 * it too), reaping whatever the pod's pid namespace leaves it; any other
 * signal (a `pod kill -s HUP` meant for the pod's programs) is let go.
 */
int cmd_pause(void) {
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  prctl(PR_SET_NAME, "burrow-pause", 0, 0, 0);
  sigset_t all;
  sigset_all(&all);
  sig_block(SIG_BLOCK, &all, NULL);
  for (;;) {
    int sig = sig_wait(&all);
    if (sig < 0)
      continue;
    if (sig == SIGCHLD) {
      while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
      continue;
    }
    /* A reload (HUP, USR1) or any other signal sent to the whole pod is not the infra's end. */
    if (sig == SIGTERM || sig == SIGINT)
      return 0;
  }
}
