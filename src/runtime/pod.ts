/**
 * Pods, as podman's: containers that share namespaces (by default cgroup,
 * ipc, net and uts) with a small infra container that holds them. The
 * infra is a container record of its own (`infra`), whose process is the
 * helper's pause on an empty read-only root (compile.ts); the pod's network
 * (its pasta, its published ports, its name files) is the infra's. Each
 * container of the pod joins the infra's user namespace and the shared
 * namespaces (the helper's `share`), as --network container:CTR does; its
 * start starts the infra first when it is not running.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { BurrowError, UsageError } from '../errors.js';
import type { ContainerRecord } from '../storage/containers.js';
import { CREATING, holdFile } from '../storage/leftovers.js';
import { POD_NAMESPACES, type PodNamespace, type PodRecord } from '../storage/pods.js';
import type { Store } from '../storage/store.js';
import { createInfra, type Env, type InfraNetworkOptions, killContainer, removeContainer, reserveSwept, startIfStopped, stopContainer } from './container.js';
import { recordEvent } from './events.js';
import { parseLabels } from './labels.js';
import { newContainerId } from './options.js';
import type { Signal } from './signals.js';

/** What `pod create` (and `run --pod new:NAME`) takes. */
export interface PodOptions extends InfraNetworkOptions {
  name: string | undefined;
  /** --share as given (undefined: podman's default, cgroup,ipc,net,uts) */
  share: string | undefined;
  infra: boolean;
  infraName: string | undefined;
  labels: string[];
  /** --shm-size: the infra's /dev/shm, in bytes (absent: 64 MiB) */
  shmSize?: number;
  createCommand: string[];
}

export const DEFAULT_SHARE: PodNamespace[] = ['cgroup', 'ipc', 'net', 'uts'];

export function defaultPodOptions(): PodOptions {
  return { name: undefined, share: undefined, infra: true, infraName: undefined, hostname: undefined, network: undefined, publish: [], addHost: [], dns: [], dnsSearch: [], dnsOption: [], noHosts: false, labels: [], createCommand: [] };
}

/** --share: a comma list of cgroup, ipc, net, pid, uts, or none; "+NS,..." adds to the default. */
export function parseShare(value: string | undefined): PodNamespace[] {
  if (value === undefined) return [...DEFAULT_SHARE];
  const add = value.startsWith('+');
  const words = (add ? value.slice(1) : value).split(',').filter((w) => w !== '');
  if (!add && (words.length === 0 || (words.length === 1 && words[0] === 'none'))) return [];
  const out = new Set<PodNamespace>(add ? DEFAULT_SHARE : []);
  for (const w of words) {
    if (!(POD_NAMESPACES as readonly string[]).includes(w)) throw new UsageError(`invalid kernel namespace to share: ${w}: use cgroup, ipc, net, pid, uts, or none`);
    out.add(w as PodNamespace);
  }
  return POD_NAMESPACES.filter((ns) => out.has(ns));
}

function podEvent(store: Store, pod: PodRecord, status: string): void {
  recordEvent(store, { ID: pod.id, Name: pod.name, Status: status, Type: 'pod' });
}

