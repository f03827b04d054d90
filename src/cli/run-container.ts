/**
 * The options of `run` and `create` as the command line gives them, turned
 * once into what the runtime takes (runtime/run.ts, runtime/container.ts).
 * RunCommand uses it, and so does dist/fast.cjs (src/fast.ts), which parses
 * plain `run` lines itself to start a container without loading clipanion
 * (start-up time). So nothing here imports clipanion.
 */
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { parseByteSize } from '../config/size.js';
import { BurrowError, UsageError } from '../errors.js';
import { containerLabels } from '../runtime/labels.js';
import { pullRequest } from '../runtime/pull-policy.js';
import type { RunRequest } from '../runtime/run.js';
import { parseSignal } from '../runtime/signals.js';
import { timezoneFile } from '../runtime/timezone.js';
import type { ContainerOptions, HealthFlags, RunOptions } from '../storage/containers.js';
import { parseSeconds } from './duration.js';

type SecurityField = 'privileged' | 'readOnlyTmpfs' | 'device' | 'groupAdd' | 'sysctl' | 'uidmap' | 'gidmap';
type NetworkField = 'publish' | 'publishAll' | 'expose' | 'dns' | 'dnsSearch' | 'dnsOption' | 'addHost' | 'noHosts' | 'macAddress' | 'pid' | 'ipc' | 'uts' | 'cgroupns';

/**
 * The options `run` and `create` share (src/cli/options/container.ts declares them): what a
 * container record keeps (RunOptions), with --entrypoint as typed, and the image, command, name and --rm.
 */
export interface ContainerFields extends Omit<RunOptions, 'command' | 'entrypoint' | 'stopTimeout' | 'httpProxy' | 'shmSize' | 'umask' | 'pidfile' | NetworkField | SecurityField> {
  privileged: boolean;
  readOnlyTmpfs: boolean;
  device: string[];
  groupAdd: string[];
  sysctl: string[];
  uidmap: string[];
  gidmap: string[];
  publish: string[];
  publishAll: boolean;
  expose: string[];
  dns: string[];
  dnsSearch: string[];
  dnsOption: string[];
  addHost: string[];
  noHosts: boolean;
  macAddress: string | undefined;
  pid: string | undefined;
  ipc: string | undefined;
  uts: string | undefined;
  pod: string | undefined;
  name: string | undefined;
  entrypoint: string | undefined;
  rm: boolean;
  cidfile: string | undefined;
  logDriver: string | undefined;
  logOpt: string[];
  restart: string | undefined;
  healthCmd: string | undefined;
  healthInterval: string | undefined;
  healthRetries: string | undefined;
  healthStartPeriod: string | undefined;
  healthTimeout: string | undefined;
  healthOnFailure: string | undefined;
  noHealthcheck: boolean;
  mount: string[];
  volumesFrom: string[];
  label: string[];
  labelFile: string[];
  stopSignal: string | undefined;
  stopTimeout: string | undefined;
  httpProxy: boolean;
  shmSize: string | undefined;
  umask: string | undefined;
  pidfile: string | undefined;
  tz: string | undefined;
  unsetenv: string[];
  unsetenvAll: boolean;
  /** --replace: a container of the same --name is removed first */
  replace: boolean;
  /** --pull: always, missing (the default), never, newer */
  pull: string;
  /** the pull's platform (--platform, or --os, --arch, --variant), registry (--tls-verify, --authfile) and output (-q) */
  platform: string | undefined;
  os: string | undefined;
  arch: string | undefined;
  variant: string | undefined;
  tlsVerify: boolean | undefined;
  authfile: string | undefined;
  quiet: boolean;
  target: string;
  args: string[];
}

export interface RunFields extends ContainerFields {
  rootfs: string | undefined;
  detach: boolean;
  detachKeys: string;
  sigProxy: boolean;
}

