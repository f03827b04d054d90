import { writeSync } from 'node:fs';

import { Option } from 'clipanion';

import { compilePlan } from '../../runtime/compile.js';
import { execPlan } from '../../runtime/launch.js';
import { buildSpec } from '../../runtime/options.js';
import { BurrowCommand } from '../base.js';

export class RunCommand extends BurrowCommand {
  static override paths = [['run'], ['container', 'run']];

  static override usage = BurrowCommand.Usage({
    description: 'run a command in a new container',
    details: `
      Runs COMMAND in a new container whose root filesystem is DIR, in new user, mount, pid, uts, ipc and cgroup namespaces (and a network namespace with \`--network none\`, the default). burrow ends as the container's direct parent and exits with its status: the command's own, 125 for burrow's errors, 126 when the command cannot be executed, 127 when it is not found, 128+N when it was killed by signal N.
    `,
    examples: [
      ['Run a shell in a root filesystem', '$0 run -it --rootfs ./rootfs /bin/sh'],
      ['Share a directory read-only', '$0 run --rootfs ./rootfs -v $PWD:/src:ro ls /src'],
    ],
  });

  rootfs = Option.String('--rootfs', { description: 'Use DIR as the root filesystem', required: true });
  env = Option.Array('-e,--env', [], { description: 'Set NAME=VALUE in the container (NAME alone: from the host)' });
  envFile = Option.Array('--env-file', [], { description: 'Read environment variables from a file' });
  workdir = Option.String('-w,--workdir', { description: 'Working directory inside the container' });
  hostname = Option.String('-h,--hostname', { description: 'Container host name' });
  user = Option.String('-u,--user', { description: 'Run as USER[:GROUP] (names or ids)' });
  volume = Option.Array('-v,--volume', [], { description: 'Bind mount HOST-PATH:CONTAINER-PATH[:ro|rw]' });
  tmpfs = Option.Array('--tmpfs', [], { description: 'Mount a tmpfs at PATH[:OPTIONS]' });
  readOnly = Option.Boolean('--read-only', false, { description: "Mount the container's root filesystem read-only" });
  network = Option.String('--network,--net', { description: 'Network mode: none (default) or host' });
  interactive = Option.Boolean('-i,--interactive', false, { description: 'Keep standard input open' });
  tty = Option.Boolean('-t,--tty', false, { description: 'Allocate a pseudo-terminal' });
  init = Option.Boolean('--init', false, { description: 'Run a minimal init as PID 1 that reaps zombies and forwards signals' });
  capAdd = Option.Array('--cap-add', [], { description: 'Add a capability (or ALL)' });
  capDrop = Option.Array('--cap-drop', [], { description: 'Drop a capability (or ALL)' });
  securityOpt = Option.Array('--security-opt', [], { description: 'Security options: no-new-privileges' });
  ulimit = Option.Array('--ulimit', [], { description: 'Set a resource limit NAME=SOFT[:HARD]' });
  rm = Option.Boolean('--rm', false, { description: 'Remove the container when it exits' });
  // A leading positional, so that options before it are parsed and everything after it is the command's.
  program = Option.String({ name: 'COMMAND' });
  args = Option.Proxy({ name: 'ARG' });

  async execute(): Promise<number> {
    const { spec, warnings } = buildSpec(
      {
        rootfs: this.rootfs,
        command: [this.program, ...this.args],
        env: this.env,
        envFile: this.envFile,
        workdir: this.workdir,
        hostname: this.hostname,
        user: this.user,
        volume: this.volume,
        tmpfs: this.tmpfs,
        readOnly: this.readOnly,
        network: this.network,
        interactive: this.interactive,
        tty: this.tty,
        init: this.init,
        capAdd: this.capAdd,
        capDrop: this.capDrop,
        securityOpt: this.securityOpt,
        ulimit: this.ulimit,
      },
      this.context.env,
      this.context.cwd,
    );
    // Written directly: the stderr stream would load tty/net for one line (start-up time).
    for (const w of warnings) writeSync(2, `Warning: ${w}\n`);
    return execPlan(this.context.paths, compilePlan(spec));
  }
}
