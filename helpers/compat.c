/*
 * burrow-helper: what must behave the same whichever C library the helper is
 * built with (musl where it is installed, for its start-up: scripts/build.mjs;
 * glibc otherwise), written here rather than taken from either:
 *
 * - errno_text: an errno's text in glibc's words (musl's differ for some:
 *   "Symbolic link loop", "Resource busy"). bwrap's messages, which scripts
 *   and tests compare, and the helper's own read the same on every build.
 * - exec_search: glibc's execvpe (musl's runs no #!-less script with /bin/sh,
 *   and searches another PATH when there is none).
 * - sigset_add, sigset_all, sig_block, sig_wait: signal sets by the kernel's
 *   numbers, 32 to 34 included (each library refuses, or quietly drops, the
 *   ones it keeps for itself: glibc 32 and 33, musl 32 to 34; a container's
 *   program may use them all, and an unblocked real-time signal kills).
 */
#define _GNU_SOURCE
#include "helper.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *const texts[] = {
    [EPERM] = "Operation not permitted",
    [ENOENT] = "No such file or directory",
    [ESRCH] = "No such process",
    [EINTR] = "Interrupted system call",
    [EIO] = "Input/output error",
    [ENXIO] = "No such device or address",
    [E2BIG] = "Argument list too long",
    [ENOEXEC] = "Exec format error",
    [EBADF] = "Bad file descriptor",
    [ECHILD] = "No child processes",
    [EAGAIN] = "Resource temporarily unavailable",
    [ENOMEM] = "Cannot allocate memory",
    [EACCES] = "Permission denied",
    [EFAULT] = "Bad address",
    [ENOTBLK] = "Block device required",
    [EBUSY] = "Device or resource busy",
    [EEXIST] = "File exists",
    [EXDEV] = "Invalid cross-device link",
    [ENODEV] = "No such device",
    [ENOTDIR] = "Not a directory",
    [EISDIR] = "Is a directory",
    [EINVAL] = "Invalid argument",
    [ENFILE] = "Too many open files in system",
    [EMFILE] = "Too many open files",
    [ENOTTY] = "Inappropriate ioctl for device",
    [ETXTBSY] = "Text file busy",
    [EFBIG] = "File too large",
    [ENOSPC] = "No space left on device",
    [ESPIPE] = "Illegal seek",
    [EROFS] = "Read-only file system",
    [EMLINK] = "Too many links",
    [EPIPE] = "Broken pipe",
    [EDOM] = "Numerical argument out of domain",
    [ERANGE] = "Numerical result out of range",
    [EDEADLOCK] = "Resource deadlock avoided",
    [ENAMETOOLONG] = "File name too long",
    [ENOLCK] = "No locks available",
    [ENOSYS] = "Function not implemented",
    [ENOTEMPTY] = "Directory not empty",
    [ELOOP] = "Too many levels of symbolic links",
    [ENOMSG] = "No message of desired type",
    [EIDRM] = "Identifier removed",
    [ECHRNG] = "Channel number out of range",
    [EL2NSYNC] = "Level 2 not synchronized",
    [EL3HLT] = "Level 3 halted",
    [EL3RST] = "Level 3 reset",
    [ELNRNG] = "Link number out of range",
    [EUNATCH] = "Protocol driver not attached",
    [ENOCSI] = "No CSI structure available",
    [EL2HLT] = "Level 2 halted",
    [EBADE] = "Invalid exchange",
    [EBADR] = "Invalid request descriptor",
    [EXFULL] = "Exchange full",
    [ENOANO] = "No anode",
    [EBADRQC] = "Invalid request code",
    [EBADSLT] = "Invalid slot",
    [EBFONT] = "Bad font file format",
    [ENOSTR] = "Device not a stream",
    [ENODATA] = "No data available",
    [ETIME] = "Timer expired",
    [ENOSR] = "Out of streams resources",
    [ENONET] = "Machine is not on the network",
    [ENOPKG] = "Package not installed",
    [EREMOTE] = "Object is remote",
    [ENOLINK] = "Link has been severed",
    [EADV] = "Advertise error",
    [ESRMNT] = "Srmount error",
    [ECOMM] = "Communication error on send",
    [EPROTO] = "Protocol error",
    [EMULTIHOP] = "Multihop attempted",
    [EDOTDOT] = "RFS specific error",
    [EBADMSG] = "Bad message",
    [EOVERFLOW] = "Value too large for defined data type",
    [ENOTUNIQ] = "Name not unique on network",
    [EBADFD] = "File descriptor in bad state",
    [EREMCHG] = "Remote address changed",
    [ELIBACC] = "Can not access a needed shared library",
    [ELIBBAD] = "Accessing a corrupted shared library",
    [ELIBSCN] = ".lib section in a.out corrupted",
    [ELIBMAX] = "Attempting to link in too many shared libraries",
    [ELIBEXEC] = "Cannot exec a shared library directly",
    [EILSEQ] = "Invalid or incomplete multibyte or wide character",
    [ERESTART] = "Interrupted system call should be restarted",
    [ESTRPIPE] = "Streams pipe error",
    [EUSERS] = "Too many users",
    [ENOTSOCK] = "Socket operation on non-socket",
    [EDESTADDRREQ] = "Destination address required",
    [EMSGSIZE] = "Message too long",
    [EPROTOTYPE] = "Protocol wrong type for socket",
    [ENOPROTOOPT] = "Protocol not available",
    [EPROTONOSUPPORT] = "Protocol not supported",
    [ESOCKTNOSUPPORT] = "Socket type not supported",
    [ENOTSUP] = "Operation not supported",
    [EPFNOSUPPORT] = "Protocol family not supported",
    [EAFNOSUPPORT] = "Address family not supported by protocol",
    [EADDRINUSE] = "Address already in use",
    [EADDRNOTAVAIL] = "Cannot assign requested address",
    [ENETDOWN] = "Network is down",
    [ENETUNREACH] = "Network is unreachable",
    [ENETRESET] = "Network dropped connection on reset",
    [ECONNABORTED] = "Software caused connection abort",
    [ECONNRESET] = "Connection reset by peer",
    [ENOBUFS] = "No buffer space available",
    [EISCONN] = "Transport endpoint is already connected",
    [ENOTCONN] = "Transport endpoint is not connected",
    [ESHUTDOWN] = "Cannot send after transport endpoint shutdown",
    [ETOOMANYREFS] = "Too many references: cannot splice",
    [ETIMEDOUT] = "Connection timed out",
    [ECONNREFUSED] = "Connection refused",
    [EHOSTDOWN] = "Host is down",
    [EHOSTUNREACH] = "No route to host",
    [EALREADY] = "Operation already in progress",
    [EINPROGRESS] = "Operation now in progress",
    [ESTALE] = "Stale file handle",
    [EUCLEAN] = "Structure needs cleaning",
    [ENOTNAM] = "Not a XENIX named type file",
    [ENAVAIL] = "No XENIX semaphores available",
    [EISNAM] = "Is a named type file",
    [EREMOTEIO] = "Remote I/O error",
    [EDQUOT] = "Disk quota exceeded",
    [ENOMEDIUM] = "No medium found",
    [EMEDIUMTYPE] = "Wrong medium type",
    [ECANCELED] = "Operation canceled",
    [ENOKEY] = "Required key not available",
    [EKEYEXPIRED] = "Key has expired",
    [EKEYREVOKED] = "Key has been revoked",
    [EKEYREJECTED] = "Key was rejected by service",
    [EOWNERDEAD] = "Owner died",
    [ENOTRECOVERABLE] = "State not recoverable",
    [ERFKILL] = "Operation not possible due to RF-kill",
    [EHWPOISON] = "Memory page has hardware error",
};

