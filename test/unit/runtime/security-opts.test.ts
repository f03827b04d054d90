import { describe, expect, it } from 'vitest';

import { BurrowError, UsageError } from '../../../src/errors.js';
import { parseDevice } from '../../../src/runtime/devices.js';
import { MASKED_PATHS, READONLY_PATHS, parseSecurityOpts, pathMatch, protectedPaths } from '../../../src/runtime/security-opts.js';
import { parseSysctl } from '../../../src/runtime/sysctls.js';
import { PODMAN_MASKED, PODMAN_READONLY } from '../../helpers/specs.js';

const own = { net: true, ipc: true, uts: true };

describe('parseSecurityOpts', () => {
  it('reads no-new-privileges in its forms, the last one winning', () => {
    expect(parseSecurityOpts(['no-new-privileges']).noNewPrivileges).toBe(true);
    expect(parseSecurityOpts(['no-new-privileges:true']).noNewPrivileges).toBe(true);
    expect(parseSecurityOpts(['no-new-privileges', 'no-new-privileges=false']).noNewPrivileges).toBe(false);
  });

  it('collects mask= and unmask= lists, ALL in any case', () => {
    const s = parseSecurityOpts(['mask=/a:/b/c', 'mask=/d', 'unmask=/proc/*:/sys/firmware', 'unmask=all']);
    expect(s.mask).toEqual(['/a', '/b/c', '/d']);
    expect(s.unmask).toEqual(['/proc/*', '/sys/firmware', 'ALL']);
  });

  it('takes proc-opts of proc(5) and labels, refusing others', () => {
    expect(parseSecurityOpts(['proc-opts=hidepid=2,subset=pid']).procOpts).toBe('hidepid=2,subset=pid');
    expect(parseSecurityOpts(['label=disable', 'label=type:spc_t']).label).toEqual(['disable', 'type:spc_t']);
    expect(parseSecurityOpts(['apparmor=unconfined']).noNewPrivileges).toBe(false);
    // seccomp=: the last one given, for runtime/seccomp.ts to choose the filter by.
    expect(parseSecurityOpts(['seccomp=unconfined', 'seccomp:/p.json']).seccomp).toBe('/p.json');
  });

  it.each([
    ['mask=relative', /`relative` is not an absolute path/],
    ['mask=/a:', /`` is not an absolute path/],
    ['unmask=proc', /`proc` is not an absolute path/],
    ['proc-opts=hidepid=9', /`hidepid=9` is not a \/proc mount option/],
    ['proc-opts=rw,bogus', /`rw` is not a \/proc mount option/],
    ['label=bogus', /label=disable/],
    ['apparmor=my-profile', /not supported/],
    ['seccomp=', /seccomp= needs a value/],
    ['bogus', /security option `bogus` is not supported/],
  ])('refuses %j as a usage error naming it', (opt, message) => {
    expect(() => parseSecurityOpts([opt])).toThrow(UsageError);
    expect(() => parseSecurityOpts([opt])).toThrow(message);
  });
});

describe('protectedPaths', () => {
  it("is podman's lists by default", () => {
    expect(MASKED_PATHS).toEqual(PODMAN_MASKED);
    expect(READONLY_PATHS).toEqual(PODMAN_READONLY);
    expect(protectedPaths(parseSecurityOpts([]), false)).toEqual({ masked: PODMAN_MASKED, readonly: PODMAN_READONLY });
  });

  it('unmask takes paths off both lists, by name or pattern; ALL and --privileged take all; mask= adds even then', () => {
    const some = protectedPaths(parseSecurityOpts(['unmask=/proc/sys:/proc/acpi']), false);
    expect(some.masked).toEqual(PODMAN_MASKED.filter((p) => p !== '/proc/acpi'));
    expect(some.readonly).toEqual(PODMAN_READONLY.filter((p) => p !== '/proc/sys'));
    const glob = protectedPaths(parseSecurityOpts(['unmask=/proc/*']), false);
    expect(glob).toEqual({ masked: ['/sys/firmware', '/sys/fs/selinux', '/sys/dev/block'], readonly: [] });
    expect(protectedPaths(parseSecurityOpts(['unmask=ALL', 'mask=/x']), false)).toEqual({ masked: ['/x'], readonly: [] });
    expect(protectedPaths(parseSecurityOpts(['mask=/x']), true)).toEqual({ masked: ['/x'], readonly: [] });
  });

  it("matches as Go's path.Match: * and ? never cross a slash", () => {
    expect(pathMatch('/proc/*', '/proc/acpi')).toBe(true);
    expect(pathMatch('/proc/*', '/proc/a/b')).toBe(false);
    expect(pathMatch('/sys/*/block', '/sys/dev/block')).toBe(true);
    expect(pathMatch('/proc/k?ys', '/proc/keys')).toBe(true);
    expect(pathMatch('/proc/[kt]*', '/proc/timer_list')).toBe(true);
    expect(pathMatch('/proc/[^k]*', '/proc/keys')).toBe(false);
    expect(pathMatch('/proc/a.b', '/proc/axb')).toBe(false);
  });
});

