/**
 * Writes a directory tree as a tar (the worker's `tar DIR`, run inside a user
 * namespace, so owners are the container's own ids): modes, owners, mtimes,
 * symlinks, hard links (by inode), fifos. Device nodes (overlay whiteouts,
 * 0/0 character devices, among them) and sockets are left out: a rootless
 * container has none of its own. Names are relative, directories end in `/`,
 * entries are sorted so the same tree gives the same tar. With `upper` (the
 * worker's `layer UPPER`, for commit) an overlay's upper dir becomes an OCI
 * layer: a whiteout becomes `.wh.NAME`, an opaque directory holds
 * `.wh..wh..opq`. A layer cannot hold a file of the container's own whose
 * name begins with `.wh.` (the image spec's whiteout prefix: an unpacker
 * would delete NAME from the layers below): commit refuses it, where
 * podman's would delete that file from the image.
 */
import { closeSync, constants as fsConstants, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, type Stats } from 'node:fs';

import { BurrowError, errnoCode } from '../errors.js';
import type { LibcCalls } from '../system/sys.js';
import { decodeName, fsPath } from '../system/names.js';
import { onlyOwnId, OVERRIDE_STAT, parseOverride } from './owners.js';
import { TarWriter } from './tar-writer.js';

const O_DIRECTORY = fsConstants.O_RDONLY | fsConstants.O_DIRECTORY;

/** An entry that changed under us (a running container): gone, or turned into a symlink on the way. */
export function changed(err: unknown): boolean {
  return ['ENOENT', 'ELOOP', 'ENOTDIR', 'EXDEV'].includes(errnoCode(err) ?? '');
}

/** One entry of a directory: its lstat, a symlink's target, and the owner its override attribute names (layers/owners.ts). */
export interface DirEntry {
  name: string;
  st: Stats;
  link?: string;
  owner?: { uid: number; gid: number };
}

/**
 * A directory's entries with their lstat (and a symlink's target), read
 * through `dirFd`, so no path is followed; with `sys`, each one's owner as
 * data too.
 */
export function listDir(dirFd: number, sys?: LibcCalls): DirEntry[] {
  const at = `/proc/self/fd/${dirFd}`;
  const out: DirEntry[] = [];
  // Names as bytes, so a name that is not UTF-8 is kept (system/names.ts).
  for (const name of readdirSync(at, { encoding: 'buffer' }).map((b) => decodeName(b)).sort()) {
    const path = fsPath(`${at}/${name}`);
    try {
      const st = lstatSync(path);
      const entry: DirEntry = st.isSymbolicLink() ? { name, st, link: decodeName(readlinkSync(path, { encoding: 'buffer' })) } : { name, st };
      const owner = sys && !st.isSymbolicLink() ? parseOverride(xattr(sys, `${at}/${name}`, OVERRIDE_STAT)) : undefined;
      if (owner) entry.owner = owner;
      out.push(entry);
    } catch (err) {
      if (!changed(err)) throw err;
    }
  }
  return out;
}

/** An overlay whiteout in an upper dir: a 0/0 character device, or an empty file marked with the xattr (userxattr). */
export function isWhiteout(sys: LibcCalls, root: string, rel: string, st: Stats): boolean {
  if (st.isCharacterDevice()) return st.rdev === 0;
  return st.isFile() && st.size === 0 && xattr(sys, `${root}/${rel}`, 'user.overlay.whiteout') !== undefined;
}

/** An opaque directory of an upper dir (userxattr's user.overlay.opaque, or trusted.overlay.opaque). */
export function isOpaque(sys: LibcCalls, root: string, rel: string): boolean {
  const path = rel === '' ? root : `${root}/${rel}`;
  return ['user.overlay.opaque', 'trusted.overlay.opaque'].some((name) => xattr(sys, path, name)?.toString() === 'y');
}

function xattr(sys: LibcCalls, path: string, name: string): Buffer | undefined {
  try {
    return sys.lgetxattr(path, name);
  } catch {
    return undefined; // not permitted (trusted.*) or gone
  }
}

/** The image spec's whiteout prefix: a name that begins with it marks a deletion in a layer. */
export const WHITEOUT_PREFIX = '.wh.';

export interface PackOptions {
  /** an overlay's upper dir as a layer (whiteouts and opaque directories as the image spec writes them) */
  upper?: boolean;
  /** the upper dir is fuse-overlayfs's, which writes its whiteouts as `.wh.NAME` files already (where it cannot make 0/0 devices) */
  fuseWhiteouts?: boolean;
  /** the tar is to be a layer (commit --squash): a name that begins with `.wh.` is refused, as with `upper` */
  layer?: boolean;
  prefix?: string;
  ownersAsData?: boolean;
}

