#!/usr/bin/env node
// Runs burrow's fuzzers, each for a bounded time, and reports per fuzzer how
// long it ran and how many inputs it tried (docs/fuzzing.md):
//
//   plan      the helper's plan parser (helpers/plan.c) under libFuzzer, with
//             AddressSanitizer and UBSan (fuzz/plan-fuzz.c), built here with
//             clang; seeds fuzz/corpus/plan/, dictionary fuzz/plan.dict; the
//             inputs of fuzz/regressions/plan/ are replayed first
//   TARGET    each fast-check target of fuzz/targets.ts (the TypeScript
//             parsers of untrusted input), in a process of its own
//
//   node scripts/fuzz.mjs [--seconds N] [--only NAME,...] [--seed N] [--list]
//
// --seconds: per fuzzer (default 60). Exits 1 when any fuzzer found something
// (its input is saved under build/fuzz/findings/), 0 otherwise. Without clang
// (or its libFuzzer) the plan fuzzer is skipped with a note, unless
// --require-clang is given (scripts/test.mjs does so in CI).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build', 'fuzz');

function usage(message) {
  process.stderr.write(`Error: ${message}\nusage: node scripts/fuzz.mjs [--seconds N] [--only NAME,...] [--seed N] [--require-clang] [--list]\n`);
  process.exit(2);
}

const opts = { seconds: 60, only: undefined, seed: undefined, list: false, requireClang: false };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--seconds') opts.seconds = Number(argv[++i]);
  else if (a === '--only') opts.only = (argv[++i] ?? '').split(',').filter(Boolean);
  else if (a === '--seed') opts.seed = argv[++i];
  else if (a === '--list') opts.list = true;
  else if (a === '--require-clang') opts.requireClang = true;
  else usage(`unknown argument \`${a}\``);
}
if (!(opts.seconds > 0)) usage('--seconds needs a number of seconds above 0');

function say(line) {
  process.stderr.write(`${line}\n`);
}

/** The fast-check runner, bundled once (the targets import src/ as TypeScript). */
async function bundleTargets() {
  const { build } = await import('esbuild');
  const file = join(out, 'run-target.mjs');
  await build({
    entryPoints: [join(root, 'fuzz', 'run-target.ts')],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['koffi'],
    // CommonJS packages in an ES module bundle still call require().
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
  return file;
}

/** The target names, from the bundle (one source: fuzz/targets.ts). */
function targetNames(bundle) {
  const r = spawnSync(process.execPath, [bundle, '--list'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cannot list the fuzz targets: ${r.stderr.trim()}`);
  return r.stdout.trim().split('\n');
}

/** Builds fuzz/plan-fuzz.c with clang's libFuzzer; a reason string when it cannot be. */
function buildPlanFuzzer() {
  const cc = process.env.FUZZ_CC || 'clang';
  if (spawnSync(cc, ['--version'], { stdio: 'ignore' }).status !== 0) return { reason: `no \`${cc}\` (Debian: apt-get install clang libclang-rt-14-dev)` };
  // build/plan-constants.h, which plan.h includes.
  const b = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  if (b.status !== 0) return { reason: 'scripts/build.mjs failed' };
  mkdirSync(out, { recursive: true });
  const bin = join(out, 'plan-fuzz');
  const sources = [join(root, 'fuzz', 'plan-fuzz.c'), join(root, 'helpers', 'plan.c')];
  const newest = Math.max(...[...sources, join(root, 'helpers', 'plan.h'), join(root, 'build', 'plan-constants.h')].map((f) => statSync(f).mtimeMs));
  if (existsSync(bin) && statSync(bin).mtimeMs >= newest) return { bin };
  const flags = ['-g', '-O1', '-std=gnu11', '-Wall', '-Wextra', '-Werror', `-I${join(root, 'build')}`, '-fsanitize=fuzzer,address,undefined', '-fno-sanitize-recover=all'];
  const r = spawnSync(cc, [...flags, '-o', `${bin}.tmp`, ...sources], { encoding: 'utf8' });
  if (r.status !== 0) {
    const why = r.stderr.trim();
    if (/fuzzer|libclang_rt/.test(why)) return { reason: `\`${cc}\` has no libFuzzer runtime (Debian: apt-get install libclang-rt-14-dev)` };
    return { reason: `building the plan fuzzer failed:\n${why}`, broken: true };
  }
  spawnSync('mv', [`${bin}.tmp`, bin]);
  return { bin };
}

/** Runs a program, its stderr kept (and shown on failure); resolves with code and text. */
function run(cmd, args, { timeoutMs, cwd } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let killed = false;
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => ((killed = true), child.kill('SIGKILL')), timeoutMs);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, killed });
    });
  });
}

