/*
 * burrow-helper: `attach`, both ends of it.
 *
 * The monitor of a detached container (the plan's `attach` record) listens
 * on a unix socket in the container's directory, as conmon does. Each
 * client gets what the container writes and may send it input, a window
 * size or a signal; when a run of the container ends, each client gets its
 * exit code and is let go. Packets (SOCK_SEQPACKET: one message each, never
 * split or merged), the first byte saying what they carry:
 *
 *   monitor -> client   'o' DATA     the container's stdout (a tty's output too)
 *                       'e' DATA     its stderr
 *                       'x' CODE     it ended with CODE (decimal text); the monitor then closes
 *   client -> monitor   'i' DATA     input: to the pty, or to the stdin pipe (-i without -t)
 *                       'w' ROWS COLS  the client's window size (decimal text), for the pty
 *                       's' SIGNAL   pass SIGNAL (decimal) on to the container (--sig-proxy)
 *                       'd'          its input ended (sent by run -it's own client, --stdin-once): an end
 *                                    of file on the pty, or the stdin pipe closed
 *
 * A client that reads slower than the container writes holds it back, as a
 * terminal does; one that reads nothing for 2 s (stopped, gone) is dropped
 * rather than allowed to stall the monitor, and so the container, for longer.
 *
 * The client side is `burrow-helper attach` (burrow's `attach` execs into
 * it): the terminal in raw mode for a tty, the detach keys watched for in
 * what the user types, SIGWINCH sent on as a window size.
 *
 * The socket's path goes through /proc/self/fd/N of its directory, so a
 * long data directory never hits the 108 bytes of sun_path.
 */
#define _GNU_SOURCE
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#define MAX_CLIENTS ATTACH_MAX_CLIENTS
#define PACKET (16384 + 1)
/* The longest the monitor waits for a client to make room for a packet. */
#define SEND_TIMEOUT 2

static int g_clients[MAX_CLIENTS];
static size_t g_nclients;

