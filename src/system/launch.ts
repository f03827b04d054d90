/**
 * Hands a plan to the helper and replaces this Node process with
 * `burrow-helper run`, so the process that started burrow becomes the
 * container's parent (docs/design.md). The plan goes over in a memfd
 * (`/proc/self/fd/N`); a plan for a helper started later or elsewhere (a
 * detached `start`, the clean-up after `--rm`, programs in a user namespace)
 * is a private file in the runtime directory, which the helper unlinks.
 */
import { accessSync, closeSync, constants as fsConstants, lstatSync, mkdirSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

import { helperPath } from '../config/install.js';
import { fallbackRuntimeDir, type Paths } from '../config/paths.js';
import { BurrowError, describeError, errnoCode } from '../errors.js';
import { builtin } from '../lazy.js';
import { encodePlan, type Plan } from './plan.js';
import { StatusChannel } from './status.js';

/** Why a runtime directory cannot be used at all (rather than is unsafe): then the fallback is taken. */
const UNUSABLE = ['EACCES', 'EPERM', 'EROFS', 'ENOENT', 'ENOTDIR'];
let warned = false;

/**
 * Creates the runtime directory, refusing one that another user could have
 * planted. One that cannot be made or written at all (XDG_RUNTIME_DIR
 * missing, or another user's, as after `su` or `runuser`) gives way to a
 * private directory under /tmp, with one warning per command (podman #14603);
 * `paths.runtime` then names it for the rest of the command.
 */
export function ensureRuntimeDir(paths: Paths, uid = process.getuid?.() ?? 0): string {
  try {
    mkdirSync(paths.runtime, { recursive: true, mode: 0o700 });
    accessSync(paths.runtime, fsConstants.W_OK | fsConstants.X_OK);
  } catch (err) {
    const fallback = fallbackRuntimeDir(uid);
    if (paths.runtime === fallback || !UNUSABLE.includes(errnoCode(err) ?? ''))
      throw new BurrowError('E_RUNTIME_DIR', `runtime directory \`${paths.runtime}\`: ${describeError(err)}`, { hint: 'set XDG_RUNTIME_DIR to a directory of your own' });
    if (!warned) writeSync(2, `Warning: runtime directory \`${paths.runtime}\` cannot be used (${describeError(err)}): using \`${fallback}\` instead\n`);
    warned = true;
    paths.runtime = fallback;
    return ensureRuntimeDir(paths, uid);
  }
  const st = lstatSync(paths.runtime);
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0)
    throw new BurrowError('E_RUNTIME_DIR', `runtime directory \`${paths.runtime}\` is not a private directory owned by uid ${uid}`, {
      hint: 'set XDG_RUNTIME_DIR or remove it',
    });
  return paths.runtime;
}

let planCounter = 0;

export function writePlanFile(paths: Paths, plan: Plan): string {
  const dir = ensureRuntimeDir(paths);
  const file = join(dir, `plan-${process.pid}-${Date.now().toString(36)}-${planCounter++}`);
  writeFileSync(file, encodePlan(plan), { mode: 0o600, flag: 'wx' });
  return file;
}

/**
 * Never returns: the helper takes over this process. The plan goes to it in
 * an anonymous memory file (nothing on disk to write, unlink or leave behind
 * after a kill -9), or in a file of the runtime directory where there is no memfd.
 */
export async function execPlan(paths: Paths, plan: Plan): Promise<never> {
  const { execve, memfd } = await import('./libc.js');
  const helper = helperPath();
  const keep: number[] = [];
  const args: string[] = [];
  let file: string | undefined;
  try {
    const fd = memfd('burrow-plan', encodePlan(plan));
    keep.push(fd);
    args.push(`/proc/self/fd/${fd}`);
  } catch {
    file = writePlanFile(paths, plan);
    args.push('--unlink', file);
  }
  let errno: number;
  try {
    errno = execve(helper, [helper, 'run', ...args], process.env, keep);
  } finally {
    // Still here: the exec failed, and the plan must not stay behind.
    for (const fd of keep) closeSync(fd);
    if (file !== undefined) {
      try {
        unlinkSync(file);
      } catch {
        // already gone
      }
    }
  }
  throw new BurrowError('E_HELPER', `exec helper \`${helper}\`: errno ${errno}`, {
    hint: 'run `npm install` (or `npm run build`) in the burrow checkout to build it',
  });
}

/** Never returns: `burrow-helper attach ARGS...` takes over this process (its terminal, its signals). */
export async function execAttach(args: string[]): Promise<never> {
  const { execve } = await import('./libc.js');
  const helper = helperPath();
  const errno = execve(helper, [helper, 'attach', ...args], process.env, []);
  throw new BurrowError('E_HELPER', `exec helper \`${helper}\`: errno ${errno}`, {
    hint: 'run `npm install` (or `npm run build`) in the burrow checkout to build it',
  });
}

/**
 * Never returns: `burrow-helper logs FILE` takes over this process and
 * prints the log (helpers/log.c), the same bytes the LogReader of
 * runtime/logs.ts would, without a JavaScript loop over each line.
 */
export async function execLogs(file: string): Promise<never> {
  const { execve } = await import('./libc.js');
  const helper = helperPath();
  const errno = execve(helper, [helper, 'logs', file], process.env, []);
  throw new BurrowError('E_HELPER', `exec helper \`${helper}\`: errno ${errno}`, {
    hint: 'run `npm install` (or `npm run build`) in the burrow checkout to build it',
  });
}

