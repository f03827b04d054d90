/**
 * The document `info` prints: the host (architecture, kernel, cgroup version,
 * the user's id mappings), the store (where it is, its driver, how many images
 * and containers) and burrow's version, with podman's field names.
 */
import { existsSync, readFileSync } from 'node:fs';
import { arch, cpus, freemem, hostname, release, totalmem, uptime } from 'node:os';

import { VERSION } from '../config/install.js';
import type { Paths } from '../config/paths.js';
import { goArch } from '../oci/image.js';
import { PLAN_VERSION } from '../system/plan.js';
import { storageDriver } from '../storage/driver.js';
import type { Store } from '../storage/store.js';
import type { IdRange } from '../system/idmap.js';

function osRelease(): Record<string, string> {
  const out: Record<string, string> = {};
  try {
    for (const line of readFileSync('/etc/os-release', 'utf8').split('\n')) {
      const m = /^([A-Z_]+)=(.*)$/.exec(line);
      if (m) out[m[1] as string] = (m[2] as string).replace(/^"(.*)"$/, '$1');
    }
  } catch {
    // no os-release
  }
  return out;
}

function idMappings(store: Store): { uidmap: unknown[]; gidmap: unknown[] } {
  const view = (r: IdRange[]): unknown[] => r.map((x) => ({ container_id: x.inside, host_id: x.outside, size: x.count }));
  try {
    const m = store.sys.idMapping();
    return { uidmap: view(m.uids), gidmap: view(m.gids) };
  } catch {
    return { uidmap: [], gidmap: [] };
  }
}

export function infoDocument(store: Store, paths: Paths, env: NodeJS.ProcessEnv) {
  const { containers } = store;
  const list = containers.list();
  const states = list.map((c) => containers.status(c).state);
  const os = osRelease();
  return {
    host: {
      arch: goArch(arch()),
      cgroupVersion: existsSync('/sys/fs/cgroup/cgroup.controllers') ? 'v2' : 'v1',
      cpus: cpus().length,
      distribution: { distribution: os.ID ?? 'unknown', version: os.VERSION_ID ?? 'unknown', ...(os.VERSION_CODENAME ? { codename: os.VERSION_CODENAME } : {}) },
      hostname: hostname(),
      idMappings: idMappings(store),
      kernel: release(),
      memFree: freemem(),
      memTotal: totalmem(),
      os: process.platform,
      security: { rootless: process.getuid?.() !== 0 },
      uptime: formatUptime(uptime()),
    },
    store: {
      configFile: `${paths.config}/storage.conf`,
      containerStore: {
        number: list.length,
        paused: 0,
        running: states.filter((s) => s === 'running').length,
        stopped: states.filter((s) => s !== 'running').length,
      },
      graphDriverName: storageDriver(env),
      graphRoot: store.root,
      imageStore: { number: store.images().length },
      runRoot: paths.runtime,
    },
    version: {
      Version: VERSION,
      PlanVersion: PLAN_VERSION,
      NodeVersion: process.version,
      OsArch: `${process.platform}/${goArch(arch())}`,
    },
  };
}

/** The same document with Go's field names (for --format templates): graphRoot -> GraphRoot. */
export function goFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(goFields);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.charAt(0).toUpperCase() + k.slice(1), goFields(v)]));
  return value;
}

/** podman: "27h 5m 3.12s (Approximately 1.12 days)". */
function formatUptime(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = (seconds % 60).toFixed(2);
  return `${h}h ${m}m ${s}s${h >= 24 ? ` (Approximately ${(h / 24).toFixed(2)} days)` : ''}`;
}
