import { describe, expect, it } from 'vitest';

import { UsageError } from '../../../src/errors.js';
import { CAPABILITIES, DEFAULT_CAPABILITIES, capabilities, capabilityMask, capabilityName, capabilitySet } from '../../../src/system/capabilities.js';

const sorted = (s: Set<string>): string[] => [...s].sort();

describe('capabilities', () => {
  it('numbers capabilities as linux/capability.h does', () => {
    const number = (name: string): number => CAPABILITIES.indexOf(name);
    expect(number('CHOWN')).toBe(0);
    expect(number('KILL')).toBe(5);
    expect(number('SETPCAP')).toBe(8);
    expect(number('NET_BIND_SERVICE')).toBe(10);
    expect(number('NET_ADMIN')).toBe(12);
    expect(number('SYS_CHROOT')).toBe(18);
    expect(number('SYS_ADMIN')).toBe(21);
    expect(number('MKNOD')).toBe(27);
    expect(number('SETFCAP')).toBe(31);
    expect(number('AUDIT_READ')).toBe(37);
    expect(number('CHECKPOINT_RESTORE')).toBe(40);
    expect(new Set(CAPABILITIES).size).toBe(CAPABILITIES.length);
  });

  it("has podman's default set, mask 0x800405fb", () => {
    expect([...DEFAULT_CAPABILITIES].sort()).toEqual(['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
    expect(capabilityMask(DEFAULT_CAPABILITIES)).toBe(0x800405fbn);
    expect(capabilityMask([])).toBe(0n);
    expect(capabilityMask(CAPABILITIES)).toBe((1n << 41n) - 1n);
  });

  it('takes names in any case, with or without CAP_', () => {
    for (const input of ['NET_ADMIN', 'net_admin', 'CAP_NET_ADMIN', 'cap_net_admin', 'Cap_Net_Admin']) expect(capabilityName(input)).toBe('NET_ADMIN');
    expect(capabilityName('all')).toBe('ALL');
  });

  it.each(['TELEPORT', 'CAP_', '', 'NET ADMIN', 'CAP_CAP_CHOWN'])('refuses %j as a usage error naming it', (input) => {
    expect(() => capabilityName(input)).toThrow(UsageError);
    expect(() => capabilityName(input)).toThrow(`unknown capability \`${input}\``);
  });

  it('adds and drops from the defaults', () => {
    expect(sorted(capabilitySet([], []))).toEqual([...DEFAULT_CAPABILITIES].sort());
    const s = capabilitySet(['NET_ADMIN', 'sys_admin'], ['CHOWN', 'CAP_KILL']);
    expect(s.has('NET_ADMIN') && s.has('SYS_ADMIN')).toBe(true);
    expect(s.has('CHOWN') || s.has('KILL')).toBe(false);
    expect(capabilityMask(s)).toBe((0x800405fbn | (1n << 12n) | (1n << 21n)) & ~1n & ~(1n << 5n));
  });

  it('ALL: drop ALL empties, add ALL fills; an explicit name wins over ALL', () => {
    expect(sorted(capabilitySet([], ['ALL']))).toEqual([]);
    expect(sorted(capabilitySet(['KILL'], ['ALL']))).toEqual(['KILL']);
    expect(capabilitySet(['ALL'], []).size).toBe(CAPABILITIES.length);
    const allButAdmin = capabilitySet(['ALL'], ['SYS_ADMIN']);
    expect(allButAdmin.size).toBe(CAPABILITIES.length - 1);
    expect(allButAdmin.has('SYS_ADMIN')).toBe(false);
  });

  it('takes comma-separated lists, as podman', () => {
    expect(sorted(capabilitySet(['NET_ADMIN,sys_admin'], ['chown,CAP_KILL']))).toEqual(
      [...DEFAULT_CAPABILITIES.filter((c) => c !== 'CHOWN' && c !== 'KILL'), 'NET_ADMIN', 'SYS_ADMIN'].sort(),
    );
    expect(() => capabilitySet(['NET_ADMIN,bogus'], [])).toThrow('unknown capability `bogus`');
  });

  it('refuses a capability both added and dropped, and ALL both, as podman', () => {
    expect(() => capabilitySet(['CHOWN'], ['cap_chown'])).toThrow('capability `CHOWN` cannot be both added and dropped');
    expect(() => capabilitySet(['ALL'], ['ALL'])).toThrow('--cap-add ALL and --cap-drop ALL cannot be given together');
    expect(() => capabilitySet(['ALL'], ['ALL'])).toThrow(UsageError);
  });

  it('names what --cap-add added (every capability for ALL)', () => {
    expect([...capabilities(['net_admin'], []).added]).toEqual(['NET_ADMIN']);
    expect(capabilities(['ALL'], ['SYS_ADMIN']).added.size).toBe(CAPABILITIES.length);
    expect(capabilities([], []).added.size).toBe(0);
  });
});
