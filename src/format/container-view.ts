/** A container as `burrow inspect` shows it: the parts of podman's document burrow has. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { inspectPorts } from '../network/ports.js';
import { asMap } from './template.js';
import { logConfig } from '../runtime/logs.js';
import { defaultEnv, isVolumeName } from '../runtime/options.js';
import { parseSecurityOpts } from '../runtime/security-opts.js';
import { capabilitySet, DEFAULT_CAPABILITIES } from '../system/capabilities.js';
import type { IdRange } from '../system/idmap.js';
import { containerIds, remapped } from '../runtime/idmaps.js';
import { containerProcess } from '../runtime/join.js';
import { type ContainerOptions, type ContainerRecord, type Containers, DEFAULT_STOP_TIMEOUT, DEFAULT_UMASK } from '../storage/containers.js';
import type { Store } from '../storage/store.js';
import type { HealthState } from '../runtime/health-config.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** How many times the monitor restarted the container (its `restarts` file). */
function restartCount(dir: string): number {
  try {
    return Number(readFileSync(join(dir, 'restarts'), 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}

/** HostConfig.CapAdd and CapDrop as podman shows them: the set's difference from the default set, CAP_ names, sorted (none when privileged). */
function capabilityChanges(o: ContainerRecord['options']): { CapAdd: string[]; CapDrop: string[] } {
  if (o.privileged) return { CapAdd: [], CapDrop: [] };
  let set: Set<string>;
  try {
    set = capabilitySet(o.capAdd, o.capDrop);
  } catch {
    return { CapAdd: o.capAdd, CapDrop: o.capDrop }; // a record this burrow refuses: as given
  }
  const name = (c: string): string => `CAP_${c}`;
  return {
    CapAdd: [...set].filter((c) => !DEFAULT_CAPABILITIES.includes(c)).map(name).sort(),
    CapDrop: DEFAULT_CAPABILITIES.filter((c) => !set.has(c)).map(name).sort(),
  };
}

/** HostConfig.Devices as docker shows them, from the --device values as given. */
function inspectDevices(given: string[]): { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[] {
  return given.map((d) => {
    const [host = '', second, third] = d.split(':');
    const target = third !== undefined || second?.startsWith('/') ? (second as string) : host;
    const perms = third ?? (second !== undefined && !second.startsWith('/') ? second : 'rwm');
    return { PathOnHost: host, PathInContainer: target, CgroupPermissions: perms };
  });
}

/** `health`: the container's State.Health (runtime/health.ts healthState), when it has a healthcheck. */
export function containerInspect(store: Store, containers: Containers, c: ContainerRecord, health?: HealthState): Record<string, unknown> {
  const status = containers.status(c);
  const dir = containers.dir(c.id);
  const image = store.images().find((i) => i.id === c.image);
  let config: ReturnType<Store['imageConfig']> | undefined;
  try {
    config = image ? store.imageConfig(image) : undefined;
  } catch {
    config = undefined;
  }
  const o = c.options;
  const monitor = containers.monitor(c.id);
  let log: { driver: string; path: string | undefined; maxSize: number } = { driver: 'k8s-file', path: join(dir, 'ctr.log'), maxSize: 0 };
  try {
    log = logConfig(o, dir);
  } catch {
    // a record made with options this burrow refuses: the default shown
  }
  // The container's first process on the host (podman's State.Pid; the monitor is its ConmonPid).
  const pid = status.state === 'running' && status.pid !== undefined ? containerProcess(status.pid) : undefined;
  return {
    Id: c.id,
    Created: c.created,
    Path: c.argv[0] ?? '',
    Args: c.argv.slice(1),
    State: {
      Status: status.paused ? 'paused' : status.state,
      Running: status.state === 'running' && !status.paused,
      Paused: status.paused === true,
      Restarting: status.restarting === true,
      OOMKilled: false,
      Dead: false,
      // podman's: the container's first process on the host (the monitor is ConmonPid)
      Pid: pid ?? 0,
      ExitCode: status.exitCode ?? 0,
      Error: '',
      StartedAt: status.startedAt?.toISOString() ?? ZERO_TIME,
      FinishedAt: status.finishedAt?.toISOString() ?? ZERO_TIME,
      // podman's conmon: burrow's monitor (the helper), while it runs
      ConmonPid: status.state === 'running' ? (monitor.pid ?? 0) : 0,
      ...(health ? { Health: health } : {}),
    },
    Image: c.image,
    ImageDigest: image?.digest ?? '',
    ImageName: c.imageName,
    Rootfs: '',
    Name: c.name,
    Pod: c.pod ?? '',
    IsInfra: c.infra === true,
    LogPath: log.path ?? '',
    PidFile: o.pidfile ?? '',
    RestartCount: restartCount(dir),
    Driver: c.driver,
    GraphDriver: {
      Name: c.driver,
      Data: asMap(
        c.driver === 'overlay'
          ? {
              LowerDir: [...c.layers].reverse().map((l) => store.layerDiff(l.startsWith('sha256:') ? (l as `sha256:${string}`) : `sha256:${l}`)).join(':'),
              UpperDir: join(dir, 'upper'),
              WorkDir: join(dir, 'work'),
              MergedDir: join(dir, 'merged'),
            }
          : { RootfsDir: join(dir, 'rootfs') },
      ),
    },
    Config: {
      Hostname: o.hostname ?? c.id.slice(0, 12),
      User: o.user ?? config?.config?.User ?? '',
      Env: [...defaultEnv(o, [], config?.config?.Env ?? []).flat(), ...o.env],
      Cmd: o.command.length > 0 ? o.command : (config?.config?.Cmd ?? null),
      Image: c.imageName,
      WorkingDir: o.workdir ?? config?.config?.WorkingDir ?? '/',
      Entrypoint: o.entrypoint ?? config?.config?.Entrypoint ?? null,
      Labels: asMap({ ...(config?.config?.Labels ?? {}), ...(o.labels ?? {}) }),
      OpenStdin: o.interactive,
      Tty: o.tty,
      StopSignal: o.stopSignal ?? config?.config?.StopSignal ?? 'SIGTERM',
      StopTimeout: o.stopTimeout ?? DEFAULT_STOP_TIMEOUT,
      Umask: (o.umask ?? DEFAULT_UMASK).toString(8).padStart(4, '0'),
      ...(c.healthcheck ? { Healthcheck: c.healthcheck, HealthcheckOnFailureAction: c.healthOnFailure ?? 'none' } : {}),
    },
    Mounts: [
      ...o.volume.map((v) => {
        const [source = '', destination = '', options = ''] = v.split(':');
        const opts = options.split(',').filter((x) => x !== '');
        if (isVolumeName(source))
          return { Type: 'volume', Name: source, Source: store.volumes.mountpoint(source), Destination: destination, Driver: 'local', Mode: '', Options: ['nosuid', 'nodev', 'rbind'], RW: !opts.includes('ro'), Propagation: 'rprivate' };
        return { Type: 'bind', Source: source, Destination: destination, Driver: '', Mode: '', Options: ['rbind'], RW: !opts.includes('ro'), Propagation: 'rprivate' };
      }),
      ...o.tmpfs.map((t) => ({ Type: 'tmpfs', Source: 'tmpfs', Destination: t.split(':')[0] ?? t, Driver: '', Mode: '', Options: (t.split(':')[1] ?? '').split(',').filter((x) => x !== ''), RW: !(t.split(':')[1] ?? '').split(',').includes('ro'), Propagation: '' })),
    ],
    NetworkSettings: {
      Ports: inspectPorts(c.ports ?? [], c.exposed ?? []),
      SandboxKey: pid !== undefined && o.network !== 'host' ? `/proc/${pid}/ns/net` : '',
      // Its user networks, as podman shows each: its address there, the gateway, its interface.
      ...((c.networks ?? []).length > 0
        ? {
            Networks: asMap(
              Object.fromEntries(
                (c.networks ?? []).map((a) => {
                  const net = store.networks.find(a.name);
                  return [a.name, { NetworkID: net?.id ?? '', IPAddress: a.address, IPPrefixLen: Number(net?.subnet.split('/')[1] ?? 0), Gateway: net?.gateway ?? '', InterfaceName: a.interface, Aliases: [c.id.slice(0, 12)] }];
                }),
              ),
            ),
          }
        : {}),
    },
    HostConfig: {
      Binds: o.volume,
      PortBindings: inspectPorts(c.ports ?? [], []),
      PublishAllPorts: o.publishAll ?? false,
      Dns: o.dns ?? [],
      DnsSearch: o.dnsSearch ?? [],
      DnsOptions: o.dnsOption ?? [],
      ExtraHosts: o.addHost ?? [],
      LogConfig: { Type: log.driver, Config: null, Path: log.path ?? '', Tag: '', Size: log.maxSize > 0 ? `${log.maxSize}B` : '0B' },
      RestartPolicy: { Name: o.restart === undefined || o.restart === 'no' ? '' : o.restart.split(':')[0], MaximumRetryCount: Number(/^on-failure:(\d+)$/.exec(o.restart ?? '')?.[1] ?? 0) },
      Privileged: o.privileged === true,
      Tmpfs: asMap(Object.fromEntries(o.tmpfs.map((t) => [t.split(':')[0] ?? t, t.split(':').slice(1).join(':')]))),
      NetworkMode: o.network ?? 'none',
      ReadonlyRootfs: o.readOnly,
      AutoRemove: o.rm,
      ...capabilityChanges(o),
      Devices: inspectDevices(o.device ?? []),
      GroupAdd: o.groupAdd ?? [],
      SecurityOpt: o.securityOpt,
      // The filter it runs under (runtime/seccomp.ts chooses it so): default (podman's), unconfined, image, or a profile's path.
      SeccompProfile: seccompShown(o),
      Sysctls: asMap(Object.fromEntries((o.sysctl ?? []).map((x) => [x.slice(0, Math.max(0, x.indexOf('='))), x.slice(x.indexOf('=') + 1)]))),
      Init: o.init,
      Ulimits: o.ulimit,
      ...usernsShown(o, store),
    },
  };
}

/**
 * HostConfig.UsernsMode and IDMappings as podman shows them: "" by default, "private" for a map
 * of its own (keep-id, nomap, --uidmap), with the maps in the default namespace's terms (0 = you).
 */
function usernsShown(o: ContainerOptions, store: Store): { UsernsMode: string; IDMappings?: { UidMap: string[]; GidMap: string[] } } {
  if (o.userns === 'fakeroot') return { UsernsMode: 'fakeroot' };
  if (!remapped(o)) return { UsernsMode: '' };
  try {
    const ids = containerIds(o, store.sys.idMapping());
    const maps = ids.shown ?? { uids: ids.idmap.uids, gids: ids.idmap.gids };
    const text = (m: IdRange[]): string[] => m.map((r) => `${r.inside}:${r.outside}:${r.count}`);
    return { UsernsMode: 'private', IDMappings: { UidMap: text(maps.uids), GidMap: text(maps.gids) } };
  } catch {
    return { UsernsMode: 'private' };
  }
}

/** Which seccomp profile a container's options choose, in words (runtime/seccomp.ts chooses it alike). */
function seccompShown(o: ContainerOptions): string {
  const given = parseSecurityOpts(o.securityOpt).seccomp;
  if (given === 'unconfined') return 'unconfined';
  if (given !== undefined) return given;
  if (o.privileged) return 'unconfined';
  return o.seccompPolicy === 'image' ? 'image' : 'default';
}
