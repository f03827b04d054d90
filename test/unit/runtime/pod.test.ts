import { describe, expect, it } from 'vitest';

import { parseLabels } from '../../../src/runtime/labels.js';
import { parseShare } from '../../../src/runtime/pod.js';

describe('pod options', () => {
  it("--share: podman's default (cgroup, ipc, net, uts), a list, none, or +NS added to the default", () => {
    expect(parseShare(undefined)).toEqual(['cgroup', 'ipc', 'net', 'uts']);
    expect(parseShare('net,pid')).toEqual(['net', 'pid']);
    expect(parseShare('none')).toEqual([]);
    expect(parseShare('')).toEqual([]);
    expect(parseShare('+pid')).toEqual(['cgroup', 'ipc', 'net', 'pid', 'uts']);
    expect(() => parseShare('net,user')).toThrow(/invalid kernel namespace to share: user/);
  });

  it('--label KEY=VALUE, a KEY alone an empty value', () => {
    expect(parseLabels(['a=1', 'b', 'c=x=y'])).toEqual({ a: '1', b: '', c: 'x=y' });
    expect(() => parseLabels(['=v'])).toThrow(/invalid label/);
  });
});
