/**
 * `burrow run` options, with podman's meaning, turned into a ContainerSpec.
 * Everything that reads the host (the rootfs, volume sources, env files,
 * /etc/subuid) happens here; compile.ts stays pure.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, posix, resolve } from 'node:path';

import { DEFAULT_PATH } from '../config/defaults.js';
import { BurrowError, UsageError, errnoCode } from '../errors.js';
import { CAPABILITIES, capabilities } from '../system/capabilities.js';
import { describeMap, type IdMapping, isMapped } from '../system/idmap.js';
import { fsPath } from '../system/names.js';
import { dirReader, layersReader, parseGroup, parsePasswd, resolveUser, type RootReader } from '../system/passwd.js';
import { containerIds, nestedView, shiftedMountOptions, usernsFlag } from './idmaps.js';
import type { ImageConfig } from '../oci/image.js';
import { checkContainerConfig, containerArgv } from '../oci/image.js';
import type { ContainerSpec, DeviceSpec, NameFile, OverlaySpec, RlimitSpec, ShareSpec, TmpfsSpec, VolumeSpec } from './compile.js';
import { hostDevices, parseDevice } from './devices.js';
import { expandEnvEntry, mergeEnv, readEnvFile } from './envfile.js';
import { parseSecurityOpts, protectedPaths } from './security-opts.js';
import { parseSysctl } from './sysctls.js';
import { timezoneFile } from './timezone.js';
import { MS, type Step } from '../system/plan.js';
import type { RunOptions } from '../storage/containers.js';
import { chooseSeccomp } from './seccomp.js';
import type { LibcCalls } from '../system/sys.js';
import { readBurrowConf } from '../config/burrow-conf.js';
import { helperPath } from '../config/install.js';
import { findHelper, type NetworkCommand, type NetworkMode, parseNetwork } from '../network/mode.js';
import { checkOverlaps, parseExpose, parsePublish, type PortMapping } from '../network/ports.js';
import { hostHostname } from '../network/host.js';
import { type HostFacts, networkSetup, readHostFacts, slirpSocketPath } from '../network/setup.js';



/** A container path as mounts compare them: normalised, without a trailing slash. */
export function containerPath(path: string): string {
  const p = posix.normalize(path);
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

/** Is a -v source a volume's name (not a host path)? */
export function isVolumeName(src: string): boolean {
  return src !== '' && !src.startsWith('/') && !src.startsWith('.');
}

/** The options of a -v: ro/rw, U (chown to the container's user), O (an overlay: changes thrown away), z/Z (SELinux: none here), rbind, nocopy. */
export function volumeOptions(spec: string, opts: string): { readonly: boolean; chown: boolean; overlay: boolean; nocopy: boolean } {
  const out = { readonly: false, chown: false, overlay: false, nocopy: false };
  for (const opt of opts.split(',').filter(Boolean)) {
    if (opt === 'ro') out.readonly = true;
    else if (opt === 'rw') out.readonly = false;
    else if (opt === 'U') out.chown = true;
    else if (opt === 'O') out.overlay = true;
    else if (opt === 'nocopy') out.nocopy = true;
    else if (opt === 'z' || opt === 'Z' || opt === 'rbind') continue; // SELinux labels; binds are recursive anyway
    else throw new UsageError(`invalid volume \`${spec}\`: unknown option \`${opt}\``);
  }
  if (out.overlay && out.readonly) throw new UsageError(`invalid volume \`${spec}\`: O (an overlay) and ro cannot be used together`);
  return out;
}

/** -v HOST:CTR[:OPTIONS] or NAME:CTR[:OPTIONS]; a volume's name is turned into its mount point by `volumeSource`. */
export function parseVolume(spec: string, cwd: string, volumeSource?: (name: string) => string): VolumeSpec {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3 || parts.some((p, i) => p === '' && i < 2))
    throw new UsageError(`invalid volume \`${spec}\`: expected HOST-DIR:CONTAINER-DIR[:OPTIONS] or VOLUME:CONTAINER-DIR[:OPTIONS]`);
  const [src, target, opts = ''] = parts as [string, string, string?];
  if (isVolumeName(src) && !volumeSource)
    throw new BurrowError('E_VOLUME', `volume \`${spec}\`: named volumes need an image; give a host path (absolute, or starting with ./)`);
  if (!isAbsolute(target)) throw new UsageError(`invalid volume \`${spec}\`: container path \`${target}\` is not absolute`);
  const { readonly, chown, overlay, nocopy } = volumeOptions(spec, opts);
  const source = isVolumeName(src) && volumeSource ? volumeSource(src) : resolve(cwd, src);
  let directory: boolean;
  try {
    directory = statSync(fsPath(source)).isDirectory();
  } catch (err) {
    const why = errnoCode(err) === 'ENOENT' ? 'no such file or directory' : (errnoCode(err) ?? String(err));
    throw new BurrowError('E_VOLUME', `volume \`${spec}\`: host path \`${source}\`: ${why}`);
  }
  const named = isVolumeName(src) && volumeSource ? { volume: src, ...(nocopy ? { nocopy } : {}) } : {};
  return { source, target: containerPath(target), readonly, directory, ...(chown ? { chown } : {}), ...(overlay ? { overlay } : {}), ...named };
}

