/**
 * A container's life from the command line: create (record, name, writable
 * layer), run it in the foreground (the helper takes over this process) or in
 * the background (`start` without -a: the helper stays as a small monitor),
 * and remove it. State that outlives burrow is written by the helper itself:
 * the exit code, and for `--rm` the clean-up it runs after the container.
 */
import { closeSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';

import { helperPath } from '../config/install.js';
import type { Paths } from '../config/paths.js';
import { BurrowError } from '../errors.js';
import type { ImageConfig } from '../oci/image.js';
import { type ContainerOptions, type ContainerRecord, processStartTime } from '../storage/containers.js';
import type { Digest } from '../oci/digest.js';
import type { ImageRecord, Store } from '../storage/store.js';
import { compilePlan, type ContainerSpec, type OverlaySpec } from './compile.js';
import { fuseOverlayfs, storageDriver } from '../storage/driver.js';
import { buildSpec, newContainerId } from './options.js';
import type { Plan } from '../system/plan.js';
import { CREATING, holdFile, sweepLeftovers } from '../storage/leftovers.js';
import type { Sys } from '../system/sys.js';
import { usernsPlan } from '../system/userns.js';
import { packageRoot } from '../config/install.js';

/** Where a command runs: burrow's directories, the host's environment and working directory (cli's Context is one). */
export interface Env {
  paths: Paths;
  env: NodeJS.ProcessEnv;
  cwd: string;
  sys: Sys;
  /** the store, opened once per command (cli/context.ts) */
  store(opts?: { containers?: boolean }): Promise<Store>;
}

/** Where a container's files are, computed once from its id, driver and layers. */
export interface ContainerLayout {
  dir: string;
  /** host path of the root filesystem: the copy, or the overlay's mount point */
  root: string;
  /** the overlay that makes `root` (none with the copy driver) */
  overlay: OverlaySpec | undefined;
  /** the image's layer directories, top first */
  layers: string[];
}

/** Where a container's root filesystem is (a host path), and the overlay that makes it, by its driver. */
export function containerLayout(store: Store, rec: Pick<ContainerRecord, 'id' | 'name' | 'driver' | 'layers'>): ContainerLayout {
  const dir = store.containers.dir(rec.id);
  const layers = rec.layers.map((c) => store.layerDiff(c as Digest)).reverse();
  if (rec.driver === 'copy') return { dir, root: join(dir, 'rootfs'), overlay: undefined, layers };
  const overlay: OverlaySpec = { lower: layers, upper: join(dir, 'upper'), work: join(dir, 'work') };
  if (rec.driver === 'fuse-overlayfs') {
    const fuse = fuseOverlayfs();
    if (!fuse) throw new BurrowError('E_FUSE', `container ${rec.name} uses fuse-overlayfs, which is not installed or cannot open /dev/fuse`);
    overlay.fuse = fuse;
  }
  return { dir, root: join(dir, 'merged'), overlay, layers };
}

/** A container's options applied and checked, ready to be compiled into a plan. */
export interface Prepared {
  spec: ContainerSpec;
  warnings: string[];
}

/** Applies the image's config and the container's options to its layout: the spec (every check happens here). */
function prepareContainer(env: Env, id: string, options: ContainerOptions, config: ImageConfig, layout: ContainerLayout): Prepared {
  const { dir, root, overlay, layers } = layout;
  // The image's layers are read for /etc/passwd, whatever the driver: the root is not mounted yet, nor the copy made.
  const source = { kind: 'image' as const, config, layers, root, overlay, volumesDir: join(dir, 'volumes') };
  const { spec, warnings } = buildSpec(options, { hostEnv: env.env, cwd: env.cwd, id, idmap: env.sys.idMapping(), root: source });
  spec.exitFile = join(dir, 'exit');
  return { spec, warnings };
}

/** The plan of a prepared container; with --rm, the clean-up plan the helper runs after it (written here). */
function compileContainer(env: Env, store: Store, rec: ContainerRecord, prepared: Prepared): { plan: Plan; cleanupFile?: string } {
  const spec = { ...prepared.spec };
  let cleanupFile: string | undefined;
  if (rec.options.rm) {
    // The helper removes the container after it ends: its files belong to mapped ids, so in a user namespace.
    const { containers } = store;
    cleanupFile = env.sys.writePlanFile(usernsPlan(['/bin/rm', '-rf', '--', containers.nameLink(rec.name), containers.dir(rec.id)], { idmap: env.sys.idMapping() }));
    spec.onExit = [helperPath(), 'run', '--unlink', cleanupFile];
  }
  return { plan: compilePlan(spec), cleanupFile };
}

/** The plan that runs a container from its record. */
function containerPlan(env: Env, store: Store, rec: ContainerRecord): { plan: Plan; warnings: string[]; cleanupFile?: string } {
  const prepared = prepareContainer(env, rec.id, rec.options, store.imageConfig(store.getImage(rec.image)), containerLayout(store, rec));
  return { ...compileContainer(env, store, rec, prepared), warnings: prepared.warnings };
}

/**
 * Creates a container of `image`: its record, name and writable layer. The
 * options are checked first, and what that prepared comes back for a run
 * that follows at once.
 */
export async function createContainer(
  env: Env,
  store: Store,
  image: ImageRecord,
  imageName: string,
  options: ContainerOptions,
  name: string | undefined,
): Promise<{ rec: ContainerRecord; prepared: Prepared }> {
  const { containers } = store;
  const id = newContainerId(env.sys);
  const driver = storageDriver(env.env);
  const layout = containerLayout(store, { id, name: name ?? id, driver, layers: image.layers });
  mkdirSync(layout.dir, { recursive: true, mode: 0o700 });
  // Held until the record is written: a container directory without a record whose `.creating`
  // no one holds is a killed create's, for the next command to remove (storage/leftovers.ts).
  const creating = holdFile(env.sys, join(layout.dir, CREATING));
  let reserved: string | undefined;
  try {
    for (const sub of driver === 'copy' ? [] : ['upper', 'work', 'merged']) mkdirSync(join(layout.dir, sub), { mode: 0o755 });
    const prepared = prepareContainer(env, id, options, store.imageConfig(image), layout); // every option checked now, not at start
    reserved = await reserveName(env, store, id, name);
    const rec: ContainerRecord = {
      id,
      name: reserved,
      image: image.id,
      imageName,
      created: new Date().toISOString(),
      argv: prepared.spec.argv,
      options,
      layers: image.layers,
      driver,
    };
    if (driver === 'copy') await materialize(env.sys, [...layout.layers].reverse(), layout.root);
    containers.write(rec);
    creating.release();
    return { rec, prepared };
  } catch (err) {
    creating.release();
    if (reserved) containers.releaseName(reserved);
    await env.sys.removeTrees([layout.dir]).catch(() => rmSync(layout.dir, { recursive: true, force: true }));
    throw err;
  }
}

/** Takes the name; one held by a `--rm` container whose monitor was killed is freed first (storage/leftovers.ts). */
async function reserveName(env: Env, store: Store, id: string, name: string | undefined): Promise<string> {
  const { containers } = store;
  try {
    return containers.reserveName(id, name);
  } catch (err) {
    if (!(err instanceof BurrowError && err.code === 'E_NAME_IN_USE')) throw err;
    await sweepLeftovers(store, { containers: true });
    return containers.reserveName(id, name);
  }
}

/** The copy driver: the image's layers (base first) merged into one directory, in a user namespace. */
async function materialize(sys: Sys, layers: string[], dest: string): Promise<void> {
  await sys.startInUserns([process.execPath, join(packageRoot, 'bin', 'burrow.cjs'), '--internal-worker', 'merge', dest, ...layers]).done;
}

/** Records which process runs the container (this one: the helper keeps its pid). */
function writeMonitor(store: Store, rec: ContainerRecord, pid: number): void {
  const start = processStartTime(pid) ?? '0';
  writeFileSync(join(store.containers.dir(rec.id), 'monitor'), `${pid} ${start} ${Date.now()}\n`, { mode: 0o600 });
}

function clearExit(store: Store, rec: ContainerRecord): void {
  rmSync(join(store.containers.dir(rec.id), 'exit'), { force: true });
}

/** Runs the container in the foreground (prepared already by createContainer, or now): never returns. */
export async function runForeground(env: Env, store: Store, rec: ContainerRecord, prepared?: Prepared): Promise<never> {
  const { plan, cleanupFile, warnings } = prepared ? { ...compileContainer(env, store, rec, prepared), warnings: prepared.warnings } : containerPlan(env, store, rec);
  for (const w of warnings) process.stderr.write(`Warning: ${w}\n`);
  try {
    clearExit(store, rec);
    writeMonitor(store, rec, process.pid);
    return await env.sys.execPlan(plan);
  } catch (err) {
    if (cleanupFile) rmSync(cleanupFile, { force: true });
    throw err;
  }
}

/**
 * Starts the container with the helper as a detached monitor, which opens the
 * container's log itself and writes into it what the container says (and its
 * own errors). Resolves once the container's command runs; a failed setup
 * step is the helper's HelperError from its status channel (system/status.ts).
 */
export async function startDetached(env: Env, store: Store, rec: ContainerRecord): Promise<void> {
  const detached = { ...rec, options: { ...rec.options, interactive: false, tty: false } };
  const prepared = prepareContainer(env, rec.id, detached.options, store.imageConfig(store.getImage(rec.image)), containerLayout(store, rec));
  prepared.spec.logFile = join(store.containers.dir(rec.id), 'ctr.log');
  const { plan } = compileContainer(env, store, detached, prepared);
  clearExit(store, rec);
  const { pid, started } = env.sys.startPlan(plan, () => new BurrowError('E_START', `start container ${rec.name}: the helper ended before the container ran (see its log)`));
  writeMonitor(store, rec, pid);
  await started;
}

/** The image's StopSignal ("SIGTERM", "TERM", "15"), as Node names it; SIGTERM by default. */
export function stopSignal(config: ImageConfig | undefined): NodeJS.Signals {
  const given = config?.config?.StopSignal?.trim().toUpperCase();
  if (!given) return 'SIGTERM';
  const signals = osConstants.signals as Record<string, number>;
  if (/^\d+$/.test(given)) {
    const name = Object.keys(signals).find((k) => signals[k] === Number(given));
    if (name) return name as NodeJS.Signals;
  }
  const name = given.startsWith('SIG') ? given : `SIG${given}`;
  if (name in signals) return name as NodeJS.Signals;
  throw new BurrowError('E_SIGNAL', `the image's StopSignal \`${config?.config?.StopSignal}\` is not a signal`);
}

/**
 * Stops a running container as podman does: its StopSignal (passed on by the
 * monitor), then SIGKILL after `timeout` seconds. The container dies with its
 * monitor (PR_SET_PDEATHSIG), so the monitor is what is signalled, through a
 * pidfd (no pid reuse in between), and waited for with one blocking poll on
 * that pidfd (no polling of /proc).
 */
export async function stopContainer(store: Store, rec: ContainerRecord, timeout: number): Promise<void> {
  const status = store.containers.status(rec);
  if (status.state !== 'running' || status.pid === undefined) return;
  const pid = status.pid;
  const signal = stopSignal(store.findImage(rec.image) ? store.imageConfig(store.getImage(rec.image)) : undefined);
  const { sys } = store;
  const pidfd = sys.pidfdOpen(pid);
  if (pidfd === undefined) return;
  try {
    // Opened after the status was read: it is that monitor's only if the pid still has the recorded start time.
    if (!store.containers.monitor(rec.id).alive) return;
    const signals = osConstants.signals as Record<string, number>;
    if (timeout > 0 && sys.pidfdSignal(pidfd, signals[signal] as number) && (await sys.pidfdWait(pidfd, timeout * 1000))) return;
    if (sys.pidfdSignal(pidfd, signals.SIGKILL as number)) await sys.pidfdWait(pidfd, 5000);
  } finally {
    closeSync(pidfd);
  }
}

/** Removes a container (after stopping it, with `force`). */
export async function removeContainer(env: Env, store: Store, rec: ContainerRecord, force: boolean, timeout = 10): Promise<void> {
  const { containers } = store;
  const status = containers.status(rec);
  if (status.state === 'running') {
    if (!force)
      throw new BurrowError('E_RUNNING', `cannot remove container ${rec.id} as it is running - running or paused containers cannot be removed without force`);
    await stopContainer(store, rec, timeout);
  }
  const trash = await store.lock(() => containers.detach(rec));
  // It is removed now (out of the list, its name free): a tree that resists stays in tmp/ for the next command.
  await env.sys.removeTrees([trash]).catch(() => undefined);
}
