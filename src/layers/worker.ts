/**
 * The unpack worker: `burrow --internal-worker OP ...`, run by burrow itself
 * inside a user namespace (system/userns.ts), never by a user.
 *
 *   unpack DIR [--stage FILE]   the layer tar on stdin into DIR (created); prints
 *                   {"diffId":..., "size":..., "warnings":[...]} on stdout; with --stage (a plain
 *                   tar on a pipe), every byte read is appended to FILE too (commit's staged blob)
 *   merge DIR LAYER...   the copy driver: layers (base first) merged into DIR
 *   tar DIR         DIR as a tar on stdout (layers/pack.ts), for `export`
 *   tar DIR --layer DIR as a tar that is to be a layer (commit --squash): `.wh.` names refused
 *   layer UPPER [--fuse]   an overlay's upper dir (--fuse: fuse-overlayfs's) as an OCI layer tar on stdout, for `commit`
 *   changes [--fuse] UPPER LAYER...   what the upper dir (--fuse: fuse-overlayfs's) changed, as JSON lines (layers/changes.ts), for `diff`
 *   cp-stat ROOT PATH        what PATH is inside ROOT (layers/copy.ts), as JSON, for `cp`
 *   cp-out ROOT SRC NAME     SRC inside ROOT as a tar on stdout, its top entry NAME, for `cp`
 *   cp-in ROOT DIR FROM TO OWNER   the tar on stdin unpacked beneath DIR inside ROOT (its first
 *                   component FROM renamed TO; OWNER uid:gid or -), for `cp`
 *
 * Errors: one line `Error: ...` on stderr, exit 125.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { PassThrough } from 'node:stream';

import { BurrowError } from '../errors.js';
import { readWaiting, writeAll } from '../system/files.js';
import { LIBC } from '../system/sys.js';
import { applyLayer, applyLayerFile, applyLayerPipe, type ApplyResult, compressionAt, compressionOf, type Stage } from './apply.js';

/**
 * The layer on stdin: a plain tar in a file is read with read(2) and hashed
 * on the other core (applyLayerFile); a plain tar on a pipe (from burrow's
 * ingest) read with read(2) too (applyLayerPipe); a compressed layer as a
 * stream, decompressed by zlib beside the unpacking.
 */
async function unpackStdin(dir: string, stage?: Stage): Promise<ApplyResult> {
  const st = fstatSync(0);
  if (stage && (st.isFile() || st.isDirectory())) throw new BurrowError('E_LAYER', 'unpack --stage: standard input must be a pipe');
  if (st.isFile()) {
    // where stdin's offset is (a shell's `<` leaves it at 0; a caller may have read some)
    const at = Number(/^pos:\s*(\d+)/m.exec(readFileSync('/proc/self/fdinfo/0', 'utf8'))?.[1] ?? 0);
    if (compressionAt(0, at, st.size - at) === undefined) return applyLayerFile(LIBC, { fd: 0, path: 'standard input', offset: at, length: st.size - at }, dir);
    return applyLayer(LIBC, process.stdin, dir);
  }
  // The first bytes say whether it is compressed (a pipe gives what it has: at least four are asked for).
  const head: Buffer[] = [];
  let have = 0;
  for (let n = -1; have < 4 && n !== 0; have += n) {
    const buf = Buffer.allocUnsafe(64 << 10);
    n = readWaiting(0, buf);
    head.push(buf.subarray(0, n));
  }
  const first = Buffer.concat(head);
  if (compressionOf(first) === undefined) return applyLayerPipe(LIBC, 0, first, dir, undefined, stage);
  if (stage) throw new BurrowError('E_LAYER', 'unpack --stage: the layer must be a plain tar');
  const stream = new PassThrough();
  stream.write(first);
  process.stdin.pipe(stream);
  return applyLayer(LIBC, stream, dir);
}

export async function worker(argv: string[]): Promise<number> {
  const [op = '', ...args] = argv;
  if (op === 'unpack' && (args.length === 1 || (args.length === 3 && args[1] === '--stage'))) {
    const dir = args[0] as string;
    const stagePath = args[2];
    mkdirSync(dir, { mode: 0o755 });
    const stage = stagePath === undefined ? undefined : { fd: openSync(stagePath, 'a'), path: stagePath };
    const result = await unpackStdin(dir, stage);
    if (stage) closeSync(stage.fd);
    writeSync(1, `${JSON.stringify(result)}\n`);
    return 0;
  }
  if (op === 'tar' && (args.length === 1 || (args.length === 2 && args[1] === '--layer'))) {
    (await import('./pack.js')).packTree(LIBC, args[0] as string, 1, { layer: args.length === 2 });
    return 0;
  }
  if (op === 'layer' && (args.length === 1 || (args.length === 2 && args[1] === '--fuse'))) {
    (await import('./pack.js')).packTree(LIBC, args[0] as string, 1, { upper: true, fuseWhiteouts: args.length === 2 });
    return 0;
  }
  if (op === 'changes' && args.length >= 1) {
    const { changes } = await import('./changes.js');
    const fuse = args[0] === '--fuse';
    const rest = fuse ? args.slice(1) : args;
    const lines = changes(LIBC, rest[0] as string, rest.slice(1), fuse).map((c) => JSON.stringify(c));
    writeAll(1, Buffer.from(lines.length > 0 ? `${lines.join('\n')}\n` : ''));
    return 0;
  }
  if (op.startsWith('cp-')) return (await import('./copy.js')).copyWorker(LIBC, op, args);
  if (op === 'merge' && args.length >= 1) {
    const { mergeLayers } = await import('./merge.js');
    mergeLayers(LIBC, args[0] as string, args.slice(1));
    return 0;
  }
  throw new BurrowError('E_WORKER', `unknown worker operation \`${argv.join(' ')}\``);
}
