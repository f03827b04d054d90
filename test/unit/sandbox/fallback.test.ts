/**
 * When the sandbox prepares its plan without namespaces (src/sandbox/fallback.ts's
 * usernsMayBeRefused): only where something could refuse the user namespace.
 */
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { usernsMayBeRefused } from '../../../src/sandbox/fallback.js';

/** A host where nothing refuses: the files as an ordinary Debian desktop has them. */
const host: Record<string, string> = {
  '/proc/self/uid_map': '         0          0 4294967295\n',
  '/proc/self/status': 'Name:\tnode\nNoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n',
  '/proc/sys/user/max_user_namespaces': '95482\n',
  '/proc/sys/kernel/unprivileged_userns_clone': '1\n',
};
const on = (files: Record<string, string | undefined>) => (path: string) => (path in files ? files[path] : host[path]);

describe('usernsMayBeRefused', () => {
  it('no on a host where nothing says so (the Debian knob absent, as on other kernels, too)', () => {
    expect(usernsMayBeRefused(on({}))).toBe(false);
    expect(usernsMayBeRefused(on({ '/proc/sys/kernel/unprivileged_userns_clone': undefined }))).toBe(false);
    expect(usernsMayBeRefused(on({ '/proc/sys/kernel/apparmor_restrict_unprivileged_userns': '0\n', '/sys/fs/selinux/enforce': '0' }))).toBe(false);
  });

  it('maybe inside any other user namespace, under a seccomp filter, with a limit of 0 or a knob that forbids them', () => {
    for (const files of [
      { '/proc/self/uid_map': '         0       1000          1\n' },
      { '/proc/self/uid_map': '      1000          0          1\n         0     100000      65536\n' },
      { '/proc/self/status': 'Name:\tnode\nSeccomp:\t2\nSeccomp_filters:\t1\n' },
      { '/proc/sys/user/max_user_namespaces': '0\n' },
      { '/proc/sys/kernel/unprivileged_userns_clone': '0\n' },
      { '/proc/sys/kernel/apparmor_restrict_unprivileged_userns': '1\n' },
      { '/sys/fs/selinux/enforce': '1' },
    ])
      expect(usernsMayBeRefused(on(files)), JSON.stringify(files)).toBe(true);
  });

  it('maybe when what it must read cannot be read', () => {
    for (const path of ['/proc/self/uid_map', '/proc/self/status', '/proc/sys/user/max_user_namespaces'])
      expect(usernsMayBeRefused(on({ [path]: undefined })), path).toBe(true);
    expect(usernsMayBeRefused(on({ '/proc/self/status': 'Name:\tnode\n' }))).toBe(true);
  });

  it('reads this machine as it is: the test user runs in the host\'s user namespace, so the answer follows its seccomp line', () => {
    const seccomp = /^Seccomp:\s*(\d+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    const nested = readFileSync('/proc/self/uid_map', 'utf8').trim().split(/\s+/).join(' ') !== '0 0 4294967295';
    if (nested || seccomp !== '0') expect(usernsMayBeRefused()).toBe(true);
    else expect(usernsMayBeRefused()).toBe(Number(readFileSync('/proc/sys/user/max_user_namespaces', 'utf8')) === 0);
  });
});
