/**
 * dist/worker.cjs (an entry, as fast.ts and sandbox.ts): `burrow
 * --internal-worker OP ...`, the processes burrow starts in a user namespace
 * to unpack, fetch, merge and copy layers (layers/worker.ts,
 * registry/fetch-worker.ts). bin/burrow.cjs sends these lines here before
 * anything else loads: a pull or a load starts several, and the whole
 * CLI's bundle, eight times this one's size, cost each of them about 8 ms
 * (measured).
 */
import { reportError } from './cli/report-error.js';
import { wholeArgv } from './system/names.js';

export async function internalWorker(words: string[]): Promise<number> {
  const argv = wholeArgv(words);
  try {
    if (argv[0] === 'fetch') return await (await import('./registry/fetch-worker.js')).fetchWorker(argv.slice(1));
    return await (await import('./layers/worker.js')).worker(argv);
  } catch (err) {
    return reportError(err, false);
  }
}
