/**
 * `cp`: files between the host and a container, either way, or a tar on
 * stdin/stdout (`-`). The container's side is done by the worker
 * (layers/copy.ts) where the container's files are reachable with their real
 * owners: for a running container, in its user namespace (the helper joins
 * it, and nothing else: the worker keeps the host's mounts) with the
 * container's root at /proc/PID/root; for a stopped one, in a user namespace
 * of its own with the container's overlay mounted. Every path inside the
 * container is resolved inside its root (openat2 RESOLVE_IN_ROOT): a link
 * the container made to `/` or `../../..` never reaches the host's files.
 */
import { closeSync, constants as fsConstants, lstatSync, openSync, statSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { DEFAULT_PATH } from '../config/defaults.js';
import { packageRoot } from '../config/install.js';
import { BurrowError, errnoCode } from '../errors.js';
import { contentsOnly, type DestKind, extractAt, packSource, place, sourceName } from '../layers/copy.js';
import { CAPABILITIES } from '../system/capabilities.js';
import type { ContainerRecord } from '../storage/containers.js';
import type { Store } from '../storage/store.js';
import { rootfsSteps } from './compile.js';
import { containerLayout, containerSpec, type Env } from './container.js';
import { joinPlan, runningNamespaceProcess } from './join.js';
import { fsPath } from '../system/names.js';

/** One side of a cp: a host path, `-`, or a path in a container. */
export type CpEnd = { kind: 'host'; path: string } | { kind: 'stdio' } | { kind: 'container'; rec: ContainerRecord; path: string };

export interface CpRequest {
  from: CpEnd;
  to: CpEnd;
  /** podman's --archive (default true): what is copied in belongs to the container's user; false keeps the source's ids */
  archive: boolean;
  stdin: Readable;
  stdout: Writable;
  stdoutIsTerminal: boolean;
}

interface Worker {
  stdin: Writable | null;
  stdout: Readable | null;
  done: Promise<void>;
}

function cpError(message: string): BurrowError {
  return new BurrowError('E_CP', message);
}

/** Starts the worker on `op` for the container: joined to it while it runs, over its mounted overlay otherwise. */
function startWorker(env: Env, store: Store, rec: ContainerRecord, op: string, args: string[], input: boolean): Worker {
  const argv = (root: string) => [process.execPath, join(packageRoot, 'bin', 'burrow.cjs'), '--internal-worker', op, root, ...args];
  const status = store.containers.status(rec);
  const pid = runningNamespaceProcess(status);
  if (pid !== undefined) {
    const plan = joinPlan({
      pid,
      // (a nested container's own user namespace, nomap's and auto's, sees its files' owners as the container does)
      namespaces: ['user'],
      argv: argv(`/proc/${pid}/root`),
      env: [`PATH=${DEFAULT_PATH}`],
      workdir: '/',
      uid: 0,
      gid: 0,
      capabilities: new Set(CAPABILITIES),
      noNewPrivileges: true,
      interactive: input,
    });
    const h = env.sys.spawnPlan(plan, () => cpError(`cp: the helper ended before joining container ${rec.name}`));
    let stderr = '';
    h.stderr?.setEncoding('utf8');
    h.stderr?.on('data', (c: string) => (stderr += c));
    const done = h.done.then((code) => {
      if (code !== 0) throw cpError(stderr.trim().replace(/^Error: /, '').split('\n')[0] || `cp in container ${rec.name}: the worker failed (${code})`);
    });
    return { stdin: h.stdin, stdout: h.stdout, done };
  }
  const { root, overlay } = containerLayout(store, rec);
  return env.sys.startInUserns(argv(root), { stdin: input ? 'pipe' : 'ignore', stdout: 'pipe', mounts: rootfsSteps(root, overlay) });
}

async function readText(stream: Readable | null): Promise<string> {
  let text = '';
  if (stream) for await (const c of stream) text += String(c);
  return text;
}

/** What a path is inside the container: itself (links followed), itself (a last link not followed), and its parent. */
async function statIn(env: Env, store: Store, rec: ContainerRecord, path: string): Promise<{ self: DestKind; nofollow: DestKind; parent: DestKind }> {
  const w = startWorker(env, store, rec, 'cp-stat', [path], false);
  const [text] = await Promise.all([readText(w.stdout), w.done]);
  return JSON.parse(text) as { self: DestKind; nofollow: DestKind; parent: DestKind };
}

function hostKind(path: string, follow: boolean): DestKind {
  try {
    return (follow ? statSync(fsPath(path)) : lstatSync(fsPath(path))).isDirectory() ? 'dir' : 'file';
  } catch (err) {
    if (['ENOENT', 'ENOTDIR'].includes(errnoCode(err) ?? '')) return 'none';
    throw err;
  }
}

export async function copy(env: Env, store: Store, req: CpRequest): Promise<void> {
  const { from, to } = req;
  if (from.kind === 'container' && to.kind === 'container') throw cpError('copying between containers is not supported: copy to the host first');
  if (from.kind !== 'container' && to.kind !== 'container') throw cpError('one of the paths must be in a container: CONTAINER:PATH');
  if (to.kind === 'container') return copyIn(env, store, from as Exclude<CpEnd, { kind: 'container' }>, to, req);
  return copyOut(env, store, from as Extract<CpEnd, { kind: 'container' }>, to as Exclude<CpEnd, { kind: 'container' }>, req);
}

async function copyIn(env: Env, store: Store, from: { kind: 'host'; path: string } | { kind: 'stdio' }, to: Extract<CpEnd, { kind: 'container' }>, req: CpRequest): Promise<void> {
  const { rec } = to;
  const dest = to.path.startsWith('/') ? to.path : `/${to.path}`;
  const { spec } = containerSpec(env, store, rec);
  const owner = req.archive ? `${spec.uid}:${spec.gid}` : '-';
  const stat = await statIn(env, store, rec, dest);
  let dir: string;
  let rename = { from: '', to: '' };
  if (from.kind === 'stdio') {
    if (stat.self !== 'dir') throw cpError(`\`${to.path}\` in container ${rec.name} must be a directory to copy a tar from standard input into`);
    dir = dest;
  } else {
    const host = resolve(env.cwd, from.path);
    const kind = hostKind(host, false);
    if (kind === 'none') throw cpError(`\`${from.path}\`: no such file or directory`);
    const name = sourceName(host);
    const placed = place(dest, stat.self, stat.parent, { kind: kind === 'dir' ? 'dir' : 'file', name, contentsOnly: contentsOnly(from.path) });
    dir = placed.dir;
    if (placed.rename) rename = placed.rename;
  }
  const w = startWorker(env, store, rec, 'cp-in', [dir, rename.from, rename.to, owner], true);
  if (!w.stdin) throw cpError('cp: the worker has no input');
  const feeding =
    from.kind === 'stdio'
      ? pipeline(req.stdin, w.stdin)
      : (async () => {
          // The host side, as the user reads it: the same packing, rooted at the host's /, written straight to the
          // worker's stdin (a pipe: its fd, which nothing else writes to meanwhile).
          const input = w.stdin as Writable;
          const fd = (input as unknown as { _handle?: { fd?: number } })._handle?.fd;
          if (typeof fd !== 'number' || fd < 0) throw cpError('cp: the worker has no input');
          const hostRoot = openSync('/', fsConstants.O_RDONLY | fsConstants.O_DIRECTORY);
          try {
            packSource(env.sys, hostRoot, resolve(env.cwd, from.path), sourceName(resolve(env.cwd, from.path)), fd);
          } finally {
            closeSync(hostRoot);
            input.end();
          }
        })();
  await Promise.all([feeding.catch(() => undefined), w.done]);
  await feeding;
}

async function copyOut(env: Env, store: Store, from: Extract<CpEnd, { kind: 'container' }>, to: { kind: 'host'; path: string } | { kind: 'stdio' }, req: CpRequest): Promise<void> {
  const { rec } = from;
  const src = from.path.startsWith('/') ? from.path : `/${from.path}`;
  const stat = await statIn(env, store, rec, src.replace(/\/\.$/, '') || '/');
  if (stat.nofollow === 'none') throw cpError(`\`${from.path}\` in container ${rec.name}: no such file or directory`);
  const name = sourceName(src);
  let placed: ReturnType<typeof place> | undefined;
  if (to.kind === 'stdio') {
    if (req.stdoutIsTerminal) throw cpError('refusing to write a tar to a terminal: redirect standard output');
  } else {
    const host = resolve(env.cwd, to.path);
    placed = place(to.path.endsWith('/') ? `${host}/` : host, hostKind(host, true), hostKind(posix.dirname(host), true), {
      kind: stat.nofollow === 'dir' ? 'dir' : 'file',
      name,
      contentsOnly: contentsOnly(src),
    });
  }
  const w = startWorker(env, store, rec, 'cp-out', [src, name], false);
  if (!w.stdout) throw cpError('cp: the worker has no output');
  if (!placed) {
    await Promise.all([pipeline(w.stdout, req.stdout, { end: false }), w.done]);
    return;
  }
  const dirFd = openSync(fsPath(placed.dir), fsConstants.O_RDONLY | fsConstants.O_DIRECTORY);
  try {
    // The worker's own failure says why first: its tar then only ends early.
    const [extracted, worker] = await Promise.allSettled([extractAt(dirFd, w.stdout, { chown: false, ...(placed.rename ? { rename: placed.rename } : {}) }, env.sys), w.done]);
    if (worker.status === 'rejected') throw worker.reason;
    if (extracted.status === 'rejected') throw extracted.reason;
  } finally {
    closeSync(dirFd);
  }
}
