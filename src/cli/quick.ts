/**
 * The common command lines, parsed without clipanion's state machine.
 *
 * clipanion compiles every registered command into a state machine before it
 * parses anything: for `burrow run`, with its 20-odd options, that is about
 * 2 ms of a start-up that must stay close to `node -e 0` (issue #2). This
 * reads the same command definitions (clipanion's own builder: option names,
 * arities, positionals) and handles the plain grammar that nearly every
 * invocation uses: the command's path, then known options (`--name value`,
 * `--name=value`, `-v value`, flags, bundled flags such as `-it`), then the
 * positionals. It produces the parse state clipanion would have produced, and
 * clipanion's own transformers turn that into the command's fields, so option
 * semantics live in one place.
 *
 * Anything else (an unknown or misplaced option, `--help`, `-h`, `--`, a
 * missing value, a negated `--no-flag`, a shape it does not know) is declined:
 * the caller then asks clipanion, which parses it or explains the error.
 * test/unit/cli/quick.test.ts checks, line by line, that the two agree.
 */
import type { Cli, Command, CommandClass } from 'clipanion';

import type { Context } from './context.js';

/** What clipanion's parser leaves for the transformers (the fields they read). */
export interface QuickState {
  path: string[];
  options: Array<{ name: string; value: unknown }>;
  positionals: Array<{ value: string; extra: boolean | symbol }>;
}

/** The parts of clipanion's CommandBuilder read here (clipanion 3.2). */
interface Builder {
  paths: string[][];
  options: Array<{ names: string[]; arity: number; required: boolean; allowBinding: boolean }>;
  arity: { leading: string[]; trailing: string[]; extra: string[] | symbol; proxy: boolean };
  context: { commandClass: CommandClass<Context> };
}

interface CliInternals {
  builder: { builders: Builder[] };
  registrations: Map<CommandClass<Context>, { specs: Map<string, { transformer: Transformer }>; builder: Builder }>;
}
type Transformer = (builder: Builder, key: string, state: QuickState, context: Context) => unknown;

const HELP = /^(-h|--help)(?:=([0-9]+))?$/;
const BATCH = /^-[a-zA-Z]{2,}$/;
const BINDING = /^([^=]+)=([\s\S]*)$/;

/** The parse state for argv, or undefined when clipanion must decide. */
export function quickState(builder: Builder, argv: string[]): QuickState | undefined {
  const { leading, trailing, extra, proxy } = builder.arity;
  // Shapes handled: required leading positionals, then nothing or a proxy (run, create).
  if (trailing.length > 0) return undefined;
  if (proxy ? leading.length === 0 : extra !== undefined && (typeof extra === 'symbol' || extra.length > 0)) return undefined;
  if (builder.options.some((o) => o.required || o.arity > 1)) return undefined;
  const path = builder.paths.find((p) => p.every((word, i) => argv[i] === word));
  if (path === undefined) return undefined;

  const byName = new Map<string, { arity: number; allowBinding: boolean }>();
  for (const option of builder.options) for (const name of option.names) byName.set(name, option);
  const state: QuickState = { path: [...path], options: [], positionals: [] };
  let positionals = 0;
  for (let i = path.length; i < argv.length; i++) {
    const token = argv[i] as string;
    // After the last leading positional, a proxy takes everything as it is.
    if (proxy && positionals === leading.length) {
      state.positionals.push({ value: token, extra: extra as symbol });
      continue;
    }
    if (token === '-' || !token.startsWith('-')) {
      if (positionals === leading.length) return undefined; // extraneous: clipanion's error
      state.positionals.push({ value: token, extra: false });
      positionals++;
      continue;
    }
    if (token === '--' || HELP.test(token)) return undefined;
    const option = byName.get(token);
    if (option !== undefined) {
      if (option.arity === 0) {
        state.options.push({ name: token, value: true });
        continue;
      }
      const value = argv[i + 1];
      if (value === undefined || (value !== '-' && value.startsWith('-'))) return undefined; // clipanion's arity error
      state.options.push({ name: token, value });
      i++;
      continue;
    }
    const bound = BINDING.exec(token);
    if (bound !== null) {
      const named = byName.get(bound[1] as string);
      if (named === undefined || named.arity !== 1 || !named.allowBinding) return undefined;
      state.options.push({ name: bound[1] as string, value: bound[2] });
      continue;
    }
    if (BATCH.test(token)) {
      const flags = [...token.slice(1)].map((c) => `-${c}`);
      if (!flags.every((f) => byName.get(f)?.arity === 0)) return undefined;
      for (const name of flags) state.options.push({ name, value: true });
      continue;
    }
    return undefined;
  }
  return positionals === leading.length ? state : undefined;
}

/**
 * The command for argv when exactly one command is registered and the line is
 * plain (see above); undefined otherwise. What clipanion's Cli.process does,
 * minus the state machine.
 */
export function quickProcess(cli: Cli<Context>, argv: string[], context: Context): Command<Context> | undefined {
  const internals = cli as unknown as CliInternals;
  const builders = internals.builder.builders;
  if (builders.length !== 1) return undefined;
  const builder = builders[0] as Builder;
  const state = quickState(builder, argv);
  if (state === undefined) return undefined;
  const commandClass = builder.context.commandClass;
  const record = internals.registrations.get(commandClass);
  if (record === undefined) return undefined;
  const command = new (commandClass as unknown as new () => Command<Context>)();
  command.context = context;
  command.path = state.path;
  const fields = command as unknown as Record<string, unknown>;
  for (const [key, { transformer }] of record.specs) fields[key] = transformer(record.builder, key, state, context);
  return command;
}