/** --tmpfs /path[:options], with podman's defaults rw,noexec,nosuid,nodev. */
export function parseTmpfs(spec: string): TmpfsSpec {
  const colon = spec.indexOf(':');
  const target = colon < 0 ? spec : spec.slice(0, colon);
  const opts = colon < 0 ? [] : spec.slice(colon + 1).split(',').filter(Boolean);
  if (!isAbsolute(target)) throw new UsageError(`invalid tmpfs \`${spec}\`: \`${target}\` is not an absolute path`);
  let flags = MS.NOEXEC | MS.NOSUID | MS.NODEV;
  const data: string[] = [];
  const toggles: Record<string, [number, boolean]> = {
    ro: [MS.RDONLY, true],
    rw: [MS.RDONLY, false],
    noexec: [MS.NOEXEC, true],
    exec: [MS.NOEXEC, false],
    nosuid: [MS.NOSUID, true],
    suid: [MS.NOSUID, false],
    nodev: [MS.NODEV, true],
    dev: [MS.NODEV, false],
  };
  for (const opt of opts) {
    const toggle = toggles[opt];
    if (toggle) flags = toggle[1] ? flags | toggle[0] : flags & ~toggle[0];
    else if (/^(size|mode|uid|gid|nr_inodes|nr_blocks)=[0-9a-zA-Z%]+$/.test(opt)) data.push(opt);
    else if (opt === 'notmpcopyup' || opt === 'tmpcopyup') continue;
    else throw new UsageError(`invalid tmpfs \`${spec}\`: unknown option \`${opt}\``);
  }
  return { target: containerPath(target), flags, data: data.join(',') };
}

const RLIMITS: Record<string, number> = {
  cpu: 0, fsize: 1, data: 2, stack: 3, core: 4, rss: 5, nproc: 6, nofile: 7, memlock: 8, as: 9, locks: 10,
  sigpending: 11, msgqueue: 12, nice: 13, rtprio: 14, rttime: 15,
};

/** --ulimit NAME=SOFT[:HARD], -1 for unlimited. */
export function parseUlimit(spec: string): RlimitSpec {
  const m = /^([a-z]+)=(-1|\d+)(?::(-1|\d+))?$/.exec(spec);
  const resource = m ? RLIMITS[m[1] as string] : undefined;
  if (!m || resource === undefined) throw new UsageError(`invalid ulimit \`${spec}\`: expected NAME=SOFT[:HARD] with NAME one of ${Object.keys(RLIMITS).join(', ')}`);
  const value = (s: string): number | 'inf' => (s === '-1' ? 'inf' : Number(s));
  const soft = value(m[2] as string);
  const hard = value(m[3] ?? (m[2] as string));
  if (hard !== 'inf' && (soft === 'inf' || soft > hard)) throw new UsageError(`invalid ulimit \`${spec}\`: soft limit above hard limit`);
  return { resource, soft, hard };
}

function checkRootfs(rootfs: string): string {
  const path = resolve(rootfs);
  // "DIR/." exists only for a directory: one access(2), and existsSync is loaded already (statSync's first
  // use costs 0.15 ms of start-up). statSync only to say what is wrong.
  if (existsSync(`${path}/.`)) return path;
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    throw new BurrowError('E_ROOTFS', `rootfs \`${rootfs}\`: ${errnoCode(err) === 'ENOENT' ? 'no such directory' : String(err)}`);
  }
  if (!st.isDirectory()) throw new BurrowError('E_ROOTFS', `rootfs \`${rootfs}\`: not a directory`);
  return path;
}

/** 64 hex digits from the kernel's random source (node:crypto costs 3 ms of start-up to load). */
export function newContainerId(sys: Pick<LibcCalls, 'randomBytes'>): string {
  return sys.randomBytes(32).toString('hex');
}

