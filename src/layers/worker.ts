/**
 * The unpack worker: `burrow --internal-worker OP ...`, run by burrow itself
 * inside a user namespace (system/userns.ts), never by a user.
 *
 *   unpack DIR      the layer tar on stdin into DIR (created); prints
 *                   {"diffId":..., "size":..., "warnings":[...]} on stdout
 *   merge DIR LAYER...   the copy driver: layers (base first) merged into DIR
 *   tar DIR         DIR as a tar on stdout (layers/pack.ts), for `export`
 *   layer UPPER     an overlay's upper dir as an OCI layer tar on stdout, for `commit`
 *   changes UPPER LAYER...   what the upper dir changed, as JSON lines (layers/changes.ts), for `diff`
 *   cp-stat ROOT PATH        what PATH is inside ROOT (layers/copy.ts), as JSON, for `cp`
 *   cp-out ROOT SRC NAME     SRC inside ROOT as a tar on stdout, its top entry NAME, for `cp`
 *   cp-in ROOT DIR FROM TO OWNER   the tar on stdin unpacked beneath DIR inside ROOT (its first
 *                   component FROM renamed TO; OWNER uid:gid or -), for `cp`
 *
 * Errors: one line `Error: ...` on stderr, exit 125.
 */
import { mkdirSync, writeSync } from 'node:fs';

import { BurrowError } from '../errors.js';
import { writeAll } from '../system/files.js';
import { LIBC } from '../system/sys.js';
import { applyLayer } from './apply.js';

export async function worker(argv: string[]): Promise<number> {
  const [op = '', ...args] = argv;
  if (op === 'unpack' && args.length === 1) {
    const dir = args[0] as string;
    mkdirSync(dir, { mode: 0o755 });
    const result = await applyLayer(LIBC, process.stdin, dir);
    writeSync(1, `${JSON.stringify(result)}\n`);
    return 0;
  }
  if (op === 'tar' && args.length === 1) {
    await (await import('./pack.js')).packTree(LIBC, args[0] as string, process.stdout);
    return 0;
  }
  if (op === 'layer' && args.length === 1) {
    await (await import('./pack.js')).packTree(LIBC, args[0] as string, process.stdout, { upper: true });
    return 0;
  }
  if (op === 'changes' && args.length >= 1) {
    const { changes } = await import('./changes.js');
    const lines = changes(LIBC, args[0] as string, args.slice(1)).map((c) => JSON.stringify(c));
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
