/**
 * A container's life from the command line: create (record, name, writable
 * layer), run it in the foreground (the helper takes over this process) or in
 * the background (`start` without -a: the helper stays as a small monitor),
 * and remove it. State that outlives burrow is written by the helper itself:
 * the exit code, and for `--rm` the clean-up it runs after the container.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import type { Paths } from '../config/paths.js';
import { BurrowError, UsageError, errnoCode } from '../errors.js';
import { writeAll } from '../system/files.js';
import { checkContainerConfig, type ImageConfig } from '../oci/image.js';
import { type ContainerOptions, type ContainerRecord, DEFAULT_STOP_TIMEOUT, type PortMapping, processStartTime } from '../storage/containers.js';
import type { PodRecord } from '../storage/pods.js';
import type { NetworkAttachment } from '../storage/networks.js';
import { attachment, bridgePorts, networkHostLines, networksInfraPid, podHostLines, refreshNames } from './network-members.js';
import type { Digest } from '../oci/digest.js';
import type { ImageRecord, Store } from '../storage/store.js';
import { compilePlan, type ContainerSpec, type OverlaySpec } from './compile.js';
import { fuseOverlayfs, storageDriver } from '../storage/driver.js';
import { parseUserns, remapped } from './idmaps.js';
import { autoSize, takeAutoSlice } from './userns-auto.js';
import { layersReader } from '../system/passwd.js';
import { securityOptValue } from './security-opts.js';
import { buildSpec, fixedAtCreate, type JoinTarget, newContainerId, requestedPorts, resolvedNetworkOption, type UserNetworks } from './options.js';
import { writeNameFiles } from './namefiles.js';
import { slirpSocketPath } from '../network/setup.js';
import type { Plan } from '../system/plan.js';
import { CREATING, holdFile, sweepLeftovers } from '../storage/leftovers.js';
import type { Sys } from '../system/sys.js';
import { parseSignal, type Signal } from './signals.js';
import { containerProcess, namespaceProcess } from './join.js';
import { logConfig } from './logs.js';
import { diedEvent, recordEvent } from './events.js';
import { prepareVolumes, settleVolumes, type VolumeInputs, volumeSource } from './volumes.js';
import { packageRoot } from '../config/install.js';
import { resolveHealthcheck } from './health-config.js';
import { attachArgs, DEFAULT_DETACH_KEYS, parseDetachKeys } from './attach-args.js';
import { containerCgroupName, delegatedCgroup, monitoredCgroup, setFrozen } from '../system/cgroups.js';

/** Where a command runs: burrow's directories, the host's environment and working directory (cli's Context is one). */
export interface Env {
  paths: Paths;
  env: NodeJS.ProcessEnv;
  cwd: string;
  sys: Sys;
  /** the store, opened once per command (cli/context.ts) */
  store(opts?: { containers?: boolean }): Promise<Store>;
}

/** Where a container's files are, computed once from its id, driver and layers. */
export interface ContainerLayout {
  dir: string;
  /** host path of the root filesystem: the copy, or the overlay's mount point */
  root: string;
  /** the overlay that makes `root` (none with the copy driver) */
  overlay: OverlaySpec | undefined;
  /** the image's layer directories, top first */
  layers: string[];
}

/** Where a container's root filesystem is (a host path), and the overlay that makes it, by its driver. */
export function containerLayout(store: Store, rec: Pick<ContainerRecord, 'id' | 'name' | 'driver' | 'layers'>): ContainerLayout {
  const dir = store.containers.dir(rec.id);
  const layers = rec.layers.map((c) => store.layerDiff(c as Digest)).reverse();
  if (rec.driver === 'copy') return { dir, root: join(dir, 'rootfs'), overlay: undefined, layers };
  const overlay: OverlaySpec = { lower: layers, upper: join(dir, 'upper'), work: join(dir, 'work') };
  if (rec.driver === 'fuse-overlayfs') {
    const fuse = fuseOverlayfs();
    if (!fuse) throw new BurrowError('E_FUSE', `container ${rec.name} uses fuse-overlayfs, which is not installed or cannot open /dev/fuse`);
    overlay.fuse = fuse;
  }
  return { dir, root: join(dir, 'merged'), overlay, layers };
}

/** --restart as the monitor's `restart` record takes it; undefined for no. */
export function restartPolicy(options: Pick<ContainerOptions, 'restart' | 'rm'>): { policy: 'always' | 'on-failure'; max: number } | undefined {
  const given = options.restart;
  if (given === undefined || given === 'no' || given === '') return undefined;
  let policy: { policy: 'always' | 'on-failure'; max: number } | undefined;
  if (given === 'always' || given === 'unless-stopped') policy = { policy: 'always', max: 0 };
  else {
    const m = /^on-failure(?::(\d+))?$/.exec(given);
    if (m) policy = { policy: 'on-failure', max: Number(m[1] ?? 0) };
  }
  if (!policy) throw new UsageError(`invalid restart policy \`${given}\`: use no, on-failure[:N], always or unless-stopped`);
  if (options.rm) throw new UsageError('the --rm option conflicts with --restart: a container removed when it exits cannot be restarted');
  return policy;
}

/** A container's options applied and checked, ready to be compiled into a plan. */
export interface Prepared {
  spec: ContainerSpec;
  warnings: string[];
}

/** Applies the image's config and the container's options to its layout: the spec (every check happens here). */
function prepareContainer(env: Env, store: Store, id: string, options: ContainerOptions, config: ImageConfig, layout: ContainerLayout, name: string | undefined, ports: PortMapping[] | undefined, networks?: NetworkAttachment[]): Prepared {
  const { dir, root, overlay, layers } = layout;
  // The image's layers are read for /etc/passwd, whatever the driver: the root is not mounted yet, nor the copy made.
  const source = { kind: 'image' as const, config, layers, root, overlay, volumesDir: join(dir, 'volumes') };
  const { spec, warnings } = buildSpec(options, {
    hostEnv: env.env,
    cwd: env.cwd,
    id,
    idmap: env.sys.idMapping(),
    root: source,
    volumeSource: volumeSource(store),
    configDir: env.paths.config,
    runtimeDir: env.paths.runtime,
    joinContainer: (ref) => joinTarget(store, ref),
    ...(name !== undefined ? { name } : {}),
    ...(ports !== undefined ? { ports } : {}),
    ...(networks !== undefined ? { userNetworks: userNetworks(store, { id, name: name ?? id, networks }) } : {}),
  });
  logConfig(options, dir); // checked at create, not when it starts in the background
  restartPolicy(options);
  resolveHealthcheck(options, config);
  spec.exitFile = join(dir, 'exit');
  return { spec, warnings };
}

