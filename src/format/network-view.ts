/** A user network as `network inspect` shows it: podman's (netavark's) fields. */
import type { ContainerRecord } from '../storage/containers.js';
import type { NetworkRecord } from '../storage/networks.js';
import type { Store } from '../storage/store.js';
import { asMap } from './template.js';

export function networkInspect(store: Store, net: NetworkRecord, all: ContainerRecord[]): Record<string, unknown> {
  const prefix = net.subnet.split('/')[1];
  const containers: Record<string, unknown> = {};
  for (const c of store.networks.members(net.name, all))
    for (const a of c.networks ?? [])
      if (a.name === net.name) containers[c.id] = { name: c.name, interfaces: { [a.interface]: { subnets: [{ ipnet: `${a.address}/${prefix}`, gateway: net.gateway }] } } };
  return {
    name: net.name,
    id: net.id,
    driver: net.driver,
    network_interface: net.bridge,
    created: net.created,
    subnets: [{ subnet: net.subnet, gateway: net.gateway }],
    ipv6_enabled: false,
    internal: net.internal,
    dns_enabled: false,
    labels: asMap({ ...net.labels }),
    ipam_options: { driver: 'host-local' },
    containers: asMap(containers),
  };
}

/** The same for templates, by podman's (Go's) field names: `{{.Subnets}}`, `{{.NetworkInterface}}`. */
export function networkFields(store: Store, net: NetworkRecord, all: ContainerRecord[]): Record<string, unknown> {
  const doc = networkInspect(store, net, all);
  return {
    Name: doc.name,
    ID: doc.id,
    Driver: doc.driver,
    NetworkInterface: doc.network_interface,
    Created: doc.created,
    Subnets: [{ Subnet: net.subnet, Gateway: net.gateway }],
    IPv6Enabled: false,
    Internal: net.internal,
    DNSEnabled: false,
    Labels: doc.labels,
    IPAMOptions: asMap({ driver: 'host-local' }),
    Containers: doc.containers,
  };
}
