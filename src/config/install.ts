import { fileURLToPath } from 'node:url';

// Set by the esbuild bundle (scripts/build.mjs): dist/burrow.cjs sits one level below the package root.
declare const BURROW_BUNDLE: boolean | undefined;

const fromRoot = typeof BURROW_BUNDLE !== 'undefined' && BURROW_BUNDLE ? '../' : '../../';

/** The directory burrow is installed in (the checkout, or the npm package), with a trailing slash. */
export const packageRoot: string = fileURLToPath(new URL(fromRoot, import.meta.url));

/** The native helper, built by `npm install` (scripts/build.mjs); BURROW_HELPER overrides it. */
export function helperPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.BURROW_HELPER || `${packageRoot}build/burrow-helper`;
}

export const VERSION = '0.1.0';
