import { Command, Option } from 'clipanion';

import type { Context } from './context.js';

/** Options every command accepts (podman's global flags). */
export abstract class BurrowCommand extends Command<Context> {
  logLevel = Option.String('--log-level', {
    description: 'Log messages at this level and above: debug, info, warn, error',
    hidden: false,
  });
}
