/**
 * Healthchecks without a daemon and without systemd. podman needs a systemd
 * timer to run `podman healthcheck run` every interval; burrow's monitor (the
 * helper) keeps the timer itself (plan record `health`) and starts
 * `burrow healthcheck run ID`, which is all the policy: the check runs
 * through exec's path (runtime/exec.ts: the container's namespaces, root,
 * user and environment), its result goes into the container's health.json,
 * and an unhealthy container gets its --health-on-failure action.
 *
 *   health.json  {"run": "PID STARTTIME", "Status", "FailingStreak", "Log": [...]}
 *
 * `run` names the container's first process of the run the record is about
 * (pid and start time): a container started again, by `start` or by its
 * monitor's --restart, is "starting" again with an empty log, as podman's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { BurrowError } from '../errors.js';
import { atomicWriteFile, readJson } from '../storage/atomic.js';
import { type ContainerRecord, type ContainerStatus, processStartTime } from '../storage/containers.js';
import { withLock } from '../storage/lock.js';
import type { Store } from '../storage/store.js';
import type { Env } from './container.js';
import { recordEvent } from './events.js';
import { execSpec } from './exec.js';
import { goDuration, type HealthConfig, healthArgv, type HealthState, MAX_LOG, MAX_OUTPUT, SECOND } from './health-config.js';
import { namespaceProcess, joinPlan } from './join.js';

/** Which run of the container is going on: its first process's pid and start time (undefined when none runs). */
function currentRun(store: Store, rec: ContainerRecord, status: ContainerStatus = store.containers.status(rec)): { key: string; pid: number } | undefined {
  if (status.state !== 'running' || status.pid === undefined) return undefined;
  const pid = namespaceProcess(status.pid);
  const start = pid === undefined ? undefined : processStartTime(pid);
  return pid === undefined || start === undefined ? undefined : { key: `${pid} ${start}`, pid };
}

interface HealthFile extends HealthState {
  run: string;
}

const fresh = (): HealthState => ({ Status: 'starting', FailingStreak: 0, Log: [] });

/** The state a health.json records, without its run key. */
const stateOf = ({ Status, FailingStreak, Log }: HealthFile): HealthState => ({ Status, FailingStreak, Log });

/**
 * The container's health as inspect and ps show it: the record of the run
 * going on ("starting" until its first check), the last one's when it is not
 * running; undefined without a healthcheck.
 */
export function healthState(store: Store, rec: ContainerRecord, status?: ContainerStatus): HealthState | undefined {
  if (!rec.healthcheck) return undefined;
  const file = readJson<HealthFile | undefined>(join(store.containers.dir(rec.id), 'health.json'), undefined);
  const st = status ?? store.containers.status(rec);
  if (st.state !== 'running') return file ? stateOf(file) : undefined;
  const run = currentRun(store, rec, st);
  return file && run !== undefined && file.run === run.key ? stateOf(file) : fresh();
}

/** Seconds since boot when process `pid` started (field 22 of its stat, in clock ticks of 1/100 s). */
function secondsSinceStart(pid: number): number {
  const start = Number(processStartTime(pid) ?? 0) / 100;
  const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  return uptime - start;
}

