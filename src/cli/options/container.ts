import { Option } from 'clipanion';

import type { Env } from '../../runtime/container.js';
import type { ContainerOptions } from '../../storage/containers.js';
import { BurrowCommand } from '../base.js';

/** The options `run` and `create` share, with podman's names and meaning. */
export abstract class ContainerOptionsCommand extends BurrowCommand {
  name = Option.String('--name', { description: 'Give the container a name' });
  entrypoint = Option.String('--entrypoint', { description: "Override the image's entrypoint (a command, or a JSON array)" });
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
  target = Option.String({ name: 'IMAGE' });
  args = Option.Proxy({ name: 'COMMAND' });

  /** --entrypoint as podman reads it: a JSON array, or one program. */
  protected entrypointArgv(): string[] | undefined {
    if (this.entrypoint === undefined) return undefined;
    if (this.entrypoint.startsWith('[')) {
      try {
        const parsed = JSON.parse(this.entrypoint) as unknown;
        if (Array.isArray(parsed) && parsed.every((s) => typeof s === 'string')) return parsed as string[];
      } catch {
        // not JSON: a program name
      }
    }
    return this.entrypoint === '' ? [] : [this.entrypoint];
  }

  protected containerOptions(command: string[]): ContainerOptions {
    return {
      command,
      entrypoint: this.entrypointArgv(),
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
      rm: this.rm,
    };
  }

  protected envOf(): Env {
    return { paths: this.context.paths, hostEnv: this.context.env, cwd: this.context.cwd };
  }
}
