/**
 * `burrow exec`'s work, apart from its clipanion class (commands/exec.ts), so
 * that the fast path (src/fast.ts) runs it without loading clipanion: a
 * command run in a container as often as `exec` should not cost the whole
 * CLI's start.
 */
import { execContainer } from '../runtime/exec.js';
import type { Context } from './context.js';

export interface ExecFields {
  detach: boolean;
  detachKeys: string;
  env: string[];
  envFile: string[];
  interactive: boolean;
  latest: boolean;
  privileged: boolean;
  tty: boolean;
  user: string | undefined;
  workdir: string | undefined;
  target: string;
  args: string[];
}

/** Runs the command; with --latest the first word (clipanion's CONTAINER) is the command's. */
export function execCommand(fields: ExecFields, context: Context): Promise<number> {
  const argv = fields.latest ? [fields.target, ...fields.args] : fields.args;
  return execContainer(
    context,
    {
      container: fields.latest ? undefined : fields.target,
      latest: fields.latest,
      argv,
      detach: fields.detach,
      interactive: fields.interactive,
      tty: fields.tty,
      env: fields.env,
      envFile: fields.envFile,
      workdir: fields.workdir,
      user: fields.user,
      privileged: fields.privileged,
      detachKeys: fields.detachKeys,
    },
    (line) => context.stdout.write(`${line}\n`),
  );
}
