import * as Option from 'clipanion/lib/advanced/options';

import { BurrowCommand } from '../base.js';
import { execCommand } from '../exec-command.js';

export class ExecCommand extends BurrowCommand {
  static override paths = [['exec'], ['container', 'exec']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'run a command in a running container',
    details: `
      Runs COMMAND in the running container CONTAINER: in all of its namespaces and its root, as its user (or \`-u\`), with its environment (and \`-e\`), working directory (or \`-w\`), capabilities and no_new_privs. burrow exits with the command's status: 125 for burrow's errors (the container is not running), 126 when the command cannot be executed, 127 when it is not found.

      With \`-d\` the command runs in the background: burrow prints an id for it once it runs and returns; what it prints is discarded. Options after CONTAINER belong to the command.
    `,
    examples: [
      ['Run a shell in a container', '$0 exec -it web sh'],
      ['Read a file as another user', '$0 exec -u nobody web cat /etc/hostname'],
      ['Start a background job', '$0 exec -d web sh -c "sleep 60"'],
    ],
  });

  detach = Option.Boolean('-d,--detach', false, { description: 'Run the command in the background and print its id' });
  detachKeys = Option.String('--detach-keys', 'ctrl-p,ctrl-q', { description: 'With -it: the keys that leave the command running in the background' });
  env = Option.Array('-e,--env', [], { description: 'Set NAME=VALUE for the command (NAME alone: from the host)' });
  envFile = Option.Array('--env-file', [], { description: 'Read environment variables from a file' });
  interactive = Option.Boolean('-i,--interactive', false, { description: 'Keep standard input open' });
  latest = Option.Boolean('-l,--latest', false, { description: 'The container created last (then the first word is the command)' });
  privileged = Option.Boolean('--privileged', false, { description: "Give the command every capability of the container's user namespace" });
  tty = Option.Boolean('-t,--tty', false, { description: 'Allocate a pseudo-terminal' });
  user = Option.String('-u,--user', { description: 'Run as USER[:GROUP] (names or ids, from the container\'s /etc/passwd)' });
  workdir = Option.String('-w,--workdir', { description: 'Working directory inside the container' });
  target = Option.String({ name: 'CONTAINER' });
  args = Option.Proxy({ name: 'COMMAND' });

  async execute(): Promise<number> {
    return execCommand(this, this.context);
  }
}
