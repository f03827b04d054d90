#!/usr/bin/env node
// Builds what burrow runs from: the C helper (with the system C compiler)
// and the esbuild bundle of src/ (dist/). Run by `npm install` and `npm run build`.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const force = process.argv.includes('--force');

function newest(dir, ext) {
  let t = 0;
  for (const name of readdirSync(dir, { recursive: true })) {
    if (!String(name).endsWith(ext)) continue;
    t = Math.max(t, statSync(join(dir, String(name))).mtimeMs);
  }
  return t;
}

function fail(message) {
  process.stderr.write(`Error: ${message}\n`);
  process.exit(1);
}

const constantsSource = join(root, 'src', 'system', 'plan-constants.ts');

/*
 * build/plan-constants.h from src/system/plan-constants.ts, the one source of
 * what the plan's two sides share (record names and field counts, mount bits,
 * namespaces, exit codes). The kernel's MS_* values are checked against it
 * when the helper compiles.
 */
async function writeConstantsHeader() {
  const { planConstantsHeader } = await import('./plan-constants-header.mjs');
  const { transformSync } = await import('esbuild');
  const js = transformSync(readFileSync(constantsSource, 'utf8'), { loader: 'ts', format: 'cjs' }).code;
  const mod = { exports: {} };
  new Function('module', 'exports', js)(mod, mod.exports);
  const c = mod.exports;
  mkdirSync(join(root, 'build'), { recursive: true });
  const out = join(root, 'build', 'plan-constants.h');
  const text = planConstantsHeader(c);
  if (!existsSync(out) || readFileSync(out, 'utf8') !== text) writeFileSync(out, text);
}

/*
 * musl's C library, where it is installed (Debian: musl-tools), for the
 * helper's start-up: a static musl binary starts in well under half the time
 * of a static glibc one (no CPU-feature probing and ifunc relocation at each
 * exec, and a 230 KiB binary instead of 1.1 MiB for the sealed copy `run`
 * execs itself from: helpers/pause.c), about 1.7 ms of every `run` and
 * `sandbox` (measured). Linked by hand for a static-pie (musl-gcc's specs
 * make only non-PIE static binaries); the kernel's headers (linux/, asm/)
 * from the system, as musl ships none. undefined: no usable musl here.
 */
function muslBuild(cc) {
  const machine = spawnSync(cc, ['-dumpmachine'], { encoding: 'utf8' }).stdout?.trim() ?? '';
  const arch = machine.split('-')[0];
  const lib = `/usr/lib/${arch}-linux-musl`;
  const include = `/usr/include/${arch}-linux-musl`;
  const crt = ['rcrt1.o', 'crti.o', 'crtn.o', 'libc.a'].map((f) => join(lib, f));
  if (!arch || !existsSync(include) || !crt.every((f) => existsSync(f))) return undefined;
  const gccFile = (name) => spawnSync(cc, [`-print-file-name=${name}`], { encoding: 'utf8' }).stdout?.trim() ?? '';
  const [crtbegin, crtend, gccInclude] = ['crtbeginS.o', 'crtendS.o', 'include'].map(gccFile);
  const libgcc = spawnSync(cc, ['-print-libgcc-file-name'], { encoding: 'utf8' }).stdout?.trim() ?? '';
  if (![crtbegin, crtend, gccInclude, libgcc].every((f) => f.startsWith('/') && existsSync(f))) return undefined;
  // The kernel's headers, seen after musl's own.
  const kernel = join(root, 'build', 'musl-include');
  rmSync(kernel, { recursive: true, force: true });
  mkdirSync(kernel, { recursive: true });
  const asm = [`/usr/include/${machine}/asm`, '/usr/include/asm'].find((d) => existsSync(d));
  if (!asm || !existsSync('/usr/include/linux') || !existsSync('/usr/include/asm-generic')) return undefined;
  for (const [name, target] of [['linux', '/usr/include/linux'], ['asm', asm], ['asm-generic', '/usr/include/asm-generic']]) symlinkSync(target, join(kernel, name));
  return {
    compile: ['-fPIE', '-nostdinc', '-isystem', include, '-isystem', gccInclude, '-idirafter', kernel],
    link: (sources) => ['-static-pie', '-Wl,-S', '-nostdlib', '-nostartfiles', crt[0], crt[1], crtbegin, ...sources, `-L${lib}`, '-lc', libgcc, crtend, crt[2]],
  };
}