describe('parseSysctl', () => {
  it('takes the parameters of the namespaces the container owns', () => {
    expect(parseSysctl('net.ipv4.ip_forward=1', own)).toEqual({ name: 'net.ipv4.ip_forward', value: '1' });
    expect(parseSysctl('kernel.sem=250 32000 32 128', own)).toEqual({ name: 'kernel.sem', value: '250 32000 32 128' });
    expect(parseSysctl('fs.mqueue.msg_max=20', own).name).toBe('fs.mqueue.msg_max');
    expect(parseSysctl('kernel.domainname=example.org', own).value).toBe('example.org');
    expect(parseSysctl('net.core.somaxconn=', own).value).toBe('');
  });

  it.each([
    ['bad', own, /invalid sysctl `bad`: expected NAME=VALUE/],
    ['=1', own, /expected NAME=VALUE/],
    ['net/ipv4/ip_forward=1', own, /not a parameter name/],
    ['net..x=1', own, /not a parameter name/],
    ['vm.swappiness=1', own, /sysctl `vm.swappiness` is not allowed/],
    ['kernel.pid_max=1', own, /not allowed/],
    ['kernel.hostname=x', own, /--hostname/],
    ['net.ipv4.ip_forward=1', { ...own, net: false }, /no network namespace of its own/],
    ['kernel.shmmax=1', { ...own, ipc: false }, /no IPC namespace of its own/],
    ['kernel.domainname=x', { ...own, uts: false }, /no uts namespace of its own/],
    [`kernel.domainname=${'x'.repeat(65)}`, own, /at most 64 bytes/],
  ])('refuses %j', (spec, namespaces, message) => {
    expect(() => parseSysctl(spec, namespaces)).toThrow(UsageError);
    expect(() => parseSysctl(spec, namespaces)).toThrow(message);
  });
});

describe('parseDevice', () => {
  it('reads HOST[:CONTAINER][:PERMISSIONS], the container path defaulting to the host one', () => {
    expect(parseDevice('/dev/null')).toEqual([{ source: '/dev/null', target: '/dev/null' }]);
    expect(parseDevice('/dev/null:/dev/other')).toEqual([{ source: '/dev/null', target: '/dev/other' }]);
    expect(parseDevice('/dev/null:rw')).toEqual([{ source: '/dev/null', target: '/dev/null' }]);
    expect(parseDevice('/dev/null:/x/../dev/n:rwm')).toEqual([{ source: '/dev/null', target: '/dev/n' }]);
  });

  it.each([
    ['dev/null', UsageError, /`dev\/null` is not an absolute path/],
    ['/dev/null:dev/n:rw', UsageError, /`dev\/n` is not an absolute path/],
    ['/dev/null:rr', UsageError, /invalid permissions `rr`/],
    ['/dev/null:r', UsageError, /permissions `r` cannot be enforced rootless/],
    ['/dev/null:/a:rw:x', UsageError, /expected HOST-DEVICE/],
    ['/dev/null::rw', UsageError, /expected HOST-DEVICE/],
    ['/no/such/device', BurrowError, /device `\/no\/such\/device`: no such file or directory/],
    ['/etc/passwd', BurrowError, /not a device node/],
  ])('refuses %j', (spec, kind, message) => {
    expect(() => parseDevice(spec)).toThrow(kind);
    expect(() => parseDevice(spec)).toThrow(message);
  });
});