/** Where the container's files come from. */
export type RootSource =
  | { kind: 'rootfs'; path: string }
  | {
      kind: 'image';
      config: ImageConfig;
      /** layer directories, top first (read for /etc/passwd and /etc/group) */
      layers: string[];
      /** host path of the root filesystem, and the overlay that makes it (none with the copy driver) */
      root: string;
      overlay: OverlaySpec | undefined;
      /** where anonymous volumes (the image's Volumes) are created */
      volumesDir: string;
    };

export interface SpecContext {
  hostEnv: NodeJS.ProcessEnv;
  cwd: string;
  /** the container's id: its first 12 digits are the default hostname */
  id: string;
  /** the invoking user's id mapping (Sys.idMapping) */
  idmap: IdMapping;
  root: RootSource;
  /** a named volume's mount point (storage/volumes.ts); without it named volumes are refused (--rootfs) */
  volumeSource?: (name: string) => string;
  /** burrow's configuration directory (burrow.toml: the default network) */
  configDir: string;
  /** where a slirp4netns API socket goes (the runtime directory: a socket path is short) */
  runtimeDir: string;
  /** the container's name (in its /etc/hosts) */
  name?: string;
  /** its published ports, host ports chosen (a record's); else the -p specs must all name a host port */
  ports?: PortMapping[];
  /** the host's network facts (tests give their own) */
  hostFacts?: (hostname: string) => HostFacts;
  /** another container, for container:CTR (its process while it runs); without it those are refused (--rootfs) */
  joinContainer?: (ref: string) => JoinTarget;
  /** a container on user networks (runtime/networks.ts): made in the networks' user namespace, with its interfaces there */
  userNetworks?: UserNetworks;
  /** more /etc/hosts lines, at its end (a pod's infra: the pod's containers) */
  extraHosts?: string;
}

/** A container's user networks, as its start needs them. */
export interface UserNetworks {
  /** the networks' infra process (its user namespace is the container's), while it runs */
  infraPid: number | undefined;
  bridgePorts: Extract<Step, { kind: 'bridge-port' }>[];
  /** its /etc/hosts lines for the containers on the same networks */
  hosts: string;
  /** every one of its networks is --internal: no way out of its own */
  internal: boolean;
}

/** A container whose namespaces another shares: its process when it runs, and where its name files are. */
export interface JoinTarget {
  id: string;
  name: string;
  dir: string;
  pid: number | undefined;
}

type Shareable = ShareSpec['namespace'];

/** The host name of a container whose uts namespace is shared: its /etc/hostname, else its id's first 12 digits. */
function sharedHostname(target: JoinTarget): string {
  try {
    return readFileSync(join(target.dir, 'hostname'), 'utf8').trim() || target.id.slice(0, 12);
  } catch {
    return target.id.slice(0, 12);
  }
}

/** --pid, --ipc, --uts: private (the default) or container:CTR. */
function namespaceOption(flag: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '' || value === 'private') return undefined;
  if (value.startsWith('container:') && value.length > 'container:'.length) return value.slice('container:'.length);
  throw new UsageError(`invalid ${flag} \`${value}\`: use private or container:CTR`);
}

/** The network command --network private means: burrow.toml's, else pasta when installed, else slirp4netns. */
export function defaultNetworkCommand(configDir: string, env: NodeJS.ProcessEnv): NetworkCommand | undefined {
  const configured = readBurrowConf(configDir).network.defaultCommand;
  if (configured) return configured;
  if (findHelper('pasta', env.PATH)) return 'pasta';
  if (findHelper('slirp4netns', env.PATH)) return 'slirp4netns';
  return undefined;
}

/** --network as a record keeps it: the default (private) resolved to the command it means now, as podman does at create. */
export function resolvedNetworkOption(value: string | undefined, configDir: string, env: NodeJS.ProcessEnv): string {
  const mode = parseNetwork(value, () => defaultNetworkCommand(configDir, env));
  return value === undefined || value === 'private' ? mode.kind : value;
}

/** The -p specs and, with -P, the exposed ports (host ports 0 where none is named: chosen at create). */
export function requestedPorts(opts: RunOptions, imageExposed: string[]): { ports: PortMapping[]; exposed: string[] } {
  const ports = (opts.publish ?? []).flatMap(parsePublish);
  const exposed = [...new Set([...imageExposed, ...(opts.expose ?? [])])];
  for (const e of exposed) parseExpose(e);
  if (opts.publishAll) {
    const published = new Set(ports.flatMap((p) => Array.from({ length: p.range }, (_, i) => `${p.containerPort + i}/${p.protocol}`)));
    for (const e of exposed)
      for (const x of parseExpose(e))
        for (let i = 0; i < x.range; i++)
          if (!published.has(`${x.port + i}/${x.protocol}`)) ports.push({ hostIp: '', hostPort: 0, containerPort: x.port + i, range: 1, protocol: x.protocol });
  }
  checkOverlaps(ports);
  return { ports, exposed };
}

