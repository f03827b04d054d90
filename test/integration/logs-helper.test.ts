/**
 * `burrow logs CTR` of a whole log is printed by the helper
 * (`burrow-helper logs FILE`, helpers/log.c) instead of runtime/logs.ts's
 * LogReader: the two must give the same bytes on each stream, in the same
 * order, for any log — k8s-file lines whole and in parts on both streams,
 * lines that are not k8s-file, empty texts, a last line without its newline,
 * lines longer than the helper's buffer — generated here and compared.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import fc from 'fast-check';
import { expect, it } from 'vitest';

import { LogReader } from '../../src/runtime/logs.js';
import { describeContainers, fixtures } from '../helpers/fixtures.js';
import { HELPER } from '../helpers/run-cli.js';

/** What LogReader makes of `log`: each stream's bytes, and both in the order written. */
function reference(log: Buffer): { stdout: string; stderr: string; both: string } {
  const out = { stdout: '', stderr: '', both: '' };
  const reader = new LogReader({ timestamps: false, prefix: '' }, (stream, data) => {
    out[stream] += data.toString('latin1');
    out.both += data.toString('latin1');
  });
  // In uneven chunks, as a file is read.
  for (let i = 0; i < log.length; i += 7919) reader.feed(log.subarray(i, i + 7919));
  reader.end();
  return out;
}

function helper(file: string): { stdout: string; stderr: string; both: string; status: number | null } {
  const apart = spawnSync(HELPER, ['logs', file], { encoding: 'latin1', maxBuffer: 1 << 28 });
  const both = spawnSync('sh', ['-c', '"$0" logs "$1" 2>&1', HELPER, file], { encoding: 'latin1', maxBuffer: 1 << 28 });
  return { stdout: apart.stdout, stderr: apart.stderr, both: both.stdout, status: apart.status };
}

const STAMP = '2026-12-06T07:00:00.123456789+00:00';

/** `log` written to `file`, and the helper's output of it against LogReader's, byte for byte (compared whole: a diff of megabytes helps no one). */
function sameAsReader(file: string, log: Buffer): ReturnType<typeof helper> {
  writeFileSync(file, log);
  const want = reference(log);
  const got = helper(file);
  expect(got.status).toBe(0);
  expect(got.stdout.length).toBe(want.stdout.length);
  expect(got.stdout === want.stdout).toBe(true);
  expect(got.stderr === want.stderr).toBe(true);
  expect(got.both === want.both).toBe(true);
  return got;
}

/** One line of a log: a k8s-file line (or something that only looks like one), its text, its end. */
const line = fc.oneof(
  { weight: 6, arbitrary: fc.record({ stream: fc.constantFrom('stdout', 'stderr'), tag: fc.constantFrom('F', 'P'), text: fc.string({ maxLength: 40 }) }).map((l) => `${STAMP} ${l.stream} ${l.tag} ${l.text}`) },
  { weight: 1, arbitrary: fc.constantFrom(`${STAMP} stdout F`, `${STAMP} stderr P`, `${STAMP} stdout X text`, `${STAMP} stdoux F text`, `${STAMP} stdout FF text`, `${STAMP}`, 'no-space-at-all', '', ' stdout F leading space', `time ${'x'.repeat(30)} stdout F a space where a stamp's would be, and one before it`, `${STAMP} stdout F\ttab`, `${STAMP} stderr F carriage\r`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);

describeContainers('burrow-helper logs: the same bytes as LogReader', () => {
  it('for any log made of k8s-file lines, parts, strays, empty texts and a last line with or without its newline', () => {
    const dir = mkdtempSync(join(fixtures().dir, 'logs-helper-'));
    let n = 0;
    fc.assert(
      fc.property(fc.array(line, { maxLength: 60 }), fc.boolean(), (lines, endsInNewline) => {
        const text = lines.join('\n') + (endsInNewline && lines.length > 0 ? '\n' : '');
        const file = join(dir, `log-${n++}`);
        const bytes = Buffer.from(text, 'utf8');
        writeFileSync(file, bytes);
        const want = reference(bytes);
        const got = helper(file);
        expect(got.status).toBe(0);
        expect(got.stdout).toBe(want.stdout);
        expect(got.stderr).toBe(want.stderr);
        expect(got.both).toBe(want.both);
      }),
      { numRuns: 150 },
    );
  });

  it('lines longer than its buffer (whole, and in parts), and a missing log (nothing, exit 0)', () => {
    const dir = mkdtempSync(join(fixtures().dir, 'logs-helper-long-'));
    const big = 'x'.repeat(3 << 20);
    const file = join(dir, 'long');
    const log = Buffer.from(`${STAMP} stdout P ${big}\n${STAMP} stderr F err\n${STAMP} stdout F ${big}\n${STAMP} stdout F short\n${STAMP} stdout P unended`);
    expect(sameAsReader(file, log).stderr).toBe('err\n');
    const none = helper(join(dir, 'missing'));
    expect([none.status, none.stdout, none.stderr]).toEqual([0, '', '']);
  });

  it('a log of many megabytes: more texts than one writev takes, over many reads, both streams and parts; a reader gone early is no error', () => {
    const dir = mkdtempSync(join(fixtures().dir, 'logs-helper-many-'));
    const lines: string[] = [];
    // (a stamp of another width every so often: the space is then looked for, not assumed)
    for (let i = 0; i < 200_000; i++)
      lines.push(`${i % 997 === 0 ? '2026-12-06T07:00:00.1Z' : STAMP} ${i % 13 === 0 ? 'stderr' : 'stdout'} ${i % 101 === 0 ? 'P' : 'F'} line ${i} ${'y'.repeat(i % 61)}`);
    const file = join(dir, 'many');
    const log = Buffer.from(`${lines.join('\n')}\n`);
    sameAsReader(file, log);
    const early = spawnSync('sh', ['-c', '{ "$0" logs "$1" 2>/dev/null; echo "status $?" >&2; } | head -c 100 >/dev/null', HELPER, file], { encoding: 'utf8' });
    expect(early.stderr).toBe('status 0\n');
  });
});