/** What a pod's infra must exist for, and what needs the namespace it is set in. */
function checkPodOptions(opts: PodOptions, share: PodNamespace[]): void {
  const network: [string, boolean][] = [
    ['--publish', opts.publish.length > 0],
    ['--network', opts.network !== undefined],
    ['--dns', opts.dns.length > 0],
    ['--dns-search', opts.dnsSearch.length > 0],
    ['--dns-option', opts.dnsOption.length > 0],
    ['--add-host', opts.addHost.length > 0],
    ['--no-hosts', opts.noHosts],
  ];
  if (!opts.infra) {
    if (opts.share !== undefined && share.length > 0) throw new UsageError('--share needs an infra container: a pod without one (--infra=false) shares no namespace');
    for (const [flag, set] of [
      ...network,
      ['--hostname', opts.hostname !== undefined] as [string, boolean],
      ['--infra-name', opts.infraName !== undefined] as [string, boolean],
      ['--shm-size', opts.shmSize !== undefined] as [string, boolean],
    ])
      if (set) throw new UsageError(`${flag} needs an infra container: a pod without one (--infra=false) has no namespaces of its own`);
    return;
  }
  if (!share.includes('net')) for (const [flag, set] of network) if (set) throw new UsageError(`${flag} needs a shared network namespace: add net to --share`);
  if (opts.hostname !== undefined && !share.includes('uts')) throw new UsageError('--hostname needs a shared uts namespace: add uts to --share');
  if (opts.shmSize !== undefined && !share.includes('ipc')) throw new UsageError('--shm-size needs a shared ipc namespace: add ipc to --share');
  if (opts.network?.startsWith('container:')) throw new UsageError(`invalid network \`${opts.network}\` for a pod: its infra holds the pod's own network`);
}

