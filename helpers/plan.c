/* burrow-helper: the plan parser. The format is described in plan.h. */
#define _GNU_SOURCE
#include "plan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ANY ((size_t)-1)

struct record_spec {
  const char *name;
  size_t min, max; /* field counts */
  int once;        /* may appear at most once */
};

static const struct record_spec specs[R_KIND_COUNT] = {PLAN_RECORD_SPECS};

static const struct {
  const char *name;
  int flag;
} namespaces[] = {PLAN_NAMESPACES};

static const char *const process_modes[] = {PLAN_PROCESS_MODES};

int plan_clone_flag(const char *name) {
  for (size_t i = 0; i < sizeof(namespaces) / sizeof(namespaces[0]); i++)
    if (strcmp(namespaces[i].name, name) == 0)
      return namespaces[i].flag;
  return 0;
}

int plan_is_child_step(const struct record *r) {
  switch (r->kind) {
  case R_JOIN:
  case R_PROCESS:
    return strcmp(r->fields[0], "mount") == 0;
  case R_NAMESPACES:
  case R_SHARE:
  case R_IDMAP_WRITE:
  case R_RELAY_STDIN:
  case R_FORWARD_SIGNALS:
  case R_EXIT_FILE:
  case R_EVENT:
  case R_RESTART:
  case R_HEALTH:
  case R_ATTACH:
  case R_CGROUP:
  case R_LOG:
  case R_ON_EXIT:
  case R_CLEANUP:
  case R_PID_FILE:
  case R_BWRAP:
  case R_INFO_FD:
  case R_JSON_STATUS_FD:
  case R_DIE_WITH_PARENT:
  case R_INHERIT_FDS:
  case R_FALLBACK:
  case R_AUDIT:
    return 0;
  default:
    return 1;
  }
}

/* Records whose path is inside the root: they need a `root` (or pivot-root) before them. */
static int in_root(const struct record *r) {
  switch (r->kind) {
  case R_MOUNT:
    return !(strtoull(r->fields[3], NULL, 16) & BP_MOUNT_HOSTDST);
  case R_SYMLINK:
  case R_MASK:
  case R_READONLY:
  case R_DEV_BIND:
  case R_REMOUNT_RO:
  case R_MOUNT_FROM:
  case R_WRITE_FILE:
  case R_CHMOD:
  case R_SYSCTL:
  case R_COPY_UP:
  case R_LOCK_FILE:
    return 1;
  case R_MKDIR:
    return r->nfields < 3; /* `host`: in the tree as it is (sandbox-root's base) */
  case R_WRITE_FD:
    return r->nfields < 4;
  default:
    return 0;
  }
}

static int is_mode(const char *s) {
  uint64_t v;
  return plan_parse_u64(s, 8, &v) == 0 && v <= 07777;
}

static int is_fd(const char *s) {
  uint64_t v;
  return plan_parse_u64(s, 10, &v) == 0 && v <= 65535;
}

static int is_hex_program(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n % 16 != 0 || n / 16 > 4096)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
      return 0;
  return 1;
}

const char *plan_record_name(enum record_kind kind) {
  return kind < R_KIND_COUNT ? specs[kind].name : "?";
}

/* A field as it may appear in a one-line message: control bytes as \xNN, cut at 64 bytes. */
static const char *shown(const char *field) {
  static char bufs[2][300];
  static int which;
  char *out = bufs[which ^= 1];
  size_t o = 0;
  for (const unsigned char *p = (const unsigned char *)field; *p && o < sizeof(bufs[0]) - 8; p++) {
    if ((const char *)p - field >= 64) {
      o += (size_t)snprintf(out + o, sizeof(bufs[0]) - o, "...");
      break;
    }
    if (*p < 0x20 || *p == 0x7f)
      o += (size_t)snprintf(out + o, sizeof(bufs[0]) - o, "\\x%02x", *p);
    else
      out[o++] = (char)*p;
  }
  out[o] = '\0';
  return out;
}

static int fail(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  return -1;
}

