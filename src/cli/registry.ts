import type { CommandClass } from 'clipanion';

import type { Context } from './context.js';

/** Every command, by the paths it answers to; loaded only when needed (start-up time). */
export interface CommandEntry {
  paths: string[][];
  load: () => Promise<CommandClass<Context>>;
  /** where `burrow --help` lists it */
  group: 'containers' | 'images' | 'system';
}

/** The groups of `burrow --help`, and the words that only gather subcommands (`burrow image ls`). */
export const HELP_GROUPS = [
  { group: 'containers', title: 'Containers' },
  { group: 'images', title: 'Images' },
  { group: 'system', title: 'System' },
] as const;
export const MANAGEMENT: Record<string, { group: CommandEntry['group']; description: string }> = {
  container: { group: 'containers', description: 'Manage containers' },
  image: { group: 'images', description: 'Manage images' },
  system: { group: 'system', description: 'Manage burrow' },
};

export const COMMANDS: CommandEntry[] = [
  { paths: [['run'], ['container', 'run']], load: async () => (await import('./commands/run.js')).RunCommand, group: 'containers' },
  { paths: [['load'], ['image', 'load']], load: async () => (await import('./commands/load.js')).LoadCommand, group: 'images' },
  { paths: [['images'], ['image', 'ls'], ['image', 'list']], load: async () => (await import('./commands/images.js')).ImagesCommand, group: 'images' },
  { paths: [['image', 'inspect']], load: async () => (await import('./commands/image/inspect.js')).ImageInspectCommand, group: 'images' },
  { paths: [['image', 'prune']], load: async () => (await import('./commands/image/prune.js')).ImagePruneCommand, group: 'images' },
  { paths: [['inspect']], load: async () => (await import('./commands/inspect.js')).InspectCommand, group: 'containers' },
  { paths: [['tag'], ['image', 'tag']], load: async () => (await import('./commands/tag.js')).TagCommand, group: 'images' },
  { paths: [['untag'], ['image', 'untag']], load: async () => (await import('./commands/untag.js')).UntagCommand, group: 'images' },
  { paths: [['rmi'], ['image', 'rm']], load: async () => (await import('./commands/rmi.js')).RmiCommand, group: 'images' },
  { paths: [['history'], ['image', 'history']], load: async () => (await import('./commands/history.js')).HistoryCommand, group: 'images' },
  { paths: [['system', 'df']], load: async () => (await import('./commands/system/df.js')).SystemDfCommand, group: 'system' },
  { paths: [['info'], ['system', 'info']], load: async () => (await import('./commands/info.js')).InfoCommand, group: 'system' },
  { paths: [['create'], ['container', 'create']], load: async () => (await import('./commands/create.js')).CreateCommand, group: 'containers' },
  { paths: [['start'], ['container', 'start']], load: async () => (await import('./commands/start.js')).StartCommand, group: 'containers' },
  { paths: [['rm'], ['container', 'rm']], load: async () => (await import('./commands/rm.js')).RmCommand, group: 'containers' },
  { paths: [['ps'], ['container', 'ls'], ['container', 'list'], ['container', 'ps']], load: async () => (await import('./commands/ps.js')).PsCommand, group: 'containers' },
  { paths: [['save'], ['image', 'save']], load: async () => (await import('./commands/save.js')).SaveCommand, group: 'images' },
  { paths: [['import'], ['image', 'import']], load: async () => (await import('./commands/import.js')).ImportCommand, group: 'images' },
  { paths: [['export'], ['container', 'export']], load: async () => (await import('./commands/export.js')).ExportCommand, group: 'containers' },
  { paths: [['version']], load: async () => (await import('./commands/version.js')).VersionCommand, group: 'system' },
];
