/**
 * Owners kept as data where the user namespace cannot hold them. With no
 * subordinate ids (or a store made under --userns fakeroot's single map)
 * only the user's own id is mapped: a layer's file of any other owner is
 * stored as the user's, and its owner from the layer is written in the
 * extended attribute containers/storage and fuse-overlayfs use for the same
 * purpose, `user.containers.override_stat` ("UID:GID:0MODE", a fourth field
 * naming the type in newer writers). Packing a tree again (`commit`,
 * `export`, `cp` out) reads the owner back from it, so an image that went
 * through such a store keeps its owners. Overlay's copy-up copies the
 * attribute with the file, so a container's changed copy keeps it too.
 * Symlinks cannot carry user.* attributes: theirs are lost (as in
 * containers/storage), and they come out owned by root.
 */
import { readFileSync } from 'node:fs';

export const OVERRIDE_STAT = 'user.containers.override_stat';

/** The attribute's value for an owner and mode. */
export function formatOverride(uid: number, gid: number, mode: number): Buffer {
  return Buffer.from(`${uid}:${gid}:0${(mode & 0o7777).toString(8)}`);
}

/** The owner an attribute value names; undefined for anything else. */
export function parseOverride(value: Buffer | undefined): { uid: number; gid: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d{1,10}):(\d{1,10}):[0-7]{1,7}(?::[a-z0-9-]+)?$/.exec(value.toString('latin1'));
  if (!m) return undefined;
  const uid = Number(m[1]);
  const gid = Number(m[2]);
  return uid <= 0xfffffffe && gid <= 0xfffffffe ? { uid, gid } : undefined;
}

/** Is this /proc/PID/uid_map (or gid_map) text a map of one id? */
export function isSingleMap(text: string): boolean {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return lines.length === 1 && (lines[0] as string).trim().split(/\s+/)[2] === '1';
}

let cached: boolean | undefined;

/**
 * Does this process's user namespace map only one uid and one gid (the
 * user's own, no subordinate ids)? Read from /proc/self once.
 */
export function onlyOwnId(): boolean {
  const single = (file: string): boolean => {
    try {
      return isSingleMap(readFileSync(file, 'utf8'));
    } catch {
      return false;
    }
  };
  cached ??= single('/proc/self/uid_map') && single('/proc/self/gid_map');
  return cached;
}