int plan_parse_u64(const char *s, int base, uint64_t *out) {
  /* A digit first: strtoull would also take leading white space (a tab, a newline) and a sign. */
  if (!(*s >= '0' && *s <= '9') && !(base == 16 && ((*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F'))))
    return -1;
  if (base == 16 && (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')))
    return -1;
  errno = 0;
  char *end = NULL;
  unsigned long long v = strtoull(s, &end, base);
  if (errno != 0 || *end != '\0')
    return -1;
  *out = v;
  return 0;
}

/* Reads a decimal number terminated by `stop` at *pos; no leading zeros. */
static int read_number(const char *buf, size_t len, size_t *pos, char stop, size_t limit, size_t *out) {
  size_t p = *pos, v = 0, digits = 0;
  while (p < len && buf[p] >= '0' && buf[p] <= '9') {
    if (digits == 1 && buf[*pos] == '0')
      return -1;
    v = v * 10 + (size_t)(buf[p] - '0');
    if (v > limit)
      return -1;
    p++;
    digits++;
  }
  if (digits == 0 || p >= len || buf[p] != stop)
    return -1;
  *pos = p + 1;
  *out = v;
  return 0;
}

/* A uid_map's text: 1 to 340 lines (the kernel's most) of three decimal numbers, each line ending in \n. */
static int is_id_map(const char *s) {
  size_t lines = 0;
  while (*s) {
    for (int n = 0; n < 3; n++) {
      const char *start = s;
      while (*s >= '0' && *s <= '9')
        s++;
      if (s == start || s - start > 10 || *s != (n < 2 ? ' ' : '\n'))
        return 0;
      s++;
    }
    lines++;
  }
  return lines >= 1 && lines <= 340;
}

static int check_record(const struct record *r, char *err, size_t errlen, size_t index) {
  uint64_t v;
  switch (r->kind) {
  case R_NAMESPACES:
    for (size_t i = 0; i < r->nfields; i++) {
      if (!plan_clone_flag(r->fields[i]))
        return fail(err, errlen, "record %zu (namespaces): unknown namespace `%s`", index, shown(r->fields[i]));
    }
    break;
  case R_JOIN:
    if (plan_parse_u64(r->fields[0], 10, &v) < 0 || v < 1 || v > 0x7fffffff)
      return fail(err, errlen, "record %zu (join): bad pid `%s`", index, shown(r->fields[0]));
    for (size_t i = 1; i < r->nfields; i++)
      if (!plan_clone_flag(r->fields[i]))
        return fail(err, errlen, "record %zu (join): unknown namespace `%s`", index, shown(r->fields[i]));
    break;
  case R_NESTED_USERNS:
    for (size_t i = 0; i < 2; i++)
      if (!is_id_map(r->fields[i]))
        return fail(err, errlen, "record %zu (nested-userns): `%s` is not a map (lines INSIDE OUTSIDE COUNT, at most 340)", index, shown(r->fields[i]));
    break;
  case R_SHARE:
    if (strcmp(r->fields[0], "net") && strcmp(r->fields[0], "ipc") && strcmp(r->fields[0], "uts") && strcmp(r->fields[0], "pid") && strcmp(r->fields[0], "cgroup") && strcmp(r->fields[0], "user"))
      return fail(err, errlen, "record %zu (share): cannot share namespace `%s` (user, net, ipc, uts, pid, cgroup)", index, shown(r->fields[0]));
    if (r->fields[1][0] != '/')
      return fail(err, errlen, "record %zu (share): `%s` is not absolute", index, shown(r->fields[1]));
    break;
  case R_IDMAP_WRITE:
    if (strcmp(r->fields[0], "uid_map") && strcmp(r->fields[0], "gid_map") && strcmp(r->fields[0], "setgroups"))
      return fail(err, errlen, "record %zu (idmap-write): unknown file `%s`", index, shown(r->fields[0]));
    break;
  case R_MOUNT:
    if (plan_parse_u64(r->fields[3], 16, &v) < 0)
      return fail(err, errlen, "record %zu (mount): bad flags `%s`", index, shown(r->fields[3]));
    if (r->fields[1][0] != '/')
      return fail(err, errlen, "record %zu (mount): target `%s` is not absolute", index, shown(r->fields[1]));
    break;
  case R_RESTART:
    if (strcmp(r->fields[0], "always") && strcmp(r->fields[0], "on-failure"))
      return fail(err, errlen, "record %zu (restart): unknown policy `%s`", index, shown(r->fields[0]));
    if (plan_parse_u64(r->fields[1], 10, &v) < 0)
      return fail(err, errlen, "record %zu (restart): bad count `%s`", index, shown(r->fields[1]));
    if (r->fields[2][0] != '/' || r->fields[3][0] != '/')
      return fail(err, errlen, "record %zu (restart): paths must be absolute", index);
    break;
  case R_HEALTH:
    if (plan_parse_u64(r->fields[0], 10, &v) < 0 || v == 0)
      return fail(err, errlen, "record %zu (health): bad interval `%s`", index, shown(r->fields[0]));
    if (r->fields[1][0] != '/')
      return fail(err, errlen, "record %zu (health): program `%s` is not absolute", index, shown(r->fields[1]));
    break;
  case R_COPY_UP:
    if (r->fields[0][0] != '/' || r->fields[1][0] != '/')
      return fail(err, errlen, "record %zu (copy-up): paths must be absolute", index);
    break;
  case R_CGROUP:
    if (r->fields[0][0] != '/')
      return fail(err, errlen, "record %zu (cgroup): path `%s` is not absolute", index, shown(r->fields[0]));
    break;
  case R_ATTACH:
    if (r->fields[0][0] != '/')
      return fail(err, errlen, "record %zu (attach): path `%s` is not absolute", index, shown(r->fields[0]));
    if (strcmp(r->fields[1], "none") && strcmp(r->fields[1], "pipe") && strcmp(r->fields[1], "tty"))
      return fail(err, errlen, "record %zu (attach): unknown stdin `%s`", index, shown(r->fields[1]));
    if (r->nfields > 2 && strcmp(r->fields[2], "hold"))
      return fail(err, errlen, "record %zu (attach): unknown mode `%s`", index, shown(r->fields[2]));
    break;
  case R_EXIT_FILE:
  case R_PID_FILE:
  case R_EVENT:
  case R_LOG:
  case R_ROOT:
  case R_MASK:
  case R_READONLY:
  case R_REMOUNT_RO:
  case R_CWD:
  case R_SANDBOX_ROOT:
  case R_LOCK_FILE:
  case R_DISABLE_USERNS:
    if (r->fields[0][0] != '/')
      return fail(err, errlen, "record %zu (%s): `%s` is not absolute", index, specs[r->kind].name, shown(r->fields[0]));
    if (r->kind == R_READONLY && r->nfields > 1 && strcmp(r->fields[1], "writable"))
      return fail(err, errlen, "record %zu (readonly): unknown mode `%s`", index, shown(r->fields[1]));
    break;
  case R_LANDLOCK:
    for (size_t i = 0; i < 4; i++)
      if (plan_parse_u64(r->fields[i], 16, &v) < 0)
        return fail(err, errlen, "record %zu (landlock): bad mask `%s`", index, shown(r->fields[i]));
    break;
  case R_LANDLOCK_PATH:
  case R_LANDLOCK_PORT:
    if (plan_parse_u64(r->fields[0], 16, &v) < 0)
      return fail(err, errlen, "record %zu (%s): bad access mask `%s`", index, specs[r->kind].name, shown(r->fields[0]));
    if (r->kind == R_LANDLOCK_PATH && r->fields[1][0] != '/')
      return fail(err, errlen, "record %zu (landlock-path): `%s` is not absolute", index, shown(r->fields[1]));
    if (r->kind == R_LANDLOCK_PORT && (plan_parse_u64(r->fields[1], 10, &v) < 0 || v > 65535))
      return fail(err, errlen, "record %zu (landlock-port): bad port `%s`", index, shown(r->fields[1]));
    break;
  case R_SELINUX_LABEL:
    if (strcmp(r->fields[0], "exec") && strcmp(r->fields[0], "fscreate"))
      return fail(err, errlen, "record %zu (selinux-label): unknown attribute `%s` (exec or fscreate)", index, shown(r->fields[0]));
    if (!r->fields[1][0])
      return fail(err, errlen, "record %zu (selinux-label): an empty label", index);
    break;
  case R_CWD_TRY:
    for (size_t i = 0; i < r->nfields; i++)
      if (r->fields[i][0] != '/')
        return fail(err, errlen, "record %zu (cwd-try): `%s` is not absolute", index, shown(r->fields[i]));
    break;
  case R_INFO_FD:
  case R_JSON_STATUS_FD:
  case R_INHERIT_FDS:
    for (size_t i = 0; i < r->nfields; i++)
      if (!is_fd(r->fields[i]) || strtoull(r->fields[i], NULL, 10) < 3)
        return fail(err, errlen, "record %zu (%s): bad fd `%s`", index, specs[r->kind].name, shown(r->fields[i]));
    break;
  case R_PROCESS: {
    int mode = -1;
    for (size_t m = 0; m < sizeof(process_modes) / sizeof(process_modes[0]); m++)
      if (strcmp(process_modes[m], r->fields[0]) == 0)
        mode = (int)m;
    if (mode < 0)
      return fail(err, errlen, "record %zu (process): unknown mode `%s`", index, shown(r->fields[0]));
    if (plan_parse_u64(r->fields[1], 10, &v) < 0 || v > 86400000)
      return fail(err, errlen, "record %zu (process): bad timeout `%s`", index, shown(r->fields[1]));
    if ((strcmp(r->fields[0], "mount") == 0) != (r->fields[2][0] == '/'))
      return fail(err, errlen, "record %zu (process): a mount point `%s` must be absolute, and only for mode mount", index, shown(r->fields[2]));
    if (r->fields[3][0] == '\0')
      return fail(err, errlen, "record %zu (process): empty command", index);
    break;
  }
  case R_DEV_BIND:
    if (r->fields[0][0] != '/' || r->fields[1][0] != '/')
      return fail(err, errlen, "record %zu (dev-bind): `%s` or `%s` is not absolute", index, shown(r->fields[0]), shown(r->fields[1]));
    break;
  case R_UMASK:
    if (!is_mode(r->fields[0]) || strtoull(r->fields[0], NULL, 8) > 0777)
      return fail(err, errlen, "record %zu (umask): bad mask `%s`", index, shown(r->fields[0]));
    break;
  case R_MOUNT_FROM:
    for (size_t i = 0; i < 3; i++)
      if (r->fields[i][0] != '/')
        return fail(err, errlen, "record %zu (mount-from): `%s` is not absolute", index, shown(r->fields[i]));
    break;
  case R_MKDIR:
  case R_WRITE_FILE:
  case R_WRITE_FD:
  case R_CHMOD:
    if (r->fields[0][0] != '/' || strcmp(r->fields[0], "/") == 0)
      return fail(err, errlen, "record %zu (%s): `%s` is not an absolute path below /", index, specs[r->kind].name, shown(r->fields[0]));
    if (!is_mode(r->fields[1]))
      return fail(err, errlen, "record %zu (%s): bad mode `%s`", index, specs[r->kind].name, shown(r->fields[1]));
    if (r->kind == R_WRITE_FD && !is_fd(r->fields[2]))
      return fail(err, errlen, "record %zu (write-fd): bad fd `%s`", index, shown(r->fields[2]));
    if ((r->kind == R_MKDIR && r->nfields > 2 && strcmp(r->fields[2], "host")) || (r->kind == R_WRITE_FD && r->nfields > 3 && strcmp(r->fields[3], "host")))
      return fail(err, errlen, "record %zu (%s): unknown place `%s`", index, specs[r->kind].name, shown(r->fields[r->nfields - 1]));
    break;
  case R_SYSCTL:
    if (r->fields[0][0] != '/' || strcmp(r->fields[0], "/") == 0)
      return fail(err, errlen, "record %zu (sysctl): `%s` is not an absolute path below /", index, shown(r->fields[0]));
    break;
  case R_BLOCK_FD:
    if (!is_fd(r->fields[0]))
      return fail(err, errlen, "record %zu (block-fd): bad fd `%s`", index, shown(r->fields[0]));
    break;
  case R_SECCOMP:
    if (!is_hex_program(r->fields[0]))
      return fail(err, errlen, "record %zu (seccomp): not a BPF program in lowercase hex (8 bytes an instruction)", index);
    if (r->nfields > 1 && (plan_parse_u64(r->fields[1], 16, &v) < 0 || v > 0xffffffffu))
      return fail(err, errlen, "record %zu (seccomp): bad flags `%s`", index, shown(r->fields[1]));
    break;
  case R_ON_EXIT:
    if (r->fields[0][0] != '/')
      return fail(err, errlen, "record %zu (%s): `%s` is not an absolute path", index, specs[r->kind].name, shown(r->fields[0]));
    break;
  case R_SYMLINK:
    if (r->fields[1][0] != '/')
      return fail(err, errlen, "record %zu (symlink): `%s` is not absolute", index, shown(r->fields[1]));
    break;
  case R_RLIMIT:
    for (size_t i = 0; i < 3; i++)
      if (!(i > 0 && strcmp(r->fields[i], "inf") == 0) && plan_parse_u64(r->fields[i], 10, &v) < 0)
        return fail(err, errlen, "record %zu (rlimit): bad number `%s`", index, shown(r->fields[i]));
    if (plan_parse_u64(r->fields[0], 10, &v) == 0 && v >= 16)
      return fail(err, errlen, "record %zu (rlimit): unknown resource %s", index, shown(r->fields[0]));
    break;
  case R_STDIN:
    if (strcmp(r->fields[0], "NULL") && strcmp(r->fields[0], "INHERIT"))
      return fail(err, errlen, "record %zu (stdin): expected NULL or INHERIT, not `%s`", index, shown(r->fields[0]));
    break;
  case R_FORWARD_SIGNALS:
    for (size_t i = 0; i < r->nfields; i++)
      if (plan_parse_u64(r->fields[i], 10, &v) < 0 || v < 1 || v > 64)
        return fail(err, errlen, "record %zu (forward-signals): bad signal `%s`", index, shown(r->fields[i]));
    break;
  case R_GROUPS:
  case R_USER:
    for (size_t i = 0; i < r->nfields; i++)
      if (!(r->kind == R_USER && !strcmp(r->fields[i], "-")) && (plan_parse_u64(r->fields[i], 10, &v) < 0 || v > 0xfffffffeULL))
        return fail(err, errlen, "record %zu (%s): bad id `%s`", index, specs[r->kind].name, shown(r->fields[i]));
    break;
  case R_CAPS:
    for (size_t i = 0; i < 5; i++)
      if (plan_parse_u64(r->fields[i], 16, &v) < 0)
        return fail(err, errlen, "record %zu (caps): bad mask `%s`", index, shown(r->fields[i]));
    break;
  case R_ENV:
    for (size_t i = 0; i < r->nfields; i++)
      if (strchr(r->fields[i], '=') == NULL || r->fields[i][0] == '=')
        return fail(err, errlen, "record %zu (env): `%s` is not NAME=VALUE", index, shown(r->fields[i]));
    break;
  case R_EXEC:
    if (r->fields[0][0] == '\0')
      return fail(err, errlen, "record %zu (exec): empty command", index);
    break;
  default:
    break;
  }
  return 0;
}

/* Order and presence rules that span records. */
static int check_plan(const struct plan *plan, char *err, size_t errlen) {
  int seen_root = 0, seen_nnp = 0, seen_seccomp = 0, seen_exec = 0, seen_caps = 0, userns = 0, mountns = 0;
  const struct record *ns = plan_find(plan, R_NAMESPACES);
  for (size_t i = 0; ns && i < ns->nfields; i++) {
    userns |= strcmp(ns->fields[i], "user") == 0;
    mountns |= strcmp(ns->fields[i], "mount") == 0;
  }
  for (size_t i = 0; i < plan->nrecords; i++) {
    const struct record *r = &plan->records[i];
    if (seen_exec && plan_is_child_step(r))
      return fail(err, errlen, "record %zu (%s): comes after `%s`", i + 1, specs[r->kind].name, plan_find(plan, R_EXEC) && plan_find(plan, R_EXEC) < r ? "exec" : "pause");
    /*
     * After the filter, only what the container's own start needs and a filter allows: the
     * capabilities (the filter went first to have CAP_SYS_ADMIN, without no-new-privs), the
     * working directory, the environment, the init (which must be filtered too) and the exec.
     */
    if (seen_seccomp && plan_is_child_step(r) && r->kind != R_EXEC && r->kind != R_ENV && r->kind != R_SEARCH_PATH &&
        r->kind != R_CAPS && r->kind != R_CWD && r->kind != R_INIT && r->kind != R_PAUSE && r->kind != R_SECCOMP)
      return fail(err, errlen, "record %zu (%s): comes after `seccomp` (only another seccomp, caps, cwd, env, search-path, init and exec may)", i + 1, specs[r->kind].name);
    if (in_root(r) && !seen_root)
      return fail(err, errlen, "record %zu (%s): comes before `root`", i + 1, specs[r->kind].name);
    switch (r->kind) {
    case R_ROOT:
    case R_SANDBOX_ROOT:
      if (seen_root)
        return fail(err, errlen, "record %zu (%s): a second root", i + 1, specs[r->kind].name);
      seen_root = 1;
      break;
    case R_LANDLOCK_PATH:
    case R_LANDLOCK_PORT:
    case R_LANDLOCK_RESTRICT:
      /* Rules go into the ruleset `landlock` made, before `landlock-restrict` enforces it (which wants no-new-privs). */
      if (!plan_find(plan, R_LANDLOCK) || plan_find(plan, R_LANDLOCK) > r || (r->kind != R_LANDLOCK_RESTRICT && (!plan_find(plan, R_LANDLOCK_RESTRICT) || plan_find(plan, R_LANDLOCK_RESTRICT) < r)))
        return fail(err, errlen, "record %zu (%s): needs `landlock` before it and `landlock-restrict` after", i + 1, specs[r->kind].name);
      if (r->kind == R_LANDLOCK_RESTRICT && !seen_nnp)
        return fail(err, errlen, "record %zu (landlock-restrict): comes before `no-new-privs`", i + 1);
      break;
    case R_DISABLE_USERNS:
      if (!userns || !plan_find(plan, R_NESTED_USERNS) || plan_find(plan, R_NESTED_USERNS) < r)
        return fail(err, errlen, "record %zu (disable-userns): needs a user namespace and a `nested-userns` after it", i + 1);
      break;
    case R_PIVOT_ROOT:
      if (!seen_root)
        return fail(err, errlen, "record %zu (pivot-root): comes before `root`", i + 1);
      break;
    case R_MOUNT_FROM:
      /* Its namespace is a host path, and the child's own mount namespace is where it comes back to. */
      if (plan_find(plan, R_PIVOT_ROOT) && plan_find(plan, R_PIVOT_ROOT) < r)
        return fail(err, errlen, "record %zu (mount-from): comes after `pivot-root`", i + 1);
      if (!mountns)
        return fail(err, errlen, "record %zu (mount-from): needs a mount namespace of the child's own (`namespaces` naming mount)", i + 1);
      break;
    case R_PROCESS:
      if (strcmp(r->fields[0], "mount") == 0 && !userns)
        return fail(err, errlen, "record %zu (process): mode mount needs a user namespace", i + 1);
      break;
    case R_NO_NEW_PRIVS:
      seen_nnp = 1;
      break;
    case R_CAPS:
      seen_caps = 1;
      break;
    case R_NESTED_USERNS:
      /* Made by root of the container's first user namespace, before it gives up being so. */
      if (!userns)
        return fail(err, errlen, "record %zu (nested-userns): needs a user namespace (namespaces user)", i + 1);
      if (seen_caps || (plan_find(plan, R_USER) && plan_find(plan, R_USER) < r) || (plan_find(plan, R_GROUPS) && plan_find(plan, R_GROUPS) < r))
        return fail(err, errlen, "record %zu (nested-userns): comes after `groups`, `user` or `caps`", i + 1);
      break;
    case R_SECCOMP:
      /* The kernel takes a filter from a process with no_new_privs or CAP_SYS_ADMIN, which `caps` may drop. */
      if (!seen_nnp && seen_caps)
        return fail(err, errlen, "record %zu (seccomp): comes after `caps` without `no-new-privs`", i + 1);
      if (plan_find(plan, R_USER) > r)
        return fail(err, errlen, "record %zu (seccomp): comes before `user`", i + 1);
      seen_seccomp = 1;
      break;
    case R_EXEC:
    case R_PAUSE:
      seen_exec = 1;
      break;
    default:
      break;
    }
  }
  /* (Both cannot be: whichever comes second is refused above.) */
  if (plan_find(plan, R_EXEC) == NULL && plan_find(plan, R_PAUSE) == NULL)
    return fail(err, errlen, "no `exec` record");
  /* Joining a running container: its namespaces are set up already, and the monitor lives in them. */
  if (plan_find(plan, R_JOIN)) {
    static const enum record_kind not_with_join[] = {R_NAMESPACES, R_PAUSE, R_ROOT, R_PIVOT_ROOT, R_PROCESS, R_IDMAP_WRITE, R_NESTED_USERNS, R_EXIT_FILE, R_EVENT, R_RESTART, R_HEALTH, R_ON_EXIT, R_CLEANUP, R_MOUNT_FROM, R_PID_FILE};
    for (size_t k = 0; k < sizeof(not_with_join) / sizeof(not_with_join[0]); k++)
      if (plan_find(plan, not_with_join[k]))
        return fail(err, errlen, "`join` with `%s`", specs[not_with_join[k]].name);
  }
  /* Sharing another container's namespaces: inside its user namespace, whose ids are mapped already. */
  if (plan_find(plan, R_SHARE)) {
    /* A user namespace given itself comes first: the others are entered from it. */
    for (size_t i = 0, n = 0; i < plan->nrecords; i++)
      if (plan->records[i].kind == R_SHARE && n++ > 0 && !strcmp(plan->records[i].fields[0], "user"))
        return fail(err, errlen, "record %zu (share): `share user` must be the first `share`", i + 1);
    if (plan_find(plan, R_JOIN) || plan_find(plan, R_IDMAP_WRITE))
      return fail(err, errlen, "`share` with `%s`", plan_find(plan, R_JOIN) ? "join" : "idmap-write");
    const struct record *ns = plan_find(plan, R_NAMESPACES);
    for (size_t i = 0; ns && i < ns->nfields; i++) {
      int shared = !strcmp(ns->fields[i], "user");
      for (size_t k = 0; k < plan->nrecords; k++)
        if (plan->records[k].kind == R_SHARE && !strcmp(plan->records[k].fields[0], ns->fields[i]))
          shared = 1;
      /* (a new pid namespace with `share pid` is made inside the shared one: bwrap's --pidns with --unshare-pid) */
      if (shared && strcmp(ns->fields[i], "pid") != 0)
        return fail(err, errlen, "`share` with a new `%s` namespace", ns->fields[i]);
    }
  }
  if ((plan_find(plan, R_ROOT) || plan_find(plan, R_SANDBOX_ROOT)) && !plan_find(plan, R_PIVOT_ROOT))
    return fail(err, errlen, "`root` without `pivot-root`");
  if (plan_find(plan, R_LANDLOCK) && !plan_find(plan, R_LANDLOCK_RESTRICT))
    return fail(err, errlen, "`landlock` without `landlock-restrict`");
  if (plan_find(plan, R_CWD) && plan_find(plan, R_CWD_TRY))
    return fail(err, errlen, "`cwd` with `cwd-try`");
  /* attach's input goes where the container reads: its pty, or the pipe that stdin INHERIT leaves as its fd 0. */
  const struct record *attach = plan_find(plan, R_ATTACH), *in = plan_find(plan, R_STDIN);
  if (attach && !strcmp(attach->fields[1], "tty") && !plan_find(plan, R_TTY))
    return fail(err, errlen, "`attach` with stdin tty and no `tty`");
  if (attach && !strcmp(attach->fields[1], "pipe") && (!in || strcmp(in->fields[0], "INHERIT")))
    return fail(err, errlen, "`attach` with stdin pipe needs `stdin INHERIT`");
  if (plan_find(plan, R_NEW_SESSION) && plan_find(plan, R_TTY))
    return fail(err, errlen, "`new-session` with `tty` (which makes its own session)");
  if (attach && plan_find(plan, R_RELAY_STDIN))
    return fail(err, errlen, "`attach` with `relay-stdin`");
  return 0;
}

int plan_parse(const char *buf, size_t len, struct plan *out, char *err, size_t errlen) {
  static const char magic[] = "burrow-plan ";
  size_t pos = 0, version = 0, cap = 0;
  size_t counts[R_KIND_COUNT] = {0};
  int ended = 0;

  memset(out, 0, sizeof(*out));
  if (len > PLAN_MAX_SIZE)
    return fail(err, errlen, "plan is larger than %u bytes", PLAN_MAX_SIZE);
  if (len < sizeof(magic) - 1 || memcmp(buf, magic, sizeof(magic) - 1) != 0)
    return fail(err, errlen, "not a burrow plan (no `burrow-plan` header)");
  pos = sizeof(magic) - 1;
  if (read_number(buf, len, &pos, '\n', 1000, &version) < 0)
    return fail(err, errlen, "bad version line");
  if (version != PLAN_VERSION)
    return fail(err, errlen, "plan version %zu is not supported (this helper reads version %d)", version, PLAN_VERSION);

  while (pos < len) {
    size_t start = pos, nfields = 0;
    while (pos < len && buf[pos] != ' ' && buf[pos] != '\n' && pos - start < 32)
      pos++;
    if (pos >= len || buf[pos] != ' ') {
      plan_free(out);
      return fail(err, errlen, "record %zu: bad record name at byte %zu", out->nrecords + 1, start);
    }
    size_t namelen = pos - start;
    pos++;
    if (namelen == 3 && memcmp(buf + start, "end", 3) == 0) {
      if (read_number(buf, len, &pos, '\n', 0, &nfields) < 0 || pos != len) {
        plan_free(out);
        return fail(err, errlen, "bytes after the `end` record");
      }
      ended = 1;
      break;
    }
    int kind = -1;
    for (int k = 0; k < R_KIND_COUNT; k++)
      if (strlen(specs[k].name) == namelen && memcmp(specs[k].name, buf + start, namelen) == 0)
        kind = k;
    if (kind < 0) {
      plan_free(out);
      char name[40];
      snprintf(name, sizeof(name), "%.*s", (int)namelen, buf + start);
      return fail(err, errlen, "record %zu: unknown record `%s`", out->nrecords + 1, shown(name));
    }
    if (read_number(buf, len, &pos, '\n', PLAN_MAX_FIELDS, &nfields) < 0) {
      plan_free(out);
      return fail(err, errlen, "record %zu (%s): bad field count", out->nrecords + 1, specs[kind].name);
    }
    if (nfields < specs[kind].min || (specs[kind].max != ANY && nfields > specs[kind].max)) {
      plan_free(out);
      return fail(err, errlen, "record %zu (%s): %zu fields is not allowed", out->nrecords + 1, specs[kind].name, nfields);
    }
    if (specs[kind].once && counts[kind]++ > 0) {
      plan_free(out);
      return fail(err, errlen, "record %zu (%s): may appear only once", out->nrecords + 1, specs[kind].name);
    }
    if (out->nrecords == cap) {
      cap = cap ? cap * 2 : 32;
      struct record *n = realloc(out->records, cap * sizeof(*n));
      if (!n) {
        plan_free(out);
        return fail(err, errlen, "out of memory");
      }
      out->records = n;
    }
    struct record *r = &out->records[out->nrecords++];
    r->kind = (enum record_kind)kind;
    r->nfields = 0;
    r->fields = calloc(nfields + 1, sizeof(char *));
    if (!r->fields) {
      plan_free(out);
      return fail(err, errlen, "out of memory");
    }
    for (size_t f = 0; f < nfields; f++) {
      size_t flen = 0;
      if (read_number(buf, len, &pos, ':', PLAN_MAX_SIZE, &flen) < 0 || flen > len - pos || len - pos - flen < 1 ||
          buf[pos + flen] != '\n') {
        size_t idx = out->nrecords;
        plan_free(out);
        return fail(err, errlen, "record %zu (%s): field %zu is malformed or truncated", idx, specs[kind].name, f + 1);
      }
      if (memchr(buf + pos, '\0', flen) != NULL) {
        size_t idx = out->nrecords;
        plan_free(out);
        return fail(err, errlen, "record %zu (%s): field %zu holds a NUL byte", idx, specs[kind].name, f + 1);
      }
      r->fields[f] = strndup(buf + pos, flen);
      if (!r->fields[f]) {
        plan_free(out);
        return fail(err, errlen, "out of memory");
      }
      r->nfields++;
      pos += flen + 1;
    }
    if (check_record(r, err, errlen, out->nrecords) < 0) {
      plan_free(out);
      return -1;
    }
  }
  if (!ended) {
    plan_free(out);
    return fail(err, errlen, "plan is truncated (no `end` record)");
  }
  if (check_plan(out, err, errlen) < 0) {
    plan_free(out);
    return -1;
  }
  return 0;
}

void plan_free(struct plan *plan) {
  for (size_t i = 0; i < plan->nrecords; i++) {
    for (size_t f = 0; f < plan->records[i].nfields; f++)
      free(plan->records[i].fields[f]);
    free(plan->records[i].fields);
  }
  free(plan->records);
  plan->records = NULL;
  plan->nrecords = 0;
}

const struct record *plan_find(const struct plan *plan, enum record_kind kind) {
  for (size_t i = 0; i < plan->nrecords; i++)
    if (plan->records[i].kind == kind)
      return &plan->records[i];
  return NULL;
}
