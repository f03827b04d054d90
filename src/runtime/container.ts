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
import type { Readable } from 'node:stream';

import { helperPath } from '../config/install.js';
import type { Paths } from '../config/paths.js';
import { BurrowError } from '../errors.js';
import { builtin } from '../system/lazy.js';
import type { ImageConfig } from '../image/oci.js';
import { containerArgv } from '../image/oci.js';
import { type ContainerOptions, type ContainerRecord, Containers, processStartTime } from '../storage/containers.js';
import type { Digest } from '../storage/digest.js';
import { type ImageRecord, Store } from '../storage/store.js';
import { compilePlan, type ContainerSpec, type OverlaySpec } from './compile.js';
import { fuseOverlayfs, storageDriver } from './driver.js';
import { execPlan, writePlanFile } from './launch.js';
import { buildSpec, newContainerId } from './options.js';
import type { Plan } from './plan.js';
import { CREATING, holdFile, sweepLeftovers } from './leftovers.js';
import { StatusChannel } from './status.js';
import { removeTrees, runInUserns, usernsPlan } from './userns.js';
import { packageRoot } from '../config/install.js';

export interface Env {
  paths: Paths;
  hostEnv: NodeJS.ProcessEnv;
  cwd: string;
}

function layerDirsTopFirst(store: Store, layers: string[]): string[] {
  return layers.map((c) => store.layerDiff(c as Digest)).reverse();
}

/** Where a container's root filesystem is (a host path), and the overlay that makes it, by its driver. */
export function containerRoot(store: Store, rec: ContainerRecord): { root: string; overlay: OverlaySpec | undefined } {
  const dir = new Containers(store).dir(rec.id);
  if (rec.driver === 'copy') return { root: join(dir, 'rootfs'), overlay: undefined };
  const overlay: OverlaySpec = {
    lower: layerDirsTopFirst(store, rec.layers),
    upper: join(dir, 'upper'),
    work: join(dir, 'work'),
  };
  if (rec.driver === 'fuse-overlayfs') {
    const fuse = fuseOverlayfs();
    if (!fuse) throw new BurrowError('E_FUSE', `container ${rec.name} uses fuse-overlayfs, which is not installed or cannot open /dev/fuse`);
    overlay.fuse = fuse;
  }
  return { root: join(dir, 'merged'), overlay };
}

/** The plan that runs a container from its record. */
/** A container's options applied and checked, ready to be compiled into a plan. */
export interface Prepared {
  spec: ContainerSpec;
  warnings: string[];
}

/** Applies the image's config and the container's options (every check happens here). */
export function prepareContainer(env: Env, store: Store, rec: ContainerRecord, config: ImageConfig): Prepared {
  const dir = new Containers(store).dir(rec.id);
  const { root: rootfs, overlay } = containerRoot(store, rec);
  // The image's own settings; the layers are read for /etc/passwd (the root is not mounted yet).
  const root = {
    kind: 'image' as const,
    config,
    // (the image's layers for every driver: the copy driver's copy may not be made yet)
    layers: layerDirsTopFirst(store, rec.layers),
    merged: rootfs,
    upper: overlay?.upper ?? '',
    work: overlay?.work ?? '',
    volumesDir: join(dir, 'volumes'),
  };
  const { spec, warnings } = buildSpec(
    rec.options,
    { hostEnv: env.hostEnv, cwd: env.cwd, id: rec.id, root },
  );
  spec.overlay = overlay;
  spec.exitFile = join(dir, 'exit');
  return { spec, warnings };
}

/** The plan of a prepared container; with --rm, the clean-up plan the helper runs after it (written here). */
function compileContainer(env: Env, store: Store, rec: ContainerRecord, prepared: Prepared): { plan: Plan; cleanupFile?: string } {
  const spec = { ...prepared.spec };
  let cleanupFile: string | undefined;
  if (rec.options.rm) {
    // The helper removes the container after it ends: its files belong to mapped ids, so in a user namespace.
    const containers = new Containers(store);
    cleanupFile = writePlanFile(env.paths, usernsPlan(['/bin/rm', '-rf', '--', containers.nameLink(rec.name), containers.dir(rec.id)], {}));
    spec.onExit = [helperPath(), 'run', '--unlink', cleanupFile];
  }
  return { plan: compilePlan(spec), cleanupFile };
}

/** The plan that runs a container from its record. */
export function containerPlan(env: Env, store: Store, rec: ContainerRecord, config: ImageConfig): { plan: Plan; warnings: string[]; cleanupFile?: string } {
  const prepared = prepareContainer(env, store, rec, config);
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
  const containers = new Containers(store);
  const config = store.imageConfig(image);
  const id = newContainerId();
  const driver = storageDriver(env.hostEnv);
  const rec: ContainerRecord = {
    id,
    name: '',
    image: image.id,
    imageName,
    created: new Date().toISOString(),
    argv: containerArgv(config, options.command, options.entrypoint),
    options,
    layers: image.layers,
    driver,
  };
  const dir = containers.dir(id);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Held until the record is written: a container directory without a record whose `.creating`
  // no one holds is a killed create's, for the next command to remove (runtime/leftovers.ts).
  const creating = holdFile(join(dir, CREATING));
  let prepared: Prepared;
  try {
    for (const sub of driver === 'copy' ? [] : ['upper', 'work', 'merged']) mkdirSync(join(dir, sub), { mode: 0o755 });
    prepared = prepareContainer(env, store, rec, config); // every option checked now, not at start
    rec.name = await reserveName(env, store, id, name);
    if (driver === 'copy') await materialize(env.paths, store, image, join(dir, 'rootfs'));
    containers.write(rec);
    creating.release();
  } catch (err) {
    creating.release();
    if (rec.name) containers.releaseName(rec.name);
    await removeTrees(env.paths, [dir]).catch(() => rmSync(dir, { recursive: true, force: true }));
    throw err;
  }
  return { rec, prepared };
}

