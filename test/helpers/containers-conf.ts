/**
 * A temporary home for the containers ecosystem's files: HOME, the XDG
 * directories and a stand-in for /etc/containers (BURROW_CONTAINERS_CONF_DIR),
 * so no test reads or writes the real ones. Removed when the test ends.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { onTestFinished } from 'vitest';

import { type ConfDirs, confDirs } from '../../src/registry/registries-conf.js';

export interface ConfEnv {
  HOME: string;
  XDG_CONFIG_HOME: string;
  XDG_CACHE_HOME: string;
  XDG_RUNTIME_DIR: string;
  BURROW_CONTAINERS_CONF_DIR: string;
  PATH: string;
  [name: string]: string | undefined;
}

export interface ConfTree {
  root: string;
  env: ConfEnv;
  /** the stand-in for /etc/containers */
  etc: string;
  /** $XDG_CONFIG_HOME/containers */
  user: string;
  dirs: ConfDirs;
  /** writes `text` to `path`, making its directory */
  write(path: string, text: string): string;
}

export function confTree(): ConfTree {
  const root = mkdtempSync(join(tmpdir(), 'burrow-conf-'));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  const env: ConfEnv = {
    HOME: join(root, 'home'),
    XDG_CONFIG_HOME: join(root, 'config'),
    XDG_CACHE_HOME: join(root, 'cache'),
    XDG_RUNTIME_DIR: join(root, 'run'),
    BURROW_CONTAINERS_CONF_DIR: join(root, 'etc'),
    PATH: process.env.PATH ?? '/usr/bin:/bin',
  };
  for (const d of [env.HOME, env.XDG_RUNTIME_DIR, env.BURROW_CONTAINERS_CONF_DIR, join(env.XDG_CONFIG_HOME, 'containers')]) mkdirSync(d, { recursive: true, mode: 0o700 });
  return {
    root,
    env,
    etc: env.BURROW_CONTAINERS_CONF_DIR,
    user: join(env.XDG_CONFIG_HOME, 'containers'),
    dirs: confDirs(env),
    write(path, text) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      return path;
    },
  };
}

/** `s` with the characters a RegExp gives meaning to escaped. */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** A system containers directory (BURROW_CONTAINERS_CONF_DIR) with containers-common's policy.json: accept anything. */
export function acceptingEtc(etc: string): string {
  mkdirSync(etc, { recursive: true });
  writeFileSync(join(etc, 'policy.json'), JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
  return etc;
}
