/**
 * cgroup v2, as far as a rootless user may use it: a container gets a cgroup
 * of its own only under a cgroup delegated to the user (a systemd user
 * service or scope with Delegate=yes, as podman's rootless cgroupfs manager
 * needs); everywhere else (a login session's scope, owned by root, or a host
 * whose cgroup v2 is not mounted) it gets none, and what needs one (`pause`)
 * says why. Only facts are read: /proc/PID/cgroup, mountinfo, the
 * cgroup's own files.
 */
import { accessSync, constants, readFileSync, watch, writeFileSync } from 'node:fs';

let mountPoint: { path: string | undefined } | undefined;

/** The cgroup v2 mount point (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid host); undefined without one. Read once per command. */
export function cgroup2Mount(): string | undefined {
  mountPoint ??= { path: findCgroup2Mount() };
  return mountPoint.path;
}

function findCgroup2Mount(): string | undefined {
  let info: string;
  try {
    info = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of info.split('\n')) {
    const [before, after] = line.split(' - ');
    if (after?.split(' ')[0] === 'cgroup2') return before?.split(' ')[4]?.replace(/\\040/g, ' ');
  }
  return undefined;
}

/** The cgroup v2 directory process `pid` is in (as this process's cgroup namespace names it); undefined without one. */
export function cgroupOf(pid: number | 'self', mount = cgroup2Mount()): string | undefined {
  if (mount === undefined) return undefined;
  try {
    const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.startsWith('0::'));
    if (line === undefined) return undefined;
    const path = line.slice(3);
    return path === '/' ? mount : `${mount}${path}`;
  } catch {
    return undefined;
  }
}

/**
 * Where this process may make cgroups for its containers: its own cgroup
 * when that is delegated to the user (the directory and its cgroup.procs
 * writable); else the reason there is none, for the error of what needs one.
 */
export function delegatedCgroup(): { dir: string } | { reason: string } {
  const mount = cgroup2Mount();
  if (mount === undefined) return { reason: 'cgroup v2 is not mounted on this host' };
  const dir = cgroupOf('self', mount);
  if (dir === undefined) return { reason: 'this process is in no cgroup v2' };
  try {
    accessSync(dir, constants.W_OK);
    accessSync(`${dir}/cgroup.procs`, constants.W_OK);
    return { dir };
  } catch {
    return { reason: `the cgroup this command runs in (${dir}) is not delegated to you: start it in a systemd user service or scope with Delegate=yes (systemd-run --user --scope -p Delegate=yes ...)` };
  }
}

/** Whether the cgroup `dir` is frozen (its cgroup.freeze says 1). */
export function isFrozen(dir: string): boolean {
  try {
    return readFileSync(`${dir}/cgroup.freeze`, 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

/** Freezes or thaws the cgroup `dir` (cgroup.freeze), then waits for its cgroup.events to say so (inotify: no polling). */
export async function setFrozen(dir: string, frozen: boolean, timeoutMs = 5000): Promise<void> {
  writeFileSync(`${dir}/cgroup.freeze`, frozen ? '1' : '0');
  const events = `${dir}/cgroup.events`;
  const want = `frozen ${frozen ? 1 : 0}`;
  const done = (): boolean => {
    try {
      return readFileSync(events, 'utf8').split('\n').includes(want);
    } catch {
      return true; // gone: its processes ended
    }
  };
  if (done()) return;
  await new Promise<void>((resolve, reject) => {
    const watcher = watch(events, () => {
      if (!done()) return;
      clearTimeout(timer);
      watcher.close();
      resolve();
    });
    const timer = setTimeout(() => {
      watcher.close();
      if (done()) resolve();
      else reject(new Error(`cgroup ${dir} is not ${frozen ? 'frozen' : 'thawed'} after ${timeoutMs} ms`));
    }, timeoutMs);
    if (done()) {
      clearTimeout(timer);
      watcher.close();
      resolve();
    }
  });
}

/** The name of container `id`'s own cgroup, a child of the delegated one it was started in. */
export function containerCgroupName(id: string): string {
  return `burrow-${id}`;
}

/** Container `id`'s own cgroup, from its first process's: undefined when it has none (no delegation when it started). */
export function ownCgroup(id: string, containerPid: number): string | undefined {
  const dir = cgroupOf(containerPid);
  return dir?.endsWith(`/${containerCgroupName(id)}`) ? dir : undefined;
}

/** The own cgroup of the container whose monitor is `monitorPid` (its first process's), or undefined. */
export function monitoredCgroup(id: string, monitorPid: number): string | undefined {
  const child = firstChild(monitorPid);
  return child === undefined ? undefined : ownCgroup(id, child);
}

/** The first child of `pid` (a monitor's first child is its container's first process). */
export function firstChild(pid: number): number | undefined {
  try {
    const first = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ')[0];
    return first ? Number(first) : undefined;
  } catch {
    return undefined;
  }
}
