/*
 * burrow-helper slirp-api SOCKET REQUEST...: a client of slirp4netns's API
 * socket (--api-socket), which burrow runs as a `ready` process right after
 * slirp4netns itself: each REQUEST (a JSON object burrow made, such as
 * {"execute":"add_hostfwd","arguments":{...}}) is sent on a connection of
 * its own, and its reply read to its end. A reply holding "error" fails the
 * start (exit 1, the reply on stderr); once every port is added, a byte on
 * fd 3 tells the monitor the container may go on.
 */
#define _GNU_SOURCE
#include "helper.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int request(const char *path, const char *json) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof(addr.sun_path)) {
    fprintf(stderr, "Error: slirp4netns's API socket path `%s` is too long\n", path);
    return -1;
  }
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
    fprintf(stderr, "Error: connect to slirp4netns's API socket `%s`: %s\n", path, errno_text(errno));
    if (fd >= 0)
      close(fd);
    return -1;
  }
  if (write_all(fd, json, strlen(json)) < 0 || shutdown(fd, SHUT_WR) < 0) {
    fprintf(stderr, "Error: write to slirp4netns's API socket: %s\n", errno_text(errno));
    close(fd);
    return -1;
  }
  char reply[4096];
  size_t got = 0;
  for (;;) {
    ssize_t n = read(fd, reply + got, sizeof(reply) - 1 - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    got += (size_t)n;
    if (got == sizeof(reply) - 1)
      break;
  }
  close(fd);
  reply[got] = '\0';
  if (got == 0 || strstr(reply, "\"error\"")) {
    fprintf(stderr, "Error: slirp4netns refused `%s`: %s\n", json, got ? reply : "no reply");
    return -1;
  }
  return 0;
}

int cmd_slirp_api(int argc, char **argv) {
  if (argc < 1) {
    fprintf(stderr, "Error: usage: burrow-helper slirp-api SOCKET REQUEST...\n");
    return EXIT_HELPER;
  }
  for (int i = 1; i < argc; i++)
    if (request(argv[0], argv[i]) < 0)
      return 1;
  if (write(3, "1", 1) < 0 && errno != EBADF)
    return 1;
  return 0;
}
