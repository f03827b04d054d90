/**
 * dist/fast.cjs: `burrow run` for the plain command lines, without loading
 * clipanion (issue #2: start-up close to `node -e 0`). bin/burrow.cjs tries it
 * first for `run` and `container run`; it answers undefined for anything it
 * does not parse (src/cli/quick.ts declines it), and bin/burrow.cjs then loads
 * the whole CLI (src/main.ts), which parses it with clipanion or explains the
 * error. `run`'s options come from RunCommand's own definitions, read by the
 * build (scripts/build.mjs) into BURROW_RUN_TABLE, so they are declared once.
 */
import { resolvePaths } from './config/paths.js';
import { processContext } from './cli/context.js';
import { type OptionTable, quickFields } from './cli/quick.js';
import { reportError } from './cli/report-error.js';
import { type RunFields, runRequest } from './cli/run-container.js';
import { runContainer } from './runtime/run.js';

// Set by scripts/build.mjs: tableOf(RunCommand).
declare const BURROW_RUN_TABLE: OptionTable;

/** The container's exit code (when it could not start: the helper takes over otherwise), or undefined: not this path's line. */
export async function fast(argv: string[]): Promise<number | undefined> {
  if (argv[0] !== 'run' && !(argv[0] === 'container' && argv[1] === 'run')) return undefined;
  try {
    const fields = quickFields(BURROW_RUN_TABLE, argv);
    // --log-level is main's to check and to honour (stacks with debug).
    if (fields === undefined || fields.logLevel !== undefined) return undefined;
    return await runContainer(runRequest(fields as unknown as RunFields), processContext(resolvePaths(process.env)));
  } catch (err) {
    return reportError(err, false, 'run');
  }
}
