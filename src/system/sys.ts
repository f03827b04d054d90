/**
 * The operating system as burrow uses it: the calls made through koffi
 * (libc.ts) and the helper, which does what Node cannot (plans, programs in
 * a user namespace). Modules above reach these through a Sys they are given
 * (a command's Context carries one, a Store holds one), never by importing
 * libc.ts, launch.ts or userns.ts themselves, so that a test can give them
 * the recording fake of test/helpers/fake-sys.ts and run the store, the plan
 * compiler and a container's life without namespaces or the compiled helper.
 *
 * The layer code (src/layers/) runs inside the user namespace, in the worker
 * the helper starts, and needs only the libc part (LibcCalls), which
 * worker.ts gives it.
 */
import { helperPath } from '../config/install.js';
import type { Paths } from '../config/paths.js';
import { type Logger, SILENT } from '../log.js';
import { hostIdMapping, type IdMapping } from './idmap.js';
import * as libc from './libc.js';
import { execPlan, startPlan, writePlanFile } from './launch.js';
import type { Plan } from './plan.js';
import { removeTrees, startInUserns, type UsernsOptions, type UsernsProcess } from './userns.js';

/** The calls made through koffi: all the layer code (src/layers/) needs, inside the user namespace. */
export interface LibcCalls {
  flock(fd: number, exclusive: boolean): void;
  /** false when another process holds it */
  tryFlock(fd: number, exclusive: boolean): boolean;
  randomBytes(n: number): Buffer;
  mknod(path: string, mode: number, dev?: bigint): void;
  lsetxattr(path: string, name: string, value: Buffer): void;
  lgetxattr(path: string, name: string): Buffer | undefined;
  /** openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS): a path beneath `dirFd`, no link followed */
  openBeneath(dirFd: number, rel: string, flags: number): number;
}

export const LIBC: LibcCalls = {
  flock: libc.flock,
  tryFlock: libc.tryFlock,
  randomBytes: libc.randomBytes,
  mknod: libc.mknod,
  lsetxattr: libc.lsetxattr,
  lgetxattr: libc.lgetxattr,
  openBeneath: libc.openBeneath,
};

/** The calls above, the host's id mapping and the helper, for a command whose directories are known. */
export interface Sys extends LibcCalls {
  /** The invoking user's id mapping: /etc/subuid, /etc/subgid, and newuidmap/newgidmap found on PATH. */
  idMapping(): IdMapping;

  /** Replaces this process with the helper carrying out `plan`: never returns, but for a failure to exec. */
  execPlan(plan: Plan): Promise<never>;
  /** Starts the helper on `plan` in its own session, stdout and stderr to `output` (an fd); its pid. */
  startPlan(plan: Plan, output: number): number;
  /** Writes `plan` to a private file of the runtime directory for a helper started later (the clean-up after --rm). */
  writePlanFile(plan: Plan): string;
  /** Starts `argv` in a user namespace with the host's id mapping. */
  startInUserns(argv: string[], opts?: UsernsOptions): UsernsProcess;
  /** rm -rf in the user namespace, for trees that hold files of mapped ids. */
  removeTrees(trees: string[]): Promise<void>;
}

/** The real system, for the command that has `paths` and the host's environment `env`. */
export function realSys(paths: Paths, env: NodeJS.ProcessEnv = process.env, log: Logger = SILENT): Sys {
  return {
    ...LIBC,
    idMapping: () => hostIdMapping(env),
    execPlan: (plan) => {
      log.debug(`the helper ${helperPath()} takes over this process with a plan of ${plan.length} records`);
      return execPlan(paths, plan);
    },
    startPlan: (plan, output) => {
      const pid = startPlan(paths, plan, output);
      log.debug(`the helper ${helperPath()} runs a plan of ${plan.length} records in the background, pid ${pid}`);
      return pid;
    },
    writePlanFile: (plan) => {
      const file = writePlanFile(paths, plan);
      log.debug(`plan of ${plan.length} records written to ${file}`);
      return file;
    },
    startInUserns: (argv, opts) => {
      log.debug(`running in a user namespace: ${argv.join(' ')}`);
      return startInUserns(paths, argv, opts);
    },
    removeTrees: (trees) => {
      if (trees.length > 0) log.debug(`removing in a user namespace: ${trees.join(' ')}`);
      return removeTrees(paths, trees);
    },
  };
}
