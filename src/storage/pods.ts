/**
 * Pods: one directory each under pods/<id>/, as containers have:
 *
 *   pod.json      the record (written once at create, atomically; last, so a pod without it is a killed create's)
 *   .creating     held (flock) by its create until the record is written
 *   lock          flock held by a command acting on the pod (start, stop, kill, rm)
 *
 * A pod's name is a link in names/, beside the containers' (one name space
 * for both, as podman's). Its infra container, which holds the namespaces
 * the pod's containers share, is a container record of its own (`infra`,
 * `pod`), and each container of the pod says so in its record (`pod`).
 */
import { closeSync, openSync, renameSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

import { BurrowError, errnoCode } from '../errors.js';
import { safeReaddir } from '../system/files.js';
import { atomicWriteFile, readJson } from './atomic.js';
import type { ContainerRecord } from './containers.js';
import type { Store } from './store.js';
import { byCodeUnits } from '../order.js';

/** The namespaces a pod's containers can share with its infra. */
export const POD_NAMESPACES = ['cgroup', 'ipc', 'net', 'pid', 'uts'] as const;
export type PodNamespace = (typeof POD_NAMESPACES)[number];

export interface PodRecord {
  id: string;
  name: string;
  created: string;
  labels: Record<string, string>;
  /** the namespaces its containers share with its infra (none without one) */
  share: PodNamespace[];
  /** its infra container's id; none with --no-infra */
  infra?: string;
  /** the command line that made it (podman's CreateCommand) */
  createCommand: string[];
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export class Pods {
  constructor(private readonly store: Store) {}

  get base(): string {
    return join(this.store.root, 'pods');
  }

  dir(id: string): string {
    return join(this.base, id);
  }

  list(): PodRecord[] {
    const out: PodRecord[] = [];
    for (const id of safeReaddir(this.base)) {
      const rec = readJson<PodRecord | undefined>(join(this.dir(id), 'pod.json'), undefined);
      if (rec) out.push(rec);
    }
    return out.sort((a, b) => byCodeUnits(a.created, b.created));
  }

  /** By name, full id or unique id prefix. */
  find(ref: string, all = this.list()): PodRecord | undefined {
    const byName = all.find((p) => p.name === ref) ?? all.find((p) => p.id === ref);
    if (byName) return byName;
    if (!/^[a-f0-9]{1,64}$/.test(ref)) return undefined;
    const matches = all.filter((p) => p.id.startsWith(ref));
    if (matches.length > 1) throw new BurrowError('E_AMBIGUOUS', `pod id prefix \`${ref}\` is ambiguous: it matches ${matches.length} pods`);
    return matches[0];
  }

  get(ref: string, all?: PodRecord[]): PodRecord {
    const p = this.find(ref, all);
    if (!p) throw new BurrowError('E_NO_POD', `no pod with name or ID ${ref} found: no such pod`);
    return p;
  }

  /** Takes `name` for pod `id` in names/ (shared with the containers'); fails if it is in use. */
  reserveName(id: string, name: string): void {
    if (name.length > 255 || !NAME.test(name)) throw new BurrowError('E_NAME', `pod name \`${name.length > 32 ? `${name.slice(0, 32)}...` : name}\` is invalid: use letters, digits, _ . -, starting with a letter or digit, at most 255`);
    try {
      symlinkSync(id, this.store.containers.nameLink(name));
    } catch (err) {
      if (errnoCode(err) === 'EEXIST') throw new BurrowError('E_NAME_IN_USE', `the name "${name}" is already in use by ${this.store.containers.owner(name) ?? 'another pod or container'}: name in use`);
      throw err;
    }
  }

  write(rec: PodRecord): void {
    atomicWriteFile(join(this.dir(rec.id), 'pod.json'), `${JSON.stringify(rec, null, 1)}\n`, 0o600);
  }

  /** Its containers (the infra among them), oldest first. */
  containers(pod: PodRecord, all: ContainerRecord[] = this.store.containers.list()): ContainerRecord[] {
    return all.filter((c) => c.pod === pod.id);
  }

  /** Runs `act` holding the pod's lock (flock on its `lock`), with the record as it is then. */
  async locked<T>(pod: PodRecord, act: (current: PodRecord) => Promise<T> | T): Promise<T> {
    let fd: number;
    try {
      fd = openSync(join(this.dir(pod.id), 'lock'), 'a', 0o600);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw new BurrowError('E_NO_POD', `no pod with name or ID ${pod.name} found: no such pod`);
      throw err;
    }
    try {
      this.store.sys.flock(fd, true);
      const current = this.find(pod.id);
      if (!current) throw new BurrowError('E_NO_POD', `no pod with name or ID ${pod.name} found: no such pod`);
      return await act(current);
    } finally {
      closeSync(fd);
    }
  }

  /** Moves the pod's directory out (atomic) and frees its name; where it went. */
  detach(pod: PodRecord): string {
    const trash = join(this.store.tmpDir(), `removed-pod-${pod.id}`);
    renameSync(this.dir(pod.id), trash);
    this.store.containers.releaseName(pod.name);
    return trash;
  }
}
