/**
 * A private burrow store for a test file (or a single test): fresh
 * XDG_DATA_HOME and XDG_RUNTIME_DIR under the fixtures' temp dir (removed
 * with it, in a user namespace, by test/setup/global.ts), and what the
 * tests look at in it.
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { expect } from 'vitest';

import { fixtures } from './fixtures.js';
import { type CliOptions, type CliResult, runCli, spawnCli } from './run-cli.js';

export interface TestStore {
  /** $XDG_DATA_HOME/burrow */
  data: string;
  /** $XDG_RUNTIME_DIR/burrow */
  runtime: string;
  env: Record<string, string>;
  run(args: string[], opts?: CliOptions): Promise<CliResult>;
  spawn(args: string[], opts?: CliOptions): ReturnType<typeof spawnCli>;
}

export function newStore(label = 'store', extraEnv: Record<string, string> = {}): TestStore {
  const dir = mkdtempSync(join(fixtures().dir, `${label}-`));
  const dataHome = join(dir, 'data');
  const runtimeHome = join(dir, 'run');
  mkdirSync(dataHome);
  mkdirSync(runtimeHome, { mode: 0o700 });
  const env = { XDG_DATA_HOME: dataHome, XDG_RUNTIME_DIR: runtimeHome, ...extraEnv };
  return {
    data: join(dataHome, 'burrow'),
    runtime: join(runtimeHome, 'burrow'),
    env,
    run: (args, opts = {}) => runCli(args, { ...opts, env: { ...env, ...opts.env } }),
    spawn: (args, opts = {}) => spawnCli(args, { ...opts, env: { ...env, ...opts.env } }),
  };
}

export function list(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** Every path under `dir` with its type, mode, owner, size and mtime: equal snapshots mean an unchanged tree. */
export function treeSnapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const name of list(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      out.push(`${rel}${name} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.size} ${st.mtimeMs} ${st.ino}`);
      if (st.isDirectory()) walk(p, `${rel}${name}/`);
    }
  };
  walk(dir, '');
  return out;
}

export interface StoreState {
  images: string | undefined;
  layers: string[];
  blobs: string[];
  containers: string[];
  names: string[];
  tmp: string[];
}

/** What a failed command must leave as it was. */
export function storeState(store: TestStore): StoreState {
  const images = join(store.data, 'images.json');
  return {
    images: existsSync(images) ? readFileSync(images, 'utf8') : undefined,
    layers: list(join(store.data, 'layers')),
    blobs: list(join(store.data, 'blobs', 'sha256')),
    containers: list(join(store.data, 'containers')),
    names: list(join(store.data, 'names')),
    tmp: list(join(store.data, 'tmp')),
  };
}

/** Plan files left in the runtime directory. */
export function planFiles(store: TestStore): string[] {
  return list(store.runtime).filter((f) => f.startsWith('plan-'));
}

export function imageNames(store: TestStore): string[] {
  const file = join(store.data, 'images.json');
  if (!existsSync(file)) return [];
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { images: { names: string[] }[] };
  return parsed.images.flatMap((i) => i.names).sort();
}

/** Waits until `check` holds (polling), or fails after `ms`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A fresh store with these archives loaded. */
export async function loadedStore(label: string, ...archives: string[]): Promise<TestStore> {
  const store = newStore(label);
  for (const a of archives) {
    const r = await store.run(['load', '-q', '-i', a]);
    if (r.exitCode !== 0) throw new Error(`load ${a}: ${r.stderr}`);
  }
  return store;
}

/** The image id (config digest hex) of `name`, from image inspect. */
export async function imageId(store: TestStore, name: string): Promise<string> {
  const r = await store.run(['image', 'inspect', '--format', '{{.Id}}', name]);
  if (r.exitCode !== 0) throw new Error(`image inspect ${name}: ${r.stderr}`);
  return r.stdout.trim();
}

/** `burrow run -d ARGS...` in `store`, checked to have printed the new container's full id and nothing else: that id. */
export async function runDetached(store: TestStore, ...args: string[]): Promise<string> {
  const r = await store.run(['run', '-d', ...args]);
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toMatch(/^[0-9a-f]{64}\n$/);
  return r.stdout.trim();
}

/** `burrow ARGS...` in `store`, checked to have worked (exit 0, nothing on stderr): its stdout. */
export async function succeeded(store: TestStore, args: string[]): Promise<string> {
  const r = await store.run(args);
  expect(r.stderr, `burrow ${args.join(' ')}`).toBe('');
  expect(r.exitCode, `burrow ${args.join(' ')}`).toBe(0);
  return r.stdout;
}
