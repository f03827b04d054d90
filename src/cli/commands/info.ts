import { existsSync, readFileSync } from 'node:fs';
import { arch, cpus, freemem, hostname, release, totalmem, uptime } from 'node:os';

import { Option } from 'clipanion';

import { VERSION } from '../../config/install.js';
import { renderReport } from '../../format/report.js';
import { goArch } from '../../image/oci.js';
import { storageDriver } from '../../runtime/driver.js';
import { PLAN_VERSION } from '../../runtime/plan.js';
import { Containers } from '../../storage/containers.js';
import { Store } from '../../storage/store.js';
import { hostIdMapping, type IdRange } from '../../system/idmap.js';
import { BurrowCommand } from '../base.js';

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

function idMappings(): { uidmap: unknown[]; gidmap: unknown[] } {
  const view = (r: IdRange[]): unknown[] => r.map((x) => ({ container_id: x.inside, host_id: x.outside, size: x.count }));
  try {
    const m = hostIdMapping();
    return { uidmap: view(m.uids), gidmap: view(m.gids) };
  } catch {
    return { uidmap: [], gidmap: [] };
  }
}

/** YAML as podman prints `info`: two-space indents, lists of maps with "- ". */
export function toYaml(value: unknown, indent = ''): string {
  const scalar = (v: unknown): string => {
    if (v === null || v === undefined) return 'null';
    if (typeof v !== 'string') return String(v);
    return v === '' || /^[\s\-?:,[\]{}#&*!|>'"%@`]|: |\s$|^(true|false|null|~|[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?)$/i.test(v) ? JSON.stringify(v) : v;
  };
  let out = '';
  if (Array.isArray(value)) {
    for (const item of value) {
      if (item && typeof item === 'object' && !Array.isArray(item)) {
        const body = toYaml(item, `${indent}  `);
        out += `${indent}- ${body.slice(indent.length + 2)}`;
      } else out += `${indent}- ${scalar(item)}\n`;
    }
    return out;
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v && typeof v === 'object') {
      const empty = Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0;
      out += empty ? `${indent}${k}: ${Array.isArray(v) ? '[]' : '{}'}\n` : `${indent}${k}:\n${toYaml(v, `${indent}  `)}`;
    } else out += `${indent}${k}: ${scalar(v)}\n`;
  }
  return out;
}

/** The same document with Go's field names (for --format templates): graphRoot -> GraphRoot. */
function goFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(goFields);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.charAt(0).toUpperCase() + k.slice(1), goFields(v)]));
  return value;
}

export class InfoCommand extends BurrowCommand {
  static override paths = [['info'], ['system', 'info']];

  static override usage = BurrowCommand.Usage({
    category: 'system',
    description: 'show information about the host and the store',
    details: `
      Prints, as YAML like podman's: the host (architecture, kernel, cgroup version, the user's id mappings from /etc/subuid and /etc/subgid), the store (where images and containers are kept, the storage driver, how many images and containers) and burrow's version. \`--format json\` prints JSON; a Go template sees the fields with capitals (\`{{.Store.GraphRoot}}\`).
    `,
    examples: [
      ['Show everything', '$0 info'],
      ['Just the storage driver', '$0 info --format "{{.Store.GraphDriverName}}"'],
    ],
  });

  format = Option.String('-f,--format', { description: 'Print with a Go template, or json' });

  async execute(): Promise<number> {
    const store = new Store(this.context.paths);
    const containers = new Containers(store);
    const list = containers.list();
    const states = list.map((c) => containers.status(c).state);
    const os = osRelease();
    const info = {
      host: {
        arch: goArch(arch()),
        cgroupVersion: existsSync('/sys/fs/cgroup/cgroup.controllers') ? 'v2' : 'v1',
        cpus: cpus().length,
        distribution: { distribution: os.ID ?? 'unknown', version: os.VERSION_ID ?? 'unknown', ...(os.VERSION_CODENAME ? { codename: os.VERSION_CODENAME } : {}) },
        hostname: hostname(),
        idMappings: idMappings(),
        kernel: release(),
        memFree: freemem(),
        memTotal: totalmem(),
        os: process.platform,
        security: { rootless: process.getuid?.() !== 0 },
        uptime: formatUptime(uptime()),
      },
      store: {
        configFile: `${this.context.paths.config}/storage.conf`,
        containerStore: {
          number: list.length,
          paused: 0,
          running: states.filter((s) => s === 'running').length,
          stopped: states.filter((s) => s !== 'running').length,
        },
        graphDriverName: storageDriver(this.context.env),
        graphRoot: store.root,
        imageStore: { number: store.images().length },
        runRoot: this.context.paths.runtime,
      },
      version: {
        Version: VERSION,
        PlanVersion: PLAN_VERSION,
        NodeVersion: process.version,
        OsArch: `${process.platform}/${goArch(arch())}`,
      },
    };
    if (this.format === undefined || this.format === '') {
      this.context.stdout.write(toYaml(info));
      return 0;
    }
    const doc = goFields(info);
    this.context.stdout.write(renderReport({ name: 'info', format: this.format, table: '{{json .}}', rows: [doc], json: () => info }));
    return 0;
  }
}

/** podman: "27h 5m 3.12s (Approximately 1.12 days)". */
function formatUptime(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = (seconds % 60).toFixed(2);
  return `${h}h ${m}m ${s}s${h >= 24 ? ` (Approximately ${(h / 24).toFixed(2)} days)` : ''}`;
}
