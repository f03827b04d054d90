/**
 * The pods a pod command acts on, as podman picks them: the names and ids
 * given, every one with -a, the newest with -l; one not found is an error,
 * or skipped with --ignore. Each is acted on in turn, its id printed when it
 * worked, and each failure printed as podman prints it (one `Error:` line
 * per container that failed); the exit code is 125 when any failed (or what
 * `codeOf` says for its error).
 */
import { BurrowError, UsageError } from '../errors.js';
import type { PodRecord } from '../storage/pods.js';
import type { Store } from '../storage/store.js';
import type { Context } from './context.js';

export interface PodTargetFlags {
  refs: string[];
  all?: boolean;
  latest?: boolean;
  ignore?: boolean;
}

export function podTargets(store: Store, command: string, flags: PodTargetFlags): { ref: string; pod?: PodRecord; error?: BurrowError }[] {
  const all = store.pods.list();
  const given = flags.refs.length > 0;
  if ((flags.all || flags.latest) && given) throw new UsageError(`${flags.all ? '--all' : '--latest'} and pods cannot be used together`);
  if (flags.all && flags.latest) throw new UsageError('--all and --latest cannot be used together');
  if (flags.all) return all.map((pod) => ({ ref: pod.id, pod }));
  if (flags.latest) {
    const last = all.at(-1);
    if (!last) throw new BurrowError('E_NO_POD', 'no pods to choose the latest of');
    return [{ ref: last.id, pod: last }];
  }
  if (!given) throw new UsageError(`\`burrow ${command}\` requires at least one pod name or id, or --all or --latest`);
  const out: { ref: string; pod?: PodRecord; error?: BurrowError }[] = [];
  for (const ref of flags.refs) {
    try {
      const pod = store.pods.find(ref, all);
      if (pod) out.push({ ref, pod });
      else if (!flags.ignore) out.push({ ref, error: new BurrowError('E_NO_POD', `no pod with name or ID ${ref} found: no such pod`) });
    } catch (err) {
      if (!(err instanceof BurrowError)) throw err;
      out.push({ ref, error: err });
    }
  }
  return out;
}

/** Runs `act` on each target under its lock, printing its id; the exit code (125 when any failed). */
export async function eachPod(
  context: Context,
  store: Store,
  command: string,
  flags: PodTargetFlags,
  act: (pod: PodRecord) => Promise<void> | void,
  codeOf: (err: BurrowError) => number = () => 125,
): Promise<number> {
  let code = 0;
  for (const { pod, error } of podTargets(store, command, flags)) {
    try {
      if (error) throw error;
      await store.pods.locked(pod as PodRecord, act);
      context.stdout.write(`${(pod as PodRecord).id}\n`);
    } catch (err) {
      if (!(err instanceof BurrowError)) throw err;
      if (flags.ignore && err.code === 'E_NO_POD') continue;
      for (const line of err.message.split('\n')) context.stderr.write(`Error: ${line}\n`);
      code = Math.max(code, codeOf(err));
    }
  }
  return code;
}
