/**
 * `cp`'s two halves, run by the worker (layers/worker.ts) where the
 * container's files can be reached: in the container's user namespace, its
 * root at /proc/PID/root (a running container), or in a user namespace of its
 * own with the container's overlay mounted (a stopped one).
 *
 * Every path inside the container is resolved as the container itself would
 * resolve it, with openat2 RESOLVE_IN_ROOT: a symlink to `/` or to
 * `../../..` stays inside the container's root, and nothing can be swapped in
 * between a check and a use (CVE-2018-15664, CVE-2019-14271). What is
 * written is made beneath a directory fd, one component at a time, no link
 * followed: each new name is created relative to its parent's fd
 * (/proc/self/fd/N/NAME), a link in the tar's own paths is refused.
 */
import {
  closeSync,
  constants as fsConstants,
  fchmodSync,
  fchownSync,
  fstatSync,
  futimesSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readlinkSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';

import { BurrowError, errnoCode } from '../errors.js';
import { writeAll } from '../system/files.js';
import { decodeName, fsPath } from '../system/names.js';
import type { LibcCalls } from '../system/sys.js';
import { cleanName } from './apply.js';
import { formatOverride, onlyOwnId, OVERRIDE_STAT, parseOverride } from './owners.js';
import { packTree } from './pack.js';
import { type TarHeader, TarReader, type TarSink } from './tar-reader.js';
import { TarWriter } from './tar-writer.js';

const O_DIRECTORY = fsConstants.O_RDONLY | fsConstants.O_DIRECTORY;
const O_PATH = 0o10000000;
const S_IFIFO = 0o010000;

/** What a cp source is, as the worker found it: the receiving side decides the names from it. */
export interface SourceInfo {
  kind: 'file' | 'dir' | 'other';
}

/** What is at a destination: nothing, a directory, or something else. */
export type DestKind = 'none' | 'dir' | 'file';

/** Where cp puts a source, by docker's and podman's rules: the directory to unpack into, and the name its top entry takes there. */
export interface Placement {
  dir: string;
  rename?: { from: string; to: string };
}

/**
 * cp's rules. A file: into DEST when DEST is a directory, else as DEST
 * (whose parent must be a directory; `DEST/` must exist). A directory: into
 * DEST under its own name when DEST is one (its contents only for `SRC/.`),
 * as DEST when DEST is not there; never over a file.
 */
export function place(dest: string, destKind: DestKind, parentKind: DestKind, src: { kind: 'file' | 'dir'; name: string; contentsOnly: boolean }): Placement {
  const bare = dest.replace(/\/+$/, '') || '/';
  if (destKind === 'dir') return src.contentsOnly ? { dir: bare, rename: { from: src.name, to: '' } } : { dir: bare };
  if (src.kind === 'dir' && destKind === 'file') throw cpError(`cannot copy a directory to \`${dest}\`, which is not a directory`);
  if (destKind === 'none' && dest.endsWith('/')) throw cpError(`\`${dest}\`: no such directory`);
  if (parentKind !== 'dir') throw cpError(`\`${posix.dirname(bare)}\`: no such directory`);
  return { dir: posix.dirname(bare), rename: { from: src.name, to: posix.basename(bare) } };
}

function cpError(message: string): BurrowError {
  return new BurrowError('E_CP', message);
}

/** The fd of `path` inside the root `rootFd` (RESOLVE_IN_ROOT: links followed, within the root). */
export function openIn(sys: LibcCalls, rootFd: number, path: string, flags: number): number {
  return sys.openInRoot(rootFd, path === '' ? '.' : path, flags);
}

/** What `path` is inside the root: the last component not followed when it is a link (cp copies a link as a link). */
export function kindIn(sys: LibcCalls, rootFd: number, path: string, followLast: boolean): DestKind {
  try {
    const fd = openIn(sys, rootFd, followLast ? path : posix.dirname(path), O_PATH);
    try {
      const st = followLast ? fstatSync(fd) : lstatSync(`/proc/self/fd/${fd}/${posix.basename(path)}`);
      return st.isDirectory() ? 'dir' : 'file';
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if (['ENOENT', 'ENOTDIR'].includes(errnoCode(err) ?? '')) return 'none';
    throw err;
  }
}

/** The name a source's top entry travels under: its own, or `rootfs` for `/`. */
export function sourceName(src: string): string {
  const base = posix.basename(src.replace(/\/+\.?$/, '').replace(/\/+$/, ''));
  return base === '' || base === '.' ? 'rootfs' : base;
}

/** `SRC/.`: a directory's contents, not the directory. */
export function contentsOnly(src: string): boolean {
  return /(^|\/)\.$/.test(src);
}

/** Writes `src` (inside the root) as a tar to the fd `out`, its top entry named `name` (sourceName). */
export function packSource(sys: LibcCalls, rootFd: number, src: string, name: string, out: number): void {
  const trimmed = src.replace(/\/+$/, '') || '/';
  const contentsOnly = /(^|\/)\.$/.test(src);
  const parentFd = openIn(sys, rootFd, contentsOnly ? trimmed.replace(/\/?\.$/, '') || '/' : posix.dirname(trimmed), O_DIRECTORY);
  try {
    const base = contentsOnly || trimmed === '/' ? '.' : posix.basename(trimmed);
    const at = fsPath(`/proc/self/fd/${parentFd}/${base}`);
    let st;
    try {
      st = lstatSync(at);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw cpError(`\`${src}\`: no such file or directory`);
      throw err;
    }
    // A directory: packed beneath its own fd, no link followed (pack.ts).
    if (st.isDirectory()) return packTree(sys, `/proc/self/fd/${parentFd}/${base}`, out, { prefix: name });
    const tar = new TarWriter(out);
    const kept = onlyOwnId() && !st.isSymbolicLink() ? parseOverride(sys.lgetxattr(`/proc/self/fd/${parentFd}/${base}`, OVERRIDE_STAT)) : undefined;
    const { uid, gid } = kept ?? st;
    const header = { name: name || base, mode: st.mode & 0o7777, uid, gid, mtime: Math.floor(st.mtimeMs / 1000) };
    if (st.isSymbolicLink()) {
      tar.header({ ...header, type: 'symlink', linkname: decodeName(readlinkSync(at, { encoding: 'buffer' })) });
    } else if (st.isFile()) {
      const fd = openSync(at, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
      try {
        tar.header({ ...header, type: 'file', size: st.size });
        tar.file(fd, st.size);
      } finally {
        closeSync(fd);
      }
    } else throw cpError(`\`${src}\` is not a file, a directory or a link`);
    tar.end();
  } finally {
    closeSync(parentFd);
  }
}

export interface ExtractOptions {
  /** the tar's first path component renamed to this (cp's destination name); undefined keeps the names */
  rename?: { from: string; to: string };
  /** every entry's owner; undefined keeps the tar's */
  owner?: { uid: number; gid: number };
  /** chown at all (false on the host side: the user cannot) */
  chown: boolean;
}

/**
 * Unpacks the tar on `input` beneath the directory `dirFd`, replacing what is
 * there (cp overwrites): a directory stays a directory, anything else is
 * replaced. Each parent is opened beneath `dirFd` with no link followed, so
 * a link the container put there (or one made earlier in this tar) is
 * refused, never followed. Read with the unpacker's tar reader, which keeps a
 * name that is not UTF-8 (system/names.ts).
 */
export async function extractAt(dirFd: number, input: Readable, opts: ExtractOptions, sys: LibcCalls): Promise<void> {
  const dirTimes: { rel: string; time: number }[] = [];
  const parentOf = (rel: string): number => {
    const parent = posix.dirname(rel);
    try {
      return parent === '.' ? openSync(`/proc/self/fd/${dirFd}`, O_DIRECTORY) : sys.openBeneath(dirFd, parent, O_DIRECTORY);
    } catch (err) {
      if (['ELOOP', 'EXDEV'].includes(errnoCode(err) ?? '')) throw cpError(`\`${parent}\` is a symbolic link: cp writes through none`);
      if (errnoCode(err) === 'ENOENT') throw cpError(`\`${parent}\`: no such directory`);
      throw err;
    }
  };
  // The fds a file's entry holds until its data has come (closed on a failure too).
  let open: number[] = [];
  const entry = (header: TarHeader): TarSink | undefined => {
    let rel = cleanName(header.name);
    if (opts.rename && (rel === opts.rename.from || rel.startsWith(`${opts.rename.from}/`))) rel = `${opts.rename.to}${rel.slice(opts.rename.from.length)}`;
    rel = rel.replace(/^\/+/, '');
    if (rel === '' || rel === '.') return undefined; // the destination directory itself: left as it is
    const parentFd = parentOf(rel);
    open = [parentFd];
    const name = `/proc/self/fd/${parentFd}/${posix.basename(rel)}`;
    const at = fsPath(name);
    const uid = opts.owner?.uid ?? header.uid;
    const gid = opts.owner?.gid ?? header.gid;
    const mode = header.mode & 0o7777;
    const mtime = Math.max(header.mtime, 0);
    // chown, or where only your own id is mapped an owner it lacks kept as data (layers/owners.ts)
    const own = (fd: number | undefined): void => {
      if (!opts.chown) return;
      try {
        if (fd === undefined) lchownSync(at, uid, gid);
        else fchownSync(fd, uid, gid);
      } catch (err) {
        if (errnoCode(err) !== 'EINVAL' || !onlyOwnId()) throw err;
        if (header.type !== 'symlink') sys.lsetxattr(name, OVERRIDE_STAT, formatOverride(uid, gid, mode));
      }
    };
    const existing = (() => {
      try {
        return lstatSync(at);
      } catch {
        return undefined;
      }
    })();
    // What is there is replaced, but never a directory by something else (docker's and podman's rule).
    const clear = () => {
      if (existing?.isDirectory()) throw cpError(`cannot overwrite directory \`${rel}\` with a non-directory`);
      if (existing) unlinkSync(at);
    };
    const done = (): undefined => {
      for (const fd of open) closeSync(fd);
      open = [];
      return undefined;
    };
    switch (header.type) {
      case 'directory': {
        if (existing && !existing.isDirectory()) clear();
        if (!existing?.isDirectory()) mkdirSync(at, 0o700);
        const fd = sys.openBeneath(parentFd, posix.basename(rel), O_DIRECTORY);
        open.push(fd);
        own(fd);
        fchmodSync(fd, mode);
        dirTimes.push({ rel, time: mtime });
        return done();
      }
      case 'file':
      case 'contiguous-file': {
        clear();
        const fd = openSync(at, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW, 0o600);
        open.push(fd);
        return {
          data: (piece) => writeAll(fd, piece),
          end: () => {
            own(fd);
            fchmodSync(fd, mode);
            futimesSync(fd, mtime, mtime);
            done();
          },
        };
      }
      case 'symlink':
        clear();
        symlinkSync(fsPath(header.linkname), at);
        own(undefined);
        lutimesSync(at, mtime, mtime);
        return done();
      case 'link': {
        let target = cleanName(header.linkname);
        if (opts.rename && (target === opts.rename.from || target.startsWith(`${opts.rename.from}/`))) target = `${opts.rename.to}${target.slice(opts.rename.from.length)}`;
        const targetParent = parentOf(target);
        open.push(targetParent);
        clear();
        linkSync(fsPath(`/proc/self/fd/${targetParent}/${posix.basename(target)}`), at);
        return done();
      }
      case 'fifo':
        clear();
        sys.mknod(name, S_IFIFO | mode, 0n);
        own(undefined);
        return done();
      default:
        return done(); // devices and the rest: not for cp
    }
  };
  const reader = new TarReader(entry);
  try {
    for await (const chunk of input) reader.write(chunk as Buffer);
    reader.end();
  } catch (err) {
    for (const fd of open) closeSync(fd);
    // (the reader's words are a layer's: here it is cp's tar)
    if (err instanceof BurrowError && err.code === 'E_LAYER_FORMAT') throw cpError(err.message.replace(/^layer: /, 'the copied tar: '));
    throw err;
  }
  // Directory times last: what was made in them changed them.
  for (const { rel, time } of dirTimes.reverse()) {
    try {
      const fd = sys.openBeneath(dirFd, rel, O_DIRECTORY);
      try {
        futimesSync(fd, time, time);
      } finally {
        closeSync(fd);
      }
    } catch {
      // replaced meanwhile: its time is not ours to set
    }
  }
}

/** The worker's cp operations (layers/worker.ts): ROOT is the container's root directory. */
export async function copyWorker(sys: LibcCalls, op: string, args: string[]): Promise<number> {
  const [root, ...rest] = args;
  if (root === undefined) throw cpError(`${op}: no root`);
  const rootFd = openSync(root, O_PATH | fsConstants.O_DIRECTORY);
  try {
    if (op === 'cp-stat' && rest.length === 1) {
      const path = rest[0] as string;
      const bare = path.replace(/\/+$/, '') || '/';
      const doc = { self: kindIn(sys, rootFd, bare, true), nofollow: kindIn(sys, rootFd, bare, false), parent: kindIn(sys, rootFd, posix.dirname(bare), true) };
      writeAll(1, Buffer.from(`${JSON.stringify(doc)}\n`));
      return 0;
    }
    if (op === 'cp-out' && rest.length === 2) {
      packSource(sys, rootFd, rest[0] as string, rest[1] as string, 1);
      return 0;
    }
    if (op === 'cp-in' && rest.length === 4) {
      const [dir, from, to, owner] = rest as [string, string, string, string];
      let dirFd: number;
      try {
        dirFd = openIn(sys, rootFd, dir, O_DIRECTORY);
      } catch (err) {
        if (['ENOENT', 'ENOTDIR'].includes(errnoCode(err) ?? '')) throw cpError(`\`${dir}\`: no such directory`);
        throw err;
      }
      try {
        const ids = owner === '-' ? undefined : owner.split(':').map(Number);
        await extractAt(dirFd, process.stdin, { chown: true, ...(from !== '' ? { rename: { from, to } } : {}), ...(ids ? { owner: { uid: ids[0] as number, gid: ids[1] as number } } : {}) }, sys);
      } finally {
        closeSync(dirFd);
      }
      return 0;
    }
  } finally {
    closeSync(rootFd);
  }
  throw cpError(`unknown worker operation \`${op} ${args.join(' ')}\``);
}
