/**
 * Unpacks one layer tar into a directory, streaming: runs inside a user
 * namespace as its root (the unpack worker), so owners are the image's own
 * ids, mapped. Whiteouts become what native overlayfs reads in a user
 * namespace: a 0/0 character device for `.wh.NAME`, the xattr
 * `user.overlay.opaque=y` for `.wh..wh..opq`.
 *
 * Path safety: an absolute name or a `..` component is refused; parents are
 * resolved inside the layer (an absolute symlink restarts at the layer's
 * root), and a symlink or hardlink that would lead a write outside the layer
 * is refused. Nothing is ever opened through a final symlink. A whiteout
 * must name a child of its directory (`.wh.`, `.wh..`, `.wh...` are refused).
 *
 * Later entries may replace what earlier ones made (a directory by a symlink
 * to the host, say), so nothing is done by path after the entry that made
 * it: a file's owner, mode and times are set through its open fd, and the
 * directories' times, set last, through fds opened beneath the layer's root
 * without following any symlink (a directory that is no longer there, or no
 * longer the same, keeps the time it has).
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
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
  readSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { posix } from 'node:path';
import { PassThrough, type Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

import { Decompress } from 'fzstd';

import { BurrowError, errnoCode, systemFailure, withPath } from '../errors.js';
import { S_IFCHR, S_IFIFO } from '../system/libc.js';
import type { Compression } from '../oci/image.js';
import type { LibcCalls } from '../system/sys.js';
import { readWaiting, writeAll } from '../system/files.js';
import { fsPath } from '../system/names.js';
import { resolveInRoot, RootPathError } from '../system/rootpath.js';
import { HashThread } from './hash-thread.js';
import { sparseHeader, sparseWriter } from './sparse.js';
import { formatOverride, onlyOwnId, OVERRIDE_STAT } from './owners.js';
import { type TarHeader, TarReader, type TarSink } from './tar-reader.js';

export interface ApplyResult {
  /** sha256 of the uncompressed tar */
  diffId: string;
  /** bytes of regular file content */
  size: number;
  /** bytes of the uncompressed tar (what the diff id is the digest of): a docker-archive's entry for the layer is as long */
  tarSize: number;
  warnings: string[];
  /** how the layer was compressed (its first bytes said): absent for a plain tar */
  compression?: Compression;
}

const MAX_NAME = 4096;
const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

function unsafe(message: string): BurrowError {
  return new BurrowError('E_LAYER_UNSAFE', message);
}

/** A part that is `.` or `..`. */
const DOT_PART = /(^|\/)\.\.?(\/|$)/;

/** `a/b/./c/` -> `a/b/c`; refuses absolute names and `..`. */
export function cleanName(name: string): string {
  if (name.length > MAX_NAME) throw unsafe(`layer entry name is ${name.length} bytes long`);
  if (name.includes('\0')) throw unsafe('layer entry name holds a NUL byte');
  // The layer's own root, as `umoci insert` names it: not a path that leaves anything.
  if (/^[/.]+$/.test(name) && !name.includes('..')) return '';
  if (name.startsWith('/')) throw unsafe(`layer entry \`${name}\` has an absolute path`);
  // Most names are clean already (a directory's with one trailing slash): no empty, `.` or `..` part.
  const trimmed = name.endsWith('/') ? name.slice(0, -1) : name;
  if (trimmed !== '' && !trimmed.endsWith('/') && !trimmed.includes('//') && !DOT_PART.test(trimmed)) return trimmed;
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw unsafe(`layer entry \`${name}\` has a \`..\` component`);
  return parts.join('/');
}

/**
 * The host path for `rel`'s parent directory inside `root`, following the
 * symlinks already unpacked as the container would (system/rootpath.ts);
 * refuses a path that climbs out of root.
 */
export function resolveParent(root: string, rel: string): string {
  try {
    return resolveInRoot(root, posix.dirname(rel), 'refuse');
  } catch (err) {
    if (!(err instanceof RootPathError)) throw err;
    throw unsafe(err.code === 'ELOOP' ? `layer entry \`${rel}\`: too many symbolic links` : `layer entry \`${rel}\` leads outside the layer`);
  }
}

function exists(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(fsPath(path));
  } catch {
    return undefined;
  }
}

