/**
 * User networks (docs/design.md, "User networks"): a bridge each in one
 * network namespace that the networks' infra holds (with the user namespace
 * their containers are made in), and for each container on a network a veth
 * pair to that bridge with an address of the network's subnet. The bridge
 * is made by its network's first container (the plan's `bridge-port`), so
 * the infra only holds the namespaces: it starts with the first container on
 * any network and stays until the last network is removed.
 */
import { rmSync } from 'node:fs';

import { BurrowError, UsageError } from '../errors.js';
import { formatIpv4, formatSubnet, freeSubnet, gatewayOf, hostRoutes, overlaps, parseSubnet, type Subnet } from '../network/subnet.js';
import type { ContainerRecord } from '../storage/containers.js';
import type { NetworkRecord } from '../storage/networks.js';
import type { Store } from '../storage/store.js';
import { createInfra, dependentsFirst, type Env, removeContainer, startIfStopped, stopContainer } from './container.js';
import { recordEvent } from './events.js';
import { runningNamespaceProcess } from './join.js';
import { newContainerId } from './options.js';
import { parseLabels } from './labels.js';
import { attachment, bridgePorts, networksInfraPid, refreshNetworkHosts } from './network-members.js';

export interface NetworkOptions {
  name: string | undefined;
  driver: string;
  subnet: string | undefined;
  gateway: string | undefined;
  internal: boolean;
  labels: string[];
}

function networkEvent(store: Store, net: NetworkRecord, status: string): void {
  recordEvent(store, { ID: net.id, Name: net.name, Status: status, Type: 'network' });
}

/** Creates a network: its record, and the networks' infra when it is the first. */
export async function createNetwork(env: Env, store: Store, opts: NetworkOptions): Promise<NetworkRecord> {
  if (opts.driver !== 'bridge') throw new UsageError(`unsupported network driver ${opts.driver}: burrow's user networks are bridges (-d bridge)`);
  const labels = parseLabels(opts.labels);
  const { networks } = store;
  // The networks' infra first: a name it cannot take fails the create before the network exists.
  await networksInfra(env, store);
  return store.lock(async () => {
    const all = networks.list();
    const taken = all.map((n) => parseSubnet(n.subnet));
    let subnet: Subnet;
    if (opts.subnet !== undefined) {
      subnet = parseSubnet(opts.subnet);
      const clash = all.find((n) => overlaps(parseSubnet(n.subnet), subnet));
      if (clash) throw new UsageError(`subnet ${formatSubnet(subnet)} is already used by network ${clash.name}`);
    } else {
      subnet = freeSubnet([...taken, ...hostRoutes()]);
    }
    const gateway = gatewayOf(subnet, opts.gateway);
    const id = newContainerId(env.sys);
    const name = opts.name ?? freeName(all);
    if (RESERVED.test(name)) throw new UsageError(`network name \`${name}\` is reserved: it is a --network mode`);
    const rec: NetworkRecord = {
      name,
      id,
      driver: 'bridge',
      created: new Date().toISOString(),
      subnet: formatSubnet(subnet),
      gateway: formatIpv4(gateway),
      bridge: `br-${id.slice(0, 12)}`,
      labels,
      internal: opts.internal,
    };
    networks.create(rec);
    networkEvent(store, rec, 'create');
    return rec;
  });
}

/** The --network modes, which no network may be named after. */
const RESERVED = /^(none|host|private|pasta|slirp4netns|bridge|default|podman|container|ns)$/;

/** podman's default names: burrow1, burrow2, ... the first free. */
function freeName(all: NetworkRecord[]): string {
  for (let n = 1; ; n++) if (!all.some((x) => x.name === `burrow${n}`)) return `burrow${n}`;
}

/** The networks' infra container (made stopped when there is none). */
export async function networksInfra(env: Env, store: Store): Promise<ContainerRecord> {
  const found = store.containers.list().find((c) => c.netns);
  if (found) return found;
  return createInfra(env, store, { name: 'burrow-netns', hostname: 'burrow-netns', network: 'none', publish: [], addHost: [], dns: [], dnsSearch: [], dnsOption: [], noHosts: true, netns: true });
}

/** Starts the networks' infra when it is not running (a container on a network starts it first): whether it did. */
export async function startNetworksInfra(env: Env, store: Store): Promise<boolean> {
  return startIfStopped(env, store, await networksInfra(env, store));
}

/** A running container's process, for connect and disconnect. */
function runningProcess(store: Store, rec: ContainerRecord): number | undefined {
  const status = store.containers.status(rec);
  return runningNamespaceProcess(status);
}

/**
 * `network connect`: the container's record gains the network; a running
 * one gets its interface at once (the helper, in the networks' user
 * namespace). Only a container made on a user network is in that user
 * namespace: any other is refused.
 */
