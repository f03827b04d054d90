import { closeSync, existsSync } from 'node:fs';
import { join } from 'node:path';

import * as Option from 'clipanion/lib/advanced/options';

import { BurrowError, UsageError } from '../../errors.js';
import type { ContainerRecord, ContainerState } from '../../storage/containers.js';
import type { Store } from '../../storage/store.js';
import { BurrowCommand } from '../base.js';
import { parseDuration } from '../duration.js';
import { targets } from '../targets.js';

/** podman's conditions burrow's containers can be in; `stopped` and `exited` are the same here. */
const CONDITIONS: Record<string, ContainerState> = { created: 'created', configured: 'created', running: 'running', stopped: 'exited', exited: 'exited' };

export class WaitCommand extends BurrowCommand {
  static override paths = [['wait'], ['container', 'wait']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'wait for containers to stop and print their exit codes',
    details: `
      Waits until each container has stopped (or, with \`--condition\`, is in one of the states given) and prints its exit code, one line each in the order given; -1 for a condition other than stopped or exited, as podman prints.
    `,
    examples: [['Wait for a detached container and read its status', '$0 wait web']],
  });

  condition = Option.Array('--condition', [], { description: 'The state to wait for: stopped (default), exited, running, created, configured' });
  ignore = Option.Boolean('--ignore', false, { description: 'Do not fail for containers that do not exist' });
  interval = Option.String('-i,--interval', '250ms', { description: 'How often to look at the containers (a duration)' });
  latest = Option.Boolean('-l,--latest', false, { description: 'The container created last' });
  containers = Option.Rest({ name: 'CONTAINER' });

  async execute(): Promise<number> {
    const interval = parseDuration(/^\d+$/.test(this.interval) ? `${this.interval}ms` : this.interval, '--interval');
    if (interval <= 0) throw new UsageError(`invalid --interval \`${this.interval}\`: it must be more than 0`);
    const wanted = new Set<ContainerState>();
    for (const c of this.condition.length > 0 ? this.condition : ['stopped']) {
      const state = CONDITIONS[c];
      if (state === undefined) {
        const later = ['healthy', 'unhealthy', 'paused', 'initialized', 'removing', 'stopping'].includes(c);
        throw new UsageError(`${later ? 'cannot wait for' : 'unknown'} condition \`${c}\`: use stopped, exited, running, created or configured`);
      }
      wanted.add(state);
    }
    const store = (await this.context.store({ containers: true })).init();
    const { stdout, stderr } = this.context;
    let code = 0;
    for (const { rec, error } of targets(store, 'wait', { refs: this.containers, latest: this.latest, ignore: this.ignore })) {
      try {
        if (error) throw error;
        if (rec) stdout.write(`${await waitFor(store, rec, wanted, interval)}\n`);
      } catch (err) {
        if (!(err instanceof BurrowError)) throw err;
        stderr.write(`Error: ${err.message}\n`);
        code = 125;
      }
    }
    return code;
  }
}

/** Waits until `rec` is in one of `wanted`: its exit code when that is exited, else -1. */
async function waitFor(store: Store, rec: ContainerRecord, wanted: Set<ContainerState>, interval: number): Promise<number> {
  const { containers } = store;
  for (;;) {
    if (!existsSync(join(containers.dir(rec.id), 'container.json'))) throw new BurrowError('E_NO_CONTAINER', `container ${rec.name} was removed while it was waited for`);
    const status = containers.status(rec);
    if (wanted.has(status.state)) return status.state === 'exited' ? (status.exitCode ?? 0) : -1;
    // A running container: its monitor's end is waited for on a pidfd (no polling), at most `interval` at a time.
    const pidfd = status.state === 'running' && status.pid !== undefined ? store.sys.pidfdOpen(status.pid) : undefined;
    if (pidfd === undefined) await new Promise((resolve) => setTimeout(resolve, interval));
    else {
      try {
        await store.sys.pidfdWait(pidfd, interval);
      } finally {
        closeSync(pidfd);
      }
    }
  }
}
