/**
 * burrow's entry: builds the command line, runs the command, and turns
 * errors into podman's exit codes (125 for burrow's own) and one line
 * `Error: ...` on stderr; a stack only with --log-level=debug.
 */
import { writeSync } from 'node:fs';

import { Builtins, Cli, type Command, type CommandClass } from 'clipanion';

import { VERSION } from './config/install.js';
import { resolvePaths } from './config/paths.js';
import { BurrowError, ExitCode, UsageError } from './errors.js';
import { type Context, processContext } from './cli/context.js';
import { normalizeArgv, type Normalized } from './cli/flags.js';
import { type FlagSpec, flagSpecOf, quickProcess } from './cli/quick.js';
import { reportError } from './cli/report-error.js';
import { COMMANDS } from './cli/registry.js';
import { builtin } from './lazy.js';
import { isLogLevel, LOG_LEVELS, type LogLevel } from './log.js';

/** Takes podman's global options from before the command name. */
function splitGlobals(argv: string[]): { logLevel: string | undefined; rest: string[] } {
  let logLevel: string | undefined;
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i] as string;
    if (arg === '--log-level' && i + 1 < argv.length) {
      logLevel = argv[i + 1];
      i += 2;
    } else if (arg.startsWith('--log-level=')) {
      logLevel = arg.slice('--log-level='.length);
      i += 1;
    } else break;
  }
  return { logLevel, rest: argv.slice(i) };
}

/** Only the commands whose path starts the argument list, or all of them (help, typos). */
function pick(argv: string[]): typeof COMMANDS {
  const matching = COMMANDS.filter((c) => c.paths.some((p) => p.every((word, i) => argv[i] === word)));
  return matching.length > 0 ? matching : COMMANDS;
}

/** Is `err` clipanion's refusal of the command line (rather than a command's own failure)? */
function isParseError(err: unknown): boolean {
  const name = (err as Error | undefined)?.name;
  return name === 'UnknownSyntaxError' || name === 'AmbiguousSyntaxError' || (name === 'UsageError' && !(err instanceof BurrowError));
}

/**
 * clipanion's parse of `argv`; a line it refuses is read again as podman
 * reads it (cli/flags.ts: `--rm=true`, `-w/tmp`, pflag's messages), when one
 * command answers to it (with several registered, as for a typo, clipanion's
 * answer stands). Only a refused line pays for this.
 */
function processAsPodman(cli: Cli<Context>, argv: string[], context: Context, pflag: { spec: FlagSpec; line: Normalized } | undefined): Command<Context> {
  try {
    return cli.process(argv, context);
  } catch (err) {
    if (!isParseError(err) || pflag === undefined) throw err;
    const { spec, line } = pflag;
    // clipanion words a missing positional as "Not enough positional arguments" or "Command not found"; pflag's is one.
    const tooFew = (e: unknown): unknown => (line.positionals < spec.required ? new UsageError(`requires at least ${spec.required} arg(s), only received ${line.positionals}`) : e);
    if (line.argv.join('\0') === argv.join('\0')) throw tooFew(err);
    try {
      return cli.process(line.argv, context);
    } catch (again) {
      throw isParseError(again) ? tooFew(again) : again;
    }
  }
}

