import { Command } from 'clipanion/lib/advanced/Command';
import * as Option from 'clipanion/lib/advanced/options';

import type { Context } from './context.js';

/** Options every command accepts (podman's global flags). */
export abstract class BurrowCommand extends Command<Context> {
  logLevel = Option.String('--log-level', {
    description: 'Log messages at this level and above: debug, info, warn, error',
    hidden: false,
  });
}
