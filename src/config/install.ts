import { fileURLToPath } from 'node:url';

// Set by the esbuild bundle (scripts/build.mjs): the package root, from dist/burrow.cjs's directory.
declare const BURROW_ROOT: string | undefined;

/** The directory burrow is installed in (the checkout, or the npm package), with a trailing slash. */
export const packageRoot: string = typeof BURROW_ROOT !== 'undefined' ? BURROW_ROOT : fileURLToPath(new URL('../../', import.meta.url));

/** The native helper, built by `npm install` (scripts/build.mjs); BURROW_HELPER overrides it. */
export function helperPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.BURROW_HELPER || `${packageRoot}build/burrow-helper`;
}

export const VERSION = '0.1.0';
