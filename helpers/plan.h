/*
 * burrow-helper: the plan, version 1.
 *
 * The plan is the whole interface between burrow's TypeScript side (which
 * decides everything) and this helper (which decides nothing). The writer is
 * src/runtime/plan.ts; this file and that one describe the same format.
 *
 *   plan    := "burrow-plan 1\n" record* "end 0\n" EOF
 *   record  := NAME " " COUNT "\n" field{COUNT}
 *   field   := LENGTH ":" BYTES{LENGTH} "\n"
 *
 * NAME is one of the record names below, COUNT and LENGTH are decimal
 * without leading zeros. Fields are raw bytes (a field holding a NUL byte is
 * refused, since every field ends up a C string). Anything else, a record
 * with the wrong number of fields, a number that does not parse, trailing
 * bytes after "end 0", is refused whole before any step runs.
 *
 * Records (fields in order; "..." is zero or more):
 *
 *   namespaces NAME...            user mount pid uts ipc cgroup net
 *   idmap-exec ARGV...            run after clone, "{pid}" replaced by the child pid
 *   idmap-write FILE CONTENT      write /proc/PID/FILE (uid_map, gid_map, setgroups)
 *   mount-daemon MOUNTPOINT ARGV...
 *                                 a FUSE program (fuse-overlayfs -f) that mounts MOUNTPOINT: the
 *                                 monitor runs it in the child's user namespace and a mount namespace
 *                                 of its own, waits for the mount, hands the mounted tree to the child
 *                                 (open_tree, move_mount onto MOUNTPOINT), and stops the program
 *                                 (SIGTERM) once the container has ended
 *   root PATH                     host path of the new root (before the in-root steps)
 *   mount SRC DST FSTYPE FLAGS DATA
 *                                 DST is a path inside the root, resolved with
 *                                 RESOLVE_IN_ROOT; FLAGS is hex: MS_* bits plus the
 *                                 BP_MOUNT_* bits below
 *   symlink TARGET LINKPATH       LINKPATH inside the root
 *   mask PATH                     hide PATH: /dev/null over a file, an empty
 *                                 read-only tmpfs over a directory; absent: skipped
 *   readonly PATH                 bind PATH onto itself read-only; absent: skipped
 *   pivot-root                    make the root "/", detach the old one
 *   hostname NAME
 *   loopback                      bring up `lo` in the new network namespace
 *   rlimit RESOURCE SOFT HARD     numbers; "inf" for RLIM_INFINITY
 *   tty                           make a pty in the container's devpts and relay it
 *   stdin NULL|INHERIT            what fd 0 is when there is no tty
 *   relay-stdin                   with tty: copy our stdin to the pty (-i)
 *   init                          a minimal reaper runs as PID 1
 *   forward-signals NUM...        signals the monitor passes on to the container
 *   groups GID...
 *   user UID GID
 *   caps BOUNDING PERMITTED EFFECTIVE INHERITABLE AMBIENT   64-bit hex masks
 *   no-new-privs
 *   cwd PATH
 *   env NAME=VALUE...
 *   exec FILE ARGV...             FILE without "/" is searched in the env's PATH
 *   exit-file PATH                the monitor writes "CODE UNIX-TIME\n" there (atomically) when the container ends
 *   on-exit ARGV...               then the monitor runs ARGV (the clean-up after `run --rm`) and waits for it
 *
 * Status (helper -> burrow, on --status-fd N when given), JSON lines, read by
 * src/runtime/status.ts:
 *   {"type":"pid","pid":N}
 *   {"type":"error","step":"mount","syscall":"mount","path":"/x","errno":2,"code":125,"message":"..."}
 *   {"type":"exit","code":N}                      (a signal's death is code 128+N)
 *
 * Errors also print, always, as one "Error: ..." line on stderr (the user's
 * message when burrow has exec'd into the helper and reads no status fd).
 * Exit codes: the command's own, 125 for the helper's errors, 126 when the
 * command is not executable, 127 when it is not found, 128+N when killed by N.
 */
#ifndef BURROW_PLAN_H
#define BURROW_PLAN_H

#include <stddef.h>
#include <stdint.h>

#define PLAN_VERSION 1
#define PLAN_MAX_SIZE (16u << 20)
#define PLAN_MAX_FIELDS 65536

/* Bits above the kernel's MS_* range, understood by the mount step. */
#define BP_MOUNT_MKDIR (1ULL << 40)    /* create DST as a directory (and parents) */
#define BP_MOUNT_MKFILE (1ULL << 41)   /* create DST as an empty file (parents as dirs) */
#define BP_MOUNT_RDONLY (1ULL << 42)   /* bind, then remount read-only keeping locked flags */
#define BP_MOUNT_HOSTDST (1ULL << 43)  /* DST is a host path, not inside the root */
#define BP_MOUNT_OPTIONAL (1ULL << 44) /* skip silently when SRC does not exist */

enum record_kind {
  R_NAMESPACES,
  R_IDMAP_EXEC,
  R_IDMAP_WRITE,
  R_MOUNT_DAEMON,
  R_ROOT,
  R_MOUNT,
  R_SYMLINK,
  R_MASK,
  R_READONLY,
  R_PIVOT_ROOT,
  R_HOSTNAME,
  R_LOOPBACK,
  R_RLIMIT,
  R_TTY,
  R_STDIN,
  R_RELAY_STDIN,
  R_INIT,
  R_FORWARD_SIGNALS,
  R_GROUPS,
  R_USER,
  R_CAPS,
  R_NO_NEW_PRIVS,
  R_CWD,
  R_ENV,
  R_EXEC,
  R_EXIT_FILE,
  R_ON_EXIT,
  R_KIND_COUNT
};

struct record {
  enum record_kind kind;
  size_t nfields;
  char **fields; /* NUL-terminated copies; fields[nfields] == NULL */
};

struct plan {
  struct record *records;
  size_t nrecords;
};

/* Parses buf[0..len); on error returns -1 and writes a message to err. */
int plan_parse(const char *buf, size_t len, struct plan *out, char *err, size_t errlen);
void plan_free(struct plan *plan);
const char *plan_record_name(enum record_kind kind);
/* The first record of a kind, or NULL. */
const struct record *plan_find(const struct plan *plan, enum record_kind kind);
int plan_parse_u64(const char *s, int base, uint64_t *out);

#endif