function buildHelper() {
  const out = join(root, 'build', 'burrow-helper');
  const sources = readdirSync(join(root, 'helpers')).filter((f) => f.endsWith('.c')).map((f) => join(root, 'helpers', f));
  const inputs = Math.max(newest(join(root, 'helpers'), ''), statSync(join(root, 'build', 'plan-constants.h')).mtimeMs, statSync(fileURLToPath(import.meta.url)).mtimeMs);
  if (!force && existsSync(out) && statSync(out).mtimeMs >= inputs) return;
  const cc = process.env.CC || 'cc';
  const probe = spawnSync(cc, ['--version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0)
    fail(`no C compiler (\`${cc}\`) found to build the helper: install one (Debian: apt-get install gcc libc6-dev)`);
  mkdirSync(join(root, 'build'), { recursive: true });
  const flags = ['-O2', '-std=gnu11', `-I${join(root, 'build')}`, '-Wall', '-Wextra', '-Werror', '-fstack-protector-strong'];
  // musl where it is installed and works (the binary runs: `version`), else glibc.
  const musl = process.env.BURROW_HELPER_LIBC === 'glibc' ? undefined : muslBuild(cc);
  if (musl) {
    const r = spawnSync(cc, [...flags, ...musl.compile, '-o', `${out}.tmp`, ...musl.link(sources)], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (r.status === 0 && spawnSync(`${out}.tmp`, ['version'], { stdio: 'ignore' }).status === 0) {
      spawnSync('mv', [`${out}.tmp`, out]);
      return;
    }
    process.stderr.write(`Warning: building the helper with musl failed; it is built with the system's C library (a slower start)\n${r.stderr ?? ''}`);
  }
  // Static (position-independent, so still randomised) where glibc allows it: no dynamic loader at each of
  // the helper's starts, about 0.2 ms of every \`run\` (measured). The helper uses nothing that needs NSS,
  // which static glibc cannot load.
  const glibcFlags = [...flags, '-D_FORTIFY_SOURCE=2'];
  const asStatic = spawnSync(cc, [...glibcFlags, '-static-pie', '-o', `${out}.tmp`, ...sources], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (asStatic.status !== 0) {
    const r = spawnSync(cc, [...glibcFlags, '-o', `${out}.tmp`, ...sources], { stdio: 'inherit' });
    if (r.status !== 0) fail(`building the helper with \`${cc}\` failed`);
  }
  spawnSync('mv', [`${out}.tmp`, out]);
}

const common = {
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minify: true,
    sourcemap: 'linked',
    external: ['koffi'],
    // import.meta.url only when asked for (pathToFileURL at every start costs 0.2 ms); the package root from __dirname.
    define: { 'import.meta.url': '__burrowMeta.url', BURROW_ROOT: '__burrowMeta.root' },
    banner: {
      js: "const __burrowMeta={get url(){return require('node:url').pathToFileURL(__filename).href},root:require('node:path').join(__dirname,'..','/')};",
    },
    logLevel: 'warning',
};

/** JSON with one value per line, except that a list of words (or of lists of words) stays on one line. */
function compactJson(value, indent) {
  const flat = (v) => v === null || typeof v !== 'object' || (Array.isArray(v) && v.every(flat));
  if (flat(value)) return JSON.stringify(value);
  const inner = `${indent}  `;
  const items = Array.isArray(value)
    ? value.map((v) => `${inner}${compactJson(v, inner)}`)
    : Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${compactJson(v, inner)}`);
  return Array.isArray(value) ? `[\n${items.join(',\n')}\n${indent}]` : `{\n${items.join(',\n')}\n${indent}}`;
}

/*
 * The command manifest (src/cli/manifest.ts): every file of src/cli/commands/
 * loaded in a throw-away bundle, its command class described, and the result
 * written to src/cli/manifest.json when it differs; then the shell completions
 * made from it (scripts/completions.ts). The bundles, the help, the
 * completions and the tests all read that file.
 */
async function writeManifest(esbuild) {
  const dir = join(root, 'src', 'cli', 'commands');
  const files = readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3).split(sep).join('/')).sort();
  const contents = [
    ...files.map((f, i) => `import * as m${i} from './src/cli/commands/${f}.ts';`),
    "import { describeCommands } from './src/cli/manifest.ts'; import { FAST_COMMANDS } from './src/cli/fast-list.ts';",
    "import { completions } from './scripts/completions.ts';",
    `module.exports = { completions, manifest: describeCommands({ ${files.map((f, i) => `${JSON.stringify(f)}: m${i}`).join(', ')} }, FAST_COMMANDS) };`,
  ].join('\n');
  const out = join(root, 'dist', 'manifest-probe.cjs');
  const probe = await esbuild.build({ ...common, sourcemap: false, minify: false, write: false, stdin: { contents, resolveDir: root, loader: 'ts' }, outfile: out });
  const loaded = { exports: undefined };
  try {
    new Function('module', 'require', '__filename', '__dirname', probe.outputFiles[0].text)(loaded, createRequire(out), out, dirname(out));
  } catch (err) {
    fail(`the command manifest: ${err.message}`);
  }
  const { manifest, completions } = loaded.exports;
  writeIfChanged(join(root, 'src', 'cli', 'manifest.json'), `${compactJson(manifest, '')}\n`);
  // The shell completions (scripts/completions.ts): each template of scripts/completions/ with its tables.
  const names = ['burrow.bash', '_burrow', 'burrow.fish'];
  const templates = Object.fromEntries(names.map((n) => [n, readFileSync(join(root, 'scripts', 'completions', n), 'utf8')]));
  for (const [name, text] of Object.entries(completions(manifest, templates))) writeIfChanged(join(root, 'completions', name), text);
  return manifest;
}

/**
 * Writes a generated file that is checked in only when its text changes (no new mtime, no churn). In CI
 * (CI=true, .ci/run), a file that changes was committed stale: that fails the build, since the tests
 * that compare it with what it is made from would only see the file rewritten.
 */
function writeIfChanged(file, text) {
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return;
  if (process.env.CI === 'true') fail(`${relative(root, file)} is not what the build makes of the command classes: run \`npm run build\` and commit it`);
  writeFileSync(file, text);
}

/*
 * The default seccomp program for the default capabilities, compiled now by
 * the same code the bundle holds (src/system/seccomp/), so that `run` does
 * not compile it at every start (about 3 ms of a cold process): the bundle
 * gets it as BURROW_SECCOMP_DEFAULT and uses it when the container's
 * capabilities give the same program (src/system/seccomp/index.ts).
 */
async function seccompDefault(esbuild) {
  const contents = "import { precompiledDefault } from './src/system/seccomp/index.ts'; module.exports = precompiledDefault();";
  const out = join(root, 'dist', 'seccomp-probe.cjs');
  const probe = await esbuild.build({ ...common, sourcemap: false, minify: false, write: false, stdin: { contents, resolveDir: root, loader: 'ts' }, outfile: out });
  const loaded = { exports: undefined };
  new Function('module', 'require', '__filename', '__dirname', probe.outputFiles[0].text)(loaded, createRequire(out), out, dirname(out));
  if (!loaded.exports) return null;
  // The compiler and the profile as built: programs compiled at start and kept in the runtime directory are
  // named by it, so another build never takes one of this build's (src/system/seccomp/index.ts).
  const hash = createHash('sha256');
  const dir = join(root, 'src', 'system', 'seccomp');
  for (const f of readdirSync(dir).sort()) hash.update(f).update(readFileSync(join(dir, f)));
  return { ...loaded.exports, id: hash.digest('hex').slice(0, 16) };
}

async function bundle(esbuild, manifest) {
  common.define = { ...common.define, BURROW_SECCOMP_DEFAULT: JSON.stringify(await seccompDefault(esbuild)) };
  // One CommonJS file: Node's ES module loader costs about 3 ms more at start-up (measured);
  // commands are still initialised lazily (esbuild turns their import() into a deferred require).
  await esbuild.build({ ...common, entryPoints: [join(root, 'src', 'main.ts')], outfile: join(root, 'dist', 'burrow.cjs') });

  // The fast path for its commands' lines (src/fast.ts): no clipanion. It gets their manifest entries, without the help texts.
  const fastCommands = manifest.commands.filter((c) => c.fast).map(({ description: _d, details: _t, examples: _e, ...c }) => c);
  const fast = await esbuild.build({
    ...common,
    entryPoints: [join(root, 'src', 'fast.ts')],
    outfile: join(root, 'dist', 'fast.cjs'),
    define: { ...common.define, BURROW_FAST_COMMANDS: JSON.stringify(fastCommands) },
    metafile: true,
  });
  // bin/burrow.cjs sends the lines that start with one of these paths to dist/fast.cjs.
  writeFileSync(join(root, 'dist', 'fast-paths.json'), `${JSON.stringify(fastCommands.flatMap((c) => c.paths))}\n`);
  const heavy = Object.keys(fast.metafile.inputs).filter((f) => /node_modules[\\/](clipanion|typanion|tar-stream|streamx)[\\/]/.test(f));
  if (heavy.length > 0) fail(`dist/fast.cjs must not hold ${heavy[0]}: src/fast.ts imports it (start-up time)`);

  // `burrow sandbox` and `bwrap` (src/sandbox.ts): bwrap's command line, no clipanion either.
  const sandbox = await esbuild.build({ ...common, entryPoints: [join(root, 'src', 'sandbox.ts')], outfile: join(root, 'dist', 'sandbox.cjs'), metafile: true });
  const heavySandbox = Object.keys(sandbox.metafile.inputs).filter((f) => /node_modules[\\/](clipanion|typanion|tar-stream|streamx)[\\/]/.test(f));
  if (heavySandbox.length > 0) fail(`dist/sandbox.cjs must not hold ${heavySandbox[0]}: src/sandbox.ts imports it (start-up time)`);

  // burrow's own workers (src/internal-worker.ts), one started per layer by a pull or a load: no CLI either.
  const worker = await esbuild.build({ ...common, entryPoints: [join(root, 'src', 'internal-worker.ts')], outfile: join(root, 'dist', 'worker.cjs'), metafile: true });
  const heavyWorker = Object.keys(worker.metafile.inputs).filter((f) => /node_modules[\\/](clipanion|typanion)[\\/]/.test(f));
  if (heavyWorker.length > 0) fail(`dist/worker.cjs must not hold ${heavyWorker[0]}: src/internal-worker.ts imports it (start-up time)`);

  // bin/burrow.cjs runs the bundles through vm.Script, which has no dynamic import(): only require() may remain.
  for (const name of ['burrow.cjs', 'fast.cjs', 'sandbox.cjs', 'worker.cjs']) {
    const dynamic = /\bimport\("[^"]*"\)/.exec(readFileSync(join(root, 'dist', name), 'utf8'));
    if (dynamic) fail(`dist/${name} holds a dynamic ${dynamic[0]}: import Node built-ins statically`);
  }
}

/*
 * The V8 code caches bin/burrow.cjs loads: warm-up runs of the start path
 * (`run` as far as the exec, which fails on purpose here, and `start`),
 * through the fast path (dist/fast.cjs) and through the whole CLI
 * (dist/burrow.cjs), then the bytecode they compiled, next to each bundle.
 * The fast path's runs include `run IMAGE` of an image imported into the
 * scratch store (with the helper just built), then `start -a`, `logs`,
 * `ps -a` and `exec` (refused: it has ended) of the container it left: the
 * code that creates and prepares a container is then in the cache too: 1 to
 * 3 ms of every `run IMAGE` (measured).
 * The workers' bundle (dist/worker.cjs) unpacks a one-file layer.
 */
function writeCodeCache() {
  const scratch = mkdtempSync(join(tmpdir(), 'burrow-build-'));
  const env = { ...process.env, XDG_RUNTIME_DIR: scratch, XDG_DATA_HOME: join(scratch, 'data') };
  try {
    const line = ['run', '--rootfs', scratch, '-e', 'A=1', '-v', `${scratch}:/mnt:ro`, '-w', '/', 'true'];
    // An image of one empty file in the scratch store; without it (no tar, an import that fails) the runs of images are left out.
    const warm = 'localhost/burrow-build-warm-up:latest';
    mkdirSync(join(scratch, 'image', 'bin'), { recursive: true });
    writeFileSync(join(scratch, 'image', 'bin', 'true'), '');
    // (its tar is also the layer the workers' bundle unpacks)
    const tarred = spawnSync('tar', ['-C', join(scratch, 'image'), '-cf', join(scratch, 'image.tar'), '.'], { stdio: 'ignore' }).status === 0;
    const imported = tarred && spawnSync(process.execPath, [join(root, 'bin', 'burrow.cjs'), 'import', join(scratch, 'image.tar'), warm], { env, stdio: 'ignore' }).status === 0;
    const imageRuns = imported
      ? [['run', '--rm', '--pull', 'never', '-e', 'A=1', '-w', '/', warm, 'true'], ['run', '--name', 'warm-up', '--pull', 'never', warm, 'true'], ['start', '-a', 'warm-up'], ['logs', 'warm-up'], ['ps', '-a'], ['exec', 'warm-up', 'true']]
      : [];
    for (const [bundle, runs] of [
      // A layer's unpacking (the image's one file, as this user's), its tar on stdin.
      ...(tarred ? [['worker', [['unpack', join(scratch, 'unpacked')]]]] : []),
      // start, logs and exec find no such container, in an empty store in the scratch directory.
      ['fast', [line, ...imageRuns, ['start', '-a', 'no-such-container'], ['logs', 'no-such-container'], ['exec', 'no-such-container', 'true'], ['ps']]],
      // A line the fast path declines (`--`), which clipanion parses, and one it would take, which main parses.
      ['burrow', [['run', '--rootfs', scratch, '--', 'true'], line]],
      // bwrap's line, as far as the exec of the (missing) helper; then as a user other than root compiles it (its own
      // user namespace, the maps, a second namespace for --dev), which a build as root would otherwise leave out.
      ['sandbox', [['--unshare-all', '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev', '--bind', scratch, '/mnt', '--tmpfs', '/tmp', 'true'],
        ['--unshare-all', '--unshare-user', '--uid', '4242', '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev', 'true']]],
    ]) {
      const stdin = bundle === 'worker' ? openSync(join(scratch, 'image.tar'), 'r') : 'ignore';
      const r = spawnSync(process.execPath, [join(root, 'bin', 'burrow.cjs')], {
        env: { ...env, BURROW_WRITE_CODE_CACHE: JSON.stringify({ bundle, runs }), BURROW_HELPER: join(scratch, 'no-helper') },
        stdio: [stdin, 'ignore', 'ignore'],
      });
      if (typeof stdin === 'number') closeSync(stdin);
      if (r.status !== 0 || !existsSync(join(root, 'dist', `${bundle}.cjs.cache`)))
        process.stderr.write(`Warning: the V8 code cache of dist/${bundle}.cjs was not written; burrow starts a few ms slower\n`);
    }
  } finally {
    // (the image's files belong to subordinate ids where the user has them: burrow removes them, in a user namespace)
    spawnSync(process.execPath, [join(root, 'bin', 'burrow.cjs'), 'system', 'reset', '--force'], { env, stdio: 'ignore' });
    rmSync(scratch, { recursive: true, force: true });
  }
}

await writeConstantsHeader();
buildHelper();
let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  fail('esbuild is missing: run `npm install` in the burrow checkout');
}
rmSync(join(root, 'dist'), { recursive: true, force: true });
const manifest = await writeManifest(esbuild);
await bundle(esbuild, manifest);
writeCodeCache();