/** Takes the name; one held by a `--rm` container whose monitor was killed is freed first (runtime/leftovers.ts). */
async function reserveName(env: Env, store: Store, id: string, name: string | undefined): Promise<string> {
  const containers = new Containers(store);
  try {
    return containers.reserveName(id, name);
  } catch (err) {
    if (!(err instanceof BurrowError && err.code === 'E_NAME_IN_USE')) throw err;
    await sweepLeftovers(store, env.paths, { containers: true });
    return containers.reserveName(id, name);
  }
}

/** The copy driver: the image's layers merged into one directory, in a user namespace. */
async function materialize(paths: Paths, store: Store, image: ImageRecord, dest: string): Promise<void> {
  const layers = image.layers.map((c) => store.layerDiff(c as Digest));
  await runInUserns(paths, [process.execPath, join(packageRoot, 'bin', 'burrow.cjs'), '--internal-worker', 'merge', dest, ...layers], {});
}

/** Records which process runs the container (this one: the helper keeps its pid). */
function writeMonitor(store: Store, rec: ContainerRecord, pid: number): void {
  const start = processStartTime(pid) ?? '0';
  writeFileSync(join(new Containers(store).dir(rec.id), 'monitor'), `${pid} ${start} ${Date.now()}\n`, { mode: 0o600 });
}

function clearExit(store: Store, rec: ContainerRecord): void {
  rmSync(join(new Containers(store).dir(rec.id), 'exit'), { force: true });
}

/** Runs the container in the foreground (prepared already by createContainer, or now): never returns. */
export async function runForeground(env: Env, store: Store, rec: ContainerRecord, prepared?: Prepared): Promise<never> {
  const ready = prepared ?? prepareContainer(env, store, rec, store.imageConfig(store.getImage(rec.image)));
  const { plan, cleanupFile } = compileContainer(env, store, rec, ready);
  for (const w of ready.warnings) process.stderr.write(`Warning: ${w}\n`);
  try {
    clearExit(store, rec);
    writeMonitor(store, rec, process.pid);
    return await execPlan(env.paths, plan);
  } catch (err) {
    if (cleanupFile) rmSync(cleanupFile, { force: true });
    throw err;
  }
}

/** The status channel's fd in a detached helper (after its stdin, stdout and stderr). */
const STATUS_FD = 3;

/**
 * Starts the container with the helper as a detached monitor; output goes to
 * the container's log. Resolves once the container's command runs; a failed
 * setup step is a HelperError from the status channel (runtime/status.ts).
 */
export async function startDetached(env: Env, store: Store, rec: ContainerRecord): Promise<void> {
  const config = store.imageConfig(store.getImage(rec.image));
  const detached = { ...rec, options: { ...rec.options, interactive: false, tty: false } };
  const prepared = prepareContainer(env, store, detached, config);
  // The monitor opens the log itself and writes into it what the container says (and its own errors).
  prepared.spec.logFile = join(new Containers(store).dir(rec.id), 'ctr.log');
  const { plan } = compileContainer(env, store, detached, prepared);
  const file = writePlanFile(env.paths, plan);
  clearExit(store, rec);
  const { spawn } = builtin<typeof import('node:child_process')>('node:child_process');
  const child = spawn(helperPath(), ['run', '--status-fd', String(STATUS_FD), '--unlink', file], { detached: true, stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  if (child.pid === undefined) throw new BurrowError('E_START', `start container ${rec.name}: the helper did not start`);
  writeMonitor(store, rec, child.pid);
  const pipe = child.stdio[STATUS_FD] as Readable;
  const status = new StatusChannel(pipe);
  child.unref();
  try {
    await status.started(() => new BurrowError('E_START', `start container ${rec.name}: the helper ended before the container ran (see its log)`));
  } finally {
    // The monitor outlives this command: what it says later (the exit) goes nowhere.
    pipe.destroy();
  }
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
  const status = new Containers(store).status(rec);
  if (status.state !== 'running' || status.pid === undefined) return;
  const pid = status.pid;
  const signal = stopSignal(store.findImage(rec.image) ? store.imageConfig(store.getImage(rec.image)) : undefined);
  const { pidfdOpen, pidfdSignal, pidfdWait } = await import('../system/libc.js');
  const pidfd = pidfdOpen(pid);
  if (pidfd === undefined) return;
  try {
    // Opened after the status was read: it is that monitor's only if the pid still has the recorded start time.
    if (!new Containers(store).monitor(rec.id).alive) return;
    const signals = osConstants.signals as Record<string, number>;
    if (timeout > 0 && pidfdSignal(pidfd, signals[signal] as number) && (await pidfdWait(pidfd, timeout * 1000))) return;
    if (pidfdSignal(pidfd, signals.SIGKILL as number)) await pidfdWait(pidfd, 5000);
  } finally {
    closeSync(pidfd);
  }
}

/** Removes a container (after stopping it, with `force`). */
export async function removeContainer(env: Env, store: Store, rec: ContainerRecord, force: boolean, timeout = 10): Promise<void> {
  const containers = new Containers(store);
  const status = containers.status(rec);
  if (status.state === 'running') {
    if (!force)
      throw new BurrowError('E_RUNNING', `cannot remove container ${rec.id} as it is running - running or paused containers cannot be removed without force`);
    await stopContainer(store, rec, timeout);
  }
  const trash = await store.lock(() => containers.detach(rec));
  // It is removed now (out of the list, its name free): a tree that resists stays in tmp/ for the next command.
  await removeTrees(env.paths, [trash]).catch(() => undefined);
}
