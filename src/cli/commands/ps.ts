import * as Option from 'clipanion/lib/advanced/options';

import type { ContainerRecord, ContainerStatus } from '../../storage/containers.js';
import { Store } from '../../storage/store.js';
import { BurrowCommand } from '../base.js';
import { humanDuration, timeAgo, writeReport } from '../../format/report.js';

export class PsCommand extends BurrowCommand {
  static override paths = [['ps'], ['container', 'ls'], ['container', 'list'], ['container', 'ps']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'list containers',
    details: `
      Lists running containers, or all of them with \`-a\`: CONTAINER ID, IMAGE, COMMAND, CREATED, STATUS, PORTS, NAMES.
    `,
    examples: [['Only the ids of every container', '$0 ps -a -q']],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Show all containers, not only running ones' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Print only the container ids' });
  noTrunc = Option.Boolean('--no-trunc', false, { description: 'Do not shorten ids and commands' });
  format = Option.String('--format', { description: 'Format the output with a Go template, `table ...` or `json`' });

  async execute(): Promise<number> {
    const store = await this.context.store({ containers: true });
    const { containers } = store;
    const rows = containers
      .list()
      .map((rec) => ({ rec, status: containers.status(rec) }))
      .filter(({ status }) => this.all || status.state === 'running')
      .reverse();
    if (this.quiet && this.format === undefined) {
      for (const { rec } of rows) this.context.stdout.write(`${this.noTrunc ? rec.id : rec.id.slice(0, 12)}\n`);
      return 0;
    }
    writeReport(this.context.stdout, {
      name: 'ps',
      format: this.format,
      table: TABLE,
      headers: PS_HEADERS,
      rows: rows.map(({ rec, status }) => psRow(store, rec, status, this.noTrunc)),
      json: () => psJson(rows),
    });
    return 0;
  }
}

const TABLE = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';

export const PS_HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID',
  Image: 'IMAGE',
  ImageID: 'IMAGE ID',
  Command: 'COMMAND',
  CreatedHuman: 'CREATED',
  CreatedAt: 'CREATED AT',
  Status: 'STATUS',
  State: 'STATE',
  Ports: 'PORTS',
  Names: 'NAMES',
  ExitCode: 'EXIT CODE',
};

function statusText(status: ContainerStatus): string {
  if (status.state === 'running') return `Up ${status.startedAt ? humanDuration(Date.now() - status.startedAt.getTime()) : ''}`.trimEnd();
  if (status.state === 'exited') return `Exited (${status.exitCode ?? 'unknown'}) ${status.finishedAt ? timeAgo(status.finishedAt) : ''}`.trimEnd();
  return 'Created';
}

function psRow(store: Store, rec: ContainerRecord, status: ContainerStatus, noTrunc: boolean) {
  const image = store.findImage(rec.image);
  const command = rec.argv.join(' ');
  return {
    ID: noTrunc ? rec.id : rec.id.slice(0, 12),
    Image: image?.names[0] ?? rec.imageName,
    ImageID: rec.image,
    Command: noTrunc || command.length <= 20 ? command : `${command.slice(0, 17)}...`,
    CreatedHuman: timeAgo(new Date(rec.created)),
    CreatedAt: rec.created,
    Status: statusText(status),
    State: status.state,
    Ports: '',
    Names: rec.name,
    ExitCode: status.exitCode ?? 0,
  };
}

function psJson(rows: { rec: ContainerRecord; status: ContainerStatus }[]) {
  return rows.map(({ rec, status }) => ({
    Id: rec.id,
    Image: rec.imageName,
    ImageID: rec.image,
    Command: rec.argv,
    Created: Math.floor(new Date(rec.created).getTime() / 1000),
    CreatedAt: rec.created,
    State: status.state,
    Status: statusText(status),
    ExitCode: status.exitCode ?? 0,
    Exited: status.state === 'exited',
    Names: [rec.name],
    Pid: status.pid ?? 0,
    StartedAt: status.startedAt ? Math.floor(status.startedAt.getTime() / 1000) : 0,
    ExitedAt: status.finishedAt ? Math.floor(status.finishedAt.getTime() / 1000) : 0,
    Ports: null,
  }));
}
