import * as Option from 'clipanion/lib/advanced/options';

import { BurrowError, UsageError } from '../../errors.js';
import { imageInspect } from '../../format/image-view.js';
import { storageDriver } from '../../storage/driver.js';
import { containerInspect } from '../../format/container-view.js';
import { BurrowCommand } from '../base.js';
import { printInspect } from './image/inspect.js';

export class InspectCommand extends BurrowCommand {
  static override paths = [['inspect']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'show the configuration of containers or images',
    details: `
      Prints a JSON array with a document per NAME, which may name a container or an image (a container first, as podman looks); \`--type\` limits the search to one kind.
    `,
    examples: [
      ['Inspect an image or a container', '$0 inspect busybox'],
      ['Only images', '$0 inspect --type image --format "{{.Id}}" busybox'],
    ],
  });

  format = Option.String('-f,--format', { description: 'Print with a Go template, or json' });
  type = Option.String('-t,--type', 'all', { description: 'Look only for this kind: image, container or all' });
  names = Option.Rest({ required: 1, name: 'NAME' });

  async execute(): Promise<number> {
    if (!['image', 'container', 'all'].includes(this.type))
      throw new UsageError(`invalid type "${this.type}": must be 'container', 'image' or 'all'`);
    const store = await this.context.store({ containers: true });
    const { containers } = store;
    const allContainers = this.type === 'image' ? [] : containers.list();
    const allImages = this.type === 'container' ? [] : store.images();
    const driver = storageDriver(this.context.env);
    const docs: unknown[] = [];
    const errors: string[] = [];
    for (const name of this.names) {
      const c = this.type === 'image' ? undefined : containers.find(name, allContainers);
      if (c) {
        const health = c.healthcheck ? (await import('../../runtime/health.js')).healthState(store, c) : undefined;
        docs.push(containerInspect(store, containers, c, health));
        continue;
      }
      const image = this.type === 'container' ? undefined : store.findImage(name, allImages);
      if (image) docs.push(imageInspect(store, image, driver));
      else if (this.type === 'image') errors.push(`${name}: image not known`);
      else if (this.type === 'container') errors.push(`no such container ${name}`);
      else errors.push(`no such object: "${name}"`);
    }
    printInspect(this.context.stdout, 'inspect', docs, this.format);
    if (errors.length > 0) {
      for (const e of errors.slice(0, -1)) this.context.stderr.write(`Error: ${e}\n`);
      throw new BurrowError('E_NO_OBJECT', errors.at(-1) as string);
    }
    return 0;
  }
}