async function fuzzPlan(bin) {
  const regressions = join(root, 'fuzz', 'regressions', 'plan');
  const kept = existsSync(regressions) ? readdirSync(regressions).map((f) => join(regressions, f)) : [];
  if (kept.length > 0) {
    const r = await run(bin, kept, { timeoutMs: 60_000 });
    if (r.code !== 0) return { name: 'plan', ms: 0, runs: 0, failure: `a kept input of fuzz/regressions/plan/ fails again:\n${r.stderr.split('\n').slice(-30).join('\n')}` };
  }
  const work = join(out, 'corpus-plan');
  const artifacts = join(out, 'findings', 'plan') + '/';
  mkdirSync(work, { recursive: true });
  mkdirSync(artifacts, { recursive: true });
  const args = [
    `-max_total_time=${opts.seconds}`, '-max_len=8192', '-timeout=10', '-rss_limit_mb=2048', '-print_final_stats=1',
    `-dict=${join(root, 'fuzz', 'plan.dict')}`, `-artifact_prefix=${artifacts}`,
    ...(opts.seed !== undefined ? [`-seed=${opts.seed}`] : []),
    work, join(root, 'fuzz', 'corpus', 'plan'),
  ];
  const start = Date.now();
  const r = await run(bin, args, { timeoutMs: (opts.seconds + 120) * 1000 });
  const ms = Date.now() - start;
  const runs = Number(/stat::number_of_executed_units:\s*(\d+)/.exec(r.stderr)?.[1] ?? NaN);
  const cov = /cov: (\d+) ft: (\d+)/g;
  let last;
  for (let m = cov.exec(r.stderr); m !== null; m = cov.exec(r.stderr)) last = m;
  const note = last ? `coverage ${last[1]} edges, ${last[2]} features` : '';
  if (r.code !== 0 || r.killed) {
    const artifact = /Test unit written to (\S+)/.exec(r.stderr)?.[1];
    return { name: 'plan', ms, runs, note, failure: `${r.killed ? 'killed after the time limit' : `exit ${r.code ?? r.signal}`}${artifact ? `; the input: ${artifact}` : ''}\n${r.stderr.split('\n').filter((l) => !/^#\d+/.test(l)).slice(-40).join('\n')}` };
  }
  return { name: 'plan', ms, runs, note };
}

async function fuzzTarget(bundle, name) {
  const r = await run(process.execPath, [bundle, name, String(opts.seconds), ...(opts.seed !== undefined ? [opts.seed] : [])], { timeoutMs: (opts.seconds + 60) * 1000 });
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  let result;
  try {
    result = JSON.parse(line);
  } catch {
    const seed = /seed (\S+)/.exec(r.stderr)?.[1];
    return { name, ms: opts.seconds * 1000, runs: NaN, failure: `${r.killed ? 'hung (killed)' : `ended with ${r.code ?? r.signal}`}; replay with --only ${name} --seed ${seed}\n${r.stderr.trim().split('\n').slice(-20).join('\n')}` };
  }
  if (result.failure === undefined) return { name, ms: result.ms, runs: result.runs };
  const dir = join(out, 'findings', name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `seed-${result.seed}.json`);
  writeFileSync(file, `${JSON.stringify(result.failure.input)}\n`);
  return { name, ms: result.ms, runs: result.runs, failure: `${result.failure.error}\n  input saved to ${file} (keep it in fuzz/regressions/${name}/ once fixed); replay with --only ${name} --seed ${result.seed}` };
}

// The fast-check targets need a bundle; the plan fuzzer alone (npm test's step) does not.
const planOnly = opts.only !== undefined && opts.only.every((n) => n === 'plan');
const bundle = planOnly ? undefined : await bundleTargets();
const all = ['plan', ...(bundle === undefined ? [] : targetNames(bundle))];
if (opts.list) {
  process.stdout.write(`${all.join('\n')}\n`);
  process.exit(0);
}
const chosen = opts.only ?? all;
for (const n of chosen) if (!all.includes(n)) usage(`no fuzzer \`${n}\` (${all.join(', ')})`);

const results = [];
for (const name of chosen) {
  say(`== fuzz ${name} for ${opts.seconds} s`);
  if (name === 'plan') {
    const built = buildPlanFuzzer();
    if (built.bin === undefined) {
      if (built.broken || opts.requireClang) results.push({ name, ms: 0, runs: 0, failure: built.reason });
      else results.push({ name, skipped: built.reason });
      say(`${built.broken || opts.requireClang ? 'Error' : 'note'}: plan fuzzer: ${built.reason}`);
      continue;
    }
    results.push(await fuzzPlan(built.bin));
  } else {
    results.push(await fuzzTarget(bundle, name));
  }
  const r = results.at(-1);
  if (r.failure) say(`FOUND: ${name}: ${r.failure}`);
}

const width = Math.max(...results.map((r) => r.name.length));
say('');
say(`${'fuzzer'.padEnd(width)}  seconds   executions  result`);
for (const r of results) {
  const secs = r.skipped ? '-' : (r.ms / 1000).toFixed(1);
  const runs = r.skipped ? '-' : Number.isNaN(r.runs) ? '?' : String(r.runs);
  const what = r.skipped ? `skipped: ${r.skipped}` : r.failure ? 'FAILED (above)' : `clean${r.note ? ` (${r.note})` : ''}`;
  say(`${r.name.padEnd(width)}  ${secs.padStart(7)}  ${runs.padStart(11)}  ${what}`);
}
const found = results.filter((r) => r.failure).length;
const skipped = results.filter((r) => r.skipped).length;
say(`${results.length - found - skipped} passed, ${found} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(found > 0 ? 1 : 0);