/* sockaddr_un for `path` through an O_PATH fd of its directory (*dirfd, to close once bound or connected). */
static int short_address(const char *path, struct sockaddr_un *sa, int *dirfd) {
  char copy[4096], copy2[4096];
  if (strlen(path) >= sizeof(copy)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  strcpy(copy, path);
  strcpy(copy2, path);
  const char *dir = dirname(copy), *base = basename(copy2);
  *dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (*dirfd < 0)
    return -1;
  memset(sa, 0, sizeof(*sa));
  sa->sun_family = AF_UNIX;
  if ((size_t)snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", *dirfd, base) >= sizeof(sa->sun_path)) {
    close(*dirfd);
    errno = ENAMETOOLONG;
    return -1;
  }
  return 0;
}

int attach_listen(const char *path) {
  struct sockaddr_un sa;
  int dirfd;
  if (short_address(path, &sa, &dirfd) < 0)
    return -1;
  unlink(path); /* a socket left by a monitor killed before */
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  mode_t old = umask(0077); /* the socket is the user's alone: 0600 */
  int rc = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&sa, sizeof(sa));
  umask(old);
  int e = errno;
  close(dirfd);
  if (rc < 0 || listen(fd, MAX_CLIENTS) < 0) {
    e = rc < 0 ? e : errno;
    if (fd >= 0)
      close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

static void drop(size_t i) {
  close(g_clients[i]);
  g_clients[i] = g_clients[--g_nclients];
}

/* One packet: `kind`, then up to PACKET - 1 bytes of `buf`; -1 with errno. */
static int send_packet(int sock, char kind, const char *buf, size_t n) {
  char packet[PACKET];
  if (n > PACKET - 1)
    n = PACKET - 1;
  packet[0] = kind;
  memcpy(packet + 1, buf, n);
  ssize_t r;
  while ((r = send(sock, packet, n + 1, MSG_NOSIGNAL)) < 0 && errno == EINTR)
    ;
  return r < 0 ? -1 : 0;
}

static void send_to(size_t i, char kind, const char *buf, size_t n) {
  if (send_packet(g_clients[i], kind, buf, n) < 0)
    drop(i); /* gone, or nothing read for SEND_TIMEOUT */
}

void attach_broadcast(const char *stream, const char *buf, size_t n) {
  char kind = strcmp(stream, "stderr") == 0 ? 'e' : 'o';
  while (n > 0) {
    size_t chunk = n > PACKET - 1 ? PACKET - 1 : n;
    for (size_t i = g_nclients; i-- > 0;)
      send_to(i, kind, buf, chunk);
    buf += chunk;
    n -= chunk;
  }
}

void attach_finish(int code) {
  char text[16];
  int len = snprintf(text, sizeof(text), "%d", code);
  for (size_t i = g_nclients; i-- > 0;) {
    send_to(i, 'x', text, (size_t)len);
    if (i < g_nclients)
      drop(i);
  }
}

/* The first client's window size (`hold` with a tty), until the pty exists. */
static struct winsize g_first_ws;

static void add_client(int c) {
  struct timeval tv = {.tv_sec = SEND_TIMEOUT};
  if (g_nclients == MAX_CLIENTS || setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
    close(c);
  else
    g_clients[g_nclients++] = c;
}

void attach_wait_first(int lfd, int tty) {
  struct pollfd p = {.fd = lfd, .events = POLLIN};
  if (poll(&p, 1, 60000) <= 0)
    return; /* nobody came: it runs detached, its output in the log */
  int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
  if (c < 0)
    return;
  add_client(c);
  if (!tty)
    return;
  /* A client on a terminal sends its size first; one that is not on one sends none (wait briefly). */
  struct pollfd q = {.fd = c, .events = POLLIN};
  char buf[64];
  if (poll(&q, 1, 200) <= 0 || recv(c, buf, sizeof(buf) - 1, MSG_PEEK) < 1 || buf[0] != 'w')
    return;
  ssize_t r = recv(c, buf, sizeof(buf) - 1, 0);
  if (r < 2)
    return;
  buf[r] = '\0';
  unsigned rows, cols;
  if (sscanf(buf + 1, "%u %u", &rows, &cols) == 2 && rows > 0 && cols > 0 && rows < 65536 && cols < 65536)
    g_first_ws = (struct winsize){.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
}

void attach_first_winsize(int master) {
  if (g_first_ws.ws_row > 0)
    ioctl(master, TIOCSWINSZ, &g_first_ws);
}

size_t attach_fill(int lfd, struct pollfd *pfd) {
  size_t n = 0;
  if (lfd >= 0)
    pfd[n++] = (struct pollfd){.fd = lfd, .events = POLLIN};
  for (size_t i = 0; i < g_nclients; i++)
    pfd[n++] = (struct pollfd){.fd = g_clients[i], .events = POLLIN};
  return n;
}

/* One packet from client `i`: input, a window size or a signal. 0, or the signal to pass on. */
static int client_packet(size_t i, struct attach_target *t) {
  char buf[PACKET + 1];
  ssize_t r = recv(g_clients[i], buf, PACKET, MSG_DONTWAIT);
  if (r < 0 && (errno == EINTR || errno == EAGAIN))
    return 0;
  if (r <= 0) {
    drop(i);
    return 0;
  }
  buf[r] = '\0';
  if (buf[0] == 'i' && t->input >= 0 && r > 1) {
    /* Never blocking the monitor on a container that does not read: what does not fit is lost. */
    if (write(t->input, buf + 1, (size_t)r - 1) < 0) {
      /* EAGAIN, or its stdin closed */
    }
  } else if (buf[0] == 'w' && t->master >= 0) {
    unsigned rows, cols;
    if (sscanf(buf + 1, "%u %u", &rows, &cols) == 2 && rows > 0 && cols > 0 && rows < 65536 && cols < 65536) {
      struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
      ioctl(t->master, TIOCSWINSZ, &ws); /* the kernel signals the container's foreground group */
    }
  } else if (buf[0] == 's') {
    int sig = atoi(buf + 1);
    if (sig > 0 && sig < 65)
      return sig;
  } else if (buf[0] == 'd') {
    /* The input of the terminal that started it ended (run -it < file): the container reads an end of
       file, as from its own terminal, or its stdin pipe is closed. The EOF key goes in raw mode too: a
       shell's own line editor (busybox ash, bash's readline) reads it as the end of its input. */
    struct termios tio;
    if (t->master >= 0 && tcgetattr(t->master, &tio) == 0 && tio.c_cc[VEOF] != _POSIX_VDISABLE) {
      char eof = (char)tio.c_cc[VEOF];
      if (write(t->master, &eof, 1) < 0) {
        /* the pty is gone: the container ended */
      }
    } else if (t->master < 0) {
      t->input_ended = 1;
    }
  }
  return 0;
}

int attach_ready(int lfd, const struct pollfd *pfd, size_t n, struct attach_target *t) {
  int sig = 0;
  size_t clients = g_nclients; /* the fds polled: the first `clients` entries after the listener */
  size_t base = lfd >= 0 ? 1 : 0;
  /* Back to front, so that dropping one (the last moved into its place) skips none of those polled. */
  for (size_t i = clients; i-- > 0;) {
    if (base + i >= n || i >= g_nclients || pfd[base + i].fd != g_clients[i])
      continue;
    if (pfd[base + i].revents & (POLLIN | POLLHUP | POLLERR)) {
      int s = client_packet(i, t);
      if (s)
        sig = s;
    }
  }
  if (lfd >= 0 && (pfd[0].revents & POLLIN)) {
    int c;
    while ((c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
      add_client(c);
  }
  return sig;
}

/* ---- the client: burrow-helper attach ---- */

static void send_winsize(int sock) {
  struct winsize ws;
  if (ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0) {
    char text[32];
    int len = snprintf(text, sizeof(text), "%u %u", ws.ws_row, ws.ws_col);
    send_packet(sock, 'w', text, (size_t)len);
  }
}

static int hexval(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int attach_fail(const char *fmt, const char *arg) {
  restore_terminal();
  fprintf(stderr, "Error: ");
  fprintf(stderr, fmt, arg);
  fputc('\n', stderr);
  return EXIT_HELPER;
}

/*
 * burrow-helper attach SOCKET [--stdin] [--stdin-once] [--tty] [--sig-proxy] [--detach-keys HEX]
 * Exits with the container's code, 0 when the user detached, 125 for an error.
 */
int cmd_attach(int argc, char **argv) {
  const char *path = NULL;
  int forward_stdin = 0, tty = 0, sig_proxy = 0, stdin_once = 0;
  unsigned char keys[64];
  size_t nkeys = 0;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--stdin")) {
      forward_stdin = 1;
    } else if (!strcmp(argv[i], "--tty")) {
      tty = 1;
    } else if (!strcmp(argv[i], "--sig-proxy")) {
      sig_proxy = 1;
    } else if (!strcmp(argv[i], "--stdin-once")) {
      stdin_once = 1;
    } else if (!strcmp(argv[i], "--detach-keys") && i + 1 < argc) {
      const char *hex = argv[++i];
      size_t len = strlen(hex);
      if (len % 2 || len / 2 > sizeof(keys))
        return attach_fail("attach: bad --detach-keys `%s`", hex);
      for (size_t k = 0; k < len; k += 2) {
        int hi = hexval(hex[k]), lo = hexval(hex[k + 1]);
        if (hi < 0 || lo < 0)
          return attach_fail("attach: bad --detach-keys `%s`", hex);
        keys[nkeys++] = (unsigned char)(hi * 16 + lo);
      }
    } else if (!path && argv[i][0] != '-') {
      path = argv[i];
    } else {
      return attach_fail("attach: unexpected argument `%s`", argv[i]);
    }
  }
  if (!path)
    return attach_fail("attach: no socket%s", "");

  struct sockaddr_un sa;
  int dirfd;
  int sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (sock < 0 || short_address(path, &sa, &dirfd) < 0)
    return attach_fail("attach: the container's attach socket: %s", errno_text(errno));
  int rc;
  while ((rc = connect(sock, (struct sockaddr *)&sa, sizeof(sa))) < 0 && errno == EINTR)
    ;
  int e = errno;
  close(dirfd);
  if (rc < 0)
    return attach_fail(e == ECONNREFUSED || e == ENOENT ? "attach: the container is not running (%s)" : "attach: connect to the container: %s", errno_text(e));

  signal(SIGPIPE, SIG_IGN);
  sigset_t watched;
  sigemptyset(&watched);
  sigaddset(&watched, SIGWINCH);
  int proxied[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
  if (sig_proxy)
    for (size_t i = 0; i < sizeof(proxied) / sizeof(proxied[0]); i++)
      sigaddset(&watched, proxied[i]);
  sigprocmask(SIG_BLOCK, &watched, NULL);
  int sfd = signalfd(-1, &watched, SFD_CLOEXEC | SFD_NONBLOCK);

  if (tty && isatty(0)) {
    raw_terminal();
    send_winsize(sock);
  }

  int stdin_open = forward_stdin;
  size_t matched = 0; /* how many of the detach keys were typed last */
  int code = -1;
  char buf[PACKET + 1];
  for (;;) {
    struct pollfd pfd[3] = {{.fd = sock, .events = POLLIN}, {.fd = sfd, .events = POLLIN}, {.fd = stdin_open ? 0 : -1, .events = POLLIN}};
    if (poll(pfd, 3, -1) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t r = recv(sock, buf, PACKET, 0);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        break;
      if (buf[0] == 'o' && r > 1)
        write_all(1, buf + 1, (size_t)r - 1);
      else if (buf[0] == 'e' && r > 1)
        write_all(2, buf + 1, (size_t)r - 1);
      else if (buf[0] == 'x') {
        buf[r] = '\0';
        code = atoi(buf + 1);
        break;
      }
    }
    if (pfd[1].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
        if (si.ssi_signo == SIGWINCH) {
          if (tty)
            send_winsize(sock);
        } else {
          char text[8];
          int len = snprintf(text, sizeof(text), "%u", si.ssi_signo);
          send_packet(sock, 's', text, (size_t)len);
        }
      }
    }
    if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR)) {
      unsigned char in[4096];
      ssize_t r = read(0, in, sizeof(in));
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0) {
        /* The container's input stays open for others who attach, unless this client started it (run -i). */
        stdin_open = 0;
        if (stdin_once)
          send_packet(sock, 'd', "", 0);
        continue;
      }
      /* The detach keys, typed in a row, are not passed on; a partial match is once the next key differs. */
      char out[sizeof(in) + sizeof(keys)];
      size_t nout = 0;
      for (ssize_t k = 0; k < r; k++) {
        if (nkeys > 0 && in[k] == keys[matched]) {
          if (++matched == nkeys) {
            restore_terminal();
            return 0;
          }
          continue;
        }
        memcpy(out + nout, keys, matched);
        nout += matched;
        matched = 0;
        if (nkeys > 0 && in[k] == keys[0]) {
          matched = 1;
          if (nkeys == 1) {
            restore_terminal();
            return 0;
          }
          continue;
        }
        out[nout++] = (char)in[k];
      }
      if (nout > 0)
        send_packet(sock, 'i', out, nout);
    }
  }
  restore_terminal();
  if (code < 0) {
    fprintf(stderr, "Error: attach: the container's monitor ended without its exit code\n");
    return EXIT_HELPER;
  }
  return code;
}
