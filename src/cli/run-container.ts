/**
 * What `burrow run` does with its options, apart from clipanion: RunCommand
 * calls it with its parsed fields, and so does dist/fast.cjs (src/fast.ts),
 * which parses plain `run` lines itself to start a container without loading
 * clipanion (start-up time). So nothing here imports clipanion.
 */
import { writeSync } from 'node:fs';

import { UsageError } from '../errors.js';
import type { Env } from '../runtime/container.js';
import type { RunOptions } from '../storage/containers.js';
import type { ContainerOptions } from '../storage/containers.js';
import type { Context } from './context.js';

/**
 * The options `run` and `create` share (src/cli/options/container.ts declares them): what a
 * container record keeps (RunOptions), with --entrypoint as typed, and the image, command, name and --rm.
 */
export interface ContainerFields extends Omit<RunOptions, 'command' | 'entrypoint'> {
  name: string | undefined;
  entrypoint: string | undefined;
  rm: boolean;
  target: string;
  args: string[];
}

export interface RunFields extends ContainerFields {
  rootfs: string | undefined;
}

/** --entrypoint as podman reads it: a JSON array, or one program. */
export function entrypointArgv(entrypoint: string | undefined): string[] | undefined {
  if (entrypoint === undefined) return undefined;
  if (entrypoint.startsWith('[')) {
    try {
      const parsed = JSON.parse(entrypoint) as unknown;
      if (Array.isArray(parsed) && parsed.every((s) => typeof s === 'string')) return parsed as string[];
    } catch {
      // not JSON: a program name
    }
  }
  return entrypoint === '' ? [] : [entrypoint];
}

export function containerOptions(f: ContainerFields, command: string[]): ContainerOptions {
  return {
    command,
    entrypoint: entrypointArgv(f.entrypoint),
    env: f.env,
    envFile: f.envFile,
    workdir: f.workdir,
    hostname: f.hostname,
    user: f.user,
    volume: f.volume,
    tmpfs: f.tmpfs,
    readOnly: f.readOnly,
    network: f.network,
    interactive: f.interactive,
    tty: f.tty,
    init: f.init,
    capAdd: f.capAdd,
    capDrop: f.capDrop,
    securityOpt: f.securityOpt,
    ulimit: f.ulimit,
    rm: f.rm,
  };
}

export function envOf(context: Context): Env {
  return { paths: context.paths, hostEnv: context.env, cwd: context.cwd };
}

/** Runs the container in the foreground; returns only when it could not start (the helper takes over otherwise). */
export async function runContainer(f: RunFields, context: Context): Promise<number> {
  const env = envOf(context);
  // An empty --rootfs (an unset "$rootfs") would run on the current directory, writable in place: as podman, refuse it.
  if (f.rootfs === '') throw new UsageError('must set root filesystem source: --rootfs is empty');
  if (f.rootfs !== undefined) {
    // --rootfs: no image and no record; the first word is the command.
    if (f.name !== undefined) throw new UsageError('--name needs an image: a --rootfs container keeps no record');
    const { buildSpec, newContainerId } = await import('../runtime/options.js');
    const { compilePlan } = await import('../runtime/compile.js');
    const { execPlan } = await import('../system/launch.js');
    const { spec, warnings } = buildSpec(containerOptions(f, [f.target, ...f.args]), {
      hostEnv: env.hostEnv,
      cwd: env.cwd,
      id: newContainerId(),
      root: { kind: 'rootfs', path: f.rootfs },
    });
    // Written directly: the stderr stream would load tty/net for one line (start-up time).
    for (const w of warnings) writeSync(2, `Warning: ${w}\n`);
    return execPlan(context.paths, compilePlan(spec));
  }
  // Loaded here: the store and container code are not needed by --rootfs (start-up time).
  const { openStore } = await import('./store.js');
  const { createContainer, removeContainer, runForeground } = await import('../runtime/container.js');
  const store = (await openStore(context)).init();
  const image = store.getImage(f.target);
  const { rec, prepared } = await createContainer(env, store, image, f.target, containerOptions(f, f.args), f.name);
  try {
    return await runForeground(env, store, rec, prepared);
  } catch (err) {
    // It never ran: a --rm container goes again.
    if (f.rm) await removeContainer(env, store, rec, true).catch(() => undefined);
    throw err;
  }
}
