/*
 * burrow-helper: the `copy-up` step. A new volume mounted where the image has
 * files starts with a copy of them, as podman's volumes do: the child, root
 * in the container's user namespace and with the root filesystem mounted,
 * copies the tree at a path inside the root into the volume's host
 * directory before the volume is mounted over that path.
 *
 * Everything is reached through directory fds (openat with O_NOFOLLOW, the
 * source path resolved with RESOLVE_IN_ROOT by the caller): no symlink of the
 * image leads the copy out of either tree. Owners, modes and times are kept;
 * symlinks are copied as links, fifos made again; device nodes and sockets
 * are left out (a user namespace cannot make devices), and so is what another
 * filesystem mounted in the tree holds (/proc, /sys, /dev, a tmpfs: cp -x),
 * so a volume path that leads to the root copies the image and no more.
 * Hard links become separate files.
 */
#define _GNU_SOURCE
#include "helper.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Deeper than any real image tree; a bound on the fds held open at once. */
#define MAX_DEPTH 128

/*
 * Owner, mode and times of `st` onto what `fd` is open on (a file or directory
 * this copy made: no name is looked up again, so nothing swapped in under that
 * name meanwhile is touched); best effort.
 */
static void keep_meta_fd(int fd, const struct stat *st) {
  if (fchown(fd, st->st_uid, st->st_gid) < 0) {
    /* an owner the namespace does not map (shown as the overflow id): the copy keeps ours */
  }
  /* The mode after the owner: a chown clears the set-id bits. */
  if (fchmod(fd, st->st_mode & 07777) < 0) {
    /* a mode this filesystem refuses: the copy keeps its own */
  }
  struct timespec times[2] = {st->st_atim, st->st_mtim};
  if (futimens(fd, times) < 0) {
    /* the copy keeps the time it was made */
  }
}

/* The same for a link or fifo by its name, never following it (a mode cannot be set without following: fifos get theirs at mkfifoat). */
static void keep_meta_name(int dir, const char *name, const struct stat *st) {
  if (fchownat(dir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0) {
    /* an owner the namespace does not map: the copy keeps ours */
  }
  struct timespec times[2] = {st->st_atim, st->st_mtim};
  if (utimensat(dir, name, times, AT_SYMLINK_NOFOLLOW) < 0) {
    /* the copy keeps the time it was made */
  }
}

static int copy_file(int src, int dst, const char *name, const struct stat *st) {
  int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0)
    return -1;
  int out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0) {
    close(in);
    return -1;
  }
  int rc = 0;
  for (;;) {
    ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
    if (n == 0)
      break;
    if (n > 0)
      continue;
    if (errno == EINTR)
      continue;
    if (errno != EXDEV && errno != ENOSYS && errno != EOPNOTSUPP && errno != EINVAL) {
      rc = -1;
      break;
    }
    /* No copy_file_range between these filesystems: read and write. */
    char buf[65536];
    ssize_t r;
    while ((r = read(in, buf, sizeof(buf))) > 0 || (r < 0 && errno == EINTR))
      if (r > 0 && write_all(out, buf, (size_t)r) < 0) {
        rc = -1;
        break;
      }
    if (r < 0)
      rc = -1;
    break;
  }
  if (rc == 0)
    keep_meta_fd(out, st);
  int e = errno;
  close(in);
  close(out);
  errno = e;
  return rc;
}

/* A stream of the entries of directory fd `fd` (a dup of it: `fd` stays open); NULL with errno. */
static DIR *dir_stream(int fd) {
  int copy = dup(fd);
  DIR *d = copy < 0 ? NULL : fdopendir(copy);
  if (!d && copy >= 0) {
    int e = errno;
    close(copy);
    errno = e;
  }
  return d;
}

/* Copies every entry of directory `src` into directory `dst`; -1 with errno and the failing name in `where`. */
static int copy_dir(int src, int dst, dev_t dev, int depth, char *where, size_t len) {
  if (depth > MAX_DEPTH) {
    errno = ELOOP;
    return -1;
  }
  DIR *d = dir_stream(src);
  if (!d)
    return -1;
  int rc = 0;
  struct dirent *e;
  while (rc == 0 && (errno = 0, e = readdir(d)) != NULL) {
    const char *name = e->d_name;
    if (!strcmp(name, ".") || !strcmp(name, ".."))
      continue;
    snprintf(where, len, "%s", name);
    struct stat st;
    if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
      rc = -1;
      break;
    }
    if (S_ISDIR(st.st_mode)) {
      /* Another filesystem mounted here (/proc, /sys, /dev, a tmpfs): not the image's files (cp -x). */
      if (st.st_dev != dev)
        continue;
      if (mkdirat(dst, name, 0700) < 0) {
        rc = -1;
        break;
      }
      int s = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      int t = s < 0 ? -1 : openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (s < 0 || t < 0) {
        int err = errno;
        if (s >= 0)
          close(s);
        errno = err;
        rc = -1;
        break;
      }
      size_t used = strlen(where);
      if (used + 1 < len) {
        where[used] = '/';
        rc = copy_dir(s, t, dev, depth + 1, where + used + 1, len - used - 1);
      } else {
        rc = copy_dir(s, t, dev, depth + 1, where + used, len - used);
      }
      if (rc == 0)
        keep_meta_fd(t, &st);
      close(s);
      close(t);
    } else if (S_ISREG(st.st_mode)) {
      rc = copy_file(src, dst, name, &st);
    } else if (S_ISLNK(st.st_mode)) {
      char target[PATH_MAX];
      ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);
      if (n >= 0)
        target[n] = '\0';
      if (n < 0 || symlinkat(target, dst, name) < 0)
        rc = -1;
      else
        keep_meta_name(dst, name, &st);
    } else if (S_ISFIFO(st.st_mode)) {
      if (mkfifoat(dst, name, st.st_mode & 0777) < 0)
        rc = -1;
      else
        keep_meta_name(dst, name, &st);
    }
    /* devices and sockets: left out */
  }
  if (rc == 0 && errno != 0)
    rc = -1;
  int err = errno;
  closedir(d);
  errno = err;
  return rc;
}

int copy_up(int src, int dst, char *where, size_t len) {
  where[0] = '\0';
  /* Only into an empty volume: what a container already wrote there stays as it is. */
  DIR *d = dir_stream(dst);
  if (!d)
    return -1;
  struct dirent *e;
  int empty = 1;
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
      empty = 0;
  closedir(d);
  if (!empty)
    return 0;
  struct stat st;
  if (fstat(src, &st) < 0 || copy_dir(src, dst, st.st_dev, 0, where, len) < 0)
    return -1;
  /* The volume takes the owner, mode and times of the image's directory too, as podman's does. */
  keep_meta_fd(dst, &st);
  return 0;
}
