import * as Option from 'clipanion/lib/advanced/options';

import { BurrowError, UsageError } from '../../errors.js';
import { parseExpose, portLines } from '../../network/ports.js';
import { BurrowCommand } from '../base.js';

export class PortCommand extends BurrowCommand {
  static override paths = [['port'], ['container', 'port']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: "list a container's published ports",
    details: `
      Prints each published port of CONTAINER as \`PORT/PROTOCOL -> HOSTIP:HOSTPORT\` (0.0.0.0 for every address, IPv4 and IPv6), or, given PORT[/PROTOCOL], only the host addresses it is published on. With \`-a\`, every container's, each line after its short id.
    `,
    examples: [
      ['Every published port of a container', '$0 port web'],
      ['Where port 80 of a container is published', '$0 port web 80/tcp'],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'The ports of every container' });
  latest = Option.Boolean('-l,--latest', false, { description: 'The container created last' });
  words = Option.Rest({ name: 'CONTAINER [PORT[/PROTOCOL]]' });

  async execute(): Promise<number> {
    const store = (await this.context.store({ containers: true })).init();
    const { containers } = store;
    let words = this.words;
    let ref: string | undefined;
    if (!this.all && !this.latest) {
      [ref, ...words] = words;
      if (ref === undefined) throw new UsageError('`burrow port` requires the name or id of a container, --latest or --all');
    }
    if (words.length > 1) throw new UsageError(`too many arguments: ${words.join(' ')}`);
    let only: { port: number; protocol: 'tcp' | 'udp' | 'sctp' | undefined } | undefined;
    if (words[0] !== undefined) {
      if (this.all) throw new UsageError('--all lists every port: give no PORT with it');
      const [x] = parseExpose(words[0]);
      if (!x || x.range !== 1) throw new UsageError(`invalid port \`${words[0]}\`: one PORT[/PROTOCOL]`);
      only = { port: x.port, protocol: words[0].includes('/') ? x.protocol : undefined };
    }
    if (this.all) {
      for (const rec of containers.list())
        for (const line of portLines(rec.ports ?? [])) this.context.stdout.write(`${rec.id.slice(0, 12)}\t${line}\n`);
      return 0;
    }
    const rec = ref === undefined ? containers.list().at(-1) : containers.get(ref);
    if (!rec) throw new BurrowError('E_NO_CONTAINER', 'no containers to choose the latest of');
    const lines = portLines(rec.ports ?? [], only);
    if (only && lines.length === 0) throw new BurrowError('E_NO_PORT', `failed to find published port "${words[0]}" of container ${rec.name}`);
    for (const line of lines) this.context.stdout.write(`${line}\n`);
    return 0;
  }
}
