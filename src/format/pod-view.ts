/** A pod as `pod inspect` shows it: podman's fields, from the pod's record, its infra's and its containers'. */
import { podStatus } from '../runtime/pod.js';
import { inspectPorts } from '../network/ports.js';
import type { PodRecord } from '../storage/pods.js';
import type { Store } from '../storage/store.js';
import { asMap } from './template.js';

export function podInspect(store: Store, pod: PodRecord): Record<string, unknown> {
  const members = store.pods.containers(pod);
  const infra = members.find((c) => c.id === pod.infra);
  const o = infra?.options;
  const network = o?.network ?? '';
  return {
    Id: pod.id,
    Name: pod.name,
    Created: pod.created,
    CreateCommand: pod.createCommand,
    ExitPolicy: 'continue',
    State: podStatus(store, members),
    Hostname: o?.hostname ?? '',
    Labels: asMap({ ...pod.labels }),
    CreateCgroup: false,
    CgroupParent: '',
    CgroupPath: '',
    CreateInfra: pod.infra !== undefined,
    InfraContainerID: pod.infra ?? '',
    ...(infra
      ? {
          InfraConfig: {
            PortBindings: inspectPorts(infra.ports ?? [], []),
            HostNetwork: network === 'host',
            StaticIP: '',
            StaticMAC: '',
            NoManageResolvConf: (o?.dns ?? []).includes('none'),
            DNSServer: (o?.dns ?? []).filter((d) => d !== 'none'),
            DNSSearch: o?.dnsSearch ?? [],
            DNSOption: o?.dnsOption ?? [],
            NoManageHosts: o?.noHosts === true,
            HostAdd: o?.addHost ?? [],
            Networks: (infra.networks ?? []).map((n) => n.name),
            NetworkOptions: null,
            NetworkMode: network,
            pid_ns: pod.share.includes('pid') ? '' : 'private',
            userns: '',
            uts_ns: '',
          },
        }
      : {}),
    SharedNamespaces: pod.share,
    NumContainers: members.length,
    Containers: members.map((c) => {
      const s = store.containers.status(c);
      return { Id: c.id, Name: c.name, State: s.paused ? 'paused' : s.state };
    }),
  };
}
