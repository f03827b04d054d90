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
    network: 'none',
    interactive: false,
    tty: false,
    init: false,
    capabilities: capabilitySet([], []),
    noNewPrivileges: false,
    rlimits: [],
    idmap: SUBIDS,
    ...overrides,
  };
}