export async function connectNetwork(env: Env, store: Store, net: NetworkRecord, rec: ContainerRecord, ip: string | undefined): Promise<void> {
  if (rec.pod !== undefined && !rec.infra) {
    const pod = store.pods.find(rec.pod);
    const infra = pod?.infra === undefined ? undefined : store.containers.find(pod.infra);
    // Its infra can be connected when the pod was made on a user network (its user namespace is then the networks').
    const how = infra?.networks !== undefined ? `connect the infra (${infra.id.slice(0, 12)}) instead` : `a pod joins user networks when it is made: pod create --network ${net.name}`;
    throw new BurrowError('E_NETWORK_CONNECT', `container ${rec.name} is in pod ${pod?.name ?? rec.pod}, whose network is its infra's: ${how}`);
  }
  if (rec.networks === undefined)
    throw new BurrowError(
      'E_NETWORK_CONNECT',
      `container ${rec.name} cannot be connected to network ${net.name}: it was not made on a user network, so its user namespace is its own (only a container made on one is in the networks' user namespace): make it with --network ${net.name}`,
    );
  if ((rec.networks ?? []).some((n) => n.name === net.name)) throw new BurrowError('E_NETWORK_CONNECT', `container ${rec.name} is already connected to network ${net.name}`);
  const updated = await store.lock(() => {
    const current = store.containers.get(rec.id);
    const a = attachment(store, net, current.networks ?? [], ip);
    const next = { ...current, networks: [...(current.networks ?? []), a] };
    store.containers.write(next);
    return next;
  });
  const pid = runningProcess(store, updated);
  if (pid !== undefined) {
    const infra = networksInfraPid(store);
    const port = bridgePorts(store, { id: updated.id, networks: (updated.networks ?? []).slice(-1) }, infra ?? 0)[0];
    if (infra === undefined || !port) throw new BurrowError('E_NETWORK_CONNECT', `the user networks' infra is not running: restart container ${rec.name} to connect it`);
    try {
      await env.sys.runHelper(['network-connect', String(pid), port.netns, port.bridge, port.gateway, port.ifname, port.peer, port.address]);
    } catch (err) {
      // Not connected: the record says so again.
      await store.lock(() => store.containers.write({ ...store.containers.get(rec.id), networks: rec.networks ?? [] }));
      throw err;
    }
  }
  refreshNetworkHosts(store, [net.name]);
  recordEvent(store, { ID: net.id, Name: net.name, Status: 'connect', Type: 'network', Attributes: { container: updated.id } });
}

/** `network disconnect`: the record loses the network, a running container its interface. */
export async function disconnectNetwork(env: Env, store: Store, net: NetworkRecord, rec: ContainerRecord): Promise<void> {
  const a = (rec.networks ?? []).find((n) => n.name === net.name);
  if (!a) throw new BurrowError('E_NETWORK_CONNECT', `container ${rec.name} is not connected to network ${net.name}`);
  const pid = runningProcess(store, rec);
  if (pid !== undefined) await env.sys.runHelper(['network-disconnect', String(pid), a.interface]);
  await store.lock(() => {
    const current = store.containers.get(rec.id);
    store.containers.write({ ...current, networks: (current.networks ?? []).filter((n) => n.name !== net.name) });
  });
  refreshNetworkHosts(store, [net.name]);
  recordEvent(store, { ID: net.id, Name: net.name, Status: 'disconnect', Type: 'network', Attributes: { container: rec.id } });
}

/**
 * Removes a network: refused while containers are on it (podman's exit 2)
 * unless `force`, which removes them first. The last network takes the
 * networks' infra with it.
 */
export async function removeNetwork(env: Env, store: Store, net: NetworkRecord, force: boolean, timeout = 10, warn?: (message: string) => void): Promise<void> {
  const { containers, networks } = store;
  const members = networks.members(net.name, containers.list());
  if (members.length > 0) {
    if (!force) throw new BurrowError('E_NETWORK_IN_USE', `"${net.name}" has associated containers with it. Use -f to forcibly delete containers and pods: network is being used`);
    // A pod on it goes whole (its infra is the member); the others, dependents first.
    const { removePod } = await import('./pod.js');
    for (const c of members.filter((m) => m.infra && m.pod !== undefined)) {
      const pod = store.pods.find(c.pod as string);
      if (pod) await store.pods.locked(pod, (current) => removePod(env, store, current, true, timeout, warn));
    }
    for (const c of dependentsFirst(networks.members(net.name, containers.list())))
      await containers.locked(c, (current) => removeContainer(env, store, current, true, timeout, warn));
  }
  const trash = await store.lock(() => networks.detach(net.name));
  rmSync(trash, { recursive: true, force: true });
  networkEvent(store, net, 'remove');
  if (networks.list().length === 0) {
    const infra = containers.list().find((c) => c.netns);
    if (infra)
      await containers.locked(infra, async (current) => {
        await stopContainer(store, current, 0);
        await removeContainer(env, store, current, true, 0);
      });
  }
}
