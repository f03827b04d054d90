/**
 * dist/fast.cjs: the commands of the fast path (src/cli/fast-list.ts) for
 * their plain command lines, without loading clipanion (issue #2: start-up
 * close to `node -e 0`). bin/burrow.cjs tries it first for the lines that
 * start with one of their paths (dist/fast-paths.json); it answers undefined
 * for anything it does not parse (src/cli/quick.ts declines it), and
 * bin/burrow.cjs then loads the whole CLI (src/main.ts), which parses it with
 * clipanion or explains the error. The commands' options come from the
 * manifest (src/cli/manifest.json), built in by scripts/build.mjs as
 * BURROW_FAST_COMMANDS, so they are declared once, in the command classes.
 */
import { resolvePaths } from './config/paths.js';
import { type Context, processContext } from './cli/context.js';
import type { FastCommand } from './cli/fast-list.js';
import type { ManifestCommand } from './cli/manifest.js';
import { normalizeArgv } from './cli/flags.js';
import { type Fields, flagSpecOf, quickFields, tableOf } from './cli/quick.js';
import { reportError } from './cli/report-error.js';
import { type RunFields, runRequest } from './cli/run-container.js';
import { type StartFields, startContainers } from './cli/start-containers.js';
import { containerLogs, type LogsFields } from './cli/container-logs.js';
import { execCommand, type ExecFields } from './cli/exec-command.js';
import { listContainers, type PsFields } from './cli/list-containers.js';
import { namesFile, type PullFields, pullImages } from './cli/pull-images.js';
import { runContainer } from './runtime/run.js';
import { wholeArgv } from './system/names.js';

// Set by scripts/build.mjs: the manifest's entries of the fast path's commands.
declare const BURROW_FAST_COMMANDS: ManifestCommand[];

/** How the fast path runs each of its commands, given the fields clipanion would have given the class. */
const RUNS: Record<FastCommand, (fields: Fields, context: Context) => Promise<number | undefined>> = {
  run: (fields, context) => runContainer(runRequest(fields as unknown as RunFields), context),
  start: (fields, context) => startContainers(fields as unknown as StartFields, context),
  logs: (fields, context) => containerLogs(fields as unknown as LogsFields, context),
  exec: (fields, context) => execCommand(fields as unknown as ExecFields, context),
  ps: (fields, context) => listContainers(fields as unknown as PsFields, context),
  // A file transport's archive readers are not in this bundle: such a line is main's.
  pull: async (fields, context) => (namesFile(fields.images as string[]) ? undefined : pullImages(fields as unknown as PullFields, context)),
};

/** The command's exit code (when it could not start: the helper takes over otherwise), or undefined: not this path's line. */
export async function fast(words: string[]): Promise<number | undefined> {
  const argv = wholeArgv(words);
  const command = BURROW_FAST_COMMANDS.find((c) => c.paths.some((p) => p.every((word, i) => argv[i] === word)));
  if (command === undefined) return undefined;
  const path = command.paths.find((p) => p.every((word, i) => argv[i] === word));
  try {
    // pflag's shapes (`--rm=true`, `-w/tmp`) rewritten; a line pflag refuses, or asks for help, is main's to answer.
    let line: string[];
    try {
      const normalized = normalizeArgv(flagSpecOf(command), argv);
      if (normalized.help) return undefined;
      line = normalized.argv;
    } catch {
      return undefined;
    }
    const table = tableOf(command);
    const fields = table && quickFields(table, line);
    // --log-level is main's to check and to honour (stacks with debug).
    if (fields === undefined || fields.logLevel !== undefined) return undefined;
    return await RUNS[command.file as FastCommand](fields, processContext(resolvePaths(process.env)));
  } catch (err) {
    return reportError(err, false, path?.join(' '));
  }
}
