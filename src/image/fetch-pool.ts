/**
 * The fetch workers of one ingest (registry/fetch-worker.ts): no more of
 * them than the machine has cores, each given jobs (a layer to fetch or
 * read, hash, stage and unpack) that it runs side by side. A worker per
 * layer cost each layer a Node start, about 0.1 s of CPU here: a sixth of
 * what pulling an 80 MB layer costs.
 *
 * A job that passes file descriptors gets a worker of its own (fds are
 * handed over only at a process's start). A worker is told its work is done
 * (its stdin ended) once it has had no job for a turn of the event loop,
 * or, while a caller holds the pool (hold()), once that caller is done;
 * a process that dies leaves its workers' stdin ended while their jobs run,
 * and they stop at once.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

import { packageRoot } from '../config/install.js';
import { BurrowError } from '../errors.js';
import type { Sys } from '../system/sys.js';
import type { UsernsProcess } from '../system/userns.js';
import type { FetchResult } from './ingest.js';

/** A job's answer: the worker's result, or the failure it expected (a registry's, a network's, a bad layer's). */
export type FetchAnswer = { R: FetchResult } | { E: { code: string; message: string } };

interface Waiter {
  received: (n: number) => void;
  resolve: (answer: FetchAnswer) => void;
  reject: (err: unknown) => void;
}

interface Worker {
  proc: UsernsProcess;
  /** the environment it was started with: a job goes only to a worker of its own environment */
  env: string;
  jobs: Map<number, Waiter>;
  /** its stdin ended: it takes no more jobs */
  closed: boolean;
  /** a worker with passed fds, for its one job */
  own: boolean;
}

export class FetchPool {
  private readonly workers: Worker[] = [];
  private nextId = 0;
  /** callers of hold() not yet done: idle workers are kept while there are any */
  private holds = 0;

  /** `staging`: the ingest's directory, in which every job's files are (the workers are told it). */
  constructor(
    private readonly sys: Sys,
    private readonly staging: string,
    private readonly max = Math.max(1, availableParallelism()),
  ) {}

  /**
   * Runs `job` (registry/fetch-worker.ts FetchJob, without its id and
   * directory) in a worker; `received` hears of the bytes as they come.
   * Rejects with the worker's own failure (it died, or found a bug).
   */
  run(job: object, dir: string, received: (n: number) => void, env: string[], fds: number[]): Promise<FetchAnswer> {
    const worker = this.pick(env, fds);
    const id = this.nextId++;
    return new Promise<FetchAnswer>((resolve, reject) => {
      worker.jobs.set(id, { received, resolve, reject });
      worker.proc.stdin?.write(`${JSON.stringify({ ...job, id, dir })}\n`);
    });
  }

  /**
   * Keeps idle workers until the returned function is called: for a caller
   * whose jobs come further apart than a turn of the event loop (the layers
   * of an archive read from a pipe, each given once it is read).
   */
  hold(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.holds > 0) return;
      for (const w of [...this.workers]) if (w.jobs.size === 0) this.close(w);
    };
  }

  /**
   * Starts workers for jobs not known yet (up to `count`, and no more than the
   * pool's bound in all): a worker's start (the helper, the id maps, Node:
   * about 0.1 s) then overlaps what the caller does before its first job (a
   * pull's fetch of the config). Only while the caller holds the pool (hold()),
   * which keeps them while they wait. Best effort: a worker that cannot start
   * now is the failure of the first job that asks for one.
   */
  warm(count: number, env: string[]): void {
    const key = env.join('\0');
    for (let i = this.shared(key).length; i < Math.min(count, this.max); i++)
      try {
        this.start(key, env, []);
      } catch {
        return;
      }
  }

  private pick(env: string[], fds: number[]): Worker {
    const key = env.join('\0');
    const open = fds.length > 0 ? [] : this.shared(key);
    const idle = open.find((w) => w.jobs.size === 0);
    if (idle) return idle;
    if (open.length >= this.max) return open.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
    return this.start(key, env, fds);
  }

  /** The workers that take jobs of any caller with this environment: open, and not one job's own. */
  private shared(key: string): Worker[] {
    return this.workers.filter((w) => !w.closed && !w.own && w.env === key);
  }

  private start(key: string, env: string[], fds: number[]): Worker {
    const proc = this.sys.startInUserns([process.execPath, join(packageRoot, 'bin', 'burrow.cjs'), '--internal-worker', 'fetch', this.staging], { stdin: 'pipe', stdout: 'pipe', env, fds });
    const worker: Worker = { proc, env: key, jobs: new Map(), closed: false, own: fds.length > 0 };
    this.workers.push(worker);
    proc.stdin?.on('error', () => undefined); // the worker's failure is what `done` reports
    let pending = '';
    proc.stdout?.setEncoding('utf8');
    proc.stdout?.on('data', (text: string) => {
      pending += text;
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        this.answer(worker, line);
      }
    });
    const ended = (err: unknown) => {
      this.close(worker);
      for (const waiter of worker.jobs.values()) waiter.reject(err ?? new BurrowError('E_LAYER', 'the fetch worker gave no result'));
      worker.jobs.clear();
    };
    proc.done.then(() => ended(undefined), ended);
    return worker;
  }

  /** One line of a worker's: `P ID N`, `R ID {...}` or `E ID {...}`. */
  private answer(worker: Worker, line: string): void {
    const m = /^([PRE]) (\d+) (.*)$/.exec(line);
    const waiter = m && worker.jobs.get(Number(m[2]));
    if (!m || !waiter) return;
    const [, kind, id, rest] = m as unknown as [string, string, string, string];
    if (kind === 'P') return waiter.received(Number(rest));
    worker.jobs.delete(Number(id));
    waiter.resolve(kind === 'R' ? { R: JSON.parse(rest) as FetchResult } : { E: JSON.parse(rest) as { code: string; message: string } });
    if (worker.jobs.size > 0) return;
    if (worker.own) this.close(worker);
    // Given the next job in this turn, as a pull's next layer is, it lives on.
    else setImmediate(() => worker.jobs.size === 0 && this.holds === 0 && this.close(worker));
  }

  private close(worker: Worker): void {
    if (worker.closed) return;
    worker.closed = true;
    worker.proc.stdin?.end();
    const i = this.workers.indexOf(worker);
    if (i >= 0) this.workers.splice(i, 1);
  }
}