/**
 * What one unpack has made, so most entries cost no lstat (a Debian layer's
 * 6,800 entries cost more in lstat than in writing, measured): the unpack
 * starts in an empty directory, so a path it did not make is not there, and
 * a directory it made or checked stays a real directory (no symlink on the
 * way) until an entry removes it, which forgets it and all below it.
 */
interface Made {
  /** every path made (a path removed since may still be listed: then it is looked at) */
  paths: Set<string>;
  /** directories whose every component is a real directory */
  dirs: Set<string>;
  /**
   * directories known to be of the unpacker's own group and not setgid (made by this unpack in such a one, or
   * given that group and a mode without the bit): what is made in them has the unpacker's own ids, whether new
   * entries take the creator's group (System V) or the directory's (a filesystem mounted with grpid), so an
   * entry of those ids needs no chown
   */
  plain: Set<string>;
}

function present(made: Made, path: string): ReturnType<typeof lstatSync> | undefined {
  return made.paths.has(path) ? exists(path) : undefined;
}

/** Makes room for a new entry at `path`: whatever is there goes (a directory stays for a directory). */
function clear(made: Made, path: string, keepDir: boolean): void {
  const st = present(made, path);
  if (!st) return;
  if (keepDir && st.isDirectory()) return;
  rmSync(fsPath(path), { recursive: true, force: true });
  made.paths.delete(path);
  if (st.isDirectory())
    for (const set of [made.dirs, made.plain]) for (const d of set) if (d === path || d.startsWith(`${path}/`)) set.delete(d);
}

/** A directory just made by mkdir in `parent`: plain where its parent is (mkdir passes the setgid bit on), else not. */
function madeDir(made: Made, path: string, parent: string): void {
  made.paths.add(path);
  if (made.plain.has(parent)) made.plain.add(path);
  else made.plain.delete(path);
}

/** Makes the directory unless it is there; whether it made it. */
function ensureDir(made: Made, path: string, mode: number): boolean {
  if (made.dirs.has(path) || present(made, path)?.isDirectory()) return false;
  clear(made, path, false);
  mkdirSync(fsPath(path), { mode });
  madeDir(made, path, posix.dirname(path));
  return true;
}

/** Creates missing parents of `path` (inside the root already resolved). */
function ensureParents(made: Made, root: string, parentHost: string): void {
  if (parentHost === root || made.dirs.has(parentHost)) return;
  const rel = posix.relative(root, parentHost);
  let cur = root;
  for (const part of rel.split('/')) {
    const above = cur;
    cur = posix.join(cur, part);
    if (made.dirs.has(cur)) continue;
    const st = present(made, cur);
    if (!st) {
      mkdirSync(fsPath(cur), { mode: 0o755 });
      madeDir(made, cur, above);
    } else if (!st.isDirectory()) return; // what is made in it fails, naming it (ENOTDIR)
    made.dirs.add(cur);
  }
}

/** The name a whiteout entry `.wh.NAME` deletes, refused unless it is a child of its directory. */
export function whiteoutTarget(entry: string, base: string): string {
  const name = base.slice(WHITEOUT.length);
  if (name === '' || name === '.' || name === '..')
    throw unsafe(`layer entry \`${entry}\` is a whiteout that names ${name === '' ? 'nothing' : name === '.' ? 'its own directory' : 'the directory above'}, not a file in it`);
  return name;
}

/**
 * lchown, or with `fd` fchown. An id the user namespace lacks is named, or,
 * where it maps only the user's own id (`asData`), left to the caller to keep
 * as data (layers/owners.ts): false then.
 */
function setOwner(path: string, uid: number, gid: number, fd: number | undefined, asData: boolean): boolean {
  try {
    if (fd === undefined) lchownSync(fsPath(path), uid, gid);
    else fchownSync(fd, uid, gid);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'EINVAL') {
      if (asData) return false;
      throw new BurrowError(
        'E_LAYER_IDS',
        `layer entry \`${path}\` is owned by ${uid}:${gid}, which the user namespace does not map (add subordinate ids: see /etc/subuid and /etc/subgid)`,
      );
    }
    throw err;
  }
}

