import type { BaseContext } from 'clipanion';

import type { Paths } from '../config/paths.js';

/** What every command receives besides its options. */
export interface Context extends BaseContext {
  env: NodeJS.ProcessEnv;
  paths: Paths;
  cwd: string;
}
