import * as Option from 'clipanion/lib/advanced/options';

import { BurrowCommand } from '../base.js';
import { ContainerOptionsCommand } from '../options/container.js';
import { runContainer } from '../../runtime/run.js';
import { runRequest } from '../run-container.js';

export class RunCommand extends ContainerOptionsCommand {
  static override paths = [['run'], ['container', 'run']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'run a command in a new container',
    details: `
      Runs a new container from IMAGE (its entrypoint and command, or COMMAND), or with \`--rootfs DIR\` runs COMMAND in a container whose root filesystem is DIR. The container gets new user, mount, pid, uts, ipc and cgroup namespaces (and a network namespace with \`--network none\`, the default). burrow ends as the container's direct parent and exits with its status: the command's own, 125 for burrow's errors, 126 when the command cannot be executed, 127 when it is not found, 128+N when it was killed by signal N.

      With \`-d\` the container runs in the background: burrow prints its id once its command runs and returns, and the helper stays behind as its monitor, writing what it prints to its log (\`burrow logs\`). With \`-it\` and an image it runs in the background the same way, with this terminal attached to it at once (\`burrow attach\`): the detach keys, ctrl-p ctrl-q, leave it running.
    `,
    examples: [
      ['Run a command in an image', '$0 run --rm localhost/busybox echo hello'],
      ['Run a server in the background', '$0 run -d --name web localhost/busybox httpd -f'],
      ['Run a shell in a root filesystem', '$0 run -it --rootfs ./rootfs /bin/sh'],
      ['Share a directory read-only', '$0 run --rootfs ./rootfs -v $PWD:/src:ro ls /src'],
    ],
  });

  detach = Option.Boolean('-d,--detach', false, { description: 'Run the container in the background and print its id' });
  detachKeys = Option.String('--detach-keys', 'ctrl-p,ctrl-q', { description: 'With -it: the keys that leave the container running in the background' });
  sigProxy = Option.Boolean('--sig-proxy', true, { description: 'Pass the signals burrow gets on to the container (false: they end only burrow)' });
  rootfs = Option.String('--rootfs', { description: 'Use DIR as the root filesystem instead of an image (the first word after the options is then the command)' });

  async execute(): Promise<number> {
    return runContainer(runRequest(this), this.context);
  }
}
