/**
 * The command manifest: everything burrow needs to know of its commands
 * without loading them, read from the command classes themselves.
 *
 * `scripts/build.mjs` loads every file of src/cli/commands/ (the file's path
 * is the command's first path: commands/image/inspect.ts is `burrow image
 * inspect`), hands the classes to `describeCommands`, and writes the result to
 * src/cli/manifest.json when it changed. Everything else derives from that
 * file: the registry (cli/registry.ts), the fast path's option tables
 * (src/fast.ts, bin/burrow.cjs), the help pages (cli/help.ts), the
 * command-line checks of main.ts (cli/quick.ts), the shell completions
 * (scripts/completions.mjs) and the conventions test. test/unit/cli/manifest.test.ts
 * fails when the file no longer says what the classes declare.
 *
 * Only this module reads the classes, with clipanion's public API: a class's
 * `paths` and `usage`, `Cli.definitions()`, and the option fields of an
 * instance (`Command.isOption`, each one's `definition` and `transformer`).
 * Nothing here runs when burrow runs: the bundles import the JSON.
 */
import { Cli, Command, type CommandClass } from 'clipanion';

import type { Positional } from '../format/help.js';
import type { Context } from './context.js';
import { VALUE_NAMES } from './values.js';

/** Where `burrow --help` lists a command (its usage's category). */
export type Group = 'containers' | 'images' | 'system';

/**
 * How an option's value reaches its field: 'boolean' (no value), 'string' (the
 * last one given counts), 'array' (each one given, in order), 'other' (a shape
 * cli/quick.ts does not parse; clipanion does).
 */
export type OptionKind = 'boolean' | 'string' | 'array' | 'other';

export interface ManifestOption {
  /** the command's field it fills */
  key: string;
  /** as typed: ['-e', '--env'] */
  names: string[];
  /** values it takes: 0 for a flag */
  arity: number;
  kind: OptionKind;
  /** the field's value when the option is not given (absent: undefined) */
  default?: string | boolean | string[];
  description: string;
  /** the name of its value in help and man pages (src/cli/values.ts), for an option that takes one */
  value?: string;
  required?: boolean;
  hidden?: boolean;
}

export interface ManifestPositional extends Positional {
  /** the field it fills */
  key: string;
  /** a shape cli/quick.ts does not parse (a validator, say) */
  other?: boolean;
  /** a rest's minimum count, when it is more than one */
  min?: number;
}

export interface ManifestCommand {
  /** its file under src/cli/commands/, without `.ts`: 'image/inspect' */
  file: string;
  /** the class's name, exported by that file */
  export: string;
  /** every path it answers to, the file's first */
  paths: string[][];
  group: Group;
  /** clipanion's rendering of the usage's description, details and examples */
  description: string;
  details?: string;
  examples?: [string, string][];
  options: ManifestOption[];
  positionals: ManifestPositional[];
  /** run by dist/fast.cjs, without clipanion (src/fast.ts) */
  fast?: boolean;
}

export interface Manifest {
  commands: ManifestCommand[];
}

const GROUPS: readonly Group[] = ['containers', 'images', 'system'];

interface Declared {
  what: 'option' | 'positional' | 'proxy' | 'rest';
  names?: string[];
  arity?: number;
  required?: boolean | number;
  hidden?: boolean;
  name?: string;
}

interface OptionSpec {
  definition(builder: unknown, key: string): void;
  transformer(builder: unknown, key: string, state: unknown, context: unknown): unknown;
}

/** What the option's transformer makes of no value and of two: the kind of field, and its default. */
function kindOf(spec: OptionSpec, key: string, d: Declared): { kind: OptionKind; none: unknown } {
  const name = d.names?.[0] as string;
  const state = (options: Array<{ name: string; value: unknown }>) => ({ options, positionals: [] });
  let none: unknown;
  let two: unknown;
  try {
    none = spec.transformer(undefined, key, state([]), { env: {} });
    two = spec.transformer(undefined, key, state([{ name, value: d.arity === 0 ? false : 'a' }, { name, value: d.arity === 0 ? true : 'b' }]), { env: {} });
  } catch {
    return { kind: 'other', none: undefined };
  }
  if (d.required) return { kind: 'other', none };
  // A boolean on by default (--sig-proxy) too: the last of --x and --no-x counts, as for one off by default;
  // and one with no default (--tls-verify: true, false, or not given), whose field is undefined until typed.
  if (d.arity === 0 && (typeof none === 'boolean' || none === undefined) && two === true) return { kind: 'boolean', none };
  if (d.arity === 1 && (none === undefined || typeof none === 'string') && two === 'b') return { kind: 'string', none };
  if (d.arity === 1 && Array.isArray(none) && none.length === 0 && Array.isArray(two) && two.join() === 'a,b') return { kind: 'array', none };
  return { kind: 'other', none };
}