/** zstd as a stream: Node 20's zlib has none; fzstd decompresses in JavaScript, chunk by chunk. */
function createZstdDecompress(): Transform {
  let push: ((data: Uint8Array) => void) | undefined;
  const decoder = new Decompress((data) => push?.(data));
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      push = (data) => this.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      try {
        decoder.push(chunk);
        cb();
      } catch (err) {
        cb(new BurrowError('E_LAYER_FORMAT', `zstd: ${(err as Error).message}`));
      }
    },
    flush(cb) {
      push = (data) => this.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      try {
        decoder.push(new Uint8Array(0), true);
        cb();
      } catch (err) {
        cb(new BurrowError('E_LAYER_FORMAT', `zstd: ${(err as Error).message}`));
      }
    },
  });
}

/** gzip or zstd, as a blob's first bytes say, or undefined (a plain tar). */
export function compressionOf(first: Buffer): Compression | undefined {
  if (first[0] === 0x1f && first[1] === 0x8b) return 'gzip';
  if (first[0] === 0x28 && first[1] === 0xb5 && first[2] === 0x2f && first[3] === 0xfd) return 'zstd';
  return undefined;
}

/** The compression of the layer of `length` bytes at `offset` of the file `fd`, as its first bytes say. */
export function compressionAt(fd: number, offset: number, length: number): Compression | undefined {
  const first = Buffer.alloc(Math.min(4, length));
  return readSync(fd, first, 0, first.length, offset) === first.length ? compressionOf(first) : undefined;
}

/** A decompressing stream for a layer compressed as `kind` says (none for a plain tar). */
export function decompressor(kind: Compression): Transform;
export function decompressor(kind: Compression | undefined): Transform | undefined;
export function decompressor(kind: Compression | undefined): Transform | undefined {
  // Large output chunks: fewer callbacks, buffers and write calls per byte (measured: a third less CPU on big layers).
  if (kind === 'gzip') return createGunzip({ chunkSize: 1 << 20 });
  if (kind === 'zstd') return createZstdDecompress();
  return undefined;
}

/** A layer's tar, whatever its compression (gzip, zstd or none: sniffed). */
export async function decompressed(input: Readable): Promise<Readable> {
  const { first, stream } = await peek(input);
  const decompress = decompressor(compressionOf(first));
  if (!decompress) return stream;
  stream.once('error', (err) => decompress.destroy(err));
  return stream.pipe(decompress);
}

async function peek(input: Readable): Promise<{ first: Buffer; stream: Readable }> {
  const out = new PassThrough();
  const first = await new Promise<Buffer>((resolve, reject) => {
    const onReadable = (): void => {
      const chunk = input.read() as Buffer | null;
      if (chunk === null) return;
      input.off('readable', onReadable);
      input.off('end', onEnd);
      input.unshift(chunk);
      resolve(chunk);
    };
    const onEnd = (): void => resolve(Buffer.alloc(0));
    input.on('readable', onReadable);
    input.once('end', onEnd);
    input.once('error', reject);
  });
  input.pipe(out);
  return { first, stream: out };
}

const O_DIRECTORY = fsConstants.O_RDONLY | fsConstants.O_DIRECTORY;
/** the setgid bit of a mode (Node's fs.constants has none) */
const S_ISGID = 0o2000;
/** read(2)s of a plain layer: small enough that what is written next is still in the cache */
const READ_SIZE = 256 << 10;
const NEW_FILE = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL;
const DEFAULT_ACL = 'system.posix_acl_default';
/**
 * An entry's time as utimensat takes it: one before 1970 (a pax mtime may
 * be negative) is 1970, not "now", which is what Node makes of a negative
 * time: an unpacked layer is the same however often it is unpacked. (The
 * reader refuses a time beyond 2^53 s; a filesystem clamps a large one to
 * its own end, ext4's in 2446.)
 */
function fileTime(seconds: number): number {
  return Math.max(seconds, 0);
}

/** The smallest layer hashed by a thread (hash-thread.ts): below it, inline is sooner. */
const THREAD_MIN = 32 << 20;

/**
 * Sets each directory's time through an fd opened beneath `root` with no
 * symlink followed: a later entry may have made any part of the path a
 * symlink to the host. One that is gone, or is no longer the directory the
 * entry made, is left alone.
 */
