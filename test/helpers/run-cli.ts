/**
 * Runs the real CLI (bin/burrow.cjs, the built bundle) as a user would: no
 * shell, a fresh process each time. One place, so every integration test
 * spawns burrow the same way.
 */
import { fileURLToPath } from 'node:url';

import { execa } from 'execa';
import { expect } from 'vitest';

export const BURROW = fileURLToPath(new URL('../../bin/burrow.cjs', import.meta.url));
export const HELPER = fileURLToPath(new URL('../../build/burrow-helper', import.meta.url));

export interface CliResult {
  exitCode: number | undefined;
  /** the signal that ended burrow itself, if one did */
  signal: string | undefined;
  stdout: string;
  stderr: string;
  /** burrow's pid (after its execve, the helper's) */
  pid: number | undefined;
}

export interface CliOptions {
  /** written to burrow's stdin, which is then closed; without it stdin is /dev/null */
  input?: string;
  /** variables added to (or, when undefined, removed from) the environment */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** ms before burrow is killed (the test then fails on the result) */
  timeout?: number;
}

/** The host's proxy variables, which containers get (--http-proxy): a developer's own are not passed on unless a test gives them. */
const PROXY = /^(http|https|ftp|no)_proxy$/i;

function environment(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  const inherited = Object.entries(process.env).filter(([k]) => !PROXY.test(k));
  for (const [k, v] of Object.entries({ ...Object.fromEntries(inherited), ...extra })) if (v !== undefined) env[k] = v;
  return env;
}

/** Starts burrow and leaves it running: for signals and streaming. Run as a shell would: the file itself, through its #! line. */
export function spawnCli(args: string[], opts: CliOptions = {}) {
  const options = {
    reject: false,
    extendEnv: false,
    stripFinalNewline: false,
    env: environment(opts.env),
    cwd: opts.cwd,
    timeout: opts.timeout ?? 20_000,
    killSignal: 'SIGKILL',
  } as const;
  return opts.input === undefined ? execa(BURROW, args, { ...options, stdin: 'ignore' }) : execa(BURROW, args, { ...options, input: opts.input });
}

/**
 * What burrow prints for an error it did not expect (src/cli/report-error.ts).
 * No test provokes one on purpose: every failure a test makes (bad input, a
 * full disk, a killed helper) must be an expected one, so runCli fails the
 * test that meets this, whatever the test itself checks.
 */
export const BUG_MARK = 'this is a bug in burrow';

/** Runs burrow to its end. */
export async function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  const child = spawnCli(args, opts);
  const r = await child;
  if (String(r.stderr ?? '').includes(BUG_MARK)) throw new Error(`burrow ${args.join(' ')} reported a bug: ${String(r.stderr).trim()}`);
  return {
    exitCode: r.exitCode,
    signal: r.signal,
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    pid: child.pid,
  };
}

/** Runs `burrow run --rootfs ROOTFS ...args` and returns the result. */
export function runIn(rootfs: string, args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return runCli(['run', '--rootfs', rootfs, ...args], opts);
}

/** stdout as lines, without the empty line after the last newline. */
export function lines(text: string): string[] {
  const out = text.split('\n');
  if (out.at(-1) === '') out.pop();
  return out;
}

/** A refusal as burrow's bad input gets one: a single `Error:` line matching `pattern` (no bug report), exit 125 (or podman's `code`). */
export function expectOneError(r: { exitCode: number | undefined; stderr: string; stdout: string }, pattern: RegExp, code = 125): void {
  expect(lines(r.stderr), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(/^Error: /);
  expect(r.stderr.replace(/\n$/, '')).toMatch(pattern);
  expect(r.stderr).not.toMatch(/bug in burrow/);
  expect(r.exitCode).toBe(code);
}
