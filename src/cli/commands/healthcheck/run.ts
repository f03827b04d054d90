import * as Option from 'clipanion/lib/advanced/options';

import { BurrowCommand } from '../../base.js';

export class HealthcheckRunCommand extends BurrowCommand {
  static override paths = [['healthcheck', 'run']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: "run a container's healthcheck",
    details: `
      Runs the healthcheck of a running container once, inside it as \`burrow exec\` runs a command, and records the result in the container's health (\`burrow inspect\` shows it as State.Health, \`burrow ps\` as \`(healthy)\`). A failure after the healthcheck's start period adds to the failing streak; as many failures in a row as its retries make the container unhealthy, and then its on-failure action (kill, restart or stop) is taken. A check that runs past its timeout fails. All four are set by run and create (the health options) or the image.

      Prints nothing and exits 0 when the check passed; prints \`unhealthy\` and exits 1 when it failed. Exits 125 when the container has no healthcheck or is not running.

      The monitor of a container with a healthcheck runs this command itself at each interval: no daemon and no systemd timer is needed.
    `,
    examples: [['Check a container now', '$0 healthcheck run web']],
  });

  container = Option.String({ name: 'CONTAINER' });

  async execute(): Promise<number> {
    const { runHealthcheck } = await import('../../../runtime/health.js');
    const store = (await this.context.store({ containers: true })).init();
    const result = await runHealthcheck(this.context, store, this.container, (w) => this.context.stderr.write(`Warning: ${w}\n`));
    if (result === 'healthy') return 0;
    this.context.stdout.write('unhealthy\n');
    return 1;
  }
}
