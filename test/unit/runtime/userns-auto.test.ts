import { describe, expect, it } from 'vitest';

import { autoSize, freeSlice } from '../../../src/runtime/userns-auto.js';

describe('--userns auto', () => {
  it('takes the first free slice of 1..total-1 (0 is you), never overlapping another', () => {
    expect(freeSlice([], 1024, 65537)).toBe(1);
    expect(freeSlice([{ start: 1, size: 1024 }], 1024, 65537)).toBe(1025);
    expect(freeSlice([{ start: 1025, size: 1024 }], 1024, 65537)).toBe(1);
    expect(freeSlice([{ start: 1025, size: 1024 }], 2000, 65537)).toBe(2049);
    expect(freeSlice([{ start: 500, size: 10 }, { start: 1, size: 100 }], 300, 65537)).toBe(101);
    expect(freeSlice([{ start: 1, size: 65000 }], 536, 65537)).toBe(65001);
    expect(freeSlice([{ start: 1, size: 65000 }], 537, 65537)).toBeUndefined();
    expect(freeSlice([], 65537, 65537)).toBeUndefined();
  });

  it("sizes a slice from the image's /etc/passwd and /etc/group, at least 1024", () => {
    const files: Record<string, string> = { '/etc/passwd': 'root:x:0:0::/:/bin/sh\nnobody:x:65534:65534::/:/bin/false\napp:x:3000:3001::/:/bin/sh\n', '/etc/group': 'g:x:4000:\n' };
    expect(autoSize((p) => files[p] ?? '')).toBe(4001);
    expect(autoSize(() => '')).toBe(1024);
  });
});
