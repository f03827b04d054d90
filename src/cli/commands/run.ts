import { writeSync } from 'node:fs';

import { Option } from 'clipanion';

import { UsageError } from '../../errors.js';
import { compilePlan } from '../../runtime/compile.js';
import { execPlan } from '../../runtime/launch.js';
import { buildSpec, newContainerId } from '../../runtime/options.js';
import { prepareZygote } from '../../runtime/zygote.js';
import { BurrowCommand } from '../base.js';
import { ContainerOptionsCommand } from '../options/container.js';

export class RunCommand extends ContainerOptionsCommand {
  static override paths = [['run'], ['container', 'run']];

  static override usage = BurrowCommand.Usage({
    description: 'run a command in a new container',
    details: `
      Runs a new container from IMAGE (its entrypoint and command, or COMMAND), or with \`--rootfs DIR\` runs COMMAND in a container whose root filesystem is DIR. The container gets new user, mount, pid, uts, ipc and cgroup namespaces (and a network namespace with \`--network none\`, the default). burrow ends as the container's direct parent and exits with its status: the command's own, 125 for burrow's errors, 126 when the command cannot be executed, 127 when it is not found, 128+N when it was killed by signal N.
    `,
    examples: [
      ['Run a command in an image', '$0 run --rm localhost/busybox echo hello'],
      ['Run a shell in a root filesystem', '$0 run -it --rootfs ./rootfs /bin/sh'],
      ['Share a directory read-only', '$0 run --rootfs ./rootfs -v $PWD:/src:ro ls /src'],
    ],
  });

  rootfs = Option.String('--rootfs', { description: 'Use DIR as the root filesystem instead of an image (the first word after the options is then the command)' });

  async execute(): Promise<number> {
    const env = this.envOf();
    // The namespaces and id maps are made on the side while the plan is compiled (start-up time).
    await prepareZygote(env.hostEnv);
    if (this.rootfs !== undefined) {
      // --rootfs: no image and no record; the first word is the command.
      if (this.name !== undefined) throw new UsageError('--name needs an image: a --rootfs container keeps no record');
      const { spec, warnings } = buildSpec(
        this.containerOptions([this.target, ...this.args]),
        { hostEnv: env.hostEnv, cwd: env.cwd, id: newContainerId(), root: { kind: 'rootfs', path: this.rootfs } },
      );
      // Written directly: the stderr stream would load tty/net for one line (start-up time).
      for (const w of warnings) writeSync(2, `Warning: ${w}\n`);
      return execPlan(this.context.paths, compilePlan(spec));
    }
    // Loaded here: the store and container code are not needed by --rootfs (start-up time).
    const { Store } = await import('../../storage/store.js');
    const { createContainer, removeContainer, runForeground } = await import('../../runtime/container.js');
    const store = new Store(this.context.paths).init();
    const image = store.getImage(this.target);
    const { rec, prepared } = await createContainer(env, store, image, this.target, this.containerOptions(this.args), this.name);
    try {
      return await runForeground(env, store, rec, prepared);
    } catch (err) {
      // It never ran: a --rm container goes again.
      if (this.rm) await removeContainer(env, store, rec, true).catch(() => undefined);
      throw err;
    }
  }
}
