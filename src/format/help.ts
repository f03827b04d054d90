/**
 * Help as a person reads it, the way podman prints it: `burrow --help` lists
 * the commands one line each, in groups; `burrow CMD --help` gives the
 * description, the usage with its arguments by name, the examples, and each
 * option with the name of its value (`-e, --env NAME[=VALUE]`). Built from
 * what clipanion knows of each command (its definitions) and the value names
 * of src/cli/values.ts; nothing here parses a command line.
 */

/** What clipanion's `Cli.definitions()` gives of a command. */
export interface CommandDefinition {
  path: string;
  usage: string;
  description?: string;
  details?: string;
  examples?: [string, string][];
  options: { definition: string; description?: string }[];
}

export interface HelpGroup {
  title: string;
  commands: { name: string; description: string }[];
}

const WIDTH = 80;

/** `text` in lines of at most `width` characters, each prefixed with `indent`. */
function wrap(text: string, indent: string, width = WIDTH): string[] {
  const out: string[] = [];
  for (const paragraph of text.trim().split(/\n\s*\n/)) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line !== '' && indent.length + line.length + 1 + word.length > width) {
        out.push(indent + line);
        line = word;
      } else line = line === '' ? word : `${line} ${word}`;
    }
    if (line !== '') out.push(indent + line);
    out.push('');
  }
  out.pop();
  return out;
}

/** Sentence case for a one-line description ("run a command" -> "Run a command"), as podman shows them. */
export const sentence = (s: string | undefined): string => {
  const t = (s ?? '').trim().split('\n')[0] ?? '';
  return t.charAt(0).toUpperCase() + t.slice(1);
};

/** Two columns: names padded to the widest, then the text, wrapped under itself. */
function table(rows: [string, string][], indent = '  '): string[] {
  const width = Math.min(Math.max(0, ...rows.map(([left]) => left.length)) + 2, 30);
  const out: string[] = [];
  for (const [left, right] of rows) {
    const pad = left.length + 2 > width ? `\n${indent}${' '.repeat(width)}` : ' '.repeat(width - left.length);
    const text = wrap(right, '', WIDTH - indent.length - width);
    out.push(`${indent}${left}${pad}${text[0] ?? ''}`);
    for (const more of text.slice(1)) out.push(`${indent}${' '.repeat(width)}${more}`);
  }
  return out;
}

/** `burrow --help`: the commands, grouped, one line each, and the global options. */
export function renderTopHelp(binary: string, version: string, groups: HelpGroup[], globals: [string, string][]): string {
  const out = [`${binary} ${version}: rootless, daemonless containers`, '', 'Usage:', `  ${binary} [options] COMMAND`, ''];
  for (const group of groups) {
    out.push(`${group.title}:`, ...table(group.commands.map((c) => [c.name, c.description])), '');
  }
  out.push('Options:', ...table(globals), '', `Run '${binary} COMMAND --help' for more about a command.`);
  return `${out.join('\n')}\n`;
}

/** `burrow image`: a management word's subcommands. */
export function renderGroupHelp(binary: string, word: string, description: string, commands: { name: string; description: string }[]): string {
  const out = [description, '', 'Usage:', `  ${binary} ${word} COMMAND`, '', 'Commands:', ...table(commands.map((c) => [c.name, c.description]))];
  out.push('', `Run '${binary} ${word} COMMAND --help' for more about a command.`);
  return `${out.join('\n')}\n`;
}

/** A command's positionals, for its usage line. */
export interface Positional {
  name: string;
  kind: 'one' | 'optional' | 'rest' | 'required rest' | 'proxy';
}

/** `burrow run [options] IMAGE [COMMAND [ARG...]]`: positionals by name, a rest as `NAME...`, a proxy as `[NAME [ARG...]]`. */
export function usageLine(path: string, hasOptions: boolean, positionals: Positional[]): string {
  const words = positionals.map(({ name, kind }) => {
    const n = name.toUpperCase();
    if (kind === 'one') return n;
    if (kind === 'optional') return `[${n}]`;
    if (kind === 'required rest') return `${n}...`;
    if (kind === 'rest') return `[${n}...]`;
    return `[${n} [ARG...]]`;
  });
  return [path, ...(hasOptions ? ['[options]'] : []), ...words].join(' ');
}

/** `-e,--env #0` -> `-e, --env NAME[=VALUE]` (the value's name from `values`, by the long name). */
export function optionLabel(definition: string, values: Record<string, string>): string {
  const [names = '', arity] = definition.split(' ');
  const list = names.split(',');
  const long = list.find((n) => n.startsWith('--'));
  const shown = list.join(', ');
  // Long names line up after the short ones: `-e, --env`, `    --rm`.
  const label = list[0]?.startsWith('--') ? `    ${shown}` : shown;
  if (arity === undefined) return label;
  return `${label} ${(long !== undefined ? values[long] : undefined) ?? 'VALUE'}`;
}

/** `burrow CMD --help`. */
export function renderCommandHelp(binary: string, definition: CommandDefinition, values: Record<string, string>, positionals: Positional[]): string {
  const out = [sentence(definition.description), ''];
  if (definition.details?.trim()) out.push('Description:', ...wrap(definition.details.replace(/`/g, ''), '  '), '');
  out.push('Usage:', `  ${usageLine(definition.path, definition.options.length > 0, positionals)}`, '');
  if (definition.examples?.length) {
    out.push('Examples:');
    for (const [what, command] of definition.examples) out.push(`  # ${what.trim()}`, `  ${command.trim().replace(/\$0/g, binary)}`);
    out.push('');
  }
  const rows: [string, string][] = definition.options.map((o) => [optionLabel(o.definition, values), o.description ?? '']);
  rows.push(['-h, --help', 'Show this help']);
  out.push('Options:', ...table(rows));
  return `${out.join('\n')}\n`;
}
