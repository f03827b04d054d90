/**
 * The containers a lifecycle command (stop, kill, wait) acts on, as podman
 * picks them: the names and ids given, every one with -a, the newest with
 * -l, the ids in --cidfile files; those not found are errors, or skipped with
 * --ignore.
 */
import { readFileSync } from 'node:fs';

import { BurrowError, UsageError } from '../errors.js';
import type { ContainerRecord } from '../storage/containers.js';
import type { Store } from '../storage/store.js';

export interface TargetFlags {
  refs: string[];
  all?: boolean;
  latest?: boolean;
  cidfile?: string[];
  ignore?: boolean;
}

/** Each target as given (the ref podman prints back) with its record, or the error of one not found. */
export function targets(store: Store, command: string, flags: TargetFlags): { ref: string; rec?: ContainerRecord; error?: BurrowError }[] {
  const { containers } = store;
  const all = containers.list();
  const cidfile = flags.cidfile ?? [];
  const given = flags.refs.length > 0 || cidfile.length > 0;
  if ((flags.all || flags.latest) && given) throw new UsageError(`${flags.all ? '--all' : '--latest'} and containers cannot be used together`);
  if (flags.all && flags.latest) throw new UsageError('--all and --latest cannot be used together');
  if (flags.all) return all.map((rec) => ({ ref: rec.id, rec }));
  if (flags.latest) {
    const last = all.at(-1);
    if (!last) throw new BurrowError('E_NO_CONTAINER', 'no containers to choose the latest of');
    return [{ ref: last.id, rec: last }];
  }
  if (!given) throw new UsageError(`\`burrow ${command}\` requires at least one container name or id, or --all or --latest`);
  const refs = [...flags.refs];
  for (const file of cidfile) {
    let id: string;
    try {
      id = readFileSync(file, 'utf8').trim();
    } catch (err) {
      if (flags.ignore && (err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new BurrowError('E_CIDFILE', `read the container id file \`${file}\`: ${(err as Error).message}`);
    }
    refs.push(id);
  }
  const out: { ref: string; rec?: ContainerRecord; error?: BurrowError }[] = [];
  for (const ref of refs) {
    try {
      const rec = containers.find(ref, all);
      if (rec) out.push({ ref, rec });
      else if (!flags.ignore) out.push({ ref, error: new BurrowError('E_NO_CONTAINER', `no container with name or ID "${ref}" found: no such container`) });
    } catch (err) {
      if (!(err instanceof BurrowError)) throw err;
      out.push({ ref, error: err });
    }
  }
  return out;
}

/**
 * Acts on each target in turn, printing it as given once done, as podman's
 * stop and kill do; a failure is its `Error:` line and makes the exit 125,
 * and the others still go on.
 */
export async function eachTarget(
  list: { ref: string; rec?: ContainerRecord; error?: BurrowError }[],
  act: (rec: ContainerRecord) => Promise<void> | void,
  out: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  let code = 0;
  for (const { ref, rec, error } of list) {
    try {
      if (error) throw error;
      if (rec) await act(rec);
      out.stdout.write(`${ref}\n`);
    } catch (err) {
      if (!(err instanceof BurrowError)) throw err;
      out.stderr.write(`Error: ${err.message}\n`);
      code = 125;
    }
  }
  return code;
}