/** The same command class answering only to `paths`. */
function narrowed(command: CommandClass<Context>, paths: string[][]): CommandClass<Context> {
  const base = command as unknown as abstract new () => Command<Context>;
  abstract class Narrowed extends base {
    static paths = paths;
  }
  return Narrowed as unknown as CommandClass<Context>;
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--internal-worker') {
    try {
      return await (await import('./layers/worker.js')).worker(argv.slice(1));
    } catch (err) {
      return reportError(err, false);
    }
  }
  const { logLevel, rest } = splitGlobals(argv);
  const given = [logLevel, ...rest.flatMap((a, i) => (a === '--log-level' ? [rest[i + 1]] : a.startsWith('--log-level=') ? [a.slice(12)] : []))];
  const bad = given.find((l) => l !== undefined && !isLogLevel(l));
  if (bad !== undefined) {
    writeSync(2, `Error: invalid log level "${bad}": use one of ${LOG_LEVELS.join(', ')}\n`);
    return ExitCode.burrow;
  }
  const debug = logLevel === 'debug' || rest.some((a, i) => (a === '--log-level' && rest[i + 1] === 'debug') || a === '--log-level=debug');
  const cli = new Cli<Context>({ binaryName: 'burrow', binaryLabel: 'burrow', binaryVersion: VERSION });
  // Colours only for a terminal, decided when help is printed (checking costs start-up time otherwise).
  Object.defineProperty(cli, 'enableColors', {
    get: () =>
      !process.env.NO_COLOR && process.env.TERM !== 'dumb' && builtin<typeof import('node:tty')>('node:tty').isatty(1),
  });
  const entries = pick(rest);
  // The built-in pages only when no command matched: each registered class grows clipanion's parser (start-up time).
  if (entries === COMMANDS) {
    cli.register(Builtins.HelpCommand);
    cli.register(Builtins.VersionCommand);
  }
  for (const entry of entries) {
    const command = await entry.load();
    const used = entries === COMMANDS ? [] : entry.paths.filter((p) => p.every((word, i) => rest[i] === word));
    // Only the path that was typed: clipanion builds its parser once per path (start-up time).
    cli.register(used.length > 0 && used.length < entry.paths.length ? narrowed(command, used) : command);
  }

  const level = given.filter((l): l is LogLevel => l !== undefined && isLogLevel(l)).pop();
  const context = processContext(resolvePaths(process.env), { logLevel: level });
  // Help pages as podman's (cli/help.ts): the commands listed, a management word's subcommands.
  const asksHelp = (word: string | undefined): boolean => word === '--help' || word === '-h';
  if (rest.length === 0 || (rest.length === 1 && asksHelp(rest[0]))) {
    const { topHelp } = await import('./cli/help.js');
    context.stdout.write(await topHelp());
    if (rest.length > 0) return 0;
    writeSync(2, "Error: missing command 'burrow COMMAND'\n");
    return ExitCode.burrow;
  }
  if (entries === COMMANDS && (rest.length === 1 || (rest.length === 2 && asksHelp(rest[1])))) {
    const page = await (await import('./cli/help.js')).managementHelp(rest[0] as string);
    if (page !== undefined) {
      context.stdout.write(page);
      if (rest.length === 2) return 0;
      writeSync(2, `Error: missing command 'burrow ${rest[0]} COMMAND'\n`);
      return ExitCode.burrow;
    }
  }
  let operation: string | undefined;
  try {
    // `CMD --help` (or -h where it is no option): burrow's page (cli/help.ts), not clipanion's.
    const spec = entries === COMMANDS ? undefined : flagSpecOf(cli);
    // A line pflag refuses is refused here, in its words: clipanion would take a bare `-h` for help even where it is an option.
    const pflag = spec && { spec, line: normalizeArgv(spec, rest) };
    if (pflag?.line.help) {
      const words = pflag.spec.paths.find((p) => p.every((word, i) => rest[i] === word)) ?? [];
      const page = (await import('./cli/help.js')).commandHelp(cli, words);
      if (page !== undefined) {
        context.stdout.write(page);
        return 0;
      }
    }
    // The plain lines without clipanion's state machine (start-up time); clipanion for the rest.
    const command = quickProcess(cli, rest, context) ?? processAsPodman(cli, rest, context, pflag);
    operation = command.path.join(' ') || undefined;
    if (command.help) {
      context.stdout.write(cli.usage(command, { detailed: true }));
      return 0;
    }
    // What clipanion's own run() gives a command (the built-in help and version pages use it).
    command.cli = {
      binaryLabel: cli.binaryLabel,
      binaryName: cli.binaryName,
      binaryVersion: cli.binaryVersion,
      enableCapture: cli.enableCapture,
      get enableColors() {
        return cli.enableColors; // a getter: deciding loads node:tty (start-up time)
      },
      definitions: () => cli.definitions(),
      error: (error, opts) => cli.error(error, opts),
      format: (colored) => cli.format(colored),
      process: (input, sub) => cli.process(input, { ...context, ...sub }),
      run: (input, sub) => cli.run(input, { ...context, ...sub }),
      usage: (cmd, opts) => cli.usage(cmd, opts),
    };
    return (await command.validateAndExecute()) ?? 0;
  } catch (err) {
    return reportError(err, debug, operation);
  }
}
