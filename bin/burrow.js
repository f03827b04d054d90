#!/usr/bin/env -S node --
'use strict';
/*
 * burrow's entry. CommonJS on purpose (the package has no "type": "module"):
 * it starts faster than an ES module. It loads the bundle with the V8 code
 * cache that `npm install` wrote (scripts/build.mjs), which holds the bytecode
 * of every function a typical start runs: about 5 ms less start-up (measured)
 * than compiling the bundle lazily. A cache V8 rejects (another Node version,
 * other V8 flags) costs nothing but that gain.
 */
const { readFileSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join } = require('node:path');
const { Script } = require('node:vm');

const dir = join(__dirname, '..', 'dist');
const file = join(dir, 'burrow.cjs');
const cacheFile = `${file}.cache`;
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
const script = new Script(`(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`, {
  filename: file,
  cachedData,
});
const bundle = { exports: {} };
script.runInThisContext()(bundle.exports, createRequire(file), bundle, file, dir);

if (process.env.BURROW_WRITE_CODE_CACHE) {
  // Build time: run each argument list given (JSON), then keep the bytecode they compiled.
  const runs = JSON.parse(process.env.BURROW_WRITE_CODE_CACHE);
  (async () => {
    for (const argv of runs) await bundle.exports.main(argv);
    writeFileSync(cacheFile, script.createCachedData());
  })();
} else {
  // Until main() has answered, an exit is a failure: Node also ends when it has nothing left to
  // wait for, and a promise that never settles must not pass for success.
  process.exitCode = 125;
  let answered = false;
  process.once('exit', () => {
    if (!answered) process.stderr.write('Error: burrow stopped before it finished (this is a bug in burrow)\n');
  });
  bundle.exports.main(process.argv.slice(2)).then((code) => {
    answered = true;
    process.exitCode = code;
  });
}
