/**
 * User networks (docs/design.md, "User networks"): one directory each under
 * networks/<name>/ holding network.json, made by renaming a finished staging
 * directory into place (as volumes are), so a killed create leaves nothing
 * half-made under the name. The containers on a network say so in their
 * records (`networks`); the networks' infra is a container record of its own
 * (`netns`), which holds the user and network namespaces of every network.
 */
import { mkdirSync, mkdtempSync, renameSync } from 'node:fs';
import { join } from 'node:path';

import { BurrowError, errnoCode } from '../errors.js';
import { safeReaddir } from '../system/files.js';
import { atomicWriteFile, readJson } from './atomic.js';
import type { ContainerRecord } from './containers.js';
import type { Store } from './store.js';
import { byCodeUnits } from '../order.js';

export interface NetworkRecord {
  name: string;
  /** 64 hex digits, as podman's */
  id: string;
  driver: 'bridge';
  created: string;
  /** IPv4 NETWORK/PREFIX */
  subnet: string;
  gateway: string;
  /** the bridge's name in the networks' namespace */
  bridge: string;
  labels: Record<string, string>;
  /** --internal: its containers get no way out (no network helper of their own) */
  internal: boolean;
}

/** A container's place on a network (its record's `networks`). */
export interface NetworkAttachment {
  name: string;
  /** its IPv4 address on the network's subnet */
  address: string;
  /** its interface inside the container */
  interface: string;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export class Networks {
  constructor(private readonly store: Store) {}

  get dir(): string {
    return join(this.store.root, 'networks');
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  list(): NetworkRecord[] {
    const out: NetworkRecord[] = [];
    for (const name of safeReaddir(this.dir)) {
      const rec = NAME.test(name) ? readJson<NetworkRecord | undefined>(join(this.path(name), 'network.json'), undefined) : undefined;
      if (rec) out.push(rec);
    }
    return out.sort((a, b) => byCodeUnits(a.created, b.created));
  }

  /** By name, full id or unique id prefix. */
  find(ref: string, all?: NetworkRecord[]): NetworkRecord | undefined {
    if (all === undefined && NAME.test(ref)) {
      const byName = readJson<NetworkRecord | undefined>(join(this.path(ref), 'network.json'), undefined);
      if (byName) return byName;
    }
    const list = all ?? this.list();
    const named = list.find((n) => n.name === ref || n.id === ref);
    if (named) return named;
    if (!/^[a-f0-9]{1,64}$/.test(ref)) return undefined;
    const matches = list.filter((n) => n.id.startsWith(ref));
    if (matches.length > 1) throw new BurrowError('E_AMBIGUOUS', `network id prefix \`${ref}\` is ambiguous: it matches ${matches.length} networks`);
    return matches[0];
  }

  get(ref: string, all?: NetworkRecord[]): NetworkRecord {
    const n = this.find(ref, all);
    if (!n) throw new BurrowError('E_NO_NETWORK', `unable to find network with name or ID ${ref}: network not found`);
    return n;
  }

  /** Writes a new network's record; its name taken (E_NETWORK_EXISTS) fails. */
  create(rec: NetworkRecord): void {
    if (!NAME.test(rec.name) || rec.name.length > 255) throw new BurrowError('E_NETWORK', `network name \`${rec.name}\` is invalid: use letters, digits, _ . -, starting with a letter or digit`);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    mkdirSync(this.store.tmpDir(), { recursive: true, mode: 0o700 });
    const staging = mkdtempSync(join(this.store.tmpDir(), 'network-'));
    atomicWriteFile(join(staging, 'network.json'), `${JSON.stringify(rec, null, 1)}\n`, 0o600);
    try {
      renameSync(staging, this.path(rec.name));
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'EEXIST' || code === 'ENOTEMPTY') throw new BurrowError('E_NETWORK_EXISTS', `network name ${rec.name} already used: network already exists`);
      throw err;
    }
  }

  /** The containers on the network. */
  members(name: string, containers: ContainerRecord[]): ContainerRecord[] {
    return containers.filter((c) => (c.networks ?? []).some((n) => n.name === name));
  }

  /** Moves the network out (atomic) for removal; where it went. */
  detach(name: string): string {
    const trash = join(this.store.tmpDir(), `removed-network-${name}`);
    renameSync(this.path(name), trash);
    return trash;
  }
}
