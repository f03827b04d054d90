import type { CommandClass } from 'clipanion';

import type { Context } from './context.js';

/** Every command, by the paths it answers to; loaded only when needed (start-up time). */
export interface CommandEntry {
  paths: string[][];
  load: () => Promise<CommandClass<Context>>;
}

export const COMMANDS: CommandEntry[] = [
  { paths: [['run'], ['container', 'run']], load: async () => (await import('./commands/run.js')).RunCommand },
  { paths: [['load'], ['image', 'load']], load: async () => (await import('./commands/load.js')).LoadCommand },
  { paths: [['version']], load: async () => (await import('./commands/version.js')).VersionCommand },
];
