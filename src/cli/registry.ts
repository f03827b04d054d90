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
  { paths: [['create'], ['container', 'create']], load: async () => (await import('./commands/create.js')).CreateCommand },
  { paths: [['start'], ['container', 'start']], load: async () => (await import('./commands/start.js')).StartCommand },
  { paths: [['rm'], ['container', 'rm']], load: async () => (await import('./commands/rm.js')).RmCommand },
  { paths: [['ps'], ['container', 'ls'], ['container', 'list'], ['container', 'ps']], load: async () => (await import('./commands/ps.js')).PsCommand },
  { paths: [['save'], ['image', 'save']], load: async () => (await import('./commands/save.js')).SaveCommand },
  { paths: [['import'], ['image', 'import']], load: async () => (await import('./commands/import.js')).ImportCommand },
  { paths: [['export'], ['container', 'export']], load: async () => (await import('./commands/export.js')).ExportCommand },
  { paths: [['version']], load: async () => (await import('./commands/version.js')).VersionCommand },
];
