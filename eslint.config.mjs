// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/*
 * Layers that only go down (docs/design.md, "Import direction"): a folder of
 * src/ may import the folders after it in this list, never one before it.
 * registry, network and sandbox sit beside runtime (none exists yet).
 */
const LAYERS = [['cli'], ['format'], ['runtime', 'registry', 'network', 'sandbox'], ['image'], ['storage'], ['layers'], ['system']];
/* Leaves any layer may import; they import only each other and src/errors.ts, src/lazy.ts. */
const LEAVES = ['config', 'oci'];

/*
 * Outside src/system/, the system calls and the helper are reached through a
 * Sys (src/system/sys.ts), which tests can replace: libc.ts only for its
 * constants, userns.ts only for the pure usernsPlan, types and a constant, launch.ts not
 * at all, and the host's id mapping is Sys.idMapping().
 */
const SYS_ONLY = 'System calls and the helper go through a Sys (src/system/sys.ts): a Context, a Store or the worker gives one.';
const sysPatterns = [
  { regex: '(^|/)system/libc\\.js$', allowImportNames: ['S_IFCHR', 'S_IFBLK', 'S_IFIFO', 'SyscallError'], message: SYS_ONLY },
  { regex: '(^|/)system/userns\\.js$', allowImportNames: ['usernsPlan', 'UsernsOptions', 'UsernsProcess', 'FIRST_PASSED_FD'], message: SYS_ONLY },
  { regex: '(^|/)system/launch\\.js$', message: SYS_ONLY },
  { regex: '(^|/)system/idmap\\.js$', importNames: ['hostIdMapping'], message: SYS_ONLY },
];

/** The rules for a folder whose layers `above` (and the entry files main.ts, fast.ts) are out of its reach. */
function layerRule(above, folder) {
  const names = [...above, 'main', 'fast'].join('|');
  const upward = `^(\\.\\./)+(${names})(/|\\.js$)`;
  const message = 'Upward import: a layer of src/ imports only the layers below it (docs/design.md, "Import direction").';
  return {
    // import() too, which no-restricted-imports does not see
    'no-restricted-syntax': ['error', { selector: `ImportExpression[source.value=/${upward.replaceAll('/', '\\/')}/]`, message }],
    'no-restricted-imports': ['error', { patterns: [{ regex: upward, message }, ...(folder === 'system' ? [] : sysPatterns)] }],
  };
}

const layerConfigs = [
  ...LAYERS.flatMap((group, i) => group.map((folder) => ({ files: [`src/${folder}/**/*.ts`], rules: layerRule(LAYERS.slice(0, i).flat(), folder) }))),
  ...LEAVES.map((folder) => ({ files: [`src/${folder}/**/*.ts`], rules: layerRule(LAYERS.flat(), folder) })),
];

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', AbortController: 'readonly', fetch: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...layerConfigs,
  {
    // (after the layer rules, which set no-restricted-syntax and -imports, not this one)
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-properties': ['error', { property: 'localeCompare', message: "localeCompare starts ICU's collator, about 6 ms of the command's start: sort with byCodeUnits (src/order.ts)" }],
    },
  },
  {
    // The entry is CommonJS on purpose (start-up time): see bin/burrow.cjs.
    files: ['bin/*.cjs', 'scripts/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', __dirname: 'readonly', __filename: 'readonly', module: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Literal copies of the clipanion source the build patches, spaces included.
    files: ['scripts/build.mjs'],
    rules: { 'no-regex-spaces': 'off' },
  },
);
