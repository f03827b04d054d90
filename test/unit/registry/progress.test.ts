/** The terminal's progress bars (registry/progress.ts): their text, and frames redrawn in place. */
import { Writable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { barText, size1024, TerminalProgress } from '../../../src/registry/progress.js';

describe('progress bars', () => {
  it('sizes as mpb prints them, and bars of 40 characters', () => {
    expect(size1024(0)).toBe('0.0b');
    expect(size1024(1023)).toBe('1023.0b');
    expect(size1024(1536)).toBe('1.5KiB');
    expect(size1024(27.3 * 1024 * 1024, true)).toBe('27.3 MiB');
    expect(barText(0, 100)).toBe(`[${'-'.repeat(38)}]`);
    expect(barText(50, 100)).toBe(`[${'='.repeat(18)}>${'-'.repeat(19)}]`);
    expect(barText(100, 100)).toBe(`[${'='.repeat(38)}]`);
    expect(barText(200, 100)).toHaveLength(40);
    expect(barText(5, 0)).toHaveLength(40);
  });

  it('draws finished rows once and redraws only the ones still going, cut to the width', () => {
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        out += chunk.toString();
        cb();
      },
    });
    let now = 0;
    const p = new TerminalProgress(sink, () => 60, () => now);
    p.line('Getting image source signatures');
    const a = p.bar('blob', `sha256:${'a'.repeat(64)}`, 2048);
    const b = p.bar('blob', `sha256:${'b'.repeat(64)}`, 2048);
    p.bar('blob', `sha256:${'c'.repeat(64)}`, 10).finish('skipped: already exists');
    now = 1000;
    a.add(1024);
    a.finish('done   |');
    const frames = out.split('\x1b[2K').slice(1);
    expect(frames[0]).toBe('Getting image source signatures\n');
    expect(out).toContain('Copying blob cccccccccccc skipped: already exists\n');
    out = '';
    b.add(2048);
    p.stop();
    // a is final with nothing going above it: not drawn again; b and c (below b) are, two rows up.
    expect(out.startsWith('\x1b[2F')).toBe(true);
    expect(out).not.toContain('aaaaaaaaaaaa');
    expect(out).toContain('Copying blob bbbbbbbbbbbb [====');
    for (const line of out.split('\n')) expect(line.split('\x1b[2K').at(-1)?.length ?? 0).toBeLessThan(60);
  });
});
