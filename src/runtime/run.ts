/**
 * `run`: a container from a root filesystem given with --rootfs (no record,
 * nothing in the store), or from an image (created, then run in the
 * foreground). The fast path (src/fast.ts) comes here too, so this file
 * loads at its top only what both need: the plan code for --rootfs, the
 * store and the container code for an image are loaded when used.
 */
import type { VolumeInputs } from './volumes.js';
import { mkdirSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import { BurrowError, UsageError } from '../errors.js';
import type { ContainerOptions } from '../storage/containers.js';
import type { Env } from './container.js';
import type { PullRequest } from './pull-policy.js';
import { parseDetachKeys } from './attach-args.js';

export interface RunRequest {
  /** the image; with `rootfs`, none (the command is all in the options) */
  image: string | undefined;
  /** --rootfs: a host directory to run on, in place */
  rootfs: string | undefined;
  name: string | undefined;
  /** -d: start it with the helper as its monitor, print its id and return */
  detach: boolean;
  /** --detach-keys: what leaves a -it container running (podman's format) */
  detachKeys?: string;
  /** --sig-proxy: signals to this process are passed on to the container (false: they end only this process) */
  sigProxy?: boolean;
  /** --cidfile: the file the container's id is written to */
  cidfile: string | undefined;
  /** --replace: a container of the same name is removed first */
  replace?: boolean;
  /** --pull and its flags: when and how the image is pulled from its registry */
  pull: PullRequest;
  /** --mount, --volumes-from (folded into the record's -v and --tmpfs at create: runtime/volumes.ts) */
  volumeInputs?: VolumeInputs;
  options: ContainerOptions;
}

/**
 * Runs the container in the foreground (returns only when it could not start:
 * the helper takes over otherwise), or with -d in the background: its id
 * printed once its command runs.
 */
export async function runContainer(req: RunRequest, env: Env): Promise<number> {
  // An empty --rootfs (an unset "$rootfs") would run on the current directory, writable in place: as podman, refuse it.
  if (req.rootfs === '') throw new UsageError('must set root filesystem source: --rootfs is empty');
  if (req.detachKeys !== undefined) parseDetachKeys(req.detachKeys); // checked before anything is made
  if (req.replace && req.name === undefined) throw new UsageError('cannot replace container without --name being set');
  if (req.rootfs !== undefined) return runRootfs(req.rootfs, req, env);
  if (req.image === undefined) throw new UsageError('requires at least 1 arg(s), only received 0');
  const { createContainer, removeContainer, replaceNamed, runForeground, startDetached } = await import('./container.js');
  const store = (await env.store()).init();
  const { imageFor } = await import('./pull-policy.js');
  const image = await imageFor(env, store, req.image, req.pull, (line) => writeSync(2, `${line}\n`));
  if (req.replace && req.name !== undefined) await replaceNamed(env, store, req.name, (w) => writeSync(2, `Warning: ${w}\n`));
  const { rec, prepared } = await createContainer(env, store, image, req.image, req.options, req.name, req.cidfile, req.volumeInputs);
  try {
    if (req.detach) {
      await startDetached(env, store, rec, prepared);
      writeSync(1, `${rec.id}\n`);
      return 0;
    }
    return await runForeground(env, store, rec, prepared, req.detachKeys, req.sigProxy ?? true);
  } catch (err) {
    // It never ran: a --rm container goes again.
    if (req.options.rm) await removeContainer(env, store, rec, true).catch(() => undefined);
    // As podman's run -d: 126 for a command that cannot be executed, 127 for one not found (the helper's HelperError).
    const code = (err as { exitCode?: unknown }).exitCode;
    if (req.detach && err instanceof BurrowError && (code === 126 || code === 127)) {
      writeSync(2, `Error: ${err.message}\n`);
      return code;
    }
    throw err;
  }
}

/** --rootfs: no image and no record. */
async function runRootfs(rootfs: string, req: RunRequest, env: Env): Promise<number> {
  if (req.name !== undefined) throw new UsageError('--name needs an image: a --rootfs container keeps no record');
  if (req.options.pod !== undefined) throw new UsageError('--pod needs an image: a --rootfs container keeps no record to join a pod with');
  if (req.detach) throw new UsageError('--detach needs an image: a --rootfs container keeps no record to find it by');
  if (req.sigProxy === false) throw new UsageError('--sig-proxy=false needs an image: a --rootfs container is this process\'s child and ends with it');
  if (req.cidfile !== undefined) throw new UsageError('--cidfile needs an image: a --rootfs container keeps no record');
  if (req.options.stopSignal !== undefined || req.options.stopTimeout !== undefined)
    throw new UsageError('--stop-signal and --stop-timeout need an image: a --rootfs container keeps no record for stop to find');
  if (req.options.logDriver !== undefined || req.options.logOpt !== undefined) throw new UsageError('--log-driver and --log-opt need an image and -d: a --rootfs container writes to your terminal');
  if ((req.volumeInputs?.volumesFrom.length ?? 0) > 0) throw new UsageError('--volumes-from needs an image: a --rootfs container has no record to share volumes with');
  if (req.options.restart !== undefined && req.options.restart !== 'no') throw new UsageError('--restart needs an image: a --rootfs container keeps no record for its monitor to run again');
  if (req.options.health !== undefined) throw new UsageError('--health-cmd and the other healthcheck options need an image: a --rootfs container keeps no record to check');
  if (req.volumeInputs && req.volumeInputs.mount.length > 0) {
    // Binds and tmpfs only: a named volume needs the store (parseVolume refuses it).
    const { parseMount } = await import('./volumes.js');
    const volume = [...req.options.volume];
    const tmpfs = [...req.options.tmpfs];
    for (const m of req.volumeInputs.mount) {
      const { volume: v, tmpfs: t } = parseMount(m);
      if (v !== undefined) volume.push(v);
      if (t !== undefined) tmpfs.push(t);
    }
    req = { ...req, options: { ...req.options, volume, tmpfs } };
  }
  const { buildSpec, newContainerId } = await import('./options.js');
  const { compilePlan } = await import('./compile.js');
  const id = newContainerId(env.sys);
  const { spec, warnings } = buildSpec(req.options, {
    hostEnv: env.env,
    cwd: env.cwd,
    id,
    idmap: env.sys.idMapping(),
    root: { kind: 'rootfs', path: rootfs },
    configDir: env.paths.config,
    runtimeDir: env.paths.runtime,
  });
  // Written directly: the stderr stream would load tty/net for one line (start-up time).
  for (const w of warnings) writeSync(2, `Warning: ${w}\n`);
  if (spec.network.ports.length > 0) await (await import('../network/probe.js')).checkPortsFree(spec.network.ports);
  // Its name files in a directory of its own in burrow's data directory (private, unlike a runtime
  // directory may be), made here and nowhere else, which the monitor removes when the container ends.
  const { writeNameFiles } = await import('./namefiles.js');
  const parent = join(env.paths.data, 'rootfs-run');
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  const dir = join(parent, id.slice(0, 16));
  mkdirSync(dir, { mode: 0o700 });
  writeNameFiles(dir, spec.network.files);
  // (with its slirp4netns API socket, which slirp4netns leaves behind)
  spec.onExit = ['/bin/rm', '-rf', '--', dir, (await import('../network/setup.js')).slirpSocketPath(env.paths.runtime, id)];
  try {
    return await env.sys.execPlan(compilePlan(spec));
  } finally {
    // Only reached when the helper could not take over: no monitor will remove it.
    rmSync(dir, { recursive: true, force: true });
  }
}
