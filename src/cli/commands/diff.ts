import * as Option from 'clipanion/lib/advanced/options';

import { BurrowError, UsageError } from '../../errors.js';
import { BurrowCommand } from '../base.js';
import { nameBytes } from '../../system/names.js';

export class DiffCommand extends BurrowCommand {
  static override paths = [['diff'], ['container', 'diff']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: "show what a container changed in its image's files",
    details: `
      Lists the files and directories CONTAINER added (A), changed (C) or deleted (D) against its image, sorted by path, as podman does: its writable layer read as it is now (the container may be running). A directory shows as C when something in it changed. \`--format json\` prints them as {"changed": [...], "added": [...], "deleted": [...]}.
    `,
    examples: [['What a container changed', '$0 diff web']],
  });

  format = Option.String('--format', { description: 'json for a JSON object of the changed, added and deleted paths' });
  latest = Option.Boolean('-l,--latest', false, { description: 'The container created last' });
  container = Option.String({ name: 'CONTAINER', required: false });

  async execute(): Promise<number> {
    if (this.format !== undefined && this.format !== 'json') throw new UsageError(`invalid --format \`${this.format}\`: only json is known`);
    if (this.latest === (this.container !== undefined)) throw new UsageError('`burrow diff` takes one container, or --latest');
    const { containerChanges } = await import('../../runtime/commit.js');
    const store = (await this.context.store({ containers: true })).init();
    const rec = this.container !== undefined ? store.containers.get(this.container) : store.containers.list().at(-1);
    if (!rec) throw new BurrowError('E_NO_CONTAINER', 'no containers to choose the latest of');
    const changes = await containerChanges(this.context, store, rec);
    if (this.format === 'json') {
      const pick = (k: string) => changes.filter((c) => c.kind === k).map((c) => c.path);
      const doc: Record<string, string[]> = {};
      for (const [key, kind] of [['changed', 'C'], ['added', 'A'], ['deleted', 'D']] as const) if (pick(kind).length > 0) doc[key] = pick(kind);
      this.context.stdout.write(`${JSON.stringify(doc, null, 4)}\n`);
      return 0;
    }
    // A name's own bytes, as podman prints it (one that is not UTF-8 too: system/names.ts).
    this.context.stdout.write(nameBytes(changes.map((c) => `${c.kind} ${c.path}\n`).join('')));
    return 0;
  }
}
