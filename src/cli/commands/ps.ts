import * as Option from 'clipanion/lib/advanced/options';

import { BurrowCommand } from '../base.js';
import { listContainers } from '../list-containers.js';

export class PsCommand extends BurrowCommand {
  static override paths = [['ps'], ['container', 'ls'], ['container', 'list'], ['container', 'ps']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'list containers',
    details: `
      Lists running containers, or all of them with \`-a\`, newest first: CONTAINER ID, IMAGE, COMMAND, CREATED, STATUS, PORTS, NAMES (and SIZE with \`-s\`). Filters of one key match if any value does; different keys must all match. A status or exited filter looks at every container, as podman's does.
    `,
    examples: [
      ['Only the ids of every container', '$0 ps -a -q'],
      ['The containers that exited with 1', '$0 ps --filter exited=1'],
      ['Names and states as JSON lines', "$0 ps -a --format '{{json .Names}} {{.State}}'"],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Show all containers, not only running ones' });
  external = Option.Boolean('--external', false, { description: 'Also containers of other tools: burrow has none, so as -a' });
  filter = Option.Array('-f,--filter', [], { description: 'Only containers that match KEY=VALUE: id, name, status, label, ancestor, exited, before, since, health, pod' });
  format = Option.String('--format', { description: 'Format the output with a Go template, `table ...` or `json`' });
  last = Option.String('-n,--last', { description: 'The N containers created last, whatever their state' });
  latest = Option.Boolean('-l,--latest', false, { description: 'The container created last, whatever its state' });
  noTrunc = Option.Boolean('--no-trunc', false, { description: 'Do not shorten ids and commands' });
  pod = Option.Boolean('-p,--pod', false, { description: "Show each container's pod: POD ID and PODNAME" });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Print only the container ids' });
  size = Option.Boolean('-s,--size', false, { description: 'Show the size of the writable layer, and with the image' });
  sort = Option.String('--sort', 'created', { description: 'Sort by created, id, image, names, runningfor, size or status' });

  async execute(): Promise<number> {
    return listContainers(this, this.context);
  }
}
