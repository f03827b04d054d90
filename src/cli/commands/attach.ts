import * as Option from 'clipanion/lib/advanced/options';

import { BurrowCommand } from '../base.js';

export class AttachCommand extends BurrowCommand {
  static override paths = [['attach'], ['container', 'attach']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'attach to a running container',
    details: `
      Joins this terminal to a container running in the background: what it writes is printed here, and (for a container made with -i) what is typed here is its input, to its terminal (-t) or its standard input. The detach keys (ctrl-p ctrl-q by default) leave it running and return, with exit status 0; otherwise \`attach\` ends when the container does, with its exit status. Several clients may attach at once.

      Without a terminal, signals sent to \`attach\` (^C's SIGINT, SIGTERM, ...) are passed on to the container unless --sig-proxy=false. A container started in the foreground, or one without a terminal whose log driver is passthrough, cannot be attached to.
    `,
    examples: [
      ['Back into a shell started with run -dit', '$0 attach box'],
      ['Watch a container without sending it input', '$0 attach --no-stdin web'],
    ],
  });

  detachKeys = Option.String('--detach-keys', 'ctrl-p,ctrl-q', { description: 'The keys that detach: characters or ctrl-X, comma-separated; "" for none' });
  latest = Option.Boolean('-l,--latest', false, { description: 'The container created last' });
  noStdin = Option.Boolean('--no-stdin', false, { description: 'Do not send what is typed to the container' });
  sigProxy = Option.Boolean('--sig-proxy', true, { description: 'Pass the signals attach gets on to the container (without a terminal)' });
  container = Option.String({ name: 'CONTAINER', required: false });

  async execute(): Promise<number> {
    const { attachContainer } = await import('../../runtime/attach.js');
    return attachContainer(this.context, { container: this.container, latest: this.latest, noStdin: this.noStdin, detachKeys: this.detachKeys, sigProxy: this.sigProxy });
  }
}
