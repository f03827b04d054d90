/**
 * The common command lines, parsed without clipanion's state machine.
 *
 * clipanion compiles every registered command into a state machine before it
 * parses anything: for `burrow run`, with its 20-odd options, that is about
 * 2 ms of a start-up that must stay close to `node -e 0` (issue #2). Here a
 * command's options are read from clipanion's own definitions once, as a
 * plain table (`tableOf`), and `quickFields` parses the grammar nearly every
 * invocation uses with it: the command's path, then known options (`--name
 * value`, `--name=value`, `-v value`, flags, bundled flags such as `-it`),
 * then the positionals. It gives the field values clipanion would have given.
 *
 * Anything else (an unknown or misplaced option, `--help`, `-h`, `--`, a
 * missing value, a negated `--no-flag`, a shape it does not know) is
 * declined: clipanion then parses it or explains the error.
 * test/unit/cli/quick.test.ts checks, line by line, that the two agree.
 *
 * `run`'s table is also computed when burrow is built, for dist/fast.cjs,
 * which starts a container without loading clipanion at all (src/fast.ts):
 * so this module imports nothing from clipanion at run time.
 */
import type { Cli, Command, CommandClass } from 'clipanion';

import type { Positional } from '../format/help.js';
import type { Context } from './context.js';

export type FieldKind = 'string' | 'array' | 'boolean';

/** A command's options and positionals, by the name typed and the field they fill. */
export interface OptionTable {
  paths: string[][];
  /** every field the command has */
  keys: string[];
  options: Record<string, { key: string; kind: FieldKind }>;
  /** each field's value when nothing sets it (a field that is absent is undefined) */
  defaults: Record<string, string | boolean | string[]>;
  /** the fields of the required leading positionals, in order */
  leading: string[];
  /** the field that takes everything after the leading positionals, as typed */
  proxy?: string;
}

export type Fields = Record<string, string | boolean | string[] | undefined>;

/** The parts of clipanion 3.2's internals read here. */
interface Spec {
  definition(builder: unknown, key: string): void;
  transformer(builder: unknown, key: string, state: unknown, context: unknown): unknown;
}
interface CliInternals {
  builder: { builders: Array<{ paths: string[][]; context: { commandClass: CommandClass<Context> } }> };
  registrations: Map<CommandClass<Context>, { specs: Map<string, Spec>; builder: unknown }>;
}

const HELP = /^(-h|--help)(?:=([0-9]+))?$/;
const BATCH = /^-[a-zA-Z]{2,}$/;
const BINDING = /^([^=]+)=([\s\S]*)$/;

/**
 * The table of a registered command, from its option definitions: what each
 * one declares (names, arity, positional or proxy), and what its transformer
 * makes of no value and of two values (a string keeps the last, an array all).
 * Undefined for a command with anything else: a required or multi-value
 * option, an optional or trailing positional, a rest, a validator.
 */
export function tableOf(cli: Cli<Context>, commandClass: CommandClass<Context>): OptionTable | undefined {
  const internals = cli as unknown as CliInternals;
  const record = internals.registrations.get(commandClass);
  const paths = internals.builder.builders.find((b) => b.context.commandClass === commandClass)?.paths;
  if (record === undefined || paths === undefined) return undefined;
  const table: OptionTable = { paths, keys: [], options: {}, defaults: {}, leading: [] };
  const state = (options: Array<{ name: string; value: unknown }>) => ({ options, positionals: [] });
  for (const [key, spec] of record.specs) {
    const declared: Array<{ what: string; names?: string[]; arity?: number; required?: boolean }> = [];
    const recorder = {
      addOption: (o: { names: string[]; arity: number; required: boolean }) => declared.push({ what: 'option', ...o }),
      addPositional: (o: { required?: boolean }) => declared.push({ what: 'positional', required: o.required ?? true }),
      addProxy: () => declared.push({ what: 'proxy' }),
      addRest: () => declared.push({ what: 'rest' }),
    };
    spec.definition(recorder, key);
    table.keys.push(key);
    const [d] = declared;
    if (declared.length !== 1 || d === undefined) return undefined;
    if (d.what === 'positional' && d.required) table.leading.push(key);
    else if (d.what === 'proxy' && table.proxy === undefined) table.proxy = key;
    else if (d.what === 'option' && !d.required && (d.arity === 0 || d.arity === 1) && d.names !== undefined) {
      const name = d.names[0] as string;
      const none = spec.transformer(record.builder, key, state([]), { env: {} });
      const two = spec.transformer(record.builder, key, state([{ name, value: d.arity === 0 ? false : 'a' }, { name, value: d.arity === 0 ? true : 'b' }]), { env: {} });
      let kind: FieldKind;
      if (d.arity === 0 && none === false && two === true) kind = 'boolean';
      else if (d.arity === 1 && none === undefined && two === 'b') kind = 'string';
      else if (d.arity === 1 && Array.isArray(none) && none.length === 0 && Array.isArray(two) && two.join() === 'a,b') kind = 'array';
      else return undefined;
      if (none !== undefined) table.defaults[key] = none as boolean | string[];
      for (const n of d.names) table.options[n] = { key, kind };
    } else return undefined;
  }
  return table;
}

