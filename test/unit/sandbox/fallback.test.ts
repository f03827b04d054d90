/**
 * When the sandbox prepares its plan without namespaces (src/sandbox/fallback.ts's
 * usernsMayBeRefused): only where something could refuse the user namespace.
 */
import { readFileSync, readlinkSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { usernsMayBeRefused } from '../../../src/sandbox/fallback.js';

/** A host where nothing refuses: the files as an ordinary Debian desktop has them. */
const host: Record<string, string> = {
  '/proc/self/status': 'Name:\tnode\nNoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n',
  '/proc/sys/user/max_user_namespaces': '95482\n',
  '/proc/sys/kernel/unprivileged_userns_clone': '1\n',
};
const on = (files: Record<string, string | undefined>) => (path: string) => (path in files ? files[path] : host[path]);
/** The host's user namespace, as /proc/self/ns/user names it; or another's. */
const initNs = () => 'user:[4026531837]';
const otherNs = () => 'user:[4026532581]';

describe('usernsMayBeRefused', () => {
  it('no on a host where nothing says so (the Debian knob absent, as on other kernels, too)', () => {
    expect(usernsMayBeRefused(on({}), initNs)).toBe(false);
    expect(usernsMayBeRefused(on({ '/proc/sys/kernel/unprivileged_userns_clone': undefined }), initNs)).toBe(false);
    expect(usernsMayBeRefused(on({ '/proc/sys/kernel/apparmor_restrict_unprivileged_userns': '0\n', '/sys/fs/selinux/enforce': '0' }), initNs)).toBe(false);
  });

  it('maybe inside any other user namespace (whatever its map), under a seccomp filter, with a limit of 0 or a knob that forbids them', () => {
    expect(usernsMayBeRefused(on({}), otherNs)).toBe(true);
    expect(usernsMayBeRefused(on({}), () => undefined)).toBe(true);
    for (const files of [
      { '/proc/self/status': 'Name:\tnode\nSeccomp:\t2\nSeccomp_filters:\t1\n' },
      { '/proc/sys/user/max_user_namespaces': '0\n' },
      { '/proc/sys/kernel/unprivileged_userns_clone': '0\n' },
      { '/proc/sys/kernel/apparmor_restrict_unprivileged_userns': '1\n' },
      { '/sys/fs/selinux/enforce': '1' },
    ])
      expect(usernsMayBeRefused(on(files)), JSON.stringify(files)).toBe(true);
  });

  it('maybe when what it must read cannot be read', () => {
    for (const path of ['/proc/self/status', '/proc/sys/user/max_user_namespaces'])
      expect(usernsMayBeRefused(on({ [path]: undefined }), initNs), path).toBe(true);
    expect(usernsMayBeRefused(on({ '/proc/self/status': 'Name:\tnode\n' }), initNs)).toBe(true);
  });

  it('reads this machine as it is: the test user runs in the host\'s user namespace, so the answer follows its seccomp line', () => {
    const seccomp = /^Seccomp:\s*(\d+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    const nested = readlinkSync('/proc/self/ns/user') !== initNs();
    if (nested || seccomp !== '0') expect(usernsMayBeRefused()).toBe(true);
    else expect(usernsMayBeRefused()).toBe(Number(readFileSync('/proc/sys/user/max_user_namespaces', 'utf8')) === 0);
  });
});
