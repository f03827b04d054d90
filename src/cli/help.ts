/**
 * burrow's help pages (format/help.ts draws them), from the manifest alone
 * (cli/manifest.ts): no command class is loaded to print them. The list of
 * commands for `burrow`, `burrow --help`; a management word's subcommands for
 * `burrow image`; a command's own page for `burrow CMD --help`.
 */
import { VERSION } from '../config/install.js';
import { type HelpGroup, renderCommandHelp, renderGroupHelp, renderTopHelp, sentence } from '../format/help.js';
import type { ManifestCommand } from './manifest.js';
import { flagSpecOf } from './quick.js';
import { COMMANDS, HELP_GROUPS, MANAGEMENT } from './registry.js';
import { byCodeUnits } from '../order.js';

/** `burrow --help` (and `burrow` alone). */
export function topHelp(): string {
  const groups: HelpGroup[] = HELP_GROUPS.map(({ group, title }) => {
    const commands = COMMANDS.filter((c) => c.group === group).flatMap((c) =>
      c.paths.filter((p) => p.length === 1).map((p) => ({ name: p[0] as string, description: sentence(c.description) })),
    );
    for (const [name, m] of Object.entries(MANAGEMENT)) if (m.group === group) commands.push({ name, description: m.description });
    return { title, commands: commands.sort((a, b) => byCodeUnits(a.name, b.name)) };
  });
  // --log-level is every command's option (cli/base.ts): its words come from there.
  const logLevel = COMMANDS[0]?.options.find((o) => o.names.includes('--log-level'));
  return renderTopHelp('burrow', VERSION, groups, [
    [`--log-level ${logLevel?.value ?? 'LEVEL'}`, logLevel?.description ?? ''],
    ['-h, --help', 'Show this help'],
    ['-v, --version', 'Print the version'],
  ]);
}

/** `burrow image` and the like: the subcommands of a management word, or undefined for any other word. */
export function managementHelp(word: string): string | undefined {
  const m = MANAGEMENT[word];
  if (m === undefined) return undefined;
  const rows = COMMANDS.flatMap((c) => c.paths.filter((p) => p.length === 2 && p[0] === word).map((p) => ({ name: p[1] as string, description: sentence(c.description) })));
  return renderGroupHelp('burrow', word, m.description, rows.sort((a, b) => byCodeUnits(a.name, b.name)));
}

/** `burrow CMD --help` (`words` is the path typed). */
export function commandHelp(command: ManifestCommand, words: string[]): string {
  const shown = command.options.filter((o) => !o.hidden);
  const values: Record<string, string> = {};
  for (const o of shown) {
    const long = o.names.find((n) => n.startsWith('--'));
    if (long !== undefined && o.value !== undefined) values[long] = o.value;
  }
  const definition = {
    path: `burrow ${words.join(' ')}`,
    usage: '',
    description: command.description,
    details: command.details,
    examples: command.examples,
    // clipanion's way of writing an option (`-e,--env #0`), which format/help.ts reads
    options: shown.map((o) => ({ definition: [o.names.join(','), ...Array.from({ length: o.arity }, (_, i) => `#${i}`)].join(' '), description: o.description })),
  };
  return renderCommandHelp('burrow', definition, values, flagSpecOf(command).positionals);
}
