#!/usr/bin/env -S node --v8-pool-size=1 --preserve-symlinks-main --
'use strict';
/*
 * burrow's entry. CommonJS on purpose (the package has no "type": "module"):
 * it starts faster than an ES module. It loads a bundle with the V8 code
 * cache that `npm install` wrote (scripts/build.mjs), which holds the bytecode
 * of every function a typical start runs: about 5 ms less start-up (measured)
 * than compiling the bundle lazily. A cache V8 rejects (another Node version,
 * other V8 flags) costs nothing but that gain.
 *
 * The shebang gives V8 one background thread instead of four: fewer threads
 * to start and, at the exec into the helper, to stop (0.3 ms of every run,
 * measured); `--` ends Node's options (Node 20 reads --env-file even after
 * the script's name).
 *
 * The lines of the fast path's commands (src/cli/fast-list.ts; their paths
 * are in dist/fast-paths.json, which the build writes from the command
 * manifest) go to dist/fast.cjs first, which runs them without loading
 * clipanion; what it does not take (it answers undefined) goes to the whole
 * CLI, dist/burrow.cjs, like every other command. burrow's own workers
 * (`--internal-worker`) have theirs, dist/worker.cjs.
 */
const { readFileSync, realpathSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');

// --preserve-symlinks-main spares Node its JavaScript realpath of this file (0.15 ms); one realpath(3)
// here finds the package through a symlink (npm's bin link, ~/.local/bin/burrow).
const dir = join(realpathSync.native(__filename), '..', '..', 'dist');

/** Loads dist/NAME.cjs with its code cache; returns its exports and its script (for a new cache). */
function load(name) {
  const file = join(dir, `${name}.cjs`);
  let cachedData;
  try {
    cachedData = readFileSync(`${file}.cache`);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`, {
    filename: file,
    cachedData,
  });
  const bundle = { exports: {} };
  // This file's require: the bundles require only Node's built-ins (node:module's createRequire costs 0.15 ms).
  script.runInThisContext()(bundle.exports, require, bundle, file, dir);
  return { exports: bundle.exports, script, file };
}

const argv = process.argv.slice(2);
// burrow started as `bwrap` (a link of that name), or `burrow sandbox`: bubblewrap's command line (src/sandbox.ts).
// `burrow sandbox --help` is the whole CLI's help page, `burrow sandbox profile ...` its commands; `bwrap --help` is bwrap's.
const asBwrap = /(^|\/)bwrap$/.test(process.argv[1] || '');
const isSandbox = asBwrap || (argv[0] === 'sandbox' && argv[1] !== '--help' && argv[1] !== '-h' && !(argv[1] === 'profile' && ['ls', 'list', 'show', 'check', 'suggest', '--help', '-h'].includes(argv[2])));
// burrow's own workers (a layer's unpacking, a blob's fetch): their own small bundle, and no look at fast-paths.json.
const isWorker = argv[0] === '--internal-worker';
const isFast = !isWorker && !isSandbox && JSON.parse(readFileSync(join(dir, 'fast-paths.json'), 'utf8')).some((path) => path.every((word, i) => argv[i] === word));

if (process.env.BURROW_WRITE_CODE_CACHE) {
  // Build time: run each argument list given through the bundle named, then keep the bytecode they compiled.
  const { bundle, runs } = JSON.parse(process.env.BURROW_WRITE_CODE_CACHE);
  const loaded = load(bundle);
  (async () => {
    for (const args of runs)
      await (bundle === 'fast' ? loaded.exports.fast(args) : bundle === 'worker' ? loaded.exports.internalWorker(args) : bundle === 'sandbox' ? loaded.exports.sandbox(args, 'burrow sandbox', () => Promise.reject(new Error('no extras at build time'))) : loaded.exports.main(args));
    writeFileSync(`${loaded.file}.cache`, loaded.script.createCachedData());
  })();
} else {
  // Until an answer comes, an exit is a failure: Node also ends when it has nothing left to
  // wait for, and a promise that never settles must not pass for success.
  process.exitCode = 125;
  let answered = false;
  process.once('exit', () => {
    if (!answered) process.stderr.write('Error: burrow stopped before it finished (this is a bug in burrow)\n');
  });
  const answer = (code) => {
    answered = true;
    process.exitCode = code;
  };
  const whole = () => load('burrow').exports.main(argv).then(answer);
  if (isWorker) {
    load('worker').exports.internalWorker(argv.slice(1)).then(answer);
  } else if (isSandbox) {
    // (its extras, for --profile and --net, from the whole CLI's bundle: the sandbox's own stays small)
    load('sandbox')
      .exports.sandbox(asBwrap ? argv : argv.slice(1), asBwrap ? 'bwrap' : 'burrow sandbox', () => load('burrow').exports.sandboxExtras())
      .then(answer);
  } else if (isFast) {
    load('fast')
      .exports.fast(argv)
      .then((code) => (code === undefined ? whole() : answer(code)));
  } else {
    whole();
  }
}
