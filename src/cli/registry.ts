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
  { paths: [['images'], ['image', 'ls'], ['image', 'list']], load: async () => (await import('./commands/images.js')).ImagesCommand },
  { paths: [['image', 'inspect']], load: async () => (await import('./commands/image/inspect.js')).ImageInspectCommand },
  { paths: [['image', 'prune']], load: async () => (await import('./commands/image/prune.js')).ImagePruneCommand },
  { paths: [['inspect']], load: async () => (await import('./commands/inspect.js')).InspectCommand },
  { paths: [['tag'], ['image', 'tag']], load: async () => (await import('./commands/tag.js')).TagCommand },
  { paths: [['untag'], ['image', 'untag']], load: async () => (await import('./commands/untag.js')).UntagCommand },
  { paths: [['rmi'], ['image', 'rm']], load: async () => (await import('./commands/rmi.js')).RmiCommand },
  { paths: [['history'], ['image', 'history']], load: async () => (await import('./commands/history.js')).HistoryCommand },
  { paths: [['system', 'df']], load: async () => (await import('./commands/system/df.js')).SystemDfCommand },
  { paths: [['info'], ['system', 'info']], load: async () => (await import('./commands/info.js')).InfoCommand },
  { paths: [['create'], ['container', 'create']], load: async () => (await import('./commands/create.js')).CreateCommand },
  { paths: [['start'], ['container', 'start']], load: async () => (await import('./commands/start.js')).StartCommand },
  { paths: [['rm'], ['container', 'rm']], load: async () => (await import('./commands/rm.js')).RmCommand },
  { paths: [['ps'], ['container', 'ls'], ['container', 'list'], ['container', 'ps']], load: async () => (await import('./commands/ps.js')).PsCommand },
  { paths: [['save'], ['image', 'save']], load: async () => (await import('./commands/save.js')).SaveCommand },
  { paths: [['import'], ['image', 'import']], load: async () => (await import('./commands/import.js')).ImportCommand },
  { paths: [['export'], ['container', 'export']], load: async () => (await import('./commands/export.js')).ExportCommand },
  { paths: [['version']], load: async () => (await import('./commands/version.js')).VersionCommand },
];
