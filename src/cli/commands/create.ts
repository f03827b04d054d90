import { createContainer, replaceNamed } from '../../runtime/container.js';
import { UsageError } from '../../errors.js';
import { imageFor, pullRequest } from '../../runtime/pull-policy.js';
import { BurrowCommand } from '../base.js';
import { ContainerOptionsCommand } from '../options/container.js';

export class CreateCommand extends ContainerOptionsCommand {
  static override paths = [['create'], ['container', 'create']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'create a new container without starting it',
    details: `
      Creates a container from IMAGE with the same options as \`burrow run\` and prints its id. \`burrow start\` runs it.
    `,
    examples: [['Create a named container', '$0 create --name web localhost/busybox httpd -f']],
  });

  async execute(): Promise<number> {
    if (this.replace && this.name === undefined) throw new UsageError('cannot replace container without --name being set');
    // The flags checked (and label files read) before anything is pulled or replaced.
    const options = this.containerOptions(this.args);
    const pull = pullRequest(this);
    const store = (await this.context.store()).init();
    const image = await imageFor(this.context, store, this.target, pull, (line) => this.context.stderr.write(`${line}\n`));
    if (this.replace && this.name !== undefined) await replaceNamed(this.context, store, this.name, (w) => this.context.stderr.write(`Warning: ${w}\n`));
    const { rec } = await createContainer(this.context, store, image, this.target, options, this.name, this.cidfile, { mount: this.mount, volumesFrom: this.volumesFrom });
    this.context.stdout.write(`${rec.id}\n`);
    return 0;
  }
}
