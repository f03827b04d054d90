/**
 * burrow's entry: builds the command line, runs the command, and turns
 * errors into podman's exit codes (125 for burrow's own) and one line
 * `Error: ...` on stderr; a stack only with --log-level=debug.
 */
import { writeSync } from 'node:fs';

import type { Cli, Command, CommandClass } from 'clipanion';

import { VERSION } from './config/install.js';
import { resolvePaths } from './config/paths.js';
import { BurrowError, ExitCode, UsageError } from './errors.js';
import { type Context, processContext } from './cli/context.js';
import { normalizeArgv, type Normalized } from './cli/flags.js';
import { type FlagSpec, flagSpecOf, quickFields, tableOf } from './cli/quick.js';
import { reportError } from './cli/report-error.js';
import { COMMANDS, commandOf } from './cli/registry.js';
import { builtin } from './lazy.js';
import { isLogLevel, LOG_LEVELS, type LogLevel } from './log.js';
import { wholeArgv } from './system/names.js';

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

/** clipanion's parser for these command classes (and its built-in pages); loaded only for the lines that need it. */
async function clipanion(classes: CommandClass<Context>[], builtins: boolean): Promise<Cli<Context>> {
  const { Builtins, Cli } = await import('clipanion');
  const cli = new Cli<Context>({ binaryName: 'burrow', binaryLabel: 'burrow', binaryVersion: VERSION });
  // Colours only for a terminal, decided when help is printed (checking costs start-up time otherwise).
  Object.defineProperty(cli, 'enableColors', {
    get: () =>
      !process.env.NO_COLOR && process.env.TERM !== 'dumb' && builtin<typeof import('node:tty')>('node:tty').isatty(1),
  });
  if (builtins) {
    cli.register(Builtins.HelpCommand);
    cli.register(Builtins.VersionCommand);
  }
  for (const commandClass of classes) cli.register(commandClass);
  return cli;
}

export async function main(words: string[]): Promise<number> {
  const argv = wholeArgv(words);
  // (bin/burrow.cjs sends these to dist/worker.cjs; here when the bundle is run some other way, as by the tests)
  if (argv[0] === '--internal-worker') return (await import('./internal-worker.js')).internalWorker(argv.slice(1));
  const { logLevel, rest } = splitGlobals(argv);
  // The command's own --log-level too; not in the words of a command that passes on all of them (sandbox: bwrap's).
  const found = commandOf(rest);
  const own = found?.entry.positionals[0]?.kind === 'proxy' ? [] : rest;
  const given = [logLevel, ...own.flatMap((a, i) => (a === '--log-level' ? [own[i + 1]] : a.startsWith('--log-level=') ? [a.slice(12)] : []))];
  const bad = given.find((l) => l !== undefined && !isLogLevel(l));
  if (bad !== undefined) {
    writeSync(2, `Error: invalid log level "${bad}": use one of ${LOG_LEVELS.join(', ')}\n`);
    return ExitCode.burrow;
  }
  const debug = logLevel === 'debug' || own.some((a, i) => (a === '--log-level' && own[i + 1] === 'debug') || a === '--log-level=debug');
  const level = given.filter((l): l is LogLevel => l !== undefined && isLogLevel(l)).pop();
  const context = processContext(resolvePaths(process.env), { logLevel: level });
  // Help pages as podman's, from the manifest (cli/help.ts): the commands listed, a management word's subcommands.
  const asksHelp = (word: string | undefined): boolean => word === '--help' || word === '-h';
  if (rest.length === 0 || (rest.length === 1 && asksHelp(rest[0]))) {
    context.stdout.write((await import('./cli/help.js')).topHelp());
    if (rest.length > 0) return 0;
    writeSync(2, "Error: missing command 'burrow COMMAND'\n");
    return ExitCode.burrow;
  }
  // As podman's first line (`podman version 4.3.1`); here, not through clipanion's page, which would load every
  // command first (0.37 against 0.11 s, measured).
  if (rest.length === 1 && (rest[0] === '--version' || rest[0] === '-v')) {
    context.stdout.write(`burrow version ${VERSION}\n`);
    return 0;
  }
  if (found === undefined && (rest.length === 1 || (rest.length === 2 && asksHelp(rest[1])))) {
    const page = (await import('./cli/help.js')).managementHelp(rest[0] as string);
    if (page !== undefined) {
      context.stdout.write(page);
      if (rest.length === 2) return 0;
      writeSync(2, `Error: missing command 'burrow ${rest[0]} COMMAND'\n`);
      return ExitCode.burrow;
    }
  }
  let operation: string | undefined;
  try {
    let command: Command<Context>;
    let cli: Cli<Context> | undefined;
    if (found !== undefined) {
      const { entry, path } = found;
      const spec = flagSpecOf(entry);
      // A line pflag refuses is refused here, in its words: clipanion would take a bare `-h` for help even where it is an option.
      const line = normalizeArgv(spec, rest);
      // `CMD --help` (or -h where it is no option): burrow's page (cli/help.ts), not clipanion's.
      if (line.help) {
        context.stdout.write((await import('./cli/help.js')).commandHelp(entry, path));
        return 0;
      }
      const commandClass = await entry.load();
      // The plain lines without clipanion's parser (start-up time); clipanion, given this command alone, for the rest.
      const table = tableOf(entry);
      const fields = table && quickFields(table, line.argv);
      if (fields !== undefined) {
        command = new (commandClass as unknown as new () => Command<Context>)();
        Object.assign(command, fields);
        command.context = context;
        command.path = path;
      } else {
        cli = await clipanion([commandClass], false);
        command = processAsPodman(cli, rest, context, { spec, line });
      }
    } else {
      // No command's path: clipanion, with every command and its own pages (help, version), finds the typo or the page.
      cli = await clipanion(await Promise.all(COMMANDS.map((c) => c.load())), true);
      command = processAsPodman(cli, rest, context, undefined);
    }
    operation = command.path.join(' ') || undefined;
    if (cli !== undefined) {
      const parser = cli;
      if (command.help) {
        context.stdout.write(parser.usage(command, { detailed: true }));
        return 0;
      }
      // What clipanion's own run() gives a command (the built-in help and version pages use it).
      command.cli = {
        binaryLabel: parser.binaryLabel,
        binaryName: parser.binaryName,
        binaryVersion: parser.binaryVersion,
        enableCapture: parser.enableCapture,
        get enableColors() {
          return parser.enableColors; // a getter: deciding loads node:tty (start-up time)
        },
        definitions: () => parser.definitions(),
        error: (error, opts) => parser.error(error, opts),
        format: (colored) => parser.format(colored),
        process: (input, sub) => parser.process(input, { ...context, ...sub }),
        run: (input, sub) => parser.run(input, { ...context, ...sub }),
        usage: (cmd, opts) => parser.usage(cmd, opts),
      };
    }
    return (await command.validateAndExecute()) ?? 0;
  } catch (err) {
    return reportError(err, debug, operation);
  }
}

/** burrow sandbox's extras (sandbox-extras.ts: profiles, --net), which dist/sandbox.cjs loads from this bundle when a line needs them. */
export function sandboxExtras(): Promise<typeof import('./sandbox-extras.js')> {
  return import('./sandbox-extras.js');
}