/** --entrypoint as podman reads it: a JSON array, or one program. */
export function entrypointArgv(entrypoint: string | undefined): string[] | undefined {
  if (entrypoint === undefined) return undefined;
  if (entrypoint.startsWith('[')) {
    try {
      const parsed = JSON.parse(entrypoint) as unknown;
      if (Array.isArray(parsed) && parsed.every((s) => typeof s === 'string')) return parsed as string[];
    } catch {
      // not JSON: a program name
    }
  }
  return entrypoint === '' ? [] : [entrypoint];
}

/** --umask: one to four octal digits, at most 0777 (podman's 022, 0022, 77). */
export function parseUmask(text: string): number {
  if (!/^[0-7]{1,4}$/.test(text) || Number.parseInt(text, 8) > 0o777) throw new UsageError(`invalid --umask \`${text}\`: an octal mask from 0000 to 0777`);
  return Number.parseInt(text, 8);
}

/**
 * --pidfile: a file whose directory exists (the monitor writes it at each
 * start, beside it a temporary one), made absolute here, where that
 * directory is checked: a later start from elsewhere writes the same file.
 */
function checkedPidfile(path: string): string {
  if (path === '' || path.endsWith('/')) throw new UsageError(`invalid --pidfile \`${path}\`: give a file's path`);
  const file = resolve(path);
  let isDir: boolean;
  try {
    isDir = statSync(dirname(file)).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new BurrowError('E_PIDFILE', `--pidfile \`${path}\`: its directory \`${dirname(file)}\` does not exist`);
  return file;
}

export function containerOptions(f: ContainerFields, command: string[]): ContainerOptions {
  const labels = f.label.length > 0 || f.labelFile.length > 0 ? containerLabels(f.label, f.labelFile) : {};
  return {
    command,
    ...(Object.keys(labels).length > 0 ? { labels } : {}),
    ...(f.httpProxy ? {} : { httpProxy: false as const }),
    ...(f.shmSize !== undefined ? { shmSize: parseByteSize(f.shmSize, '--shm-size') } : {}),
    ...(f.umask !== undefined ? { umask: parseUmask(f.umask) } : {}),
    ...(f.pidfile !== undefined ? { pidfile: checkedPidfile(f.pidfile) } : {}),
    ...(f.tz !== undefined ? { tz: checkedTimezone(f.tz) } : {}),
    ...(f.unsetenv.length > 0 ? { unsetenv: f.unsetenv } : {}),
    ...(f.unsetenvAll ? { unsetenvAll: true } : {}),
    // Checked now: a container that stop could not signal would stay until killed.
    ...(f.stopSignal !== undefined ? { stopSignal: parseSignal(f.stopSignal, '--stop-signal').name } : {}),
    ...(f.stopTimeout !== undefined ? { stopTimeout: parseSeconds(f.stopTimeout, '--stop-timeout') } : {}),
    entrypoint: entrypointArgv(f.entrypoint),
    env: f.env,
    envFile: f.envFile,
    workdir: f.workdir,
    hostname: f.hostname,
    user: f.user,
    volume: f.volume,
    tmpfs: f.tmpfs,
    readOnly: f.readOnly,
    network: f.network,
    interactive: f.interactive,
    tty: f.tty,
    init: f.init,
    capAdd: f.capAdd,
    capDrop: f.capDrop,
    securityOpt: f.securityOpt,
    ...(f.seccompPolicy !== undefined ? { seccompPolicy: f.seccompPolicy } : {}),
    ...(f.userns !== undefined ? { userns: f.userns } : {}),
    ...(f.uidmap.length > 0 ? { uidmap: f.uidmap } : {}),
    ...(f.gidmap.length > 0 ? { gidmap: f.gidmap } : {}),
    ...(f.subuidname !== undefined ? { subuidname: f.subuidname } : {}),
    ...(f.subgidname !== undefined ? { subgidname: f.subgidname } : {}),
    ulimit: f.ulimit,
    rm: f.rm,
    ...(f.logDriver !== undefined ? { logDriver: f.logDriver } : {}),
    ...(f.logOpt.length > 0 ? { logOpt: f.logOpt } : {}),
    ...(f.restart !== undefined ? { restart: f.restart } : {}),
    ...healthFlags(f),
    ...networkFlags(f),
    ...securityFlags(f),
  };
}

/** The security flags given (absent from the record when not). */
function securityFlags(f: ContainerFields): Partial<ContainerOptions> {
  return {
    ...(f.privileged ? { privileged: true } : {}),
    ...(!f.readOnlyTmpfs ? { readOnlyTmpfs: false } : {}),
    ...(f.device.length > 0 ? { device: f.device } : {}),
    ...(f.groupAdd.length > 0 ? { groupAdd: f.groupAdd } : {}),
    ...(f.sysctl.length > 0 ? { sysctl: f.sysctl } : {}),
  };
}

/** The network flags given (absent from the record when not: records stay small). */
function networkFlags(f: ContainerFields): Partial<ContainerOptions> {
  return {
    ...(f.publish.length > 0 ? { publish: f.publish } : {}),
    ...(f.publishAll ? { publishAll: true } : {}),
    ...(f.expose.length > 0 ? { expose: f.expose } : {}),
    ...(f.dns.length > 0 ? { dns: f.dns } : {}),
    ...(f.dnsSearch.length > 0 ? { dnsSearch: f.dnsSearch } : {}),
    ...(f.dnsOption.length > 0 ? { dnsOption: f.dnsOption } : {}),
    ...(f.addHost.length > 0 ? { addHost: f.addHost } : {}),
    ...(f.noHosts ? { noHosts: true } : {}),
    ...(f.macAddress !== undefined ? { macAddress: f.macAddress } : {}),
    ...(f.pid !== undefined ? { pid: f.pid } : {}),
    ...(f.ipc !== undefined ? { ipc: f.ipc } : {}),
    ...(f.uts !== undefined ? { uts: f.uts } : {}),
    ...(f.pod !== undefined ? { pod: f.pod } : {}),
  };
}

/** The --health-* flags given, kept as typed (runtime/health-config.ts resolves them at create). */
function healthFlags(f: ContainerFields): { health?: HealthFlags } {
  const given = Object.entries({
    cmd: f.healthCmd,
    interval: f.healthInterval,
    timeout: f.healthTimeout,
    startPeriod: f.healthStartPeriod,
    retries: f.healthRetries,
    onFailure: f.healthOnFailure,
  }).filter(([, v]) => v !== undefined);
  if (given.length === 0 && !f.noHealthcheck) return {};
  return { health: { ...Object.fromEntries(given), ...(f.noHealthcheck ? { noHealthcheck: true } : {}) } };
}

/** --tz checked when the container is made (the zone exists on the host). */
function checkedTimezone(tz: string): string {
  timezoneFile(tz, process.env);
  return tz;
}

/** --rootfs pulls nothing: the flags of a pull have nothing to act on. */
function rootfsPull(f: RunFields): ReturnType<typeof pullRequest> {
  const given = [
    f.platform !== undefined && '--platform',
    f.os !== undefined && '--os',
    f.arch !== undefined && '--arch',
    f.variant !== undefined && '--variant',
    f.tlsVerify !== undefined && '--tls-verify',
    f.authfile !== undefined && '--authfile',
    f.quiet && '--quiet',
  ].filter((x): x is string => x !== false);
  if (given.length > 0) throw new UsageError(`${given.join(', ')}: --rootfs runs no image, so nothing is pulled`);
  return pullRequest(f);
}

/** What `run` was given, gathered once: with --rootfs, the first word is the command's, not an image. */
export function runRequest(f: RunFields): RunRequest {
  const rootfs = f.rootfs !== undefined;
  return {
    image: rootfs ? undefined : f.target,
    rootfs: f.rootfs,
    name: f.name,
    detach: f.detach,
    detachKeys: f.detachKeys,
    sigProxy: f.sigProxy,
    cidfile: f.cidfile,
    volumeInputs: { mount: f.mount, volumesFrom: f.volumesFrom },
    pull: rootfs ? rootfsPull(f) : pullRequest(f),
    ...(f.replace ? { replace: true } : {}),
    options: containerOptions(f, rootfs ? [f.target, ...f.args] : f.args),
  };
}