/** The groups root is a member of in the container's /etc/group (by its name there, else `root`). */
function rootGroups(read: RootReader): number[] {
  const name = /^([^:\n]*):[^:\n]*:0:/m.exec(read('/etc/passwd'))?.[1] ?? 'root';
  return parseGroup(read('/etc/group'))
    .filter((g) => g.gid !== 0 && g.members.includes(name))
    .map((g) => g.gid);
}

/**
 * --group-add: names from the container's /etc/group, or numbers, added to
 * the user's groups; keep-groups alone keeps the groups the process has
 * (the user's own on the host: undefined, no setgroups), as crun's
 * run.oci.keep_original_groups in podman.
 */
function addGroups(read: RootReader, given: string[], groups: number[] | undefined, idmap: Pick<IdMapping, 'gids'>): number[] | undefined {
  if (given.length === 0) return groups;
  if (given.includes('keep-groups')) {
    if (given.length > 1) throw new UsageError("--group-add keep-groups cannot be given with other --group-add groups: it keeps the host's groups as they are");
    return undefined;
  }
  const file = parseGroup(read('/etc/group'));
  const out = [...(groups ?? [])];
  for (const g of given) {
    let gid: number;
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const entry = file.find((e) => e.name === g);
      if (!entry) throw new BurrowError('E_USER', `--group-add \`${g}\`: no such group in the container's /etc/group`);
      gid = entry.gid;
    }
    if (gid > 0xfffffffe) throw new BurrowError('E_USER', `--group-add \`${g}\`: id out of range`);
    if (!isMapped(idmap.gids, gid))
      throw new BurrowError('E_UNMAPPED', `--group-add \`${g}\`: gid ${gid} is not mapped in the container's user namespace (mapped: ${describeMap(idmap.gids)})`);
    if (!out.includes(gid)) out.push(gid);
  }
  return out;
}

/** --device, then with --privileged the host's devices (a --device of the same path wins). */
function containerDevices(given: string[], privileged: boolean): DeviceSpec[] {
  const devices = given.flatMap(parseDevice);
  if (privileged) {
    const taken = new Set(devices.map((d) => d.target));
    devices.push(...hostDevices().filter((d) => !taken.has(d.target)));
  }
  return devices;
}

/** A file of apt's own in every Debian and Ubuntu: the image has apt. */
const APT_MARKER = '/etc/apt/apt.conf.d/01autoremove';
const FAKEROOT_APT_CONF = '// burrow --userns fakeroot (only your own id mapped): apt cannot switch to its _apt user\nAPT::Sandbox::User "root";\n';

/**
 * Is this the first time, since the runtime directory was made (this boot),
 * that the warning `name` is given? A warning about the host, not the
 * container, is said once, not at each container's start.
 */
function firstWarning(runtimeDir: string, name: string): boolean {
  try {
    mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(runtimeDir, `warned-${name}`), '', { flag: 'wx', mode: 0o600 });
    return true;
  } catch (err) {
    return errnoCode(err) !== 'EEXIST';
  }
}

/**
 * keep-id's user in the container's /etc/passwd and /etc/group, as podman
 * adds it when the image has no entry with its id: your name (or the id's
 * number, when uid= gave another), no password, the working directory as its
 * home, /bin/sh.
 */
export function keepIdEntries(read: RootReader, ids: { uid: number; gid: number }, hostName: string | undefined, workdir: string): { path: string; mode: number; data: string }[] {
  const own = hostName !== undefined && ids.uid === (process.getuid?.() ?? -1);
  const name = own ? hostName : String(ids.uid);
  const out: { path: string; mode: number; data: string }[] = [];
  const passwd = read('/etc/passwd');
  if (!parsePasswd(passwd).some((e) => e.uid === ids.uid || e.name === name))
    out.push({ path: '/etc/passwd', mode: 0o644, data: `${passwd}${passwd === '' || passwd.endsWith('\n') ? '' : '\n'}${name}:*:${ids.uid}:${ids.gid}:${own ? '' : 'container user'}:${workdir}:/bin/sh\n` });
  const group = read('/etc/group');
  if (!parseGroup(group).some((g) => g.gid === ids.gid || g.name === name))
    out.push({ path: '/etc/group', mode: 0o644, data: `${group}${group === '' || group.endsWith('\n') ? '' : '\n'}${name}:x:${ids.gid}:${name}\n` });
  return out;
}