/**
 * Packs `root` into a tar written to `fd` (layers/tar-writer.ts), without
 * following a symlink anywhere: the tree may belong to a running container,
 * whose processes can swap a file or a directory for a symlink to the host at
 * any moment. Every directory and file is opened beneath root with openat2 (no
 * symlink, no `..`), read through that fd, and what changed on the way is left
 * out. Synchronous: nothing else runs meanwhile in the worker that does it.
 */
export function packTree(sys: LibcCalls, root: string, fd: number, opts: PackOptions = {}): void {
  // Where only the user's own id is mapped, the owners the layers had are kept as data (layers/owners.ts).
  const asData = opts.ownersAsData ?? onlyOwnId();
  // `cp`: the tree's entries under one name (the root itself an entry too), or its contents only ('').
  const prefix = opts.prefix ?? '';
  const named = (rel: string): string => (prefix === '' ? rel : rel === '' ? prefix : `${prefix}/${rel}`);
  const tar = new TarWriter(fd);
  const links = new Map<string, string>();
  const rootFd = openSync(fsPath(root), O_DIRECTORY | fsConstants.O_NOFOLLOW);

  const visit = (rel: string, st: Stats, link?: string, owner?: { uid: number; gid: number }): void => {
    const { uid, gid } = owner ?? st;
    const baseName = rel.slice(rel.lastIndexOf('/') + 1);
    if ((opts.upper || opts.layer) && baseName.startsWith(WHITEOUT_PREFIX) && !(opts.upper && opts.fuseWhiteouts)) {
      const parent = rel.slice(0, rel.length - baseName.length); // '' or 'etc/'
      const marks = baseName === '.wh..wh..opq' ? `/${parent.slice(0, -1)} opaque (all the layers below have in it deleted)` : `/${parent}${baseName.slice(WHITEOUT_PREFIX.length)} deleted`;
      throw new BurrowError('E_COMMIT', `/${rel}: a name that begins with .wh. cannot be kept in an image layer, where it marks ${marks}: rename or remove it`);
    }
    const base = { name: named(rel), mode: st.mode & 0o7777, uid, gid, mtime: Math.floor(st.mtimeMs / 1000) };
    if (st.isDirectory()) {
      let children: ReturnType<typeof listDir>;
      try {
        const dirFd = sys.openBeneath(rootFd, rel, O_DIRECTORY);
        try {
          children = listDir(dirFd, asData ? sys : undefined);
        } finally {
          closeSync(dirFd);
        }
      } catch (err) {
        if (changed(err)) return;
        throw err;
      }
      if (named(rel) !== '') tar.header({ ...base, name: `${named(rel)}/`, type: 'directory' });
      // An overlay's upper dir as a layer: an opaque directory hides what the layers below had in it.
      if (opts.upper && isOpaque(sys, root, rel)) tar.header({ ...base, name: rel === '' ? '.wh..wh..opq' : `${rel}/.wh..wh..opq`, type: 'file', size: 0, mode: 0o644 });
      for (const child of children) visit(rel === '' ? child.name : `${rel}/${child.name}`, child.st, child.link, child.owner);
      return;
    }
    // fuse-overlayfs's opaque directory: its `.wh..wh..opq` file is written as it is, its `.wh..opq` whiteout not at all.
    if (opts.upper && opts.fuseWhiteouts && baseName === '.wh..opq') return;
    if (opts.upper && isWhiteout(sys, root, rel, st)) {
      const slash = rel.lastIndexOf('/');
      return tar.header({ ...base, name: `${rel.slice(0, slash + 1)}.wh.${rel.slice(slash + 1)}`, type: 'file', size: 0, mode: 0o644 });
    }
    if (st.isSymbolicLink()) return tar.header({ ...base, type: 'symlink', linkname: link ?? '' });
    if (st.isFIFO()) return tar.header({ ...base, type: 'fifo' });
    if (!st.isFile()) return; // devices, sockets
    let file: number;
    try {
      file = sys.openBeneath(rootFd, rel, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    } catch (err) {
      if (changed(err)) return;
      throw err;
    }
    try {
      const now = fstatSync(file);
      if (!now.isFile() || now.ino !== st.ino) return; // swapped for something else since it was listed
      if (st.nlink > 1) {
        const key = `${st.dev}:${st.ino}`;
        const first = links.get(key);
        if (first !== undefined) return tar.header({ ...base, type: 'link', linkname: named(first) });
        links.set(key, rel);
      }
      // The size it was listed with: a file that grows or shrinks meanwhile is cut or padded to it.
      tar.header({ ...base, type: 'file', size: st.size });
      tar.file(file, st.size);
    } finally {
      closeSync(file);
    }
  };

  try {
    visit('', fstatSync(rootFd), undefined, asData ? parseOverride(xattr(sys, `/proc/self/fd/${rootFd}/.`, OVERRIDE_STAT)) : undefined);
  } finally {
    closeSync(rootFd);
  }
  tar.end();
}