/** A container's user networks as its spec needs them: the networks' infra (while it runs), its bridge ports, its hosts lines. */
function userNetworks(store: Store, rec: Pick<ContainerRecord, 'id' | 'name' | 'networks'>): UserNetworks {
  const infraPid = networksInfraPid(store);
  const nets = (rec.networks ?? []).map((a) => store.networks.get(a.name));
  return {
    infraPid,
    bridgePorts: bridgePorts(store, rec, infraPid ?? 0),
    hosts: networkHostLines(store, rec),
    // (none left, after a disconnect: its own way out, as any container's)
    internal: nets.length > 0 && nets.every((n) => n.internal),
  };
}

/** The plan of a prepared container (with --rm, its clean-up: the `cleanup` record, and `on-exit` in a pod or on a user network). */
function compileContainer(env: Env, store: Store, rec: ContainerRecord, prepared: Prepared): Plan {
  const spec = { ...prepared.spec, event: diedEvent(env, { id: rec.id, name: rec.name, image: rec.imageName }) };
  const restart = restartPolicy(rec.options);
  if (restart) {
    const dir = store.containers.dir(rec.id);
    spec.restart = { ...restart, stoppedFile: join(dir, STOPPED), countFile: join(dir, 'restarts') };
  }
  // A cgroup of its own where burrow runs in a delegated one (pause freezes it); none elsewhere.
  const delegated = delegatedCgroup();
  if ('dir' in delegated) spec.cgroup = join(delegated.dir, containerCgroupName(rec.id));
  // The monitor keeps the healthcheck's timer, and runs `burrow healthcheck run` (runtime/health.ts) when it fires.
  if (rec.healthcheck && rec.healthcheck.Interval > 0)
    spec.health = { intervalMs: Math.max(1, Math.round(rec.healthcheck.Interval / 1e6)), argv: [process.execPath, join(packageRoot, 'bin', 'burrow.cjs'), 'healthcheck', 'run', rec.id] };
  if (rec.options.rm) {
    // The monitor removes the container after it ends (the `cleanup` record: helpers/remove.c), in its user
    // namespace, whose ids own its files. Not while `restart` holds it (its `restarting` file): it is started
    // again at once. Its names are those pointing at its id when it ends (`rename` may have changed it
    // meanwhile). Then its directory, its `remove` event, as `rm` writes it, and its anonymous volumes, as
    // podman's `run --rm` removes them (and slirp4netns's API socket, which it leaves behind). The paths are
    // absolute: no `--`.
    const { containers } = store;
    const dir = containers.dir(rec.id);
    const removed = diedEvent(env, { id: rec.id, name: rec.name, image: rec.imageName });
    const event = [removed.before.replace('"Status":"died"', '"Status":"remove"'), '","Type":"container"}'];
    const anonymous = (rec.anonymousVolumes ?? []).map((name) => store.volumes.path(name));
    spec.cleanup = [
      ...['--unless', join(dir, RESTARTING), '--links', dirname(containers.nameLink(rec.name)), rec.id, dir],
      ...['--event', removed.path, ...event, ...anonymous, slirpSocketPath(env.paths.runtime, rec.id)],
    ];
    // In a pod or on user networks, the others' /etc/hosts name it (runtime/network-members.ts): its line goes,
    // in place (they are bound), once the clean-up has removed it.
    if (rec.pod !== undefined || (rec.networks ?? []).length > 0) {
      const unlist = `test -e "$1" && exit 0; for f in "$2"/*/hosts; do grep -q " $3$" "$f" 2>/dev/null || continue; grep -v " $3$" "$f" > "$f.tmp-$$"; cat "$f.tmp-$$" > "$f"; rm -f "$f.tmp-$$"; done`;
      spec.onExit = ['/bin/sh', '-c', unlist, 'sh', join(dir, RESTARTING), store.containersDir(), rec.id.slice(0, 12)];
    }
  }
  return compilePlan(spec);
}

/** A container's spec from its record, as its next start would run it (exec takes its user, environment, capabilities). */
export function containerSpec(env: Env, store: Store, rec: ContainerRecord): Prepared {
  if (rec.infra) return infraSpec(env, store, rec);
  return prepareContainer(env, store, rec.id, rec.options, store.imageConfig(store.getImage(rec.image)), containerLayout(store, rec), rec.name, rec.ports ?? [], rec.networks);
}

/** The directory a pod's infra container has for its root: a read-only tmpfs is mounted there, in its own mount namespace. */
const INFRA_ROOT = 'rootfs';

/** A pod's infra: its namespaces, the pod's network (ports, name files), and the helper's pause (compile.ts). */
function infraSpec(env: Env, store: Store, rec: ContainerRecord): Prepared {
  const dir = store.containers.dir(rec.id);
  const { spec, warnings } = buildSpec(rec.options, {
    hostEnv: env.env,
    cwd: env.cwd,
    id: rec.id,
    idmap: env.sys.idMapping(),
    root: { kind: 'rootfs', path: join(dir, INFRA_ROOT) },
    configDir: env.paths.config,
    runtimeDir: env.paths.runtime,
    name: rec.name,
    ports: rec.ports ?? [],
    ...(rec.pod !== undefined ? { extraHosts: podHostLines(store, rec.pod) } : {}),
    ...(rec.networks !== undefined ? { userNetworks: userNetworks(store, rec) } : {}),
  });
  return { spec: { ...spec, pause: true, exitFile: join(dir, 'exit') }, warnings };
}

