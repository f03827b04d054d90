/**
 * File names as bytes (system/names.ts): every byte string decodes to a
 * string that gives the same bytes back; valid UTF-8 is the plain string;
 * bytes that are not valid UTF-8 (lone continuation bytes, overlong forms,
 * surrogates, code points past U+10FFFF, a sequence cut short) are escaped
 * one by one, so two different names never become one.
 */
import { describe, expect, it } from 'vitest';

import { cPath, decodeName, fsPath, hasEscapes, nameBytes } from '../../../src/system/names.js';

const bytes = (...list: number[]): Buffer => Buffer.from(list);

describe('decodeName and nameBytes', () => {
  it('leave valid UTF-8 as Node decodes it: ASCII, two, three and four bytes (a surrogate pair)', () => {
    for (const name of ['plain', 'caf\u00e9', '\u20ac/\u4e2d\u6587', 'emoji \u{1f4a9} and \u{10ffff}', '']) {
      const b = Buffer.from(name);
      expect(decodeName(b)).toBe(name);
      expect(hasEscapes(name)).toBe(false);
      expect(nameBytes(name)).toEqual(b);
      expect(fsPath(name)).toBe(name);
    }
  });

  it('escape each byte of what is not UTF-8, and give the bytes back', () => {
    const cases: [Buffer, string][] = [
      [bytes(0x61, 0xff, 0x62), 'a\udcffb'],
      [bytes(0x80), '\udc80'],
      [bytes(0xc0, 0xaf), '\udcc0\udcaf'], // overlong '/'
      [bytes(0xed, 0xa0, 0x80), '\udced\udca0\udc80'], // a surrogate's encoding
      [bytes(0xf4, 0x90, 0x80, 0x80), '\udcf4\udc90\udc80\udc80'], // past U+10FFFF
      [bytes(0xe2, 0x82), '\udce2\udc82'], // cut short at the end
      [bytes(0xe2, 0x82, 0x41), '\udce2\udc82A'], // cut short before ASCII
      [bytes(0xc3, 0xa9, 0xff, 0xf0, 0x9f, 0x92, 0xa9), '\u00e9\udcff\u{1f4a9}'], // valid on each side of a bad byte
    ];
    for (const [b, name] of cases) {
      expect(decodeName(b)).toBe(name);
      expect(hasEscapes(name)).toBe(true);
      expect(nameBytes(name)).toEqual(b);
      expect(fsPath(name)).toEqual(b);
      expect(cPath(name)).toEqual(Buffer.concat([b, bytes(0)]));
    }
  });

  it('decode a range of a larger buffer (a tar header field)', () => {
    const block = Buffer.concat([Buffer.from('xx'), bytes(0x64, 0xfe), Buffer.from('yy')]);
    expect(decodeName(block, 2, 4)).toBe('d\udcfe');
  });

  it('round-trip every byte string: 5,000 random ones, most with high bytes', () => {
    let seed = 42;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 16;
    };
    const seen = new Map<string, string>();
    for (let i = 0; i < 5000; i++) {
      const b = Buffer.alloc(1 + (next() % 12));
      for (let j = 0; j < b.length; j++) b[j] = next() % 3 === 0 ? next() % 128 : 128 + (next() % 128);
      const name = decodeName(b);
      expect(nameBytes(name)).toEqual(b);
      expect(name).not.toContain('\ufffd');
      // two different byte strings never decode to one name
      const hex = b.toString('hex');
      expect(seen.get(name) ?? hex).toBe(hex);
      seen.set(name, hex);
    }
  });

  it('take a lone surrogate made elsewhere (not an escape) as Node does, and a valid pair as itself', () => {
    expect(nameBytes('a\ud800b')).toEqual(Buffer.from('a\ud800b'));
    expect(hasEscapes('\ud83d\udca9')).toBe(false); // U+1F4A9: its low half is in U+DC80..U+DCFF
    expect(nameBytes('\ud83d\udca9\udcff')).toEqual(Buffer.concat([Buffer.from('\u{1f4a9}'), bytes(0xff)]));
  });
});
