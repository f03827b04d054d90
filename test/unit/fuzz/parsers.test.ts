/**
 * The fuzz targets of fuzz/targets.ts, briefly (FUZZ_RUNS inputs each, a
 * few seconds in all), and every input kept in fuzz/regressions/<target>/
 * (one that once failed, as JSON). scripts/fuzz.mjs runs the same targets
 * for a bounded time; docs/fuzzing.md has the details.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { runOne, TARGETS } from '../../../fuzz/targets.js';

/** Inputs per target here; BURROW_FUZZ_RUNS changes it (a seed: BURROW_FUZZ_SEED). */
const FUZZ_RUNS = Number(process.env.BURROW_FUZZ_RUNS) || 300;
const SEED = process.env.BURROW_FUZZ_SEED === undefined ? undefined : Number(process.env.BURROW_FUZZ_SEED);
const REGRESSIONS = join(import.meta.dirname, '..', '..', '..', 'fuzz', 'regressions');

describe('fuzzing the parsers of untrusted input', () => {
  for (const t of TARGETS) {
    it(`${t.name}: ${t.reads}: only clear errors on ${FUZZ_RUNS} generated inputs`, { timeout: 120_000 }, async () => {
      await fc.assert(
        fc.asyncProperty(t.arbitrary, (input) => runOne(t, input)),
        { numRuns: FUZZ_RUNS, ...(SEED !== undefined ? { seed: SEED } : {}) },
      );
    });

    const dir = join(REGRESSIONS, t.name);
    const kept = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];
    if (kept.length > 0)
      it.each(kept)(`${t.name}: the kept input %s`, async (file) => {
        await runOne(t, JSON.parse(readFileSync(join(dir, file), 'utf8')));
      });
  }

  it('every kept input belongs to a target', () => {
    const dirs = existsSync(REGRESSIONS) ? readdirSync(REGRESSIONS).filter((d) => d !== 'plan') : [];
    expect(dirs.filter((d) => !TARGETS.some((t) => t.name === d))).toEqual([]);
  });
});