/** A positional's field takes the value as typed (no validator turns it into something else)? */
function plainPositional(spec: OptionSpec, key: string, required: boolean): boolean {
  try {
    return spec.transformer(undefined, key, { options: [], positionals: [{ value: 'x', extra: !required }] }, { env: {} }) === 'x';
  } catch {
    return false;
  }
}

/** One command class, as the manifest holds it. */
export function describeCommand(file: string, name: string, commandClass: CommandClass<Context>, fast: boolean): ManifestCommand {
  const paths = commandClass.paths ?? [];
  if (paths[0]?.join('/') !== file) throw new Error(`${file}.ts: ${name}'s first path must be \`${file.replace(/\//g, ' ')}\`, as its file is named`);
  const group = commandClass.usage?.category as Group | undefined;
  if (group === undefined || !GROUPS.includes(group)) throw new Error(`${file}.ts: ${name}'s usage needs a category, one of ${GROUPS.join(', ')}`);
  const cli = new Cli<Context>({ binaryName: 'burrow' });
  cli.register(commandClass);
  const [definition] = cli.definitions();
  if (definition === undefined) throw new Error(`${file}.ts: ${name} has no usage`);

  const options: ManifestOption[] = [];
  const positionals: ManifestPositional[] = [];
  const instance = new (commandClass as unknown as new () => Record<string, unknown>)();
  for (const key of Object.keys(instance)) {
    const spec = instance[key] as (OptionSpec & Record<symbol, unknown>) | undefined;
    if (typeof spec !== 'object' || spec === null || !spec[Command.isOption]) continue;
    const declared: Declared[] = [];
    spec.definition(
      {
        addOption: (o: Declared) => declared.push({ ...o, what: 'option' }),
        addPositional: (o: Declared) => declared.push({ ...o, what: 'positional' }),
        addProxy: (o: Declared) => declared.push({ ...o, what: 'proxy' }),
        addRest: (o: Declared) => declared.push({ ...o, what: 'rest' }),
      },
      key,
    );
    const [d] = declared;
    if (declared.length !== 1 || d === undefined) throw new Error(`${file}.ts: ${name}.${key} declares ${declared.length} options: the manifest takes one per field`);
    if (d.what === 'option') {
      const names = d.names ?? [];
      const { kind, none } = kindOf(spec, key, d);
      const long = names.find((n) => n.startsWith('--'));
      const option: ManifestOption = { key, names, arity: d.arity ?? 1, kind, description: definition.options.find((o) => o.definition.split(' ')[0] === names.join(','))?.description ?? '' };
      if (none !== undefined) option.default = none as string | boolean | string[];
      if (option.arity > 0) option.value = (long !== undefined ? VALUE_NAMES[long] : undefined) ?? 'VALUE';
      if (d.required) option.required = true;
      if (d.hidden) option.hidden = true;
      options.push(option);
    } else {
      const required = d.required ?? (d.what === 'positional' ? true : 0);
      const kind: Positional['kind'] =
        d.what === 'proxy' ? 'proxy' : d.what === 'rest' ? (required ? 'required rest' : 'rest') : required ? 'one' : 'optional';
      const positional: ManifestPositional = { key, name: d.name ?? key, kind };
      if (d.what === 'rest' && typeof required === 'number' && required > 1) positional.min = required;
      if (d.what === 'positional' && !plainPositional(spec, key, kind === 'one')) positional.other = true;
      positionals.push(positional);
    }
  }

  const command: ManifestCommand = { file, export: name, paths, group, description: definition.description ?? '', options, positionals };
  if (definition.details !== undefined) command.details = definition.details;
  if (definition.examples !== undefined) command.examples = definition.examples;
  if (fast) command.fast = true;
  return command;
}

/** The manifest of the command modules given by file (see above); `fast` names the fast path's commands by file. */
export function describeCommands(modules: Record<string, Record<string, unknown>>, fast: readonly string[]): Manifest {
  const commands: ManifestCommand[] = [];
  for (const [file, exports] of Object.entries(modules).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const classes = Object.entries(exports).filter(([, v]) => typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof Command);
    if (classes.length !== 1) throw new Error(`src/cli/commands/${file}.ts must export one command class (it exports ${classes.length})`);
    const [[name, commandClass]] = classes as [[string, CommandClass<Context>]];
    commands.push(describeCommand(file, name, commandClass, fast.includes(file)));
  }
  const unknown = fast.filter((f) => modules[f] === undefined);
  if (unknown.length > 0) throw new Error(`the fast path names commands that do not exist: ${unknown.join(', ')}`);
  const seen = new Map<string, string>();
  for (const c of commands)
    for (const p of c.paths) {
      const other = seen.get(p.join(' '));
      if (other !== undefined) throw new Error(`\`burrow ${p.join(' ')}\` is a path of both ${other} and ${c.export}`);
      seen.set(p.join(' '), c.export);
    }
  return { commands };
}
