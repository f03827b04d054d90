import { isatty } from 'node:tty';

import * as Option from 'clipanion/lib/advanced/options';

import type { CpEnd } from '../../runtime/cp.js';
import type { Store } from '../../storage/store.js';
import { BurrowCommand } from '../base.js';

/** `CONTAINER:PATH` names a container's path when CONTAINER is one; anything else is a host path, `-` standard input or output. */
function endOf(store: Store, arg: string): CpEnd {
  if (arg === '-') return { kind: 'stdio' };
  const colon = arg.indexOf(':');
  if (colon > 0 && !arg.slice(0, colon).includes('/')) {
    const rec = store.containers.find(arg.slice(0, colon));
    if (rec) return { kind: 'container', rec, path: arg.slice(colon + 1) || '/' };
  }
  return { kind: 'host', path: arg };
}

export class CpCommand extends BurrowCommand {
  static override paths = [['cp'], ['container', 'cp']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'copy files between a container and the host',
    details: `
      Copies SRC to DEST, one of them \`CONTAINER:PATH\` in a container (running or not), the other a host path, or \`-\` for a tar archive on standard input (into a container directory) or standard output (of a container path). As docker and podman: a file goes into DEST when it is a directory, else becomes DEST; a directory goes into DEST under its own name, or becomes DEST when DEST is not there; \`SRC/.\` copies a directory's contents. Links are copied as links. Paths in the container are resolved inside its root, as the container itself resolves them: a link there to \`/\` or \`../..\` never reaches the host's files. What is copied in belongs to the container's user (\`--archive=false\`: keeps the ids it had).
    `,
    examples: [
      ['Copy a file into a container', '$0 cp ./app.conf web:/etc/app.conf'],
      ["Copy a container's directory out", '$0 cp web:/var/log ./logs'],
      ['Stream a directory as a tar', '$0 cp web:/srv - | tar -t'],
    ],
  });

  archive = Option.Boolean('-a,--archive', true, { description: 'Give what is copied in to the container\'s user (--archive=false: keep its ids)' });
  src = Option.String({ name: 'SRC' });
  dest = Option.String({ name: 'DEST' });

  async execute(): Promise<number> {
    const { copy } = await import('../../runtime/cp.js');
    const store = (await this.context.store({ containers: true })).init();
    const from = endOf(store, this.src);
    const to = endOf(store, this.dest);
    const locked = from.kind === 'container' ? from.rec : to.kind === 'container' ? to.rec : undefined;
    const run = () => copy(this.context, store, { from, to, archive: this.archive, stdin: process.stdin, stdout: this.context.stdout, stdoutIsTerminal: this.context.stdout === process.stdout && isatty(1) });
    await (locked ? store.containers.locked(locked, run) : run());
    return 0;
  }
}