/** The fields for argv, or undefined when clipanion must decide. */
export function quickFields(table: OptionTable, argv: string[]): Fields | undefined {
  const path = table.paths.find((p) => p.every((word, i) => argv[i] === word));
  if (path === undefined || (table.proxy !== undefined && table.leading.length === 0)) return undefined;
  const fields: Fields = {};
  for (const key of table.keys) {
    const value = table.defaults[key];
    fields[key] = Array.isArray(value) ? [...value] : value;
  }
  const set = (key: string, kind: FieldKind, value: string | boolean) => {
    if (kind === 'array') (fields[key] as string[]).push(value as string);
    else fields[key] = value;
  };
  let positionals = 0;
  for (let i = path.length; i < argv.length; i++) {
    const token = argv[i] as string;
    // After the last leading positional, a proxy takes everything as it is.
    if (table.proxy !== undefined && positionals === table.leading.length) {
      fields[table.proxy] = argv.slice(i);
      break;
    }
    if (token === '-' || !token.startsWith('-')) {
      const key = table.leading[positionals++];
      if (key === undefined) return undefined; // extraneous: clipanion's error
      fields[key] = token;
      continue;
    }
    if (token === '--' || HELP.test(token)) return undefined;
    const option = table.options[token];
    if (option !== undefined) {
      if (option.kind === 'boolean') {
        set(option.key, 'boolean', true);
        continue;
      }
      const value = argv[i + 1];
      if (value === undefined || (value !== '-' && value.startsWith('-'))) return undefined; // clipanion's arity error
      set(option.key, option.kind, value);
      i++;
      continue;
    }
    const bound = BINDING.exec(token);
    if (bound !== null) {
      const named = table.options[bound[1] as string];
      if (named === undefined || named.kind === 'boolean') return undefined;
      set(named.key, named.kind, bound[2] as string);
      continue;
    }
    if (BATCH.test(token)) {
      const flags = [...token.slice(1)].map((c) => table.options[`-${c}`]);
      if (!flags.every((f) => f?.kind === 'boolean')) return undefined;
      for (const f of flags) if (f !== undefined) set(f.key, 'boolean', true);
      continue;
    }
    return undefined;
  }
  if (positionals !== table.leading.length) return undefined;
  if (table.proxy !== undefined) fields[table.proxy] ??= [];
  return fields;
}

/**
 * The command for argv when exactly one command is registered and the line is
 * plain (see above); undefined otherwise. What clipanion's Cli.process gives,
 * minus the state machine.
 */
export function quickProcess(cli: Cli<Context>, argv: string[], context: Context): Command<Context> | undefined {
  const builders = (cli as unknown as CliInternals).builder.builders;
  const commandClass = builders.length === 1 ? builders[0]?.context.commandClass : undefined;
  const table = commandClass && tableOf(cli, commandClass);
  const fields = table && quickFields(table, argv);
  if (!commandClass || !table || !fields) return undefined;
  const command = new (commandClass as unknown as new () => Command<Context>)();
  command.context = context;
  command.path = table.paths.find((p) => p.every((word, i) => argv[i] === word)) ?? [];
  Object.assign(command, fields);
  return command;
}

/** What podman-style parsing needs of any command: its options' names and arity, a proxy, the positionals it requires. */
export interface FlagSpec {
  paths: string[][];
  /** option name -> whether it takes a value */
  options: Record<string, boolean>;
  /** the names of each option together: ['-e', '--env'] */
  groups: string[][];
  /** the command passes everything after its leading positionals on as it is (run's COMMAND) */
  proxy: boolean;
  /** positionals it cannot do without (a required rest counts its minimum) */
  required: number;
  /** its positionals by name, in order, for the usage line */
  positionals: Positional[];
}

/** The FlagSpec of the one command registered (read as tableOf reads it), for every command; undefined with several. */
export function flagSpecOf(cli: Cli<Context>): FlagSpec | undefined {
  const internals = cli as unknown as CliInternals;
  const builders = internals.builder.builders;
  const commandClass = builders.length === 1 ? builders[0]?.context.commandClass : undefined;
  if (commandClass === undefined) return undefined;
  const record = internals.registrations.get(commandClass);
  const paths = internals.builder.builders.find((b) => b.context.commandClass === commandClass)?.paths;
  if (record === undefined || paths === undefined) return undefined;
  const spec: FlagSpec = { paths, options: {}, groups: [], proxy: false, required: 0, positionals: [] };
  for (const [key, s] of record.specs) {
    s.definition(
      {
        addOption: (o: { names: string[]; arity: number }) => {
          for (const n of o.names) spec.options[n] = o.arity > 0;
          spec.groups.push(o.names);
        },
        addPositional: (o: { name?: string; required?: boolean }) => {
          if (o.required ?? true) spec.required++;
          spec.positionals.push({ name: o.name ?? key, kind: (o.required ?? true) ? 'one' : 'optional' });
        },
        addProxy: (o: { name?: string }) => {
          spec.proxy = true;
          spec.positionals.push({ name: o.name ?? key, kind: 'proxy' });
        },
        addRest: (o: { name?: string; required?: number }) => {
          spec.required += o.required ?? 0;
          spec.positionals.push({ name: o.name ?? key, kind: o.required ? 'required rest' : 'rest' });
        },
      },
      key,
    );
  }
  return spec;
}
