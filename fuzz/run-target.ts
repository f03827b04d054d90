/**
 * Runs one fuzz target of fuzz/targets.ts for a bounded time and prints one
 * JSON line: {target, ms, runs, seed, failure?}. scripts/fuzz.mjs bundles
 * this file and runs it once per target, in a process of its own (so a hang
 * is a kill with the seed to replay, not a stuck runner).
 *
 *   node build/fuzz/run-target.mjs TARGET SECONDS [SEED]
 *   node build/fuzz/run-target.mjs --list
 */
import fc from 'fast-check';

import { runOne, target, TARGETS } from './targets.js';

if (process.argv[2] === '--list') {
  process.stdout.write(`${TARGETS.map((t) => t.name).join('\n')}\n`);
  process.exit(0);
}
const [name = '', seconds = '10', seedText] = process.argv.slice(2);
const t = target(name);
const seed = seedText === undefined ? Date.now() ^ (Math.random() * 0x100000000) : Number(seedText);
// The seed first: if the run hangs and is killed, this line says how to replay it.
process.stderr.write(`${name}: seed ${seed}\n`);
const start = performance.now();
let runs = 0;
let current: unknown;
// An error no promise carries (an 'error' event nobody listens to) ends the process: reported with the input that ran.
const crashed = (err: unknown): void => {
  const error = err as Error | undefined;
  process.stdout.write(`${JSON.stringify({ target: name, ms: Math.round(performance.now() - start), runs, seed, failure: { input: current, error: `uncaught ${error?.name ?? typeof err}: ${error?.message ?? String(err)}` } })}\n`);
  process.exit(1);
};
process.on('uncaughtException', crashed);
process.on('unhandledRejection', crashed);
const details = await fc.check(
  fc.asyncProperty(t.arbitrary, (input) => {
    runs++;
    current = input;
    return runOne(t, input);
  }),
  { seed, numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: Number(seconds) * 1000, markInterruptAsFailure: false },
);
const result: Record<string, unknown> = { target: name, ms: Math.round(performance.now() - start), runs: details.numRuns, seed };
if (details.failed) {
  const error = details.errorInstance as Error | undefined;
  result.failure = { input: details.counterexample?.[0], path: details.counterexample === null ? undefined : details.counterexamplePath, error: `${error?.message ?? String(error)}` };
}
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(details.failed ? 1 : 0);
