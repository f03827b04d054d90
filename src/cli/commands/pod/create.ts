import * as Option from 'clipanion/lib/advanced/options';

import { parseByteSize } from '../../../config/size.js';
import { UsageError } from '../../../errors.js';
import { BurrowCommand } from '../../base.js';

export class PodCreateCommand extends BurrowCommand {
  static override paths = [['pod', 'create']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'create a pod',
    details: `
      Creates a pod and prints its id. Its containers (\`run --pod POD\`, POD its name) share the namespaces named by \`--share\` (by default cgroup, ipc, net and uts, as podman's) with its infra container, a small process burrow's helper runs that holds them: they reach each other on localhost, and the pod's published ports, host name and name files are theirs. The infra starts with the pod's first container, or with \`pod start\`.
    `,
    examples: [
      ['A pod publishing port 8080', '$0 pod create --name web -p 8080:80'],
      ['A pod whose containers also share their pids', '$0 pod create --name tools --share +pid'],
    ],
  });

  name = Option.String('-n,--name', { description: 'Give the pod a name' });
  share = Option.String('--share', { description: 'Namespaces its containers share: cgroup, ipc, net, pid, uts (comma-separated), none, or +NS to add to the default cgroup,ipc,net,uts' });
  infra = Option.Boolean('--infra', true, { description: 'Make an infra container to hold the shared namespaces (--infra=false: none, nothing shared)' });
  infraName = Option.String('--infra-name', { description: 'The infra container\'s name (default: the pod id\'s first 12 digits, then -infra)' });
  hostname = Option.String('--hostname', { description: 'The pod\'s host name (default: its name)' });
  network = Option.String('--network,--net', { description: 'The pod\'s network: private (default: pasta, else slirp4netns), pasta[:OPTIONS], slirp4netns[:OPTIONS], none, host, or a user network\'s name' });
  publish = Option.Array('-p,--publish', [], { description: 'Publish a port of the pod on the host: [HOSTIP:][HOSTPORT:]PORT[/tcp|udp], ranges as START-END' });
  addHost = Option.Array('--add-host', [], { description: 'Add HOST:IP to the pod\'s /etc/hosts (IP host-gateway: the host)' });
  dns = Option.Array('--dns', [], { description: "A nameserver for the pod's /etc/resolv.conf (none: no file is made)" });
  dnsSearch = Option.Array('--dns-search', [], { description: 'A search domain for the pod\'s /etc/resolv.conf (.: none)' });
  dnsOption = Option.Array('--dns-option', [], { description: "An option for the pod's /etc/resolv.conf" });
  noHosts = Option.Boolean('--no-hosts', false, { description: 'Make no /etc/hosts: each image\'s own is kept' });
  label = Option.Array('-l,--label', [], { description: 'Set a label KEY=VALUE' });
  shmSize = Option.String('--shm-size', { description: "Size of the pod's /dev/shm, which its containers that share its ipc namespace share: a number of bytes, with k, m or g (default 64m; 0: no limit)" });
  podName = Option.String({ name: 'NAME', required: false });

  async execute(): Promise<number> {
    if (this.name !== undefined && this.podName !== undefined && this.name !== this.podName) throw new UsageError('the pod\'s name is given twice (--name and NAME): give one');
    const { createPod } = await import('../../../runtime/pod.js');
    const store = (await this.context.store()).init();
    const pod = await createPod(this.context, store, {
      name: this.name ?? this.podName,
      share: this.share,
      infra: this.infra,
      infraName: this.infraName,
      hostname: this.hostname,
      network: this.network,
      publish: this.publish,
      addHost: this.addHost,
      dns: this.dns,
      dnsSearch: this.dnsSearch,
      dnsOption: this.dnsOption,
      noHosts: this.noHosts,
      labels: this.label,
      ...(this.shmSize !== undefined ? { shmSize: parseByteSize(this.shmSize, '--shm-size') } : {}),
      createCommand: ['burrow', ...process.argv.slice(2)],
    });
    this.context.stdout.write(`${pod.id}\n`);
    return 0;
  }
}