function setDirectoryTimes(sys: LibcCalls, root: string, dirTimes: Map<string, { time: number; ino: number }>): void {
  const rootFd = openSync(root, O_DIRECTORY | fsConstants.O_NOFOLLOW);
  try {
    for (const [rel, { time, ino }] of dirTimes) {
      let fd: number;
      try {
        fd = sys.openBeneath(rootFd, rel, O_DIRECTORY);
      } catch (err) {
        if (['ELOOP', 'ENOENT', 'ENOTDIR', 'EXDEV'].includes(errnoCode(err) ?? '')) continue;
        throw err;
      }
      try {
        if (fstatSync(fd).ino === ino) futimesSync(fd, time, time);
      } finally {
        closeSync(fd);
      }
    }
  } finally {
    closeSync(rootFd);
  }
}

/**
 * Unpacks the tar on `input` (plain, gzip or zstd) into `root`, which must
 * exist and be empty. `ownersAsData` (by default: when this user namespace
 * maps only the user's own id) keeps an owner the namespace cannot hold in
 * the file's override attribute (layers/owners.ts) instead of refusing it.
 */
export async function applyLayer(sys: LibcCalls, input: Readable, root: string, ownersAsData = onlyOwnId()): Promise<ApplyResult> {
  const { first, stream } = await peek(input);
  const unpack = layerUnpacker(sys, root, ownersAsData);
  const sink = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _enc, cb) {
      try {
        unpack.write(chunk);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
    final(cb) {
      try {
        unpack.end();
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });
  const compression = compressionOf(first);
  const decompress = decompressor(compression);
  const stages: (NodeJS.ReadableStream | NodeJS.WritableStream)[] = [stream];
  if (decompress) stages.push(decompress);
  stages.push(sink);
  try {
    await pipeline(stages as unknown as [Readable, ...NodeJS.WritableStream[]]);
  } catch (err) {
    unpack.abort();
    throw unpackFailure(err);
  }
  const result = unpack.result();
  return compression === undefined ? result : { ...result, compression };
}

/** A failed unpacking's error, in words: a system call's (no space, a read-only disk), or a bad layer's. */
function unpackFailure(err: unknown): BurrowError {
  if (err instanceof BurrowError) return err;
  if (typeof (err as { syscall?: unknown }).syscall === 'string')
    return systemFailure(err, 'unpack the layer') ?? new BurrowError('E_LAYER', `unpack the layer: ${(err as Error).message}`, { cause: err });
  // zlib's complaints: a damaged or hostile layer, not a bug of ours
  return new BurrowError('E_LAYER_FORMAT', `layer: not a readable tar archive: ${(err as Error).message}`);
}

export interface FileSource {
  /** an open regular file, its path (for messages), and where in it the layer lies */
  fd: number;
  path: string;
  offset: number;
  length: number;
  /** an fd open for appending that gets a copy of the layer's bytes (a staged blob), and its path */
  stage?: Stage;
}

/** A staged blob's file, open for appending, and its path (for messages). */
export interface Stage {
  fd: number;
  path: string;
}

/** Appends `view` to the staged copy of the layer, if there is one; a failure names its file. */
function toStage(stage: Stage | undefined, view: Buffer): void {
  if (!stage) return;
  try {
    writeAll(stage.fd, view);
  } catch (err) {
    throw withPath(err, stage.path);
  }
}

/**
 * Unpacks an uncompressed tar that lies in a regular file (see compressionAt:
 * a compressed layer goes through applyLayer), synchronously with read(2),
 * while a thread on the other core reads the same range and hashes it
 * (hash-thread.ts; a small layer is hashed here). The event loop turns
 * every 16 MB. `diffId` is the range's sha256, its digest too. A file that
 * changes while it is read is refused: what was hashed might not be what
 * was unpacked.
 */
export async function applyLayerFile(sys: LibcCalls, source: FileSource, root: string, ownersAsData = onlyOwnId()): Promise<ApplyResult> {
  const before = fstatSync(source.fd, { bigint: true });
  // A thread takes longer to start (25 ms) than a small layer takes to hash.
  const hasher = source.length >= THREAD_MIN ? startHashThread(source) : undefined;
  const unpack = layerUnpacker(sys, root, ownersAsData, hasher === undefined);
  const stage = hasher ? undefined : source.stage;
  const buf = Buffer.allocUnsafe(READ_SIZE);
  let done = 0;
  try {
    for (let reads = 1; done < source.length; reads++) {
      let n: number;
      try {
        n = readSync(source.fd, buf, 0, Math.min(buf.length, source.length - done), source.offset + done);
      } catch (err) {
        throw withPath(err, source.path);
      }
      if (n === 0) throw new BurrowError('E_LAYER_FORMAT', `${source.path}: the layer ends ${source.length - done} bytes early`);
      done += n;
      const view = n === buf.length ? buf : buf.subarray(0, n);
      toStage(stage, view);
      unpack.write(view);
      // Now and then a turn of the event loop (16 MB apart): the fetch worker's watch of its stdin, whose end
      // means the pull is gone, runs there.
      if (reads % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    unpack.end();
  } catch (err) {
    unpack.abort();
    hasher?.abort();
    throw unpackFailure(err);
  }
  const digest = hasher ? await hasher.digest() : undefined;
  const after = fstatSync(source.fd, { bigint: true });
  if ((digest && digest.size !== source.length) || after.size !== before.size || after.mtimeNs !== before.mtimeNs || after.ctimeNs !== before.ctimeNs)
    throw new BurrowError('E_LAYER', `${source.path}: the file changed while its layer was read`);
  return unpack.result(digest?.digest);
}

/**
 * Unpacks an uncompressed tar read from a pipe to its end, synchronously
 * (no stream, no turn of the event loop per chunk); `first`, the bytes
 * already read from it. Hashed here: nothing else can read a pipe's bytes.
 * `stage`: an fd open for appending that gets a copy of every byte (the
 * staged blob of a layer another process writes into the pipe: commit's).
 */
export function applyLayerPipe(sys: LibcCalls, fd: number, first: Buffer, root: string, ownersAsData = onlyOwnId(), stage?: Stage): ApplyResult {
  const unpack = layerUnpacker(sys, root, ownersAsData);
  const buf = Buffer.allocUnsafe(READ_SIZE);
  const take = (view: Buffer): void => {
    toStage(stage, view);
    unpack.write(view);
  };
  try {
    take(first);
    for (let n = readWaiting(fd, buf); n > 0; n = readWaiting(fd, buf)) take(n === buf.length ? buf : buf.subarray(0, n));
    unpack.end();
  } catch (err) {
    unpack.abort();
    throw unpackFailure(err);
  }
  return unpack.result();
}

/** A hashing thread for the source, or none where one cannot be started (hashed inline then). */
function startHashThread(source: FileSource): HashThread | undefined {
  try {
    return new HashThread(source, source.stage);
  } catch {
    return undefined;
  }
}

/**
 * The unpacking itself, fed the uncompressed tar's bytes in order: each
 * entry is made as its header and data arrive (tar-reader.ts), synchronously.
 * `end()` then sets the directories' times; `result()` says what was made.
 * After a failure, `abort()` closes the file left open.
 */
export function layerUnpacker(sys: LibcCalls, root: string, ownersAsData: boolean, hashInline = true) {
  // root as resolveParent's answers begin (normalized, no trailing slash), so that paths made by either compare equal
  const top = posix.join(root, '.');
  if (top === '/') throw new BurrowError('E_LAYER', 'a layer is never unpacked into /');
  const hash = hashInline ? createHash('sha256') : undefined;
  const warnings: string[] = [];
  let devicesSkipped = 0;
  let xattrWarned = false;
  let ownersWarned = false;
  let size = 0;
  let tarSize = 0;
  const made: Made = { paths: new Set(), dirs: new Set([top]), plain: new Set() };
  // The ids of what this process makes (in a plain directory).
  const ownUid = process.geteuid?.() ?? -1;
  const ownGid = process.getegid?.() ?? -1;
  const topStat = lstatSync(top);
  if ((topStat.mode & S_ISGID) === 0 && topStat.gid === ownGid) made.plain.add(top);
  // Each directory's time, set at the end: by its path relative to root, resolved (the last entry for a path wins).
  const dirTimes = new Map<string, { time: number; ino: number }>();
  let openFd: number | undefined; // a regular file's, open until its attributes are set
  // The umask, which takes bits from the modes files are made with (read by setting it, and set back;
  // a worker thread may not: then every mode is set with chmod).
  let umask = 0o777;
  try {
    umask = process.umask(0o022);
    process.umask(umask);
  } catch {
    // (a worker thread)
  }
  // A default ACL takes the umask's place, and other bits: where there is one (on the root, or set by an
  // entry on its directory), every mode is set with chmod.
  let defaultAcl = true;
  try {
    defaultAcl = sys.lgetxattr(top, DEFAULT_ACL) !== undefined;
  } catch {
    // (unknown: as if there were one)
  }

  /**
   * Owner, mode, xattrs and times of what an entry just made (a file's through its fd). `made.fresh`: made now, by
   * this entry, in a plain directory (`Made`), and so with this process's own ids: an entry of those ids needs no
   * chown. `made.withMode`: made with its mode, less the umask (a file, a fifo, a fresh directory).
   */
  const attributes = (header: TarHeader, host: string, rel: string, fd: number | undefined, { fresh, withMode }: { fresh: boolean; withMode: boolean }): void => {
    const mode = header.mode & 0o7777;
    const owned = (fresh && header.uid === ownUid && header.gid === ownGid) || setOwner(host, header.uid, header.gid, fd, ownersAsData);
    // After chown, which clears setuid and setgid bits (so a mode with them is set again); `host` is what
    // this entry just made, not a symlink. What was made with its mode, which the umask left whole, has it
    // already, unless a default ACL took bits (a directory only when fresh: mkdir in a setgid directory
    // passes that bit on).
    const madeRight = withMode && !defaultAcl && (mode & 0o7000) === 0 && (mode & umask) === 0;
    if (!madeRight) {
      if (fd !== undefined) fchmodSync(fd, mode);
      else if (header.type !== 'symlink') chmodSync(fsPath(host), mode);
    }
    if (header.type === 'directory') {
      if ((mode & S_ISGID) === 0 && owned && header.gid === ownGid) made.plain.add(host);
      else made.plain.delete(host);
    }
    // An owner this namespace lacks, as data (a symlink cannot carry it: it stays the user's).
    if (!owned && header.type !== 'symlink')
      try {
        sys.lsetxattr(host, OVERRIDE_STAT, formatOverride(header.uid, header.gid, mode));
      } catch (err) {
        if (!ownersWarned) warnings.push(`the owner ${header.uid}:${header.gid} of \`${rel}\` not kept (${(err as Error).message}): it is stored as yours`);
        ownersWarned = true;
      }
    if (header.pax)
      for (const [key, value] of Object.entries(header.pax)) {
        if (!key.startsWith('SCHILY.xattr.')) continue;
        const name = key.slice('SCHILY.xattr.'.length);
        // (the override attribute is burrow's own record: a layer does not write it)
        if (name.startsWith('trusted.') || name.startsWith('user.overlay.') || name === OVERRIDE_STAT) continue;
        try {
          sys.lsetxattr(host, name, Buffer.from(value, 'latin1'));
          if (name === DEFAULT_ACL) defaultAcl = true;
        } catch (err) {
          if (!xattrWarned) warnings.push(`extended attribute ${name} on \`${rel}\` not kept: ${(err as Error).message}`);
          xattrWarned = true;
        }
      }
    const time = fileTime(header.mtime);
    if (header.type === 'directory') {
      const key = host === top ? '' : host.slice(top.length + 1);
      dirTimes.delete(key);
      dirTimes.set(key, { time, ino: lstatSync(fsPath(host)).ino });
    } else if (fd !== undefined) futimesSync(fd, time, time);
    else lutimesSync(fsPath(host), time, time);
  };

  const entry = (header: TarHeader): TarSink | undefined => {
    const sparse = sparseHeader(header.pax, header.name);
    if (header.type === null) throw new BurrowError('E_LAYER_FORMAT', `layer entry \`${header.name}\` has a type burrow cannot unpack (old GNU sparse or unknown)`);
    const rel = cleanName(sparse ? sparse.name : header.name);
    // (rel is clean: no empty, `.` or `..` part, so paths are joined as strings, not normalized again)
    const slash = rel.lastIndexOf('/');
    const base = rel.slice(slash + 1);
    // A parent known to be a real directory needs no resolving (no symlink can be on its way).
    const literalParent = slash < 0 ? top : `${top}/${rel.slice(0, slash)}`;
    const parent = rel === '' ? top : made.dirs.has(literalParent) ? literalParent : resolveParent(top, rel);
    const host = rel === '' ? top : `${parent}/${base}`;
    if (rel !== '') ensureParents(made, top, parent);

    if (base === OPAQUE) {
      ensureDir(made, parent, 0o755);
      sys.lsetxattr(parent, 'user.overlay.opaque', Buffer.from('y'));
      return undefined;
    }
    if (base.startsWith(WHITEOUT)) {
      const target = `${parent}/${whiteoutTarget(header.name, base)}`;
      clear(made, target, false);
      sys.mknod(target, S_IFCHR | 0o000, 0n);
      made.paths.add(target);
      return undefined;
    }
    // Whatever this entry makes in a plain directory has this process's ids (see attributes).
    const inPlain = made.plain.has(parent);
    let fresh = false;
    let madeWithMode = false; // a fifo made by this entry with its mode (less the umask), or a fresh directory
    switch (header.type) {
      case 'directory':
        if (rel === '') chmodSync(top, header.mode & 0o7777);
        else {
          fresh = ensureDir(made, host, header.mode & 0o777) && inPlain;
          madeWithMode = fresh;
          made.dirs.add(host);
        }
        break;
      case 'file':
      case 'contiguous-file': {
        clear(made, host, false);
        const fd = openSync(fsPath(host), NEW_FILE, header.mode & 0o777);
        openFd = fd;
        made.paths.add(host);
        // A sparse file: its pieces at their offsets, the holes left as holes.
        const sparseSink = sparse ? sparseWriter(fd, sparse, rel) : undefined;
        return {
          data(piece) {
            try {
              if (sparseSink) sparseSink.write(piece);
              else writeAll(fd, piece);
            } catch (err) {
              throw withPath(err, host); // a write by fd names no file
            }
          },
          end() {
            try {
              sparseSink?.end();
            } catch (err) {
              throw withPath(err, host);
            }
            size += sparse ? sparse.realSize : header.size;
            attributes(header, host, rel, fd, { fresh: inPlain, withMode: true });
            openFd = undefined;
            closeSync(fd);
          },
        };
      }
      case 'symlink':
        clear(made, host, false);
        symlinkSync(fsPath(header.linkname), fsPath(host));
        made.paths.add(host);
        fresh = inPlain;
        break;
      case 'link': {
        const target = cleanName(header.linkname);
        const targetHost = posix.join(resolveParent(top, target), posix.basename(target));
        if (!exists(targetHost)) throw unsafe(`hardlink \`${rel}\` points at \`${target}\`, which is not in this layer`);
        clear(made, host, false);
        linkSync(fsPath(targetHost), fsPath(host));
        made.paths.add(host);
        return undefined; // a hard link shares its target's owner, mode and times
      }
      case 'fifo':
        clear(made, host, false);
        sys.mknod(host, S_IFIFO | (header.mode & 0o777), 0n);
        madeWithMode = true;
        fresh = inPlain;
        made.paths.add(host);
        break;
      case 'character-device':
      case 'block-device':
        devicesSkipped++;
        return undefined;
    }
    attributes(header, host, rel, undefined, { fresh, withMode: madeWithMode });
    return undefined;
  };

  const reader = new TarReader(entry);
  return {
    write(chunk: Buffer): void {
      hash?.update(chunk);
      tarSize += chunk.length;
      reader.write(chunk);
    },
    end(): void {
      reader.end();
      // Directory times last: unpacking into a directory changes its mtime.
      setDirectoryTimes(sys, top, dirTimes);
    },
    abort(): void {
      if (openFd !== undefined) closeSync(openFd);
      openFd = undefined;
    },
    /** `digest`: the bytes' sha256 when they were hashed elsewhere */
    result(digest?: string): ApplyResult {
      if (devicesSkipped > 0) warnings.push(`${devicesSkipped} device node(s) skipped: a rootless container cannot create devices`);
      const diffId = digest ?? (hash ? `sha256:${hash.digest('hex')}` : undefined);
      if (diffId === undefined) throw new BurrowError('E_LAYER', 'a layer unpacked without its digest');
      return { diffId, size, tarSize, warnings };
    },
  };
}