/** Creates a pod (and its infra container, stopped): its record, with the infra's id. */
export async function createPod(env: Env, store: Store, opts: PodOptions): Promise<PodRecord> {
  const share = parseShare(opts.share);
  checkPodOptions(opts, share);
  const labels = parseLabels(opts.labels);
  const { pods, containers } = store;
  const id = newContainerId(env.sys);
  const dir = pods.dir(id);
  mkdirSync(pods.base, { recursive: true, mode: 0o700 });
  mkdirSync(dir, { mode: 0o700 });
  // Held until the record is written: a pod directory without one is a killed create's (storage/leftovers.ts).
  const creating = holdFile(env.sys, join(dir, CREATING));
  let name: string | undefined;
  let infra: ContainerRecord | undefined;
  try {
    name = await reservePodName(store, id, opts.name);
    const rec: PodRecord = { id, name, created: new Date().toISOString(), labels, share: opts.infra ? share : [], createCommand: opts.createCommand };
    if (opts.infra) {
      // A pod that shares no network: its infra needs none (no network helper to run for nothing).
      infra = await createInfra(env, store, { ...opts, pod: rec, name: opts.infraName, ...(share.includes('net') ? {} : { network: 'none' }) });
      rec.infra = infra.id;
    }
    pods.write(rec);
    creating.release();
    podEvent(store, rec, 'create');
    return rec;
  } catch (err) {
    creating.release();
    if (infra) await removeContainer(env, store, infra, true).catch(() => undefined);
    if (name !== undefined) containers.releaseName(name);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** The pod's name (given, or a generated one); one held by what a killed command left is freed first. */
async function reservePodName(store: Store, id: string, name: string | undefined): Promise<string> {
  if (name === undefined) return store.containers.reserveName(id, undefined);
  await reserveSwept(store, () => store.pods.reserveName(id, name));
  return name;
}

export type PodStatus = 'Created' | 'Running' | 'Degraded' | 'Exited' | 'Paused';

/** podman's pod states from its containers' (the infra's among them). */
export function podStatus(store: Store, members: ContainerRecord[]): PodStatus {
  const states = members.map((c) => store.containers.status(c));
  const count = (test: (s: (typeof states)[number]) => boolean): number => states.filter(test).length;
  if (states.length === 0) return 'Created';
  const running = count((s) => s.state === 'running');
  if (count((s) => s.paused === true) === states.length) return 'Paused';
  if (running === states.length) return 'Running';
  if (running > 0) return 'Degraded';
  if (count((s) => s.state === 'created') === states.length) return 'Created';
  return 'Exited';
}

/** Its containers with the infra first, then the others oldest first (the order they start in). */
export function startOrder(pod: PodRecord, members: ContainerRecord[]): ContainerRecord[] {
  return [...members.filter((c) => c.id === pod.infra), ...members.filter((c) => c.id !== pod.infra)];
}

/** The failures of one pod command, one line per container, as podman prints them (cli/pod-targets.ts prints each line). */
function podFailures(failures: string[]): void {
  if (failures.length > 0) throw new BurrowError('E_POD', failures.join('\n'));
}

/** Starts the pod's containers that are not running: the infra first. */
export async function startPod(env: Env, store: Store, pod: PodRecord): Promise<void> {
  const failures: string[] = [];
  for (const c of startOrder(pod, store.pods.containers(pod))) {
    try {
      await startIfStopped(env, store, c);
    } catch (err) {
      if (!(err instanceof BurrowError)) throw err;
      failures.push(`starting container ${c.id}: ${err.message}`);
    }
  }
  podFailures(failures);
  podEvent(store, pod, 'start');
}

/** Stops the pod's running containers: the others (at once) first, then the infra. */
export async function stopPod(store: Store, pod: PodRecord, timeout: number | undefined, warn?: (message: string) => void): Promise<void> {
  const { containers } = store;
  const members = store.pods.containers(pod);
  const failures: string[] = [];
  const stop = async (c: ContainerRecord): Promise<void> => {
    try {
      await containers.locked(c, (current) => stopContainer(store, current, timeout, warn));
    } catch (err) {
      if (!(err instanceof BurrowError)) throw err;
      if (err.code !== 'E_NO_CONTAINER') failures.push(`stopping container ${c.id}: ${err.message}`);
    }
  };
  await Promise.all(members.filter((c) => c.id !== pod.infra).map(stop));
  for (const c of members) if (c.id === pod.infra) await stop(c);
  podFailures(failures);
  podEvent(store, pod, 'stop');
}

/** Sends `signal` to every running container of the pod; none running is an error, as in podman. */
export function killPod(store: Store, pod: PodRecord, signal: Signal): void {
  const { containers } = store;
  const running = store.pods.containers(pod).filter((c) => containers.status(c).state === 'running');
  if (running.length === 0) throw new BurrowError('E_NOT_RUNNING', `pod ${pod.name}: no running containers to kill`);
  const failures: string[] = [];
  // The infra last: with a shared pid namespace, its end would end the others before they got the signal.
  for (const c of [...running.filter((c) => c.id !== pod.infra), ...running.filter((c) => c.id === pod.infra)]) {
    try {
      killContainer(store, c, signal);
    } catch (err) {
      if (!(err instanceof BurrowError)) throw err;
      failures.push(`killing container ${c.id}: ${err.message}`);
    }
  }
  podFailures(failures);
  recordEvent(store, { ID: pod.id, Name: pod.name, Status: 'kill', Type: 'pod', Attributes: { signal: String(signal.number) } });
}

/**
 * Removes the pod and its containers. One with a running container is
 * refused unless `force`, which stops them first.
 */
export async function removePod(env: Env, store: Store, pod: PodRecord, force: boolean, timeout?: number, warn?: (message: string) => void): Promise<void> {
  const { containers, pods } = store;
  const members = pods.containers(pod);
  if (!force) {
    const running = members.find((c) => containers.status(c).state === 'running' || containers.monitor(c.id).alive);
    if (running)
      throw new BurrowError(
        'E_RUNNING',
        `pod ${pod.name} has containers that are not ready to be removed: cannot remove container ${running.id} as it is running - running or paused containers cannot be removed without force`,
      );
  } else {
    await stopPod(store, pod, timeout, warn);
  }
  // The others first (newest first: one may share another's namespaces), the infra last.
  const order = [...members.filter((c) => c.id !== pod.infra).reverse(), ...members.filter((c) => c.id === pod.infra)];
  for (const c of order) {
    try {
      await containers.locked(c, (current) => removeContainer(env, store, current, force, timeout, warn));
    } catch (err) {
      if (!(err instanceof BurrowError && err.code === 'E_NO_CONTAINER')) throw err;
    }
  }
  const trash = await store.lock(() => pods.detach(pod));
  podEvent(store, pod, 'remove');
  await env.sys.removeTrees([trash]).catch(() => rmSync(trash, { recursive: true, force: true }));
}
