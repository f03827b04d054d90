/**
 * burrow's help pages (format/help.ts draws them): the list of commands for
 * `burrow`, `burrow --help`; a management word's subcommands for
 * `burrow image`; a command's own page for `burrow CMD --help`.
 */
import type { Cli } from 'clipanion';

import { VERSION } from '../config/install.js';
import { type CommandDefinition, type HelpGroup, renderCommandHelp, renderGroupHelp, renderTopHelp, sentence } from '../format/help.js';
import type { Context } from './context.js';
import { flagSpecOf } from './quick.js';
import { COMMANDS, HELP_GROUPS, MANAGEMENT } from './registry.js';
import { VALUE_NAMES } from './values.js';

/** Each command's one-line description, by the class's usage. */
async function descriptions(): Promise<Map<(typeof COMMANDS)[number], string>> {
  const out = new Map<(typeof COMMANDS)[number], string>();
  for (const entry of COMMANDS) out.set(entry, sentence((await entry.load()).usage?.description));
  return out;
}

/** `burrow --help` (and `burrow` alone). */
export async function topHelp(): Promise<string> {
  const described = await descriptions();
  const groups: HelpGroup[] = HELP_GROUPS.map(({ group, title }) => {
    const commands = COMMANDS.filter((c) => c.group === group).flatMap((c) =>
      c.paths.filter((p) => p.length === 1).map((p) => ({ name: p[0] as string, description: described.get(c) ?? '' })),
    );
    for (const [name, m] of Object.entries(MANAGEMENT)) if (m.group === group) commands.push({ name, description: m.description });
    return { title, commands: commands.sort((a, b) => a.name.localeCompare(b.name)) };
  });
  return renderTopHelp('burrow', VERSION, groups, [
    [`--log-level ${VALUE_NAMES['--log-level']}`, 'Log messages at this level and above: debug, info, warn, error'],
    ['-h, --help', 'Show this help'],
    ['-v, --version', 'Print the version'],
  ]);
}

/** `burrow image` and the like: the subcommands of a management word, or undefined for any other word. */
export async function managementHelp(word: string): Promise<string | undefined> {
  const m = MANAGEMENT[word];
  if (m === undefined) return undefined;
  const described = await descriptions();
  const rows = COMMANDS.flatMap((c) => c.paths.filter((p) => p.length === 2 && p[0] === word).map((p) => ({ name: p[1] as string, description: described.get(c) ?? '' })));
  return renderGroupHelp('burrow', word, m.description, rows.sort((a, b) => a.name.localeCompare(b.name)));
}

/** `burrow CMD --help`, for the one command registered (`words` is the path typed); undefined with several. */
export function commandHelp(cli: Cli<Context>, words: string[]): string | undefined {
  const [definition] = cli.definitions() as CommandDefinition[];
  const spec = flagSpecOf(cli);
  if (definition === undefined || spec === undefined) return undefined;
  return renderCommandHelp('burrow', { ...definition, path: `burrow ${words.join(' ')}` }, VALUE_NAMES, spec.positionals);
}
