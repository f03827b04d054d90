/**
 * bwrap's SELinux options in the compiled plan (src/sandbox/compile.ts):
 * --file-label labels what the setup makes and every tmpfs (bwrap's
 * label_mount), --exec-label the command, before the seccomp filters.
 */
import { describe, expect, it } from 'vitest';

import { compileSandbox, type SandboxHost } from '../../../src/sandbox/compile.js';
import { parseSandboxArgs } from '../../../src/sandbox/args.js';
import type { Step } from '../../../src/system/plan.js';

const host = (): SandboxHost => ({ uid: 1000, gid: 1000, cwd: '/', sources: new Map(), overlays: new Map(), seccomp: [Buffer.alloc(8)], inherit: [], cgroupns: true });

describe('SELinux labels', () => {
  it('--file-label: set before the root is made, and a context= on each tmpfs (--tmpfs, --dev\'s), not on other mounts', () => {
    const a = parseSandboxArgs(['--file-label', 'system_u:object_r:sandbox_file_t:s0', '--tmpfs', '/tmp', '--size', '4096', '--tmpfs', '/big', '--dev', '/dev', '--mqueue', '/dev/mqueue', 'true'], { PATH: '/bin' });
    const plan = compileSandbox(a, host());
    const kinds = plan.map((s) => s.kind);
    expect(kinds.indexOf('selinux-label')).toBe(kinds.indexOf('sandbox-root') - 1);
    expect(plan[kinds.indexOf('selinux-label')]).toEqual({ kind: 'selinux-label', attr: 'fscreate', label: 'system_u:object_r:sandbox_file_t:s0' });
    const mounts = plan.filter((s): s is Extract<Step, { kind: 'mount' }> => s.kind === 'mount');
    const data = (target: string): string | undefined => mounts.find((m) => m.target === target)?.data;
    expect(data('/tmp')).toBe('mode=0755,context="system_u:object_r:sandbox_file_t:s0"');
    expect(data('/big')).toBe('mode=0755,size=4096,context="system_u:object_r:sandbox_file_t:s0"');
    expect(data('/dev')).toBe('mode=0755,context="system_u:object_r:sandbox_file_t:s0"');
    expect(data('/dev/pts')).toBe('newinstance,ptmxmode=0666,mode=620');
    expect(data('/dev/mqueue')).toBe('');
  });

  it('--exec-label: written after the environment and before the first seccomp filter; nothing without the options', () => {
    const a = parseSandboxArgs(['--exec-label', 'system_u:system_r:sandbox_t:s0', 'true'], { PATH: '/bin' });
    const kinds = compileSandbox(a, host()).map((s) => s.kind);
    expect(kinds.slice(kinds.indexOf('env'), kinds.indexOf('env') + 3)).toEqual(['env', 'selinux-label', 'seccomp']);
    expect(compileSandbox(parseSandboxArgs(['--tmpfs', '/tmp', 'true'], { PATH: '/bin' }), host()).some((s) => s.kind === 'selinux-label')).toBe(false);
  });
});