/** Runs the check once through exec's path: its exit code (-1 when it ran past its timeout) and its output. */
async function runCheck(env: Env, store: Store, rec: ContainerRecord, config: HealthConfig): Promise<{ code: number; output: string }> {
  const spec = execSpec(env, store, rec, { container: rec.id, latest: false, argv: healthArgv(config.Test), detach: false, interactive: false, tty: false, env: [], envFile: [], workdir: undefined, user: undefined, privileged: false });
  const h = env.sys.spawnPlan(joinPlan(spec), () => new BurrowError('E_HEALTHCHECK', `healthcheck of container ${rec.name}: the helper ended before the check ran`));
  const chunks: Buffer[] = [];
  let size = 0;
  const keep = (b: Buffer) => {
    if (size < 4 * MAX_OUTPUT) chunks.push(b);
    size += b.length;
  };
  h.stdout?.on('data', keep);
  h.stderr?.on('data', keep);
  h.stdin?.end();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    h.kill('SIGKILL');
  }, config.Timeout / 1e6);
  try {
    let code: number;
    try {
      code = await h.done;
    } catch (err) {
      // the helper's error (the command not found: 127, not executable: 126): a failed check, as podman's
      const exit = (err as { exitCode?: unknown }).exitCode;
      if (typeof exit !== 'number') throw err;
      return { code: exit, output: (err as Error).message };
    }
    if (timedOut) return { code: -1, output: `healthcheck command exceeded timeout of ${goDuration(config.Timeout)}` };
    return { code, output: Buffer.concat(chunks).toString('utf8') };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `healthcheck run`: checks the container once and records the result, as
 * podman's: a success makes it healthy; a failure after the start period
 * adds to its failing streak, and `Retries` failures in a row make it
 * unhealthy, whereupon its --health-on-failure action is taken. Returns the
 * status of this check's result (healthy or unhealthy).
 */
export async function runHealthcheck(env: Env, store: Store, ref: string, warn: (message: string) => void = () => undefined): Promise<'healthy' | 'unhealthy'> {
  const { containers } = store;
  const rec = containers.get(ref);
  const config = rec.healthcheck;
  if (!config) throw new BurrowError('E_NO_HEALTHCHECK', `container ${rec.name} has no defined healthcheck`);
  const notRunning = () => new BurrowError('E_NOT_RUNNING', `container ${rec.name} is not running`);
  const status = containers.status(rec);
  const run = currentRun(store, rec, status);
  if (run === undefined) throw notRunning();
  if (status.paused) throw new BurrowError('E_PAUSED', `container ${rec.name} is paused`);
  const start = new Date();
  const { code, output } = await runCheck(env, store, rec, config);
  const end = new Date();
  // The container ended (or was started again) meanwhile: a check that failed with it says nothing of its health.
  if (currentRun(store, rec)?.key !== run.key) throw notRunning();
  const healthy = code === 0;
  const inStartPeriod = secondsSinceStart(run.pid) * SECOND < config.StartPeriod;
  const path = join(containers.dir(rec.id), 'health.json');
  // Two checks of one container (the monitor's and a user's) record their results in turn.
  const state = await withLock(env.sys, join(containers.dir(rec.id), 'health.lock'), () => {
    const file = readJson<HealthFile | undefined>(path, undefined);
    const state = file && file.run === run.key ? stateOf(file) : fresh();
    const bytes = Buffer.from(output);
    const text = bytes.length > MAX_OUTPUT ? bytes.subarray(0, MAX_OUTPUT).toString('utf8') : output;
    state.Log = [...state.Log, { Start: start.toISOString(), End: end.toISOString(), ExitCode: code, Output: text }].slice(-MAX_LOG);
    if (healthy) {
      state.Status = 'healthy';
      state.FailingStreak = 0;
    } else if (!inStartPeriod) {
      state.FailingStreak++;
      if (state.FailingStreak >= config.Retries) state.Status = 'unhealthy';
    }
    atomicWriteFile(path, `${JSON.stringify({ run: run.key, ...state })}\n`, 0o600);
    return state;
  });
  recordEvent(env, { ID: rec.id, Image: rec.imageName, Name: rec.name, Status: 'health_status', Type: 'container', Attributes: { health_status: state.Status } });
  if (!healthy && state.Status === 'unhealthy') await onFailure(env, store, rec, run.key, warn);
  return healthy ? 'healthy' : 'unhealthy';
}

/** --health-on-failure: what is done to an unhealthy container (still in the run that was checked). */
async function onFailure(env: Env, store: Store, rec: ContainerRecord, runKey: string, warn: (message: string) => void): Promise<void> {
  const action = rec.healthOnFailure ?? 'none';
  if (action === 'none') return;
  const { killContainer, restartContainer, stopContainer } = await import('./container.js');
  const { containers } = store;
  await containers.locked(rec, async (current) => {
    if (currentRun(store, current)?.key !== runKey) return; // stopped or started again meanwhile
    if (action === 'kill') killContainer(store, current, { name: 'SIGKILL', number: 9 });
    else if (action === 'stop') await stopContainer(store, current, undefined, warn);
    else await restartContainer(env, store, current, undefined, warn); // its own --stop-timeout, as podman's
  });
}
