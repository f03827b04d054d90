import { describe, expect, it } from 'vitest';

import { formatOverride, isSingleMap, parseOverride } from '../../../src/layers/owners.js';

describe('owners kept as data (user.containers.override_stat)', () => {
  it('writes UID:GID:0MODE, as containers/storage does, and reads it back', () => {
    expect(formatOverride(1000, 42, 0o102755).toString()).toBe('1000:42:02755');
    expect(formatOverride(0, 0, 0o644).toString()).toBe('0:0:0644');
    expect(parseOverride(formatOverride(33, 44, 0o600))).toEqual({ uid: 33, gid: 44 });
  });

  it("reads newer writers' fourth field, the type", () => {
    expect(parseOverride(Buffer.from('5:6:0755:dir'))).toEqual({ uid: 5, gid: 6 });
    expect(parseOverride(Buffer.from('0:5:0620:char-136-0'))).toEqual({ uid: 0, gid: 5 });
  });

  it('takes nothing else for an owner', () => {
    for (const bad of ['', '1:2', '1:2:3:4:5', 'a:2:0644', '1:b:0644', '1:2:0999', '-1:2:0644', '4294967295:0:0644', '1 :2:0644', '1:2:0644\n'])
      expect(parseOverride(Buffer.from(bad)), bad).toBeUndefined();
    expect(parseOverride(undefined)).toBeUndefined();
  });

  it('tells a map of one id from a map of a range', () => {
    expect(isSingleMap('         0       1002          1\n')).toBe(true);
    expect(isSingleMap('0 1002 1\n1 100000 65536\n')).toBe(false);
    expect(isSingleMap('0 0 4294967295\n')).toBe(false);
    expect(isSingleMap('')).toBe(false);
  });
});
