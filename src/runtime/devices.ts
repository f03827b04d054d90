/**
 * Host devices in a rootless container: --device and --privileged. A user
 * namespace cannot make device nodes (mknod), so each device is bound from
 * the host's /dev, as rootless podman does. There is no device cgroup
 * rootless, and a read-only bind does not stop writes to a device node (the
 * kernel's read-only check is for files and directories), so what the user
 * may open on the host is all the container may: permissions other than read
 * and write together cannot be enforced, and are refused (podman binds the
 * device read-only for `r` and writes still go through).
 */
import { accessSync, constants, lstatSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { join, posix } from 'node:path';

import { BurrowError, UsageError, errnoCode } from '../errors.js';
import type { DeviceSpec } from './compile.js';

const isDevice = (st: Stats): boolean => st.isCharacterDevice() || st.isBlockDevice();

/** Can the user open the device for reading or for writing? */
function openable(path: string): boolean {
  const can = (mode: number): boolean => {
    try {
      accessSync(path, mode);
      return true;
    } catch {
      return false;
    }
  };
  return can(constants.R_OK) || can(constants.W_OK);
}

/** The device nodes below a directory, by their path relative to it (symlinks not followed, as podman). */
function devicesBelow(dir: string, skipDirs: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    let names: string[];
    try {
      names = readdirSync(join(dir, rel));
    } catch {
      return; // unreadable: nothing of it
    }
    for (const name of names.sort()) {
      const r = rel === '' ? name : `${rel}/${name}`;
      let st: Stats;
      try {
        st = lstatSync(join(dir, r));
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        if (!skipDirs.has(r)) walk(r);
      } else if (isDevice(st)) out.push(r);
    }
  };
  walk('');
  return out;
}

/** --device HOST[:CONTAINER][:PERMISSIONS] (rw, with m or not: mknod means nothing rootless): each device bound, a directory's each one. */
export function parseDevice(spec: string): DeviceSpec[] {
  const parts = spec.split(':');
  if (parts.length > 3 || parts.some((p) => p === '')) throw new UsageError(`invalid device \`${spec}\`: expected HOST-DEVICE[:CONTAINER-DEVICE][:PERMISSIONS]`);
  const [host = '', second, third] = parts;
  let target = host;
  let perms = 'rwm';
  if (third !== undefined) [target, perms] = [second as string, third];
  else if (second !== undefined) {
    if (second.startsWith('/')) target = second;
    else perms = second;
  }
  if (!host.startsWith('/')) throw new UsageError(`invalid device \`${spec}\`: \`${host}\` is not an absolute path`);
  if (!target.startsWith('/')) throw new UsageError(`invalid device \`${spec}\`: \`${target}\` is not an absolute path`);
  if (!/^[rwm]+$/.test(perms) || new Set(perms).size !== perms.length) throw new UsageError(`invalid device \`${spec}\`: invalid permissions \`${perms}\`: use r, w and m`);
  if (!perms.includes('r') || !perms.includes('w'))
    throw new UsageError(
      `invalid device \`${spec}\`: permissions \`${perms}\` cannot be enforced rootless (no device cgroup, and a read-only bind does not stop writes to a device): give rw or rwm`,
    );
  let source: string;
  let st: Stats;
  try {
    source = realpathSync(host);
    st = statSync(source);
  } catch (err) {
    const why = errnoCode(err) === 'ENOENT' ? 'no such file or directory' : (errnoCode(err) ?? String(err));
    throw new BurrowError('E_DEVICE', `device \`${host}\`: ${why}`);
  }
  const deny = (path: string): BurrowError =>
    new BurrowError('E_DEVICE', `device \`${path}\`: permission denied: you can neither read nor write it on the host, so neither could the container`);
  if (st.isDirectory()) {
    // A directory: every device in it the user can open (as podman, which adds each one it holds).
    const found = devicesBelow(source);
    const usable = found.filter((rel) => openable(join(source, rel)));
    if (usable.length === 0) {
      if (found.length > 0) throw deny(join(source, found[0] as string));
      throw new BurrowError('E_DEVICE', `device \`${host}\`: a directory without a device node in it`);
    }
    return usable.map((rel) => ({ source: join(source, rel), target: posix.join(target, rel) }));
  }
  if (!isDevice(st)) throw new BurrowError('E_DEVICE', `device \`${host}\`: not a device node`);
  if (!openable(source)) throw deny(host);
  return [{ source, target: posix.normalize(target) }];
}

/** podman skips these below /dev (not devices of the host's hardware, or the container's own). */
const SKIPPED_DIRS = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev']);

/**
 * --privileged: the host's devices, as rootless podman binds them, less the
 * ones the user cannot open (podman binds those too, where they are of no
 * use); never the console, /dev/ptmx or a tty (the host's terminals).
 */
export function hostDevices(dev = '/dev'): DeviceSpec[] {
  return devicesBelow(dev, SKIPPED_DIRS)
    .filter((rel) => rel !== 'console' && rel !== 'ptmx' && !rel.startsWith('tty'))
    .filter((rel) => openable(join(dev, rel)))
    .map((rel) => ({ source: join(dev, rel), target: posix.join('/dev', rel) }));
}
