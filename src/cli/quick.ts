/**
 * The common command lines, parsed without clipanion's state machine.
 *
 * clipanion compiles every registered command into a state machine before it
 * parses anything: for `burrow run`, with its 20-odd options, that is about
 * 2 ms of a start-up that must stay close to `node -e 0` (issue #2). Here a
 * command's options are taken from the manifest (cli/manifest.ts, read from
 * the classes when burrow is built) as a plain table (`tableOf`), and
 * `quickFields` parses the grammar nearly every invocation uses with it: the
 * command's path, then known options (`--name value`, `--name=value`, `-v
 * value`, flags, negated flags `--no-rm`, bundled flags such as `-it`), the
 * positionals (a rest's among the options, as clipanion allows) and `--`. It
 * gives the field values clipanion would have given. Its callers give it the
 * line as cli/flags.ts rewrites pflag's shapes (`--rm=true`, `-w/tmp`).
 *
 * Anything else (an unknown or misplaced option, `--help`, `-h`, a missing
 * value, a shape it does not know) is declined: clipanion then parses it or
 * explains the error.
 * test/unit/cli/quick.test.ts checks, line by line, that the two agree.
 *
 * This module imports nothing from clipanion: dist/fast.cjs uses it to start
 * a container without loading clipanion at all (src/fast.ts).
 */
import type { Positional } from '../format/help.js';
import type { ManifestCommand } from './manifest.js';

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
  /** the field that takes the positionals after the leading ones (options may stand between them), and how many it needs */
  rest?: { key: string; min: number };
}

export type Fields = Record<string, string | boolean | string[] | undefined>;

const HELP = /^(-h|--help)(?:=([0-9]+))?$/;
const BATCH = /^-[a-zA-Z]{2,}$/;
const BINDING = /^([^=]+)=([\s\S]*)$/;
const NEGATED = /^--no-([^=]+)$/;

/**
 * The table of a command, from its manifest entry: required positionals,
 * then a proxy or a rest. Undefined for a command with anything else: a
 * required or multi-value option, an optional positional, a validator.
 */
export function tableOf(command: ManifestCommand): OptionTable | undefined {
  const table: OptionTable = { paths: command.paths, keys: [], options: {}, defaults: {}, leading: [] };
  for (const option of command.options) {
    if (option.kind === 'other') return undefined;
    table.keys.push(option.key);
    if (option.default !== undefined) table.defaults[option.key] = option.default;
    for (const n of option.names) table.options[n] = { key: option.key, kind: option.kind };
  }
  for (const p of command.positionals) {
    if (p.other) return undefined;
    table.keys.push(p.key);
    if (table.rest !== undefined || table.proxy !== undefined) return undefined; // nothing after a rest or a proxy
    if (p.kind === 'one') table.leading.push(p.key);
    else if (p.kind === 'proxy') table.proxy = p.key;
    else if (p.kind === 'rest' || p.kind === 'required rest') {
      table.rest = { key: p.key, min: p.kind === 'rest' ? 0 : (p.min ?? 1) };
      table.defaults[p.key] = [];
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
      if (key !== undefined) fields[key] = token;
      else if (table.rest !== undefined) (fields[table.rest.key] as string[]).push(token);
      else return undefined; // extraneous: clipanion's error
      continue;
    }
    if (HELP.test(token)) return undefined;
    if (token === '--') {
      // The rest are positionals: the leading ones first, then the proxy's or the rest's.
      const after = argv.slice(i + 1);
      let j = 0;
      while (positionals < table.leading.length && j < after.length) fields[table.leading[positionals++] as string] = after[j++];
      if (table.proxy !== undefined) {
        if (positionals === table.leading.length) fields[table.proxy] = after.slice(j);
      } else if (table.rest !== undefined) {
        (fields[table.rest.key] as string[]).push(...after.slice(j));
        positionals += after.length - j;
      } else if (j < after.length) return undefined; // extraneous: clipanion's error
      break;
    }
    const negated = NEGATED.exec(token);
    if (negated !== null && table.options[`--${negated[1]}`]?.kind === 'boolean' && table.options[token] === undefined) {
      set((table.options[`--${negated[1]}`] as { key: string }).key, 'boolean', false);
      continue;
    }
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
  if (positionals < table.leading.length || positionals - table.leading.length < (table.rest?.min ?? 0)) return undefined; // too few: clipanion's error
  if (table.rest === undefined && positionals !== table.leading.length) return undefined;
  if (table.proxy !== undefined) fields[table.proxy] ??= [];
  return fields;
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

/** The FlagSpec of a command, from its manifest entry. */
export function flagSpecOf(command: ManifestCommand): FlagSpec {
  const spec: FlagSpec = { paths: command.paths, options: {}, groups: [], proxy: false, required: 0, positionals: [] };
  for (const o of command.options) {
    for (const n of o.names) spec.options[n] = o.arity > 0;
    spec.groups.push(o.names);
  }
  for (const { name, kind, min } of command.positionals) {
    if (kind === 'one' || kind === 'required rest') spec.required += min ?? 1;
    if (kind === 'proxy') spec.proxy = true;
    spec.positionals.push({ name, kind });
  }
  return spec;
}