/** The host's variables --http-proxy passes in (podman's list). */
export const PROXY_VARIABLES = ['http_proxy', 'https_proxy', 'ftp_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'FTP_PROXY', 'NO_PROXY'];

/** The host's proxy variables in `hostEnv`, as NAME=VALUE. */
function hostProxies(hostEnv: NodeJS.ProcessEnv): string[] {
  return PROXY_VARIABLES.filter((name) => hostEnv[name] !== undefined).map((name) => `${name}=${hostEnv[name]}`);
}

/**
 * What a container takes from where and when it is made, fixed in its
 * record as podman's spec fixes it: a relative host path of -v resolved
 * against the directory create ran in, --env-file's variables read and
 * -e NAME's value taken from create's environment, and the host's proxy
 * variables (--http-proxy). A later start, from another directory, another
 * shell or a systemd unit, runs the same container, and a file gone since
 * is not missed.
 */
export function fixedAtCreate<T extends RunOptions>(opts: T, cwd: string, hostEnv: NodeJS.ProcessEnv): T {
  const volume = opts.volume.map((v) => {
    const [src = '', ...rest] = v.split(':');
    return isVolumeName(src) || isAbsolute(src) || rest.length === 0 ? v : [resolve(cwd, src), ...rest].join(':');
  });
  const fromFiles = opts.envFile.flatMap((f) => readEnvFile(resolve(cwd, f), hostEnv));
  const fromFlags = opts.env.flatMap((e) => expandEnvEntry(e, hostEnv, `--env \`${e}\``));
  return {
    ...opts,
    volume,
    env: [...fromFiles, ...fromFlags],
    envFile: [],
    ...(opts.httpProxy === false ? {} : { proxyEnv: hostProxies(hostEnv) }),
  };
}

/** The default environment (burrow's own variables, then the image's), less what --unsetenv and --unsetenv-all take out. */
export function defaultEnv(opts: Pick<RunOptions, 'unsetenv' | 'unsetenvAll'>, ours: string[], image: string[]): string[][] {
  if (opts.unsetenvAll) return [];
  const unset = new Set(opts.unsetenv ?? []);
  if (unset.size === 0) return [ours, image];
  const kept = (e: string): boolean => !unset.has(e.includes('=') ? e.slice(0, e.indexOf('=')) : e);
  return [ours.filter(kept), image.filter(kept)];
}

export function buildSpec(opts: RunOptions, ctx: SpecContext): { spec: ContainerSpec; warnings: string[] } {
  const { hostEnv, cwd, id, root } = ctx;
  // fakeroot: only the user's own id, as without subordinate ids; keep-id, nomap and the maps: runtime/idmaps.ts.
  const ids = containerIds(opts, ctx.idmap);
  const { idmap } = ids;
  const usernsWhat = usernsFlag(opts);
  if (root.kind === 'image') checkContainerConfig(root.config);
  const image = root.kind === 'image' ? root.config.config ?? {} : undefined;
  // An image's files are stored with the default map's owners: under another map, shown with them through fuse-overlayfs.
  let overlay = root.kind === 'image' ? root.overlay : undefined;
  if (root.kind === 'image' && ids.remapped) {
    if (!overlay?.fuse)
      throw new BurrowError('E_FUSE', `${usernsWhat}: the image's files are shown with their owners under this map through fuse-overlayfs, which this container's storage does not use (install fuse-overlayfs, and let /dev/fuse be opened)`);
    overlay = {
      ...overlay,
      options: ids.nested ? `uidmapping=${nestedView(ids.nested.uids, ctx.idmap.uids)},gidmapping=${nestedView(ids.nested.gids, ctx.idmap.gids)}` : shiftedMountOptions(idmap, ctx.idmap, usernsWhat),
    };
  }
  const rootfs = root.kind === 'rootfs' ? checkRootfs(root.path) : root.root;
  const read = root.kind === 'rootfs' ? dirReader(rootfs) : layersReader(root.layers);
  const argv = containerArgv(root.kind === 'image' ? root.config : undefined, opts.command, opts.entrypoint);
  if (argv.length === 0)
    throw new BurrowError('E_NO_COMMAND', root.kind === 'image' ? 'no command or entrypoint specified for the image: give one' : 'no command given: burrow run --rootfs DIR COMMAND [ARG...]');
  const warnings: string[] = [];

  const userNets = ctx.userNetworks;
  // On user networks, its own way out is the default (none when they are all internal); its network option names them.
  const mode: NetworkMode = parseNetwork(userNets ? (userNets.internal ? 'none' : undefined) : opts.network, () => defaultNetworkCommand(ctx.configDir, hostEnv));
  // Another container's namespaces: shared inside its user namespace (the helper's `share`).
  const shares: ShareSpec[] = [];
  const joined = new Map<Shareable, JoinTarget>();
  const wanted: [Shareable, string | undefined, string][] = [
    ['net', mode.kind === 'container' ? mode.ref : undefined, '--network'],
    ['pid', namespaceOption('--pid', opts.pid), '--pid'],
    ['ipc', namespaceOption('--ipc', opts.ipc), '--ipc'],
    ['uts', namespaceOption('--uts', opts.uts), '--uts'],
    ['cgroup', namespaceOption('--cgroupns', opts.cgroupns), '--cgroupns'],
  ];
  for (const [ns, ref, flag] of wanted) {
    if (ref === undefined) continue;
    if (userNets) throw new UsageError(`${flag} container:${ref} cannot be given with a user network: a container on one is made in the networks' user namespace`);
    if (!ctx.joinContainer) throw new UsageError(`${flag} container:${ref} needs an image: a --rootfs container cannot share another's namespaces`);
    const target = ctx.joinContainer(ref);
    if (ref === id || target.id === id) throw new UsageError(`${flag} container:${ref}: a container cannot share its own namespaces`);
    if ([...joined.values()].some((t) => t.id !== target.id))
      throw new UsageError(`${flag} container:${target.name}: every namespace shared must be the same container's (each has a user namespace of its own)`);
    joined.set(ns, target);
    // A stopped one has no process yet: its start says so (runtime/container.ts), its record stays usable.
    shares.push({ namespace: ns, path: `/proc/${target.pid ?? 0}/ns/${ns}` });
  }

  if ((ids.mode.kind === 'fakeroot' || ids.remapped) && (shares.length > 0 || userNets))
    throw new UsageError(`${ids.mode.kind === 'fakeroot' ? '--userns fakeroot' : usernsWhat} cannot be given with shared namespaces (a pod, container:CTR, a user network): those are in another user namespace, with its ids`);
  // The networks' user namespace first: its other namespaces are made in it.
  if (userNets) shares.unshift({ namespace: 'user', path: `/proc/${userNets.infraPid ?? 0}/ns/user` });

  const security = parseSecurityOpts(opts.securityOpt);
  const privileged = opts.privileged === true;
  // Checked (names, conflicts) even with --privileged, which then gives every one, as podman.
  const caps = capabilities(opts.capAdd, opts.capDrop);

  const workdir = opts.workdir ?? (image?.WorkingDir || '/');
  if (!workdir.startsWith('/')) throw new UsageError(`invalid working directory \`${workdir}\`: must be an absolute path`);

  // As podman: with the host's network, the host's name; with another container's uts namespace, its.
  if (opts.hostname !== undefined && joined.has('uts')) throw new UsageError('--hostname cannot be given with --uts container:CTR: the host name is that container\'s');
  const ipcTarget = joined.get('ipc');
  if (opts.shmSize !== undefined && ipcTarget) throw new UsageError('--shm-size cannot be given with --ipc container:CTR: /dev/shm is that container\'s');
  const utsTarget = joined.get('uts');
  const hostname = opts.hostname ?? (mode.kind === 'host' ? hostHostname() : utsTarget ? sharedHostname(utsTarget) : id.slice(0, 12));
  if (hostname.length === 0 || Buffer.byteLength(hostname) > 64 || /[\s/]/.test(hostname))
    throw new UsageError(`invalid hostname \`${hostname}\`: 1 to 64 characters, no spaces or slashes`);

  if (idmap.warning && firstWarning(ctx.runtimeDir, 'no-subids')) warnings.push(idmap.warning);

  let uid = 0;
  let gid = 0;
  let groups: number[] | undefined;
  let home = '/root';
  // keep-id: the process runs as the user kept, unless --user says otherwise (podman: the image's User too gives way).
  const keepId = ids.keepId;
  const userSpec = opts.user ?? (keepId ? `${keepId.uid}:${keepId.gid}` : undefined) ?? (image?.User || undefined);
  const files: { path: string; mode: number; data: string }[] = [];
  if (keepId && root.kind === 'image') files.push(...keepIdEntries(read, keepId, idmap.user, workdir));
  if (userSpec !== undefined) {
    const u = resolveUser(read, userSpec);
    ({ uid, gid, home } = u);
    groups = u.groups;
    if (keepId && opts.user === undefined && !parsePasswd(read('/etc/passwd')).some((e) => e.uid === keepId.uid)) home = workdir;
  } else groups = rootGroups(read); // as podman (runc): root too gets the groups /etc/group lists it in, nothing of the host's
  // (a nested namespace's own map is the one the command's ids must be in)
  const view = ids.nested ?? idmap;
  if (!isMapped(view.uids, uid))
    throw new BurrowError('E_UNMAPPED', `user \`${userSpec ?? 'root'}\`: uid ${uid} is not mapped in the container's user namespace (mapped: ${describeMap(view.uids)})`);
  if (!isMapped(view.gids, gid))
    throw new BurrowError('E_UNMAPPED', `user \`${userSpec ?? 'root'}\`: gid ${gid} is not mapped in the container's user namespace (mapped: ${describeMap(view.gids)})`);
  if (groups) groups = groups.filter((g) => isMapped(view.gids, g));
  groups = addGroups(read, opts.groupAdd ?? [], groups, view);

  const base = [`PATH=${DEFAULT_PATH}`, 'container=burrow', `HOME=${home}`, `HOSTNAME=${hostname}`];
  if (opts.tty) base.push('TERM=xterm');
  // The host's proxy variables, as podman passes them (before the image's and the user's, which win over them).
  if (opts.httpProxy !== false) base.push(...(opts.proxyEnv ?? hostProxies(hostEnv)));
  const fromFiles = opts.envFile.flatMap((f) => readEnvFile(f, hostEnv));
  const fromFlags = opts.env.flatMap((e) => expandEnvEntry(e, hostEnv, `--env \`${e}\``));
  const env = mergeEnv(...defaultEnv(opts, base, image?.Env ?? []), fromFiles, fromFlags);
  const volumes = opts.volume.map((v) => parseVolume(v, cwd, ctx.volumeSource));
  // --tz: the zone's file on /etc/localtime, read-only, unless a volume is mounted there.
  if (opts.tz !== undefined && !volumes.some((v) => v.target === '/etc/localtime'))
    volumes.push({ source: timezoneFile(opts.tz, hostEnv), target: '/etc/localtime', readonly: true, directory: false });
  if (root.kind === 'image') {
    // The image's Volumes become anonymous volumes, unless a -v covers the path.
    const taken = new Set(volumes.map((v) => v.target));
    Object.keys(image?.Volumes ?? {}).forEach((path, i) => {
      const target = containerPath(path);
      if (!target.startsWith('/') || taken.has(target)) return;
      const source = join(root.volumesDir, `anon-${i}`);
      mkdirSync(source, { recursive: true, mode: 0o755 });
      volumes.push({ source, target, readonly: false, directory: true });
    });
  }

  const ports = ctx.ports ?? requestedPorts(opts, Object.keys(image?.ExposedPorts ?? {})).ports;
  if (ports.some((p) => p.hostPort === 0)) throw new UsageError('a container without a record publishes only ports that name their host port: -p HOSTPORT:PORT');
  const netTarget = joined.get('net');
  if (userNets?.internal && ports.length > 0) throw new UsageError('ports cannot be published on an internal network: its containers have no way out');
  if (netTarget && ports.length > 0) throw new UsageError(`ports cannot be published with --network container:${netTarget.name}: publish them on that container`);
  const net = networkSetup(
    {
      mode: netTarget ? { kind: 'none' } : mode,
      ports,
      ...(shares.length > 0 ? { namespacesByFd: true } : {}),
      hostname,
      ...(ctx.name !== undefined ? { name: ctx.name } : {}),
      dns: opts.dns ?? [],
      dnsSearch: opts.dnsSearch ?? [],
      dnsOption: opts.dnsOption ?? [],
      addHost: opts.addHost ?? [],
      noHosts: opts.noHosts ?? false,
      ...(opts.macAddress !== undefined ? { macAddress: opts.macAddress } : {}),
      ...(userNets || ctx.extraHosts ? { networkHosts: `${userNets?.hosts ?? ''}${ctx.extraHosts ?? ''}` } : {}),
      ...(mode.kind === 'pasta' ? { pasta: findHelper('pasta', hostEnv.PATH) } : {}),
      ...(mode.kind === 'slirp4netns' ? { slirp4netns: findHelper('slirp4netns', hostEnv.PATH) } : {}),
      helper: helperPath(hostEnv),
      apiSocket: slirpSocketPath(ctx.runtimeDir, id),
      uid: process.getuid?.() ?? -1,
    },
    (ctx.hostFacts ?? readHostFacts)(hostname),
  );
  const seccomp = chooseSeccomp({ seccomp: security.seccomp, seccompPolicy: opts.seccompPolicy, seccompProfile: opts.seccompProfile }, { cwd, capabilities: privileged ? new Set(CAPABILITIES) : caps.set, privileged, imageLabels: image?.Labels, fakeroot: idmap.single, cacheDir: ctx.runtimeDir });
  const nameFiles: NameFile[] = [];
  // Sharing a network (or a uts namespace) shares its name files too, as podman does: the other container's, bound.
  const sharedFile = (target: JoinTarget | undefined, name: string): string | undefined => {
    const file = target && join(target.dir, name);
    return file && existsSync(file) ? file : undefined;
  };
  const add = (target: string, name: string, content: string | undefined, from: JoinTarget | undefined): void => {
    const source = sharedFile(from, name);
    if (source) nameFiles.push({ target, name, content: '', source });
    else if (content !== undefined) nameFiles.push({ target, name, content });
  };
  add('/etc/hosts', 'hosts', net.files.hosts, opts.noHosts ? undefined : netTarget);
  add('/etc/resolv.conf', 'resolv.conf', net.files.resolv, (opts.dns ?? []).length > 0 ? undefined : netTarget);
  add('/etc/hostname', 'hostname', net.files.hostname, joined.get('uts'));
  // Fakeroot: apt's methods drop to the _apt user and check that they did, which a filter cannot make
  // look true: its sandbox user is root there (as Charliecloud sets it), in a file bound beside apt's own.
  if (idmap.single && seccomp.filter && read(APT_MARKER) !== '')
    nameFiles.push({ target: '/etc/apt/apt.conf.d/00burrow-fakeroot', name: 'apt-fakeroot.conf', content: FAKEROOT_APT_CONF });

  const ownNetwork = net.ownNamespace && !netTarget;
  const sysctls = (opts.sysctl ?? []).map((x) => parseSysctl(x, { net: ownNetwork, ipc: !joined.has('ipc'), uts: !joined.has('uts') }));
  const devices = containerDevices(opts.device ?? [], privileged);
  const { masked, readonly } = protectedPaths(security, privileged);

  const spec: ContainerSpec = {
    ...(shares.length > 0 ? { shares } : {}),
    ...(userNets && userNets.bridgePorts.length > 0 ? { bridgePorts: userNets.bridgePorts } : {}),
    rootfs,
    ...(overlay ? { overlay } : {}),
    ...(files.length > 0 ? { files } : {}),
    argv,
    env,
    workdir,
    hostname,
    uid,
    gid,
    groups,
    volumes,
    tmpfs: opts.tmpfs.map(parseTmpfs),
    readOnly: opts.readOnly,
    network: { own: ownNetwork, processes: net.processes, files: nameFiles, ports, ...(net.address ? { address: net.address } : {}), ...(net.gateway ? { gateway: net.gateway } : {}) },
    interactive: opts.interactive,
    tty: opts.tty,
    init: opts.init,
    capabilities: privileged ? new Set(CAPABILITIES) : caps.set,
    addedCapabilities: caps.added,
    privileged,
    maskedPaths: masked,
    readonlyPaths: readonly,
    ...(security.procOpts !== undefined ? { procOpts: security.procOpts } : {}),
    ...(opts.shmSize !== undefined ? { shmSize: opts.shmSize } : {}),
    ...(opts.umask !== undefined ? { umask: opts.umask } : {}),
    ...(opts.pidfile !== undefined ? { pidFile: opts.pidfile } : {}),
    ...(ipcTarget ? { shmFrom: `/proc/${ipcTarget.pid ?? 0}/ns/mnt` } : {}),
    ...(devices.length > 0 ? { devices } : {}),
    ...(sysctls.length > 0 ? { sysctls } : {}),
    readOnlyTmpfs: opts.readOnlyTmpfs !== false,
    noNewPrivileges: security.noNewPrivileges,
    ...(seccomp.filter ? { seccomp: seccomp.filter } : {}),
    ...(seccomp.profile ? { seccompProfile: seccomp.profile } : {}),
    rlimits: opts.ulimit.map(parseUlimit),
    idmap,
    ...(ids.nested ? { nestedIds: ids.nested } : {}),
  };
  return { spec, warnings };
}
