import { Option } from 'clipanion';

import { BurrowError, UsageError } from '../../errors.js';
import { runForeground, startDetached } from '../../runtime/container.js';
import { Containers } from '../../storage/containers.js';
import { BurrowCommand } from '../base.js';
import { openStore } from '../store.js';

export class StartCommand extends BurrowCommand {
  static override paths = [['start'], ['container', 'start']];

  static override usage = BurrowCommand.Usage({
    description: 'start one or more containers',
    details: `
      Starts containers made by \`burrow create\` (or exited ones). With \`-a\` the container runs attached: burrow becomes its parent and exits with its status. Without it the helper stays behind as a small monitor, output goes to the container's log, and each CONTAINER is printed as given.
    `,
    examples: [['Start a container and wait for it', '$0 start -a web']],
  });

  attach = Option.Boolean('-a,--attach', false, { description: "Attach to the container's output and exit with its status" });
  interactive = Option.Boolean('-i,--interactive', false, { description: 'With -a: keep standard input open' });
  containers = Option.Rest({ name: 'CONTAINER', required: 1 });

  async execute(): Promise<number> {
    const store = (await openStore(this.context, { containers: true })).init();
    const containers = new Containers(store);
    const env = { paths: this.context.paths, hostEnv: this.context.env, cwd: this.context.cwd };
    if (this.attach && this.containers.length > 1) throw new UsageError('you cannot start and attach multiple containers at once');
    if (this.interactive && !this.attach) throw new UsageError('-i needs -a');
    let failed = 0;
    for (const ref of this.containers) {
      try {
        const rec = containers.get(ref);
        if (containers.status(rec).state === 'running') {
          if (this.attach) throw new BurrowError('E_RUNNING', `container ${rec.name} is already running`);
          this.context.stdout.write(`${ref}\n`);
          continue;
        }
        if (this.attach) return await runForeground(env, store, { ...rec, options: { ...rec.options, interactive: this.interactive || rec.options.interactive } });
        await startDetached(env, store, rec);
        this.context.stdout.write(`${ref}\n`);
      } catch (err) {
        if (this.containers.length === 1) throw err;
        failed++;
        this.context.stderr.write(`Error: ${(err as Error).message}\n`);
      }
    }
    return failed > 0 ? 125 : 0;
  }
}
