import type { CommandClass } from 'clipanion';

import type { Context } from './context.js';
import type { Group, Manifest, ManifestCommand } from './manifest.js';
import manifest from './manifest.json';

/**
 * Every command, as the manifest describes it (src/cli/manifest.ts: the build
 * reads it from the classes), and how to load its class: only when it runs
 * (start-up time). The bundle holds each file of commands/ behind a deferred
 * require (esbuild's glob import), so nothing here names a command by hand.
 */
export interface CommandEntry extends ManifestCommand {
  load: () => Promise<CommandClass<Context>>;
}

/** The groups of `burrow --help`, and the words that only gather subcommands (`burrow image ls`). */
export const HELP_GROUPS = [
  { group: 'containers', title: 'Containers' },
  { group: 'images', title: 'Images' },
  { group: 'system', title: 'System' },
] as const satisfies readonly { group: Group; title: string }[];
export const MANAGEMENT: Record<string, { group: Group; description: string }> = {
  container: { group: 'containers', description: 'Manage containers' },
  healthcheck: { group: 'containers', description: 'Run healthchecks' },
  image: { group: 'images', description: 'Manage images' },
  manifest: { group: 'images', description: 'Inspect manifests and manifest lists' },
  network: { group: 'containers', description: 'Manage user networks' },
  pod: { group: 'containers', description: 'Manage pods' },
  system: { group: 'system', description: 'Manage burrow' },
  volume: { group: 'containers', description: 'Manage volumes' },
};

export const COMMANDS: CommandEntry[] = (manifest as Manifest).commands.map((command) => ({
  ...command,
  // vite (the tests) loads it as it is; esbuild bundles every file the pattern matches.
  load: async () => (await import(/* @vite-ignore */ `./commands/${command.file}.ts`))[command.export] as CommandClass<Context>,
}));

/** The command whose path starts `argv`, and that path. */
export function commandOf(argv: string[]): { entry: CommandEntry; path: string[] } | undefined {
  // The longest path that matches: `sandbox profile ls` rather than `sandbox` (whose words are bwrap's).
  let best: { entry: CommandEntry; path: string[] } | undefined;
  for (const entry of COMMANDS)
    for (const path of entry.paths) if (path.every((word, i) => argv[i] === word) && path.length > (best?.path.length ?? 0)) best = { entry, path };
  return best;
}
