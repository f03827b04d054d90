import * as Option from 'clipanion/lib/advanced/options';

import { UsageError } from '../../errors.js';
import { applyChange } from '../../image/change.js';
import type { ContainerConfig } from '../../oci/image.js';
import { normalizeName } from '../../oci/reference.js';
import { BurrowCommand } from '../base.js';

export class CommitCommand extends BurrowCommand {
  static override paths = [['commit'], ['container', 'commit']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: "create a new image from a container's changes",
    details: `
      Makes a new image of CONTAINER's image with what the container changed (its writable layer, deletions as whiteouts) as one more layer, named IMAGE when one is given, and prints its id. The image's configuration is the container's (its command, entrypoint, environment, working directory, user) with --change applied. The container may be running; burrow cannot pause it (it has no cgroup of its own), so a container that writes while it is committed may be caught half-way.
    `,
    examples: [
      ['Save what a container installed as an image', '$0 commit web localhost/web:v2'],
      ['With a new command and a message', "$0 commit -c 'CMD [\"httpd\", \"-f\"]' -m 'the server' web localhost/web:v2"],
    ],
  });

  author = Option.String('-a,--author', { description: "Set the image's author" });
  change = Option.Array('-c,--change', [], { description: 'Apply a Dockerfile instruction: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR' });
  format = Option.String('-f,--format', 'oci', { description: 'The manifest format: oci or docker' });
  message = Option.String('-m,--message', { description: "Set the comment of the image's history entry" });
  pause = Option.Boolean('-p,--pause', false, { description: 'Freeze the container while committing (it needs a cgroup of its own: see burrow pause)' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Print only the image id' });
  squash = Option.Boolean('--squash', false, { description: 'One layer of the whole root filesystem, not the image\'s layers and one more' });
  container = Option.String({ name: 'CONTAINER' });
  image = Option.String({ name: 'IMAGE', required: false });

  async execute(): Promise<number> {
    if (this.format !== 'oci' && this.format !== 'docker') throw new UsageError(`unrecognized image type \`${this.format}\`: use oci or docker`);
    const name = this.image === undefined ? undefined : normalizeName(this.image);
    const { commitContainer } = await import('../../runtime/commit.js');
    const { expandEnvEntry, mergeEnv } = await import('../../runtime/envfile.js');
    const store = (await this.context.store({ containers: true })).init();
    const rec = store.containers.get(this.container);
    // The container's configuration: its image's, with what run or create changed.
    const base = store.imageConfig(store.getImage(rec.image)).config ?? {};
    const o = rec.options;
    const config: ContainerConfig = { ...base };
    if (o.entrypoint !== undefined) config.Entrypoint = o.entrypoint;
    if (o.command.length > 0) config.Cmd = o.command;
    if (o.workdir !== undefined) config.WorkingDir = o.workdir;
    if (o.user !== undefined) config.User = o.user;
    if (o.env.length > 0) config.Env = mergeEnv(base.Env ?? [], o.env.flatMap((e) => expandEnvEntry(e, this.context.env, `--env \`${e}\``)));
    for (const c of this.change) applyChange(config, c);
    const progress = (line: string) => {
      if (!this.quiet) this.context.stderr.write(`${line}\n`);
    };
    // -p: frozen while its files are read (unless it is paused already); one without a cgroup of its own cannot be.
    const status = store.containers.status(rec);
    const pause = this.pause && status.state === 'running' && !status.paused ? await import('../../runtime/pause.js') : undefined;
    if (pause) await pause.setPaused(store, rec, true);
    let image;
    try {
      image = await commitContainer(this.context, store, rec, { name, config, message: this.message, author: this.author, squash: this.squash, format: this.format }, progress);
    } finally {
      if (pause) await pause.setPaused(store, rec, false).catch(() => undefined);
    }
    this.context.stdout.write(`${image.id}\n`);
    return 0;
  }
}
