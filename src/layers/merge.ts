/**
 * The copy driver's root filesystem: the image's layers copied, base first,
 * into one directory, reading the whiteouts the unpacker left (0/0 character
 * devices delete, `user.overlay.opaque=y` directories hide what is below) as
 * overlayfs would. Runs in the worker, inside the user namespace, so owners
 * are kept.
 */
import {
  chmodSync,
  copyFileSync,
  lchownSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  utimesSync,
} from 'node:fs';
import { join } from 'node:path';

import { S_IFIFO } from '../system/libc.js';
import { decodeName, fsPath } from '../system/names.js';
import { OVERRIDE_STAT } from './owners.js';
import type { LibcCalls } from '../system/sys.js';

function lstatOr(path: string | Buffer) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function copyTree(sys: LibcCalls, src: string, dst: string): void {
  // Names as bytes, so a name that is not UTF-8 is kept (system/names.ts): paths go to fs as fsPath gives them.
  for (const name of readdirSync(fsPath(src), { encoding: 'buffer' }).map((n) => decodeName(n))) {
    const from = join(src, name);
    const to = join(dst, name);
    const fromPath = fsPath(from);
    const toPath = fsPath(to);
    const st = lstatSync(fromPath);
    if (st.isCharacterDevice() && st.rdev === 0) {
      rmSync(toPath, { recursive: true, force: true });
      continue;
    }
    const existing = lstatOr(toPath);
    if (st.isDirectory()) {
      const opaque = sys.lgetxattr(from, 'user.overlay.opaque')?.toString() === 'y';
      if (existing && (!existing.isDirectory() || opaque)) rmSync(toPath, { recursive: true, force: true });
      if (!existing || !existing.isDirectory() || opaque) mkdirSync(toPath);
      copyTree(sys, from, to);
    } else {
      if (existing) rmSync(toPath, { recursive: true, force: true });
      if (st.isFile()) copyFileSync(fromPath, toPath);
      else if (st.isSymbolicLink()) symlinkSync(readlinkSync(fromPath, { encoding: 'buffer' }), toPath);
      else if (st.isFIFO()) sys.mknod(to, S_IFIFO | (st.mode & 0o7777), 0n);
      else continue;
    }
    lchownSync(toPath, st.uid, st.gid);
    if (st.isSymbolicLink()) lutimesSync(toPath, st.atime, st.mtime);
    else {
      chmodSync(toPath, st.mode & 0o7777); // after chown, which clears setuid bits
      // an owner kept as data (layers/owners.ts) goes with the copy
      const owner = sys.lgetxattr(from, OVERRIDE_STAT);
      if (owner !== undefined) sys.lsetxattr(to, OVERRIDE_STAT, owner);
      utimesSync(toPath, st.atime, st.mtime);
    }
  }
}

export function mergeLayers(sys: LibcCalls, dest: string, layersBaseFirst: string[]): void {
  mkdirSync(dest, { mode: 0o755 });
  for (const layer of layersBaseFirst) {
    copyTree(sys, layer, dest);
    const st = lstatSync(layer);
    chmodSync(dest, st.mode & 0o7777);
  }
}
