#!/usr/bin/env node
// Builds what burrow runs from: the C helper (with the system C compiler)
// and the esbuild bundle of src/ (dist/). Run by `npm install` and `npm run build`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

function buildHelper() {
  const out = join(root, 'build', 'burrow-helper');
  const sources = readdirSync(join(root, 'helpers')).filter((f) => f.endsWith('.c')).map((f) => join(root, 'helpers', f));
  if (!force && existsSync(out) && statSync(out).mtimeMs >= newest(join(root, 'helpers'), '')) return;
  const cc = process.env.CC || 'cc';
  const probe = spawnSync(cc, ['--version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0)
    fail(`no C compiler (\`${cc}\`) found to build the helper: install one (Debian: apt-get install gcc libc6-dev)`);
  mkdirSync(join(root, 'build'), { recursive: true });
  const flags = ['-O2', '-std=gnu11', '-Wall', '-Wextra', '-Werror', '-D_FORTIFY_SOURCE=2', '-fstack-protector-strong'];
  const r = spawnSync(cc, [...flags, '-o', `${out}.tmp`, ...sources], { stdio: 'inherit' });
  if (r.status !== 0) fail(`building the helper with \`${cc}\` failed`);
  spawnSync('mv', [`${out}.tmp`, out]);
}

async function bundle() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    fail('esbuild is missing: run `npm install` in the burrow checkout');
  }
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  await esbuild.build({
    entryPoints: [join(root, 'src', 'main.ts')],
    outdir: join(root, 'dist'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    sourcemap: 'linked',
    external: ['koffi'],
    define: { BURROW_BUNDLE: 'true' },
    // clipanion is CommonJS and requires Node built-ins
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
    chunkNames: 'chunk-[hash]',
    logLevel: 'warning',
  });
}

buildHelper();
await bundle();