/** The network options of a pod (its infra's), as `pod create` takes them. */
export interface InfraNetworkOptions {
  hostname: string | undefined;
  network: string | undefined;
  publish: string[];
  addHost: string[];
  dns: string[];
  dnsSearch: string[];
  dnsOption: string[];
  noHosts: boolean;
}

/** What an infra container is made with: the pod's network options, the pod's name for a host name. */
export interface InfraRequest extends InfraNetworkOptions {
  /** the pod it holds the namespaces of; none for the user networks' infra (`netns`) */
  pod?: PodRecord;
  netns?: boolean;
  name: string | undefined;
  /** the pod's --shm-size: its /dev/shm, its containers' too */
  shmSize?: number;
}

/** Creates a pod's infra container (stopped): the record, its name, the host ports chosen. */
export async function createInfra(env: Env, store: Store, req: InfraRequest): Promise<ContainerRecord> {
  const { containers } = store;
  const id = newContainerId(env.sys);
  const dir = containers.dir(id);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const creating = holdFile(env.sys, join(dir, CREATING));
  let reserved: string | undefined;
  try {
    mkdirSync(join(dir, INFRA_ROOT), { mode: 0o555 });
    // A pod on a user network: its infra (and so every container of the pod) is on it.
    const userNet = req.pod && req.network !== undefined ? store.networks.find(req.network) : undefined;
    if (userNet) await (await import('./networks.js')).networksInfra(env, store);
    const networks = userNet ? [attachment(store, userNet, [])] : undefined;
    const options: ContainerOptions = {
      command: ['burrow-pause'],
      entrypoint: undefined,
      env: [],
      envFile: [],
      workdir: undefined,
      hostname: req.hostname ?? req.pod?.name ?? 'burrow-infra',
      user: undefined,
      volume: [],
      tmpfs: [],
      readOnly: true,
      network: userNet ? userNet.name : resolvedNetworkOption(req.network, env.paths.config, env.env),
      interactive: false,
      tty: false,
      init: false,
      capAdd: [],
      capDrop: [],
      securityOpt: [],
      ulimit: [],
      rm: false,
      ...(req.publish.length > 0 ? { publish: req.publish } : {}),
      ...(req.addHost.length > 0 ? { addHost: req.addHost } : {}),
      ...(req.dns.length > 0 ? { dns: req.dns } : {}),
      ...(req.dnsSearch.length > 0 ? { dnsSearch: req.dnsSearch } : {}),
      ...(req.dnsOption.length > 0 ? { dnsOption: req.dnsOption } : {}),
      ...(req.noHosts ? { noHosts: true } : {}),
      ...(req.shmSize !== undefined ? { shmSize: req.shmSize } : {}),
    };
    const requested = requestedPorts(options, []);
    const ports = requested.ports.some((p) => p.hostPort === 0) ? await (await import('../network/probe.js')).assignHostPorts(requested.ports) : requested.ports;
    reserved = await reserveName(env, store, id, req.name ?? `${(req.pod?.id ?? id).slice(0, 12)}-infra`);
    const rec: ContainerRecord = {
      id,
      name: reserved,
      image: '',
      imageName: '',
      created: new Date().toISOString(),
      argv: ['burrow-pause'],
      options,
      layers: [],
      driver: 'copy',
      ...(ports.length > 0 ? { ports } : {}),
      ...(req.pod ? { pod: req.pod.id } : {}),
      ...(req.netns ? { netns: true } : {}),
      ...(networks ? { networks } : {}),
      infra: true,
    };
    infraSpec(env, store, rec); // every option checked now
    containers.write(rec);
    creating.release();
    containerEvent(store, rec, 'create');
    refreshNames(store, rec);
    return rec;
  } catch (err) {
    creating.release();
    if (reserved) containers.releaseName(reserved);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * A container of a pod shares the namespaces the pod shares, its infra's:
 * --network, --pid, --ipc, --uts become container:INFRA-ID (as podman's
 * records say), and what the pod decides is refused here.
 */
function memberOptions(pod: PodRecord, options: ContainerOptions): ContainerOptions {
  const { pod: _given, ...rest } = options;
  if (pod.infra === undefined) return rest;
  const infra = `container:${pod.infra}`;
  const shared = new Set(pod.share);
  const refuse = (flag: string, ns: string): never => {
    throw new UsageError(`${flag} cannot be given to a container of pod ${pod.name}, which shares the pod's ${ns} namespace: set it when the pod is created (pod create)`);
  };
  if (shared.has('net')) {
    if (rest.network !== undefined) refuse('--network', 'network');
    const given: [string, boolean][] = [
      ['--publish', (rest.publish ?? []).length > 0],
      ['--publish-all', rest.publishAll === true],
      ['--dns', (rest.dns ?? []).length > 0],
      ['--dns-search', (rest.dnsSearch ?? []).length > 0],
      ['--dns-option', (rest.dnsOption ?? []).length > 0],
      ['--add-host', (rest.addHost ?? []).length > 0],
      ['--no-hosts', rest.noHosts === true],
      ['--mac-address', rest.macAddress !== undefined],
    ];
    for (const [flag, set] of given) if (set) refuse(flag, 'network');
  }
  if (shared.has('uts') && rest.hostname !== undefined) refuse('--hostname', 'uts');
  if (shared.has('ipc') && rest.shmSize !== undefined) refuse('--shm-size', 'ipc');
  for (const ns of ['pid', 'ipc', 'uts'] as const) if (shared.has(ns) && rest[ns] !== undefined) refuse(`--${ns}`, ns);
  return {
    ...rest,
    ...(shared.has('net') ? { network: infra } : {}),
    ...(shared.has('pid') ? { pid: infra } : {}),
    ...(shared.has('ipc') ? { ipc: infra } : {}),
    ...(shared.has('uts') ? { uts: infra } : {}),
    ...(shared.has('cgroup') ? { cgroupns: infra } : {}),
  };
}

/**
 * A container of a pod starts its pod's infra first, as podman does, when it
 * is not running; true when it did (the container's spec names the infra's
 * new process then).
 */
async function startPodInfra(env: Env, store: Store, rec: ContainerRecord): Promise<boolean> {
  // On user networks: the networks' infra, whose user namespace it is made in.
  if (rec.networks !== undefined) return (await import('./networks.js')).startNetworksInfra(env, store);
  if (rec.pod === undefined || rec.infra) return false;
  const pod = store.pods.find(rec.pod);
  if (pod?.infra === undefined) return false;
  const infra = store.containers.find(pod.infra);
  if (!infra) throw new BurrowError('E_NO_CONTAINER', `the infra container of pod ${pod.name} is missing: remove the pod (pod rm -f ${pod.name})`);
  return startIfStopped(env, store, infra);
}

/** Starts a container in the background unless it runs (under its lock, so two starts take turns): whether it did. */
export async function startIfStopped(env: Env, store: Store, rec: ContainerRecord): Promise<boolean> {
  return store.containers.locked(rec, async (current) => {
    const status = store.containers.status(current);
    if (status.state === 'running' && !status.restarting) return false;
    await startDetached(env, store, current);
    return true;
  });
}

/** Another container, for container:CTR: its first process while it runs. */
function joinTarget(store: Store, ref: string): JoinTarget {
  const rec = store.containers.get(ref);
  const status = store.containers.status(rec);
  const pid = status.state === 'running' && !status.restarting && status.pid !== undefined ? namespaceProcess(status.pid) : undefined;
  return { id: rec.id, name: rec.name, dir: store.containers.dir(rec.id), pid };
}

/** --network/--pid/--ipc/--uts container:CTR as the record keeps them: by id, so that a rename changes nothing. */
function sharedById(store: Store, options: ContainerOptions): ContainerOptions {
  const byId = (value: string | undefined): string | undefined =>
    value?.startsWith('container:') && value.length > 'container:'.length ? `container:${store.containers.get(value.slice('container:'.length)).id}` : value;
  return { ...options, network: byId(options.network), pid: byId(options.pid), ipc: byId(options.ipc), uts: byId(options.uts) };
}

/**
 * Before each start: the containers whose namespaces it shares running; its published host ports free (one clear error, before
 * pasta would fail), and its name files written in its directory, to be
 * bound over /etc/hosts, /etc/resolv.conf and /etc/hostname.
 */
async function prepareNetwork(env: Env, store: Store, rec: ContainerRecord, spec: ContainerSpec): Promise<void> {
  for (const share of spec.shares ?? [])
    if (share.path.startsWith('/proc/0/')) {
      if (share.namespace === 'user') throw new BurrowError('E_NOT_RUNNING', `the user networks' infra container is not running: container ${rec.name} is made in its user namespace`);
      const value = share.namespace === 'net' ? rec.options.network : share.namespace === 'cgroup' ? rec.options.cgroupns : rec.options[share.namespace];
      const other = store.containers.find(value?.slice('container:'.length) ?? '');
      throw new BurrowError('E_NOT_RUNNING', `container ${other?.name ?? value} is not running: container ${rec.name} shares its ${share.namespace} namespace`);
    }
  if (spec.network.ports.length > 0) await (await import('../network/probe.js')).checkPortsFree(spec.network.ports);
  rmSync(slirpSocketPath(env.paths.runtime, rec.id), { force: true }); // the last run's slirp4netns left it
  writeNameFiles(store.containers.dir(rec.id), spec.network.files);
}

/**
 * Creates a container of `image`: its record, name and writable layer. The
 * options are checked first, and what that prepared comes back for a run
 * that follows at once.
 */
export async function createContainer(
  env: Env,
  store: Store,
  image: ImageRecord,
  imageName: string,
  options: ContainerOptions,
  name: string | undefined,
  cidfile?: string,
  volumeInputs: VolumeInputs = { mount: [], volumesFrom: [] },
): Promise<{ rec: ContainerRecord; prepared: Prepared }> {
  const { containers } = store;
  // Under a map other than the default one the image's files are shown with their owners through fuse-overlayfs (runtime/idmaps.ts).
  const shifted = remapped(options);
  if (shifted && !fuseOverlayfs(env.env))
    throw new BurrowError('E_FUSE', "the image's files are shown with their owners under another user namespace map through fuse-overlayfs, which is not installed or cannot open /dev/fuse");
  // Taken first (it must not exist, as podman wants), so a container is never made without it.
  const cid = cidfile === undefined ? undefined : openCidfile(resolve(env.cwd, cidfile));
  const id = newContainerId(env.sys);
  const driver = shifted ? 'fuse-overlayfs' : storageDriver(env.env);
  const layout = containerLayout(store, { id, name: name ?? id, driver, layers: image.layers });
  mkdirSync(layout.dir, { recursive: true, mode: 0o700 });
  // Held until the record is written: a container directory without a record whose `.creating`
  // no one holds is a killed create's, for the next command to remove (storage/leftovers.ts).
  const creating = holdFile(env.sys, join(layout.dir, CREATING));
  let reserved: string | undefined;
  let settled: ReturnType<typeof settleVolumes> | undefined;
  let pod: { rec: PodRecord; made: boolean } | undefined;
  let networks: NetworkAttachment[] | undefined;
  let auto: ReturnType<typeof takeAutoSlice> | undefined;
  try {
    for (const sub of driver === 'copy' ? [] : ['upper', 'work', 'merged']) mkdirSync(join(layout.dir, sub), { mode: 0o755 });
    // Named volumes made, anonymous ones given names, --mount and --volumes-from folded in: the record keeps the result.
    // The config's fields (from a registry or an archive) are of the types read below, or the create stops here.
    checkContainerConfig(store.imageConfig(image));
    // Its StopSignal too, as podman's create: a container that stop and rm -f could not signal would be the image's doing.
    stopSignal(store.imageConfig(image));
    settled = settleVolumes(store, options, volumeInputs, store.imageConfig(image));
    // In a pod: its namespaces are the pod's infra's (made now for --pod new:NAME).
    if (options.pod !== undefined) pod = await podFor(env, store, options.pod);
    const own = pod ? memberOptions(pod.rec, settled.options) : settled.options;
    // --network NAME of a user network: made in the networks' user namespace, with an address on it.
    const userNet = own.network === undefined || pod ? undefined : store.networks.find(own.network);
    if (userNet) {
      await (await import('./networks.js')).networksInfra(env, store);
      networks = [attachment(store, userNet, [])];
    }
    settled.options = sharedById(store, { ...own, network: userNet ? userNet.name : resolvedNetworkOption(own.network, env.paths.config, env.env) });
    // Host ports chosen now (-P, -p CTRPORT), as podman does: the record keeps them, `port` and `ps` show them.
    const requested = requestedPorts(settled.options, Object.keys(store.imageConfig(image).config?.ExposedPorts ?? {}));
    const ports = requested.ports.some((p) => p.hostPort === 0) ? await (await import('../network/probe.js')).assignHostPorts(requested.ports) : requested.ports;
    // --userns auto: a slice of the subordinate ids no other container holds, kept in the record (the lock until it is written).
    const usernsMode = parseUserns(settled.options.userns);
    if (usernsMode.kind === 'auto') {
      const size = usernsMode.size ?? autoSize(layersReader(layout.layers));
      auto = takeAutoSlice(store, env.sys.idMapping(), size, `--userns ${settled.options.userns}`);
      settled.options = { ...settled.options, usernsAuto: auto.slice };
    }
    // The name first: the container's /etc/hosts names it.
    reserved = await reserveName(env, store, id, name);
    settled.options = fixedAtCreate(settled.options, env.cwd, env.env);
    const prepared = prepareContainer(env, store, id, settled.options, store.imageConfig(image), layout, reserved, ports, networks); // every option checked now, not at start
    // A seccomp profile file is read once: the record keeps it, with its full path.
    const { seccompProfile } = prepared.spec;
    if (seccompProfile) {
      const absolute = (o: string) => {
        const value = securityOptValue(o, 'seccomp');
        return value === undefined || value === 'unconfined' ? o : `seccomp=${resolve(env.cwd, value)}`;
      };
      settled.options = { ...settled.options, seccompProfile, securityOpt: settled.options.securityOpt.map(absolute) };
    }
    delete prepared.spec.seccompProfile;
    const health = resolveHealthcheck(settled.options, store.imageConfig(image));
    const rec: ContainerRecord = {
      id,
      name: reserved,
      image: image.id,
      imageName,
      created: new Date().toISOString(),
      argv: prepared.spec.argv,
      options: settled.options,
      layers: image.layers,
      driver,
      ...(settled.anonymous.length > 0 ? { anonymousVolumes: settled.anonymous } : {}),
      ...(health ? { healthcheck: health.healthcheck, healthOnFailure: health.onFailure } : {}),
      ...(ports.length > 0 ? { ports } : {}),
      ...(requested.exposed.length > 0 ? { exposed: requested.exposed } : {}),
      ...(pod ? { pod: pod.rec.id } : {}),
      ...(networks ? { networks } : {}),
    };
    if (driver === 'copy') await materialize(env.sys, [...layout.layers].reverse(), layout.root);
    containers.write(rec);
    auto?.release();
    creating.release();
    containerEvent(store, rec, 'create');
    // The others on its networks name it in their /etc/hosts.
    refreshNames(store, rec);
    if (cid) {
      writeAll(cid.fd, Buffer.from(rec.id));
      closeSync(cid.fd);
    }
    return { rec, prepared };
  } catch (err) {
    auto?.release();
    if (cid) {
      closeSync(cid.fd);
      rmSync(cid.path, { force: true });
    }
    creating.release();
    if (reserved) containers.releaseName(reserved);
    const volumeTrees = settled?.undo() ?? [];
    await env.sys.removeTrees([layout.dir, ...volumeTrees]).catch(() => rmSync(layout.dir, { recursive: true, force: true }));
    if (pod?.made) await (await import('./pod.js')).removePod(env, store, pod.rec, true).catch(() => undefined);
    throw err;
  }
}

/** --pod NAME (an existing pod), or new:NAME (a pod made now, with podman's defaults). */
async function podFor(env: Env, store: Store, ref: string): Promise<{ rec: PodRecord; made: boolean }> {
  if (!ref.startsWith('new:')) return { rec: store.pods.get(ref), made: false };
  const { createPod, defaultPodOptions } = await import('./pod.js');
  return { rec: await createPod(env, store, { ...defaultPodOptions(), name: ref.slice('new:'.length) }), made: true };
}

/** --cidfile: created now, exclusively (a file there already is an error, as podman's). */
function openCidfile(path: string): { fd: number; path: string } {
  try {
    return { fd: openSync(path, 'wx', 0o644), path };
  } catch (err) {
    if (errnoCode(err) === 'EEXIST')
      throw new BurrowError('E_CIDFILE', `container id file \`${path}\` exists: make sure no other container uses it, or delete it`);
    throw new BurrowError('E_CIDFILE', `create the container id file \`${path}\`: ${(err as Error).message}`);
  }
}

/** Takes the name; one held by a `--rm` container whose monitor was killed is freed first (storage/leftovers.ts). */
async function reserveName(env: Env, store: Store, id: string, name: string | undefined): Promise<string> {
  return reserveSwept(store, () => store.containers.reserveName(id, name));
}

/** `reserve` a name (a container's, a pod's); when it is in use, once more after what killed commands left is swept. */
export async function reserveSwept<T>(store: Store, reserve: () => T): Promise<T> {
  try {
    return reserve();
  } catch (err) {
    if (!(err instanceof BurrowError && err.code === 'E_NAME_IN_USE')) throw err;
    await sweepLeftovers(store, { containers: true });
    return reserve();
  }
}

/** The copy driver: the image's layers (base first) merged into one directory, in a user namespace. */
async function materialize(sys: Sys, layers: string[], dest: string): Promise<void> {
  await sys.startInUserns([process.execPath, join(packageRoot, 'bin', 'burrow.cjs'), '--internal-worker', 'merge', dest, ...layers]).done;
}

/** The container a command names, or with --latest the one created last (exec, attach). */
export function chosenContainer(store: Store, ref: string | undefined, latest: boolean, command: string): ContainerRecord {
  if (latest && ref !== undefined) throw new UsageError('--latest and a container cannot be used together');
  if (latest) {
    const last = store.containers.list().at(-1);
    if (!last) throw new BurrowError('E_NO_CONTAINER', 'no containers to choose the latest of');
    return last;
  }
  if (ref === undefined) throw new UsageError(`${command} requires the name or ID of a container`);
  return store.containers.get(ref);
}

/** Appends a container event (runtime/events.ts). */
function containerEvent(store: Store, rec: ContainerRecord, status: string): void {
  recordEvent(store, { ID: rec.id, Image: rec.imageName, Name: rec.name, Status: status, Type: 'container' });
}

/** Records which process runs the container (this one: the helper keeps its pid). */
function writeMonitor(store: Store, rec: ContainerRecord, pid: number): void {
  const start = processStartTime(pid) ?? '0';
  writeFileSync(join(store.containers.dir(rec.id), 'monitor'), `${pid} ${start} ${Date.now()}\n`, { mode: 0o600 });
}

/** A start begins afresh: no exit record, no `stopped` mark (which keeps the monitor from restarting it), no restart count, no health results. */
function clearExit(store: Store, rec: ContainerRecord): void {
  for (const file of ['exit', STOPPED, 'restarts', 'health.json']) rmSync(join(store.containers.dir(rec.id), file), { force: true });
}

/** The monitor's attach socket in the container's directory (helpers/attach.c). */
export const ATTACH_SOCKET = 'attach';

/** Made by `stop` and `kill` before they signal: the monitor does not restart a container stopped from outside. */
const STOPPED = 'stopped';

function markStopped(store: Store, rec: ContainerRecord): void {
  try {
    writeFileSync(join(store.containers.dir(rec.id), STOPPED), '', { mode: 0o600 });
  } catch {
    // removed meanwhile
  }
}

/**
 * Runs the container in the foreground (prepared already by createContainer,
 * or now): never returns. One with a terminal and input (-it), or with
 * --sig-proxy=false, runs as podman runs it: detached, with this terminal
 * attached at once, so that the detach keys (or a signal to this process)
 * leave it running; any other becomes the helper's child, the helper taking
 * this process over.
 */
export async function runForeground(env: Env, store: Store, rec: ContainerRecord, prepared?: Prepared, detachKeys = DEFAULT_DETACH_KEYS, sigProxy = true): Promise<never> {
  // --sig-proxy=false too: a signal to this process then ends only it, and the container runs on (podman's meaning).
  if ((rec.options.tty && rec.options.interactive) || !sigProxy) return runAttached(env, store, rec, prepared, detachKeys, sigProxy);
  const infraStarted = await startPodInfra(env, store, rec);
  const ready = prepared && !infraStarted ? prepared : containerSpec(env, store, rec);
  await prepareVolumes(store, rec, ready.spec);
  await prepareNetwork(env, store, rec, ready.spec);
  const plan = compileContainer(env, store, rec, ready);
  const { warnings } = ready;
  for (const w of warnings) process.stderr.write(`Warning: ${w}\n`);
  try {
    clearExit(store, rec);
    writeMonitor(store, rec, process.pid);
    containerEvent(store, rec, 'start');
    return await env.sys.execPlan(plan);
  } catch (err) {
    // No helper took this process over: nobody may take it for the container's monitor (a `--rm` clean-up
    // would stop that monitor, and so end this process, before its error is told).
    rmSync(join(store.containers.dir(rec.id), 'monitor'), { force: true });
    throw err;
  }
}

/**
 * Starts the container with the helper as a detached monitor, which opens the
 * container's log itself and writes into it what the container says (and its
 * own errors). Resolves once the container's command runs; a failed setup
 * step is the helper's HelperError from its status channel (system/status.ts).
 */
export async function startDetached(env: Env, store: Store, rec: ContainerRecord, prepared?: Prepared): Promise<void> {
  const { started } = await launchMonitor(env, store, rec, prepared, false);
  await started;
  containerEvent(store, rec, 'start');
}

/**
 * `run -it` and `start -ai`: the container started detached, its monitor
 * holding it until a terminal attaches (none of its output is missed, and it
 * gets the terminal's size from the start); then the helper's attach client
 * takes this process over, and exits with the container's status, or 0 when
 * the detach keys leave it running. A failed start is the client's to tell:
 * the monitor sends its error line and the status to it.
 */
async function runAttached(env: Env, store: Store, rec: ContainerRecord, prepared: Prepared | undefined, detachKeys: string, sigProxy: boolean): Promise<never> {
  const keys = parseDetachKeys(detachKeys);
  const { started, socket, warnings } = await launchMonitor(env, store, rec, prepared, true);
  for (const w of warnings) process.stderr.write(`Warning: ${w}\n`);
  started.catch(() => undefined); // the attach client says how the start went
  containerEvent(store, rec, 'start');
  const { tty, interactive } = rec.options;
  return env.sys.execAttach(attachArgs(socket, { stdin: interactive, tty, sigProxy, keys, stdinOnce: true }));
}

/** The monitor started in the background (startDetached, runAttached): `started` resolves once the command runs. */
async function launchMonitor(env: Env, store: Store, rec: ContainerRecord, prepared: Prepared | undefined, hold: boolean): Promise<{ started: Promise<void>; socket: string; warnings: string[] }> {
  const infraStarted = await startPodInfra(env, store, rec);
  const ready = prepared && !infraStarted ? prepared : containerSpec(env, store, rec);
  const dir = store.containers.dir(rec.id);
  const log = logConfig(rec.options, dir);
  const spec = { ...ready.spec };
  // The monitor keeps the output: in the log, or (--log-driver none) read and dropped, so that `attach` still gets it.
  if (log.path !== undefined) spec.log = { path: log.path, maxSize: log.maxSize };
  else if (log.driver === 'none') spec.log = { path: '/dev/null', maxSize: 0 };
  // Its input is what `attach` sends (-i): to its terminal (-t), or a pipe; else it reads /dev/null.
  spec.attach = { path: join(dir, ATTACH_SOCKET), stdin: !rec.options.interactive ? 'none' : rec.options.tty ? 'tty' : 'pipe', ...(hold ? { hold } : {}) };
  await prepareVolumes(store, rec, spec);
  await prepareNetwork(env, store, rec, spec);
  const plan = compileContainer(env, store, rec, { ...ready, spec });
  clearExit(store, rec);
  const gone = () => new BurrowError('E_START', `start container ${rec.name}: the helper ended before the container ran${log.path ? ' (see its log)' : ''}`);
  const { pid, started } = env.sys.startPlan(plan, gone, { passthrough: log.driver === 'passthrough' });
  writeMonitor(store, rec, pid);
  return { started, socket: spec.attach.path, warnings: ready.warnings };
}

/** The image's StopSignal ("SIGTERM", "TERM", "15"); SIGTERM by default. */
export function stopSignal(config: ImageConfig | undefined): Signal {
  // A config from a registry may hold anything: a number is read as one written out, anything else is refused by parseSignal.
  const raw: unknown = config?.config?.StopSignal;
  const given = raw === undefined || raw === null ? undefined : String(raw).trim();
  return given ? parseSignal(given, "the image's StopSignal") : { name: 'SIGTERM', number: 15 };
}

/**
 * Stops a running container as podman does: its --stop-signal or its image's
 * StopSignal (passed on by the monitor), then SIGKILL after `timeout`
 * seconds (undefined: its --stop-timeout, else 10). The container dies with its
 * monitor, which passes the stop signal on; it is signalled through a pidfd
 * (no pid reuse in between) and waited for with one blocking poll on that
 * pidfd (no polling of /proc). SIGKILL goes to the container's process, as
 * `kill` sends it, with podman's warning through `warn`.
 */
export async function stopContainer(store: Store, rec: ContainerRecord, given: number | undefined, warn: (message: string) => void = () => undefined): Promise<void> {
  const timeout = given ?? rec.options.stopTimeout ?? DEFAULT_STOP_TIMEOUT;
  const status = store.containers.status(rec);
  // A monitor alive after its container ended is waiting to restart it (--restart): it is stopped too.
  const monitor = store.containers.monitor(rec.id);
  if ((status.state !== 'running' || status.pid === undefined) && !monitor.alive) return;
  const pid = status.pid ?? (monitor.pid as number);
  let signal: Signal;
  try {
    signal = rec.options.stopSignal !== undefined ? parseSignal(rec.options.stopSignal, '--stop-signal') : stopSignal(store.findImage(rec.image) ? store.imageConfig(store.getImage(rec.image)) : undefined);
  } catch (err) {
    // A container made before create checked the signal (or whose image name now means another image) is still stopped.
    warn(`${(err as Error).message}: sending SIGTERM`);
    signal = { name: 'SIGTERM', number: 15 };
  }
  const { sys } = store;
  const pidfd = sys.pidfdOpen(pid);
  if (pidfd === undefined) return;
  try {
    // Opened after the status was read: it is that monitor's only if the pid still has the recorded start time.
    if (!store.containers.monitor(rec.id).alive) return;
    markStopped(store, rec);
    containerEvent(store, rec, 'stop');
    // A paused container is thawed to be stopped: frozen, it could not act on its stop signal.
    const frozen = status.paused && status.pid !== undefined ? monitoredCgroup(rec.id, status.pid) : undefined;
    if (frozen !== undefined) await setFrozen(frozen, false).catch(() => undefined);
    if (timeout > 0 && sys.pidfdSignal(pidfd, signal.number) && (await sys.pidfdWait(pidfd, timeout * 1000))) return;
    if (timeout > 0) warn(`StopSignal ${signal.name} failed to stop container ${rec.name} in ${timeout} seconds, resorting to SIGKILL`);
    // SIGKILL to the container itself, so that its monitor records the end (137) and cleans up (--rm);
    // the monitor too only if it has not ended soon after.
    try {
      killContainer(store, rec, { name: 'SIGKILL', number: 9 });
    } catch {
      // ended meanwhile
    }
    if (await sys.pidfdWait(pidfd, 5000)) return;
    if (sys.pidfdSignal(pidfd, 9)) await sys.pidfdWait(pidfd, 5000);
  } finally {
    closeSync(pidfd);
  }
}

/**
 * Sends `signal` to a running container's first process, as podman's `kill`
 * does (the monitor passes on only what it gets, and cannot pass on SIGKILL
 * or SIGSTOP): through a pidfd opened on it, and only while the recorded
 * monitor still lives and is its parent (no pid reuse in between). burrow's
 * user owns the container's user namespace, so may signal any of its ids.
 */
export function killContainer(store: Store, rec: ContainerRecord, signal: Signal): void {
  const { containers, sys } = store;
  const status = containers.status(rec);
  const notRunning = () => new BurrowError('E_NOT_RUNNING', `can only kill running containers: ${rec.name} is ${status.state === 'running' ? 'exiting' : status.state}`);
  if (status.state !== 'running' || status.pid === undefined) {
    // Between two runs of --restart: killed, it is not run again.
    if ([2, 3, 9, 15].includes(signal.number) && containers.monitor(rec.id).alive) return markStopped(store, rec);
    throw notRunning();
  }
  const child = containerProcess(status.pid);
  const pidfd = child === undefined ? undefined : sys.pidfdOpen(child);
  if (pidfd === undefined) throw notRunning();
  // A signal that ends it (not a HUP to reload): the monitor does not restart what was killed.
  if ([2, 3, 9, 15].includes(signal.number)) markStopped(store, rec);
  try {
    if (!containers.monitor(rec.id).alive || parentOf(child as number) !== status.pid || !sys.pidfdSignal(pidfd, signal.number)) throw notRunning();
  } finally {
    closeSync(pidfd);
  }
  recordEvent(store, { ID: rec.id, Image: rec.imageName, Name: rec.name, Status: 'kill', Type: 'container', Attributes: { signal: String(signal.number) } });
}

/** Field 4 of /proc/PID/stat, the parent's pid (after the command name, which may hold spaces). */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Present while `restart` stops a container to start it again: the clean-up of `--rm` leaves it alone. */
const RESTARTING = 'restarting';

/**
 * Stops a running container (as stopContainer) and starts it again in the
 * background; one that is not running is only started. A `--rm` container is
 * not removed in between.
 */
export async function restartContainer(env: Env, store: Store, rec: ContainerRecord, timeout: number | undefined, warn?: (message: string) => void): Promise<void> {
  const marker = join(store.containers.dir(rec.id), RESTARTING);
  writeFileSync(marker, '', { mode: 0o600 });
  try {
    await stopContainer(store, rec, timeout, warn);
    await startDetached(env, store, rec);
    containerEvent(store, rec, 'restart');
  } finally {
    rmSync(marker, { force: true });
  }
}

/** Gives a container a new name (running or not), as podman's `rename`: the new name is taken before the old one is freed. */
export async function renameContainer(store: Store, rec: ContainerRecord, name: string): Promise<void> {
  const { containers } = store;
  await store.lock(() => {
    const current = containers.get(rec.id);
    containers.reserveName(current.id, name);
    try {
      containers.write({ ...current, name });
    } catch (err) {
      containers.releaseName(name);
      throw err;
    }
    containers.releaseName(current.name);
    containerEvent(store, { ...current, name }, 'rename');
    refreshNames(store, current);
  });
}

/** The namespaces of another container a record names (container:ID in its --network, --pid, --ipc, --uts, and a pod's cgroup). */
export function sharedFrom(rec: ContainerRecord): string[] {
  const o = rec.options;
  return [o.network, o.pid, o.ipc, o.uts, o.cgroupns].flatMap((v) => (v?.startsWith('container:') ? [v.slice('container:'.length)] : []));
}

/**
 * --replace: the container named `name`, if there is one, removed as `rm -f`
 * removes it (stopped first, with its own stop signal and timeout), so that
 * the new one takes its name. Refused as rm refuses (a pod's infra, a
 * container others share namespaces with). Run after the image is had: a
 * pull that fails leaves the old container alone. (Its callers refuse
 * --replace without --name before anything is pulled.)
 */
export async function replaceNamed(env: Env, store: Store, name: string, warn?: (message: string) => void): Promise<void> {
  const all = store.containers.list();
  const rec = all.find((c) => c.name === name);
  if (rec === undefined) return;
  checkRemovable(store, rec, all, new Set([rec.id]));
  await store.containers.locked(rec, (current) => removeContainer(env, store, current, true, undefined, warn));
}

/**
 * Whether `rm` may remove a container: not a pod's infra (`pod rm` removes
 * it with the pod), and none of the others shares its namespaces, unless
 * those are being removed in the same command (`removing`), as podman refuses.
 */
export function checkRemovable(store: Store, rec: ContainerRecord, all: ContainerRecord[], removing: ReadonlySet<string> = new Set()): void {
  if (rec.netns) throw new BurrowError('E_INFRA', `container ${rec.id} is the infra container of the user networks and cannot be removed while a network exists (network rm)`);
  if (rec.infra) {
    const pod = rec.pod === undefined ? undefined : store.pods.find(rec.pod);
    if (pod) throw new BurrowError('E_INFRA', `container ${rec.id} is the infra container of pod ${pod.name} and cannot be removed without removing the pod (pod rm)`);
  }
  const dependents = all.filter((c) => c.id !== rec.id && !removing.has(c.id) && sharedFrom(c).includes(rec.id));
  if (dependents.length > 0)
    throw new BurrowError('E_DEPENDENTS', `container ${rec.id} has dependent containers which must be removed before it: ${dependents.map((c) => c.id).join(', ')}: container already exists`);
}

/** Containers in an order in which each comes before those whose namespaces it shares (dependents first). */
export function dependentsFirst(recs: ContainerRecord[]): ContainerRecord[] {
  const left = [...recs];
  const out: ContainerRecord[] = [];
  while (left.length > 0) {
    // One no other left one shares from; a cycle (never made by create) is taken as it is.
    const i = Math.max(0, left.findIndex((r) => !left.some((o) => o !== r && sharedFrom(o).includes(r.id))));
    out.push(...left.splice(i, 1));
  }
  return out;
}

/** Removes a container (after stopping it, with `force`; `warn` as for stopContainer). */
export async function removeContainer(env: Env, store: Store, rec: ContainerRecord, force: boolean, timeout?: number, warn?: (message: string) => void, volumes = false): Promise<void> {
  const { containers } = store;
  const status = containers.status(rec);
  if (status.state === 'running' || containers.monitor(rec.id).alive) {
    if (!force)
      throw new BurrowError('E_RUNNING', `cannot remove container ${rec.id} as it is running - running or paused containers cannot be removed without force`);
    await stopContainer(store, rec, timeout, warn);
  }
  const trash = await store.lock(() => {
    const trees = [containers.detach(rec)];
    // rm -v: its anonymous volumes too, unless another container mounts one (--volumes-from).
    if (volumes) {
      const others = containers.list();
      for (const name of rec.anonymousVolumes ?? []) if (store.volumes.find(name) && store.volumes.users(name, others).length === 0) trees.push(store.volumes.detach(name));
    }
    return trees;
  });
  containerEvent(store, rec, 'remove');
  rmSync(slirpSocketPath(env.paths.runtime, rec.id), { force: true });
  refreshNames(store, rec);
  // It is removed now (out of the list, its name free): a tree that resists stays in tmp/ for the next command.
  await env.sys.removeTrees(trash).catch(() => undefined);
}
