/*
 * burrow-helper: the plan, version 14 (6: the `share` record, the `ready` process mode; 7: `pause`; 8: `session-keyring`, `new-session`, `sysctl`, `domainname`, seccomp's FLAGS and place; 9: `nested-userns`; 10: burrow sandbox's `bwrap`, `info-fd`, `json-status-fd`, `die-with-parent`, `inherit-fds`, `sandbox-root`, `lock-file`, `disable-userns`, `assert-userns-disabled`, `cwd-try`, several `seccomp`, mkdir's and write-fd's `host`, readonly's `writable`, `landlock`, `landlock-path`, `landlock-port`, `landlock-restrict`, `fallback`, `audit`, seccomp's NEW_LISTENER flag; 11: `userns2`; 12: `selinux-label`; 13: `cleanup`; 14: `mount-from`, `umask`, `pid-file`).
 *
 * The plan is the whole interface between burrow's TypeScript side (which
 * decides everything) and this helper (which decides nothing). The writer is
 * src/system/plan.ts; this file and that one describe the same format.
 *
 *   plan    := "burrow-plan 10\n" record* "end 0\n" EOF
 *   record  := NAME " " COUNT "\n" field{COUNT}
 *   field   := LENGTH ":" BYTES{LENGTH} "\n"
 *
 * NAME is one of the record names below, COUNT and LENGTH are decimal
 * without leading zeros. Fields are raw bytes (a field holding a NUL byte is
 * refused, since every field ends up a C string). Anything else, a record
 * with the wrong number of fields, a number that does not parse, trailing
 * bytes after "end 0", is refused whole before any step runs.
 *
 * Records (fields in order; "..." is zero or more). The names, field counts,
 * mount bits, namespace names and exit codes come from one source,
 * src/system/plan-constants.ts, which the build turns into
 * build/plan-constants.h (included below); src/system/plan.ts documents the
 * same records beside its types.
 *
 * The monitor's records (read wherever they are):
 *
 *   namespaces NAME...            user mount pid uts ipc cgroup net
 *   join PID NAME...              instead of `namespaces`: enter the namespaces NAME... of the running
 *                                 process PID (a container's), user first (setns on a pidfd), before
 *                                 the clone; the child then runs its steps there (exec into a container).
 *                                 Not with namespaces, root, pivot-root, process, idmap-write, nested-userns,
 *                                 exit-file, event, restart, health, on-exit, cleanup (the monitor's paths would be the
 *                                 container's). A container in a nested user namespace (nested-userns) is
 *                                 entered through the user namespace that owns its mount namespace (no one may
 *                                 enter those from below), its own last
 *   share NAME PATH               the child shares the namespace NAME (net, ipc, uts, pid, cgroup) at PATH (another
 *                                 container's /proc/PID/ns/NAME, or a namespace file): a launcher forked by
 *                                 the monitor enters the user namespace that owns the first one, then each,
 *                                 and clones the child (CLONE_PARENT: still the monitor's child); NAME user
 *                                 (first, if at all): that user namespace itself, the child's others new in it
 *                                 (a user network's container); the monitor
 *                                 stays where it is. Not with join or idmap-write (the ids are mapped already),
 *                                 nor with `namespaces` naming user or a shared NAME, except pid: a new pid
 *                                 namespace inside the shared one (bwrap's --pidns with --unshare-pid), which a
 *                                 second launcher born in the shared one makes (the kernel makes one only below
 *                                 the caller's own), passing the child to the monitor as a pidfd
 *   process MODE TIMEOUT MOUNTPOINT ARGV...
 *                                 a program the monitor starts once the child exists ("{pid}" in ARGV is
 *                                 replaced by the child's pid; "{netns}" and "{userns}" by /proc/self/fd/4
 *                                 and /proc/self/fd/5, the child's network and user namespaces passed as
 *                                 those fds: with `share`, the launcher's own, sent back to the monitor, so
 *                                 that a child in another's pid namespace is never dumpable) and keeps until
 *                                 the container ends:
 *                                   wait   it must exit 0 before the child's steps start (newuidmap,
 *                                          newgidmap); killed after TIMEOUT ms (0: no limit)
 *                                   keep   it runs beside the container (pasta, slirp4netns) and gets
 *                                          SIGTERM when the container ends, SIGKILL TIMEOUT ms later
 *                                   ready  as keep, with a pipe's write end as its fd 3: the first starts after
 *                                          the wait ones ended (the ids are mapped), beside the child's steps;
 *                                          before groups, user, caps, seccomp or exec (the first of them: a
 *                                          change of credentials makes it undumpable) the child waits until each one in
 *                                          plan order has written a byte there (TIMEOUT ms at most; pasta -P
 *                                          /proc/self/fd/3, slirp4netns --ready-fd 3), each later one started
 *                                          once the one before is ready; an end before that fails the start
 *                                 keep, ready and mount processes die with the monitor (PDEATHSIG); a ready
 *                                 one's end (SIGTERM) is waited for only before the container runs again
 *                                   mount  as keep, but in the child's user namespace and a mount
 *                                          namespace of its own (fuse-overlayfs -f): the monitor waits
 *                                          up to TIMEOUT ms for MOUNTPOINT to be mounted and hands the
 *                                          tree to the child when the child reaches this record
 *                                 MOUNTPOINT is empty except for mount
 *   idmap-write FILE CONTENT      write /proc/PID/FILE (uid_map, gid_map, setgroups) before the child goes on
 *   relay-stdin                   with tty: copy our stdin to the pty (-i)
 *   forward-signals NUM...        signals the monitor passes on to the container
 *   log PATH MAX-SIZE             the monitor opens PATH itself (append, 0600) and writes the container's
 *                                 stdout and stderr (two pipes; a pty's output as stdout) into it in
 *                                 podman's k8s-file format (log.c), and its own `Error:` lines as
 *                                 stderr lines (a detached container's log); a line that would take it
 *                                 past MAX-SIZE bytes (0: no limit) starts an empty file first
 *   pid-file PATH                 the monitor writes the child's pid (as the monitor's pid namespace numbers it)
 *                                 and a newline to PATH (atomically) once the child exists, at each run (--pidfile)
 *   exit-file PATH                the monitor writes "CODE FINISHED STARTED\n" there (atomically) when the container ends:
 *                                 both times SECONDS.NANOSECONDS (Unix time), the start at its clone
 *   event PATH BEFORE-TIME BEFORE-CODE AFTER
 *                                 then the monitor appends one line to PATH (O_APPEND, one write):
 *                                 BEFORE-TIME, the time (RFC 3339, nanoseconds, local offset), BEFORE-CODE,
 *                                 the exit code, AFTER: burrow's `died` event, its JSON made by burrow
 *   restart POLICY MAX STOPPED-FILE COUNT-FILE
 *                                 after the container ends (its end recorded), run it again from the start
 *                                 of the plan when POLICY says so: always, or on-failure (a code other
 *                                 than 0) at most MAX times (0: no limit); never once STOPPED-FILE exists
 *                                 or a signal was passed on to it (stopped from outside); docker's
 *                                 back-off (100 ms doubled, at most 60 s), while which the exit file's
 *                                 line ends with " restarting"; the count written to COUNT-FILE
 *   health INTERVAL-MS ARGV...    while the container runs, every INTERVAL-MS (from its start; each run of
 *                                 `restart` anew) the monitor starts ARGV (absolute: burrow's `healthcheck
 *                                 run`, which execs the check, records it and acts on it), in a session of
 *                                 its own, stdio on /dev/null, never while the previous one still runs
 *   attach PATH STDIN [hold]      the monitor listens on the unix socket PATH (SOCK_SEQPACKET, 0600) for
 *                                 `burrow-helper attach` clients (attach.c): each gets the container's
 *                                 output and, when a run ends, its exit code; their input goes, by STDIN,
 *                                 to the pty (tty), to a pipe made the container's stdin (pipe: with
 *                                 `stdin INHERIT`, the pipe kept across --restart runs) or nowhere (none)
 *                                 hold: the first run waits (at most a minute) for the first client, and
 *                                 with tty for its window size, so a terminal attached at once (run -it)
 *                                 misses none of the output
 *   cgroup PATH                   clone the child straight into the cgroup v2 directory PATH (clone3 with
 *                                 CLONE_INTO_CGROUP: never a moment outside it; a new cgroup namespace is
 *                                 then the child's to make, so that it is rooted there): made by the monitor when missing and removed after each run
 *                                 (a delegated cgroup's child: `pause` freezes it); with `join`, the
 *                                 container's, as it is
 *   cleanup ARGS...               then a fork of the monitor enters the container's user namespace (as its root,
 *                                 not dumpable) and removes what ARGS say, as `burrow-helper remove ARGS`
 *                                 (helpers/remove.c): the clean-up after `run --rm`, without a new user
 *                                 namespace (newuidmap) or an exec; the monitor waits for it
 *   on-exit ARGV...               then the monitor runs ARGV and waits for it (after `run --rm` in a pod or on a
 *                                 user network: the container's line out of the others' hosts files)
 *   bwrap                         bwrap's conventions (burrow sandbox): the helper's own errors are "bwrap: MESSAGE"
 *                                 lines and exit status 1 (a failed exec too, worded as bwrap's execvp, which
 *                                 searches the command's own PATH); the child stays the user it was cloned as (the
 *                                 sandbox's ids, every capability of its new user namespace), makes the mounts it
 *                                 starts with slaves of the host's (it still sees new ones), and its init (PID 1)
 *                                 is named bwrap and stays dumpable, as bwrap's
 *   info-fd FD                    bwrap's --info-fd: once the child exists, the monitor writes to FD the JSON bwrap
 *                                 writes ("child-pid" and the inode of each namespace of `namespaces` but user,
 *                                 indented over lines) and closes it; a failed write ends the start
 *   json-status-fd FD             bwrap's --json-status-fd: the same on one line, and `{ "exit-code": N }` when the
 *                                 command ends (nothing when it never ran)
 *   die-with-parent               the monitor gets PR_SET_PDEATHSIG SIGKILL (the child dies with the monitor)
 *   inherit-fds FD...             fds the command keeps open through its exec (the caller's, which bwrap passes on)
 *   audit FILE CALL...            burrow sandbox's --audit (audit.c): a `seccomp` record with the NEW_LISTENER flag
 *                                 sends its listener to the monitor ('A' on the sync socket), which answers each
 *                                 call (CONTINUE: unchanged) and appends to FILE a JSON line for one the sandbox
 *                                 refuses for want of a path (missing there while the host has it; a write under a
 *                                 read-only mount) or that the plan's `landlock` rules refuse (a path's rights; a
 *                                 TCP port of connect or bind); CALL: "NR:OP:DIRFD-ARG:PATH-ARG:FLAGS-ARG" (- for
 *                                 none; OP connect and bind: PATH-ARG is the sockaddr)
 *   fallback PLAN NOTE            where the kernel refuses the new user namespace (the clone, the maps, or a namespace
 *                                 that gives no capabilities, as AppArmor's restriction does), the monitor prints
 *                                 NOTE and runs the plan PLAN (an inherited memfd) instead: burrow sandbox's
 *                                 Landlock-and-seccomp sandbox without namespaces
 *
 * The child's steps, carried out strictly in the order written (as bwrap's
 * setup_newroot): a PATH "inside the root" is resolved with openat2
 * RESOLVE_IN_ROOT beneath `root` (or "/" after pivot-root), so no symlink in
 * the tree reaches the host; a step that creates or writes a file never
 * follows a symlink in its last component.
 *
 *   process ...                   (mount mode) move the tree the monitor mounted onto MOUNTPOINT
 *   root PATH                     host path of the new root (before the in-root steps)
 *   sandbox-root BASE             bwrap's base instead of `root`: a tmpfs mounted on the host directory BASE becomes
 *                                 the root (umask 0 until the exec, as bwrap), the host's tree moves to /oldroot
 *                                 (host paths are then /oldroot/...; /proc is bound in the base too), and /newroot,
 *                                 bound onto itself, is the root the in-root steps resolve beneath; a mount on that
 *                                 root itself (bwrap's --bind / /) makes the in-root steps resolve beneath it
 *   mount SRC DST FSTYPE FLAGS DATA
 *                                 DST is a path inside the root; FLAGS is hex: MS_* bits plus the
 *                                 BP_MOUNT_* bits of plan-constants.h; a bind's MS_NOSUID and MS_NODEV are set on
 *                                 it after (mount_setattr; with MS_REC on what it brought along too)
 *   dev-bind SRC DST              bind host SRC (recursively, devices allowed) on DST inside the root,
 *                                 created as SRC's kind when missing
 *   remount-ro PATH               make the mount at PATH read-only (bwrap's: not its submounts)
 *   mount-from NS SRC DST         a copy of the mount at SRC in the mount namespace NS (host path: another
 *                                 container's /proc/PID/ns/mnt) on DST inside the root (a directory, made
 *                                 when missing): the child enters NS, clones the mount there (SRC beneath
 *                                 NS's root, no symlink followed) and comes back to its own at once; both
 *                                 then see the same files (a shared --ipc's /dev/shm). Before pivot-root,
 *                                 with a mount namespace of the child's own
 *   symlink TARGET LINKPATH       LINKPATH inside the root; an existing one is left alone
 *   mask PATH                     hide PATH: /dev/null over a file, an empty
 *                                 read-only tmpfs over a directory; absent: skipped
 *   readonly PATH [writable]      bind PATH onto itself read-only; absent: skipped (writable: skipped too when this
 *                                 process could not write to it: bwrap's cover of /proc/sys and the like)
 *   mkdir PATH MODE [host]        create PATH and its missing parents (0755); MODE (octal) for PATH
 *                                 itself; an existing directory is left as it is (host: one directory at PATH in
 *                                 the tree as it is, sandbox-root's base, not inside the root)
 *   write-file PATH MODE DATA     create or replace the file PATH with DATA (octal MODE)
 *   write-fd PATH MODE FD [host]  the same, with what the inherited FD holds up to its end (host: a new file at PATH
 *                                 in the tree as it is: bwrap's --bind-data file in sandbox-root's base)
 *   lock-file PATH                bwrap's --lock-file: a read lock (F_SETLK) on PATH inside the root, held while
 *                                 this process lives (PID 1 with an `init`; closed at the exec without one)
 *   disable-userns FILE           bwrap's --disable-userns: write 1 into the limit FILE (max_user_namespaces as
 *                                 this user namespace sees it, the host's procfs before pivot-root); the
 *                                 `nested-userns` that must follow takes the one namespace left
 *   chmod PATH MODE               change PATH's mode (octal)
 *   umask MODE                    set the umask (octal, at most 0777) from here on: for the files the
 *                                 steps after it make, and what the command inherits
 *   sysctl PATH VALUE             write VALUE into the existing file PATH inside the root (the container's
 *                                 /proc/sys/..., before it is made read-only): opened write-only, never
 *                                 created, never through a symlink in its last component
 *   copy-up PATH HOSTDIR          when the host directory HOSTDIR (a new volume) is empty, copy the tree at
 *                                 PATH inside the root into it (copyup.c: owners, modes, times, symlinks,
 *                                 fifos; no devices), before the volume is mounted over PATH; nothing
 *                                 when PATH is not a directory
 *   pivot-root                    make the root "/", detach the old one
 *   hostname NAME
 *   domainname NAME               setdomainname (the uts namespace's; /proc/sys/kernel/domainname is
 *                                 the host root's to write, even in a new namespace)
 *   loopback                      bring up `lo` in the new network namespace
 *   bridge-port NETNS BRIDGE GATEWAY IFNAME PEER ADDRESS
 *                                 a user network (netlink.c): in the network namespace at NETNS (host path, so
 *                                 before pivot-root) the bridge BRIDGE with GATEWAY (ADDRESS/PREFIX) made when
 *                                 missing, a veth pair whose end PEER is enslaved to it and whose end IFNAME is
 *                                 ours, with ADDRESS/PREFIX, up
 *   rlimit RESOURCE SOFT HARD     numbers; "inf" for RLIM_INFINITY
 *   tty                           make a pty in the container's devpts, hand it to the monitor
 *   stdin NULL|INHERIT            what fd 0 is when there is no tty
 *   new-session                   setsid: a session of its own, so the caller's terminal (which fds 0-2 may
 *                                 still be) is not its controlling terminal: no TIOCSTI into it, no signals
 *                                 from its keyboard but those the monitor passes on
 *   nested-userns UIDMAP GIDMAP   a user namespace of the container's own inside the first (--userns nomap,
 *                                 auto): unshare(CLONE_NEWUSER), and a fork of the child, still root of the
 *                                 first, writes UIDMAP and GIDMAP (uid_map text: lines "INSIDE OUTSIDE COUNT\n",
 *                                 OUTSIDE in the first namespace's ids) through the child's /proc/self, held
 *                                 from before; the child waits for it. After the network's ready processes
 *                                 (which enter the first), before groups, user and caps
 *   groups GID...                 the supplementary groups (applied by `user`)
 *   user UID GID                  setgroups, setresgid, setresuid, keeping the capabilities for `caps`
 *   session-keyring               join a new anonymous session keyring (keyctl), so that the caller's is out of
 *                                 reach, as runc and crun do; skipped where keyctl is refused (ENOSYS, EPERM)
 *   caps BOUNDING PERMITTED EFFECTIVE INHERITABLE AMBIENT   64-bit hex masks
 *   no-new-privs
 *   cwd PATH
 *   cwd-try PATH...               bwrap's default working directory: the first PATH it can go to, else "/"; the
 *                                 command's PWD names it
 *   assert-userns-disabled        bwrap's --assert-userns-disabled: a new user namespace can still be made: fail
 *   userns2 PATH                  bwrap's --userns2: enter the user namespace PATH (/proc/self/fd/N), once the root
 *                                 is in place; bwrap's "Setting userns2 failed" when it cannot be entered
 *   selinux-label ATTR LABEL      SELinux: write LABEL to /proc/thread-self/attr/ATTR (opened as the child starts,
 *                                 while the host's /proc is there): ATTR `fscreate` labels the files and directories
 *                                 this process makes from then on (bwrap's --file-label), `exec` the command it runs
 *                                 (--exec-label, before the seccomp filters)
 *   landlock FS NET SCOPE FLAGS   a Landlock ruleset handling those access masks (hex, what the kernel's ABI knows);
 *                                 FLAGS: landlock_restrict_self's
 *   landlock-path ACCESS PATH     a rule of it: ACCESS (hex) beneath PATH, as this process sees it then (after
 *                                 pivot-root); a file gets only the rights that apply to files
 *   landlock-port ACCESS PORT     a rule of it: ACCESS (bind, connect) on TCP port PORT
 *   landlock-restrict             enforce it on this process and all it starts; after no-new-privs
 *   env NAME=VALUE...             the command's environment (for `exec`)
 *   search-path DIRS              where `exec` looks for a FILE without "/" when env has no PATH
 *   init                          fork: a minimal reaper stays as PID 1, the rest runs in its child
 *   block-fd FD                   wait until FD (inherited) has a byte or ends, then close it
 *   seccomp HEX [FLAGS]           (several: each installed in turn; with SECCOMP_FILTER_FLAG_NEW_LISTENER, its
 *                                 listener goes to the monitor, for `audit`) a classic BPF program (struct sock_filter[], hex), installed with seccomp(2)
 *                                 (FLAGS: SECCOMP_FILTER_FLAG_* bits, hex): after no-new-privs, or, without
 *                                 it, after `user` and before `caps` (CAP_SYS_ADMIN raised from the permitted
 *                                 set for the call); only caps, cwd, env, search-path, init and exec may follow
 *   exec FILE ARGV...             FILE without "/" is searched in env's PATH, else search-path
 *   pause                         instead of exec: a pod's infra. The monitor copies this helper into a sealed
 *                                 memfd before the clone; the child execs it as `burrow-helper pause`
 *                                 (pause.c), which holds the namespaces, reaps, and ends on SIGTERM or SIGINT
 *
 * Status (helper -> burrow, on --status-fd N when given), JSON lines, read by
 * src/system/status.ts:
 *   {"type":"pid","pid":N}
 *   {"type":"error","step":"mount","syscall":"mount","path":"/x","errno":2,"code":125,"message":"..."}
 *   {"type":"started"}                            every step ran and the command was exec'd
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

/* PLAN_VERSION, the record kinds, BP_MOUNT_*, EXIT_*: generated from src/system/plan-constants.ts. */
#include "plan-constants.h"

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
/* The CLONE_NEW* flag of a namespace name, 0 for an unknown one. */
int plan_clone_flag(const char *name);
/* Is a record one of the child's ordered steps (else it is the monitor's alone)? */
int plan_is_child_step(const struct record *r);

#endif