const char *errno_text(int e) {
  static char unknown[32];
  if (e > 0 && (size_t)e < sizeof(texts) / sizeof(texts[0]) && texts[e])
    return texts[e];
  snprintf(unknown, sizeof(unknown), "Unknown error %d", e);
  return unknown;
}

/* execve of FILE with /bin/sh, as glibc does for a file the kernel does not know how to run (ENOEXEC). */
static void exec_script(const char *file, char *const argv[], char *const envp[]) {
  size_t argc = 0;
  while (argv[argc])
    argc++;
  char **with = calloc(argc + 2, sizeof(char *));
  if (!with) {
    errno = ENOMEM;
    return;
  }
  with[0] = (char *)"/bin/sh";
  with[1] = (char *)file;
  for (size_t i = 1; i < argc; i++)
    with[i + 1] = argv[i];
  execve("/bin/sh", with, envp);
  int e = errno;
  free(with);
  errno = e;
}

int exec_search(const char *file, char *const argv[], char *const envp[], const char *path) {
  if (!*file) {
    errno = ENOENT;
    return -1;
  }
  if (strchr(file, '/')) {
    execve(file, argv, envp);
    if (errno == ENOEXEC)
      exec_script(file, argv, envp);
    return -1;
  }
  if (!path)
    path = "/bin:/usr/bin";
  size_t flen = strlen(file);
  if (flen > NAME_MAX) {
    errno = ENAMETOOLONG;
    return -1;
  }
  int denied = 0;
  char candidate[PATH_MAX];
  for (const char *p = path;;) {
    const char *end = strchrnul(p, ':');
    size_t dlen = (size_t)(end - p);
    /* An empty entry is the current directory. */
    if (dlen + 1 + flen < sizeof(candidate)) {
      if (dlen == 0)
        memcpy(candidate, file, flen + 1);
      else {
        memcpy(candidate, p, dlen);
        candidate[dlen] = '/';
        memcpy(candidate + dlen + 1, file, flen + 1);
      }
      execve(candidate, argv, envp);
      if (errno == ENOEXEC)
        exec_script(candidate, argv, envp);
      switch (errno) {
      case EACCES:
        denied = 1;
        break;
      case ENOENT:
      case ESTALE:
      case ENOTDIR:
      case ENODEV:
      case ETIMEDOUT:
        break;
      default:
        return -1;
      }
    }
    if (*end == '\0')
      break;
    p = end + 1;
  }
  if (denied)
    errno = EACCES;
  return -1;
}

int sigset_add(sigset_t *set, int sig) {
  if (sig < 1 || sig > 64) {
    errno = EINVAL;
    return -1;
  }
  /* Both libraries keep the kernel's mask in the set's first 64 bits, signal n at bit n-1. */
  uint64_t mask;
  memcpy(&mask, set, sizeof(mask));
  mask |= 1ULL << (sig - 1);
  memcpy(set, &mask, sizeof(mask));
  return 0;
}

void sigset_all(sigset_t *set) {
  sigemptyset(set);
  for (int s = 1; s <= 64; s++)
    if (s != SIGKILL && s != SIGSTOP)
      sigset_add(set, s);
}

/* The kernel's sigset: 64 bits. */
#define KERNEL_SIGSET_SIZE 8

int sig_block(int how, const sigset_t *set, sigset_t *old) { return (int)syscall(SYS_rt_sigprocmask, how, set, old, KERNEL_SIGSET_SIZE); }

int sig_wait(const sigset_t *set) { return (int)syscall(SYS_rt_sigtimedwait, set, NULL, NULL, KERNEL_SIGSET_SIZE); }
