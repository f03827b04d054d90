/**
 * A container's place on user networks (docs/design.md, "User networks"):
 * its address and interface on each, the plan's bridge-port steps, and the
 * /etc/hosts lines of the containers on the same networks (rewritten in
 * place for the running ones when a container joins or leaves). What a
 * container's start needs of runtime/networks.ts, without the lifecycle.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { BurrowError } from '../errors.js';
import { checkAddress, formatIpv4, freeAddress, ipv4, parseSubnet } from '../network/subnet.js';
import type { ContainerRecord } from '../storage/containers.js';
import type { NetworkAttachment, NetworkRecord } from '../storage/networks.js';
import type { Store } from '../storage/store.js';
import type { Step } from '../system/plan.js';
import { runningNamespaceProcess } from './join.js';

/** The infra's process while it runs. */
export function networksInfraPid(store: Store): number | undefined {
  const infra = store.containers.list().find((c) => c.netns);
  if (!infra) return undefined;
  const status = store.containers.status(infra);
  return runningNamespaceProcess(status);
}

/** The host's interface names: pasta names the container's interface after the host's. */
function hostInterfaces(): string[] {
  try {
    return readdirSync('/sys/class/net');
  } catch {
    return [];
  }
}

/** A container's place on `net`: the lowest free address (or `ip`), and an interface name ethN that nothing else of it has. */
export function attachment(store: Store, net: NetworkRecord, others: NetworkAttachment[], ip?: string): NetworkAttachment {
  const subnet = parseSubnet(net.subnet);
  const gateway = ipv4(net.gateway) as number;
  const used = store.networks.members(net.name, store.containers.list()).flatMap((c) => (c.networks ?? []).filter((n) => n.name === net.name).map((n) => ipv4(n.address) as number));
  const address = ip !== undefined ? checkAddress(subnet, gateway, used, ip) : freeAddress(subnet, gateway, used);
  if (address === undefined) throw new BurrowError('E_NETWORK_FULL', `network ${net.name} has no free address left in ${net.subnet}`);
  const taken = new Set([...hostInterfaces(), ...others.map((o) => o.interface)]);
  let n = 0;
  while (taken.has(`eth${n}`)) n++;
  return { name: net.name, address: formatIpv4(address), interface: `eth${n}` };
}

/** The veth pair's end on the bridge: unique per container and interface (IFNAMSIZ: 15 characters). */
export function peerName(containerId: string, iface: string): string {
  return `v${containerId.slice(0, 10)}${iface.replace(/^eth/, '')}`.slice(0, 15);
}

/** What the plan's `bridge-port` steps of a container say, given the infra's process. */
export function bridgePorts(store: Store, rec: Pick<ContainerRecord, 'id' | 'networks'>, infraPid: number): Extract<Step, { kind: 'bridge-port' }>[] {
  return (rec.networks ?? []).map((a) => {
    const net = store.networks.get(a.name);
    const prefix = net.subnet.split('/')[1] as string;
    return { kind: 'bridge-port', netns: `/proc/${infraPid}/ns/net`, bridge: net.bridge, gateway: `${net.gateway}/${prefix}`, ifname: a.interface, peer: peerName(rec.id, a.interface), address: `${a.address}/${prefix}` };
  });
}

const HOSTS_MARK = '# burrow networks: the containers on the same networks\n';

/** The /etc/hosts lines of the containers that share a network with `rec` (itself among them): address, name, short id. */
export function networkHostLines(store: Store, rec: Pick<ContainerRecord, 'id' | 'name' | 'networks'>, all = store.containers.list()): string {
  const mine = new Set((rec.networks ?? []).map((n) => n.name));
  if (mine.size === 0) return '';
  let out = HOSTS_MARK;
  // Itself as it is now (a container being made is not in the list yet).
  for (const c of [rec, ...all.filter((c) => c.id !== rec.id)])
    for (const a of c.networks ?? []) if (mine.has(a.name)) out += `${a.address}\t${hostNames(store, c)} ${c.id.slice(0, 12)}\n`;
  return out;
}

/** A container's names on a network: a pod's infra is its pod's too (the pod's containers share its interface). */
function hostNames(store: Store, c: Pick<ContainerRecord, 'name'> & Partial<Pick<ContainerRecord, 'pod' | 'infra'>>): string {
  const pod = c.infra && c.pod !== undefined ? store.pods.find(c.pod) : undefined;
  return pod ? `${pod.name} ${c.name}` : c.name;
}

/**
 * After a container joined or left a network (create, rename, connect,
 * disconnect, rm): the /etc/hosts of every container on the same networks
 * rewritten in place (a running one's is bound: a new file would not be
 * seen), its block of network lines replaced.
 */
export function refreshNetworkHosts(store: Store, names: string[]): void {
  const all = store.containers.list();
  for (const c of all.filter((c) => (c.networks ?? []).some((n) => names.includes(n.name))))
    rewriteBlock(join(store.containers.dir(c.id), 'hosts'), HOSTS_MARK, networkHostLines(store, c, all));
}

/**
 * Replaces the block that starts with `mark` (up to the next block of
 * burrow's, or the end) in the name file `file` with `block`, in place (the
 * file is bound into running containers: a new file would not be seen). A
 * file never written (its container never started) is left to its start.
 */
function rewriteBlock(file: string, mark: string, block: string): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return;
  }
  const at = text.indexOf(mark);
  const next = at < 0 ? -1 : text.indexOf('\n# burrow ', at + mark.length - 1);
  const rest = next < 0 ? '' : text.slice(next + 1);
  try {
    writeFileSync(file, (at < 0 ? text : text.slice(0, at)) + block + rest);
  } catch {
    // removed meanwhile
  }
}

const POD_MARK = '# burrow pod: its containers\n';

/** The /etc/hosts lines of a pod's containers (the infra's file, which they share): each one's name and short id on the loopback. */
export function podHostLines(store: Store, podId: string, all = store.containers.list()): string {
  const members = all.filter((c) => c.pod === podId && !c.infra);
  return members.length === 0 ? '' : POD_MARK + members.map((c) => `127.0.0.1\t${c.name} ${c.id.slice(0, 12)}\n`).join('');
}

/** After a container joined or left a pod (create, rename, rm): the pod's /etc/hosts (the infra's, bound by each) rewritten in place. */
export function refreshPodHosts(store: Store, podId: string): void {
  const pod = store.pods.find(podId);
  if (pod?.infra) rewriteBlock(join(store.containers.dir(pod.infra), 'hosts'), POD_MARK, podHostLines(store, podId));
}

/** After a container came or went (create, rename, rm): the /etc/hosts files that name it, on its networks and in its pod. */
export function refreshNames(store: Store, rec: Pick<ContainerRecord, 'networks' | 'pod' | 'infra'>): void {
  if ((rec.networks ?? []).length > 0) refreshNetworkHosts(store, (rec.networks ?? []).map((n) => n.name));
  if (rec.pod !== undefined && !rec.infra) refreshPodHosts(store, rec.pod);
}