/** The status channel's fd in a helper this process starts (after its stdin, stdout and stderr). */
const STATUS_FD = 3;
/** The first of the fds `spawnHelper`'s `extraFds` become in the helper (after the status channel's). */
export const EXTRA_FD = STATUS_FD + 1;

/** as spawn's stdio: a number is an fd of this process, which the helper gets as that stream */
type Stdio = 'pipe' | 'ignore' | 'inherit' | number;

/**
 * Starts `burrow-helper run` on `plan` (a file of the runtime directory, which
 * the helper unlinks) with its status channel on fd 3 and `stdio` for the
 * rest; `detached`: in a session of its own; `extraFds`: fds of this process
 * the helper gets as EXTRA_FD, EXTRA_FD + 1 ... (the plan says what becomes of
 * them). The one way Node starts a helper it stays alive for (it execs into
 * one with execPlan).
 */
export function spawnHelper(paths: Paths, plan: Plan, stdio: [Stdio, Stdio, Stdio], detached = false, extraFds: number[] = []): { child: ChildProcess; status: StatusChannel; file: string } {
  const file = writePlanFile(paths, plan);
  const { spawn } = builtin<typeof import('node:child_process')>('node:child_process');
  const child = spawn(helperPath(), ['run', '--status-fd', String(STATUS_FD), '--unlink', file], { detached, stdio: [...stdio, 'pipe', ...extraFds] });
  return { child, status: new StatusChannel(child.stdio[STATUS_FD] as Readable | null), file };
}

/**
 * Starts the helper on `plan` in the background, in a session of its own (it
 * outlives this command and the terminal), with no stdio of ours: the plan's
 * `log` record says where the container's output goes (or, with
 * `passthrough`, it writes to this command's stdout and stderr, which the
 * monitor inherits). `started` resolves
 * once the command runs, or rejects with the helper's HelperError (a failed
 * step) or `gone()` (it ended first). The helper unlinks the plan file.
 */
export function startPlan(paths: Paths, plan: Plan, gone: () => Error, opts: StartOptions = {}): { pid: number; started: Promise<void> } {
  const out = opts.passthrough ? 'inherit' : 'ignore';
  const { child, status, file } = spawnHelper(paths, plan, ['ignore', out, out], true);
  if (child.pid === undefined) {
    unlinkSync(file);
    throw new BurrowError('E_START', `the helper \`${helperPath()}\` did not start`);
  }
  child.unref();
  // The monitor outlives this command: what it says after the start (the exit) goes nowhere.
  const started = status.started(gone).finally(() => (child.stdio[STATUS_FD] as Readable).destroy());
  return { pid: child.pid, started };
}

export interface StartOptions {
  /** the monitor (and so the container) gets this command's stdout and stderr: `--log-driver passthrough` */
  passthrough?: boolean;
}

/** A helper started as a child of this process, with pipes to its stdio. */
export interface HelperProcess {
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
  /** resolves once the command runs; rejects with the helper's HelperError */
  started: Promise<void>;
  /** the command's exit code (128+N for a signal); rejects as `started` does */
  done: Promise<number>;
  /** signals the helper (SIGKILL: the command dies with it, PR_SET_PDEATHSIG); false once it has ended */
  kill(signal: NodeJS.Signals): boolean;
}

/** Starts the helper on `plan` as a child with pipes, reading its status channel; `gone()` is the error of a helper that ends before the command runs. */
export function spawnPlan(paths: Paths, plan: Plan, gone: () => Error): HelperProcess {
  const { child, status } = spawnHelper(paths, plan, ['pipe', 'pipe', 'pipe']);
  const started = status.started(gone);
  const done = new Promise<number>((resolve, reject) => {
    child.on('error', (err) => reject(new BurrowError('E_HELPER', `run the helper \`${helperPath()}\`: ${err.message}`)));
    child.on('close', (code, signal) => {
      const failed = status.error;
      if (failed) return reject(failed);
      resolve(status.exitCode ?? code ?? 128 + (signal ? 9 : 0));
    });
  });
  started.catch(() => undefined); // read through `done` as well
  return { stdin: child.stdin, stdout: child.stdout, stderr: child.stderr, started, done, kill: (signal) => child.exitCode === null && child.signalCode === null && child.kill(signal) };
}

/**
 * Runs `burrow-helper ARGS...` (one of its small subcommands, such as
 * network-connect) to its end; its `Error:` line, or its exit status, is the
 * rejection.
 */
export function runHelperCommand(args: string[]): Promise<void> {
  const { spawn } = builtin<typeof import('node:child_process')>('node:child_process');
  const child = spawn(helperPath(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (stderr.length < 65536) stderr += chunk;
  });
  return new Promise<void>((resolve, reject) => {
    child.on('error', (err: Error) => reject(new BurrowError('E_HELPER', `run the helper \`${helperPath()}\`: ${err.message}`)));
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
      if (code === 0) return resolve();
      const said = stderr.split('\n').filter((l) => l.startsWith('Error: ')).at(-1)?.slice('Error: '.length);
      reject(new BurrowError('E_HELPER', said ?? `the helper's ${args[0]} ended with ${signal ?? `exit status ${code}`}`));
    });
  });
}
