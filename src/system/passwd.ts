import { readFileSync } from 'node:fs';

import { BurrowError } from '../errors.js';
import { resolveInRoot } from './rootpath.js';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** The entries of a passwd file; only those of `uid` when it is given. */
export function parsePasswd(text: string, uid?: number): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  const wanted = uid === undefined ? undefined : `:${uid}:`;
  for (const line of text.split('\n')) {
    if (wanted !== undefined && !line.includes(wanted)) continue;
    const f = line.split(':');
    if (uid !== undefined && f[2] !== String(uid)) continue;
    if (f.length < 7 || !/^\d+$/.test(f[2] ?? '') || !/^\d+$/.test(f[3] ?? '')) continue;
    out.push({ name: f[0] as string, uid: Number(f[2]), gid: Number(f[3]), home: f[5] as string });
  }
  return out;
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || !/^\d+$/.test(f[2] ?? '')) continue;
    out.push({ name: f[0] as string, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) });
  }
  return out;
}

/** Reads a file of the container's filesystem; '' when it is absent. */
export type RootReader = (path: string) => string;

/** A reader for a plain root directory. */
export function dirReader(root: string): RootReader {
  return (path) => {
    try {
      return readFileSync(resolveInRoot(root, path), 'utf8');
    } catch {
      return '';
    }
  };
}

/** A reader for a stack of layer directories, top first: the topmost layer that has the file wins. */
export function layersReader(layersTopFirst: string[]): RootReader {
  return (path) => {
    for (const layer of layersTopFirst) {
      try {
        return readFileSync(resolveInRoot(layer, path), 'utf8');
      } catch {
        // not in this layer
      }
    }
    return '';
  };
}

export interface ResolvedUser {
  uid: number;
  gid: number;
  /** supplementary groups from /etc/group */
  groups: number[];
  home: string;
}

/**
 * Resolves podman's `--user` forms, `uid`, `uid:gid`, `name`, `name:group`,
 * against the root filesystem's /etc/passwd and /etc/group.
 */
export function resolveUser(read: RootReader, spec: string): ResolvedUser {
  const [userPart, groupPart, ...rest] = spec.split(':');
  if (userPart === undefined || userPart === '' || rest.length > 0 || groupPart === '')
    throw new BurrowError('E_USER', `invalid user \`${spec}\`: expected USER[:GROUP]`);
  const passwd = parsePasswd(read('/etc/passwd'));
  const groupFile = parseGroup(read('/etc/group'));
  let uid: number;
  let gid: number | undefined;
  let home = '/';
  let name: string | undefined;
  if (/^\d+$/.test(userPart)) {
    uid = Number(userPart);
    const entry = passwd.find((e) => e.uid === uid);
    if (entry) {
      gid = entry.gid;
      home = entry.home;
      name = entry.name;
    }
  } else {
    const entry = passwd.find((e) => e.name === userPart);
    if (!entry)
      throw new BurrowError('E_USER', `unable to find user ${userPart}: no matching entries in passwd file`);
    uid = entry.uid;
    gid = entry.gid;
    home = entry.home;
    name = entry.name;
  }
  if (groupPart !== undefined) {
    if (/^\d+$/.test(groupPart)) gid = Number(groupPart);
    else {
      const g = groupFile.find((e) => e.name === groupPart);
      if (!g) throw new BurrowError('E_USER', `unable to find group ${groupPart}: no matching entries in group file`);
      gid = g.gid;
    }
  }
  if (uid > 0xfffffffe || (gid ?? 0) > 0xfffffffe) throw new BurrowError('E_USER', `invalid user \`${spec}\`: id out of range`);
  const groups =
    groupPart === undefined && name !== undefined
      ? groupFile.filter((g) => g.members.includes(name as string) && g.gid !== gid).map((g) => g.gid)
      : [];
  return { uid, gid: gid ?? 0, groups, home };
}
