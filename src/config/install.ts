// Set by the esbuild bundle (scripts/build.mjs): the package root, from dist/burrow.cjs's directory.
declare const BURROW_ROOT: string | undefined;

/** The directory burrow is installed in (the checkout, or the npm package), with a trailing slash. */
// (unbundled, as the tests run it: the file URL's path, decoded; node:url costs 0.1 ms of every start to load)
export const packageRoot: string = typeof BURROW_ROOT !== 'undefined' ? BURROW_ROOT : decodeURIComponent(new URL('../../', import.meta.url).pathname);

/** The native helper, built by `npm install` (scripts/build.mjs); BURROW_HELPER overrides it. */
export function helperPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.BURROW_HELPER || `${packageRoot}build/burrow-helper`;
}

export const VERSION = '0.1.0';
