import { createContainer } from '../../runtime/container.js';
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
    const store = (await this.context.store()).init();
    const image = await imageFor(this.context, store, this.target, pullRequest(this), (line) => this.context.stderr.write(`${line}\n`));
    const { rec } = await createContainer(this.context, store, image, this.target, this.containerOptions(this.args), this.name, this.cidfile, { mount: this.mount, volumesFrom: this.volumesFrom });
    this.context.stdout.write(`${rec.id}\n`);
    return 0;
  }
}
