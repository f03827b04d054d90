/**
 * Looking at processes from the host side: what a test needs to say that a
 * container's processes are gone, or to find the container's PID 1.
 */
import { readFileSync, readdirSync } from 'node:fs';

import type { Readable } from 'node:stream';

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return undefined;
  }
}

/** The direct children of `pid` (every thread's). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  for (const tid of tasks) {
    const text = read(`/proc/${pid}/task/${tid}/children`) ?? '';
    out.push(...text.split(/\s+/).filter(Boolean).map(Number));
  }
  return out;
}

/** Is `pid` a live process (not a zombie)? */
export function alive(pid: number): boolean {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === undefined) return false;
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

/** Processes (of those we may inspect) whose command line or environment contains `marker`. */
export function processesWith(marker: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const cmdline = read(`/proc/${name}/cmdline`) ?? '';
    const environ = read(`/proc/${name}/environ`) ?? '';
    if (cmdline.includes(marker) || environ.includes(marker)) out.push(Number(name));
  }
  return out;
}

/** Polls `check` until it holds or `timeout` ms pass; returns whether it held. */
export async function eventually(check: () => boolean, timeout = 5000, interval = 25): Promise<boolean> {
  const end = Date.now() + timeout;
  for (;;) {
    if (check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Resolves once `text` has appeared on the child's stdout; rejects on timeout or when it ends first. */
export function waitForOutput(child: { stdout: Readable | null }, text: string, timeout = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => finish(new Error(`timed out waiting for ${JSON.stringify(text)} (stdout so far: ${JSON.stringify(seen)})`)), timeout);
    const onData = (chunk: Buffer | string): void => {
      seen += chunk.toString();
      if (seen.includes(text)) finish();
    };
    const onEnd = (): void => finish(new Error(`stdout ended before ${JSON.stringify(text)} (stdout: ${JSON.stringify(seen)})`));
    function finish(err?: Error): void {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stdout?.off('end', onEnd);
      if (err) reject(err);
      else resolve();
    }
    child.stdout?.on('data', onData);
    child.stdout?.on('end', onEnd);
  });
}
