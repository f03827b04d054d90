import { describe, expect, it } from 'vitest';

import { parseDetachKeys } from '../../../src/runtime/attach-args.js';

describe('--detach-keys as docker and podman read them', () => {
  it.each([
    ['ctrl-p,ctrl-q', [16, 17]],
    ['ctrl-P,ctrl-Q', [16, 17]],
    ['ctrl-@', [0]],
    ['ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_', [27, 28, 29, 30, 31]],
    ['a,b,ctrl-z', [97, 98, 26]],
    ['', []],
  ])('%j', (text, bytes) => {
    expect([...parseDetachKeys(text)]).toEqual(bytes);
  });

  it.each([',', 'ctrl-', 'ctrl-1', 'ab', 'a,,b', 'é', 'ctrl-pp'])('refuses %j', (text) => {
    expect(() => parseDetachKeys(text)).toThrow(/invalid --detach-keys/);
  });
});
