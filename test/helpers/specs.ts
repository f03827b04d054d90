/** Container specs for tests of the plan compiler, with podman's defaults. */
import type { ContainerSpec } from '../../src/runtime/compile.js';
import { capabilitySet } from '../../src/system/capabilities.js';
import { idMapping } from '../../src/system/idmap.js';

const TOOLS = { newuidmap: '/usr/bin/newuidmap', newgidmap: '/usr/bin/newgidmap' };

/** Root 0 -> 1000, 1.. -> 100000.. (a user with subordinate ids). */
export const SUBIDS = idMapping('me', 1000, 1000, [{ start: 100000, count: 65536 }], [{ start: 100000, count: 65536 }], TOOLS);
/** Root alone (a user without subordinate ids). */
export const SINGLE = idMapping('me', 1000, 1000, [], [], TOOLS);

/** A spec with podman's defaults; tests change what they look at. */
export function containerSpec(overrides: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    rootfs: '/home/me/rootfs',
    argv: ['sh', '-c', 'echo hi'],
    env: ['PATH=/usr/bin:/bin', 'HOME=/root'],
    workdir: '/',
    hostname: '0123456789ab',
    uid: 0,
    gid: 0,
    groups: undefined,
    volumes: [],
    tmpfs: [],
    readOnly: false,
    network: { own: true, processes: [], files: [], ports: [] },
    interactive: false,
    tty: false,
    init: false,
    capabilities: capabilitySet([], []),
    privileged: false,
    noNewPrivileges: false,
    rlimits: [],
    idmap: SUBIDS,
    ...overrides,
  };
}

/** podman's masked paths, as the issue lists them (written out here, not taken from src/, so a test can catch a change there). */
export const PODMAN_MASKED = [
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/fs/selinux',
  '/sys/dev/block',
];

/** podman's read-only paths. */
export const PODMAN_READONLY = ['/proc/asound', '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];
