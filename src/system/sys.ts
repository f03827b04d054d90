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
import { ensureRuntimeDir, execAttach, execPlan, type HelperProcess, runHelperCommand, spawnPlan, startPlan, type StartOptions } from './launch.js';

export type { HelperProcess };
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
  /** openat2(RESOLVE_IN_ROOT): `path` as a process whose root is `rootFd` sees it, links followed inside it */
  openInRoot(rootFd: number, path: string, flags: number): number;
  /** pidfd_open(2); undefined when the process is gone */
  pidfdOpen(pid: number): number | undefined;
  /** pidfd_send_signal(2); false when the process is gone */
  pidfdSignal(pidfd: number, signal: number): boolean;
  /** Waits (off the event loop) up to `timeoutMs` for the process to end; true when it did. */
  pidfdWait(pidfd: number, timeoutMs: number): Promise<boolean>;
  /** fcntl(F_SETPIPE_SZ), best effort */
  setPipeSize(fd: number, bytes: number): void;
  /** pipe2(O_CLOEXEC): [read end, write end] */
  pipe(): [number, number];
}

export const LIBC: LibcCalls = {
  flock: libc.flock,
  tryFlock: libc.tryFlock,
  setPipeSize: libc.setPipeSize,
  pipe: libc.pipe,
  randomBytes: libc.randomBytes,
  mknod: libc.mknod,
  lsetxattr: libc.lsetxattr,
  lgetxattr: libc.lgetxattr,
  openBeneath: libc.openBeneath,
  openInRoot: libc.openInRoot,
  pidfdOpen: libc.pidfdOpen,
  pidfdSignal: libc.pidfdSignal,
  pidfdWait: libc.pidfdWait,
};

/** The calls above, the host's id mapping and the helper, for a command whose directories are known. */
export interface Sys extends LibcCalls {
  /** The invoking user's id mapping: /etc/subuid, /etc/subgid, and newuidmap/newgidmap found on PATH. */
  idMapping(): IdMapping;

  /** Replaces this process with the helper carrying out `plan`: never returns, but for a failure to exec. */
  execPlan(plan: Plan): Promise<never>;
  /** Replaces this process with `burrow-helper attach ARGS...` (a client of a monitor's attach socket). */
  execAttach(args: string[]): Promise<never>;
  /**
   * Starts the helper on `plan` in its own session, detached (a container in
   * the background): its pid, and `started`, which resolves once the command
   * runs or rejects with the helper's error, or `gone()` when it ended first.
   */
  startPlan(plan: Plan, gone: () => Error, opts?: StartOptions): { pid: number; started: Promise<void> };
  /** Starts the helper on `plan` as a child with pipes (a command joining a container); `gone()` as for startPlan. */
  spawnPlan(plan: Plan, gone: () => Error): HelperProcess;
  /** The runtime directory, made if it is not there (its fallback taken, with one warning, where it cannot be used). */
  runtimeDir(): string;
  /** Starts `argv` in a user namespace with the host's id mapping. */
  startInUserns(argv: string[], opts?: UsernsOptions): UsernsProcess;
  /** rm -rf in the user namespace, for trees that hold files of mapped ids. */
  removeTrees(trees: string[]): Promise<void>;
  /** Runs one of the helper's small subcommands (`burrow-helper ARGS...`) to its end; its Error: line is the rejection. */
  runHelper(args: string[]): Promise<void>;
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
    execAttach: (args) => {
      log.debug(`the helper ${helperPath()} takes over this process to attach: ${args.join(' ')}`);
      return execAttach(args);
    },
    startPlan: (plan, gone, opts) => {
      const started = startPlan(paths, plan, gone, opts);
      log.debug(`the helper ${helperPath()} runs a plan of ${plan.length} records in the background, pid ${started.pid}`);
      return started;
    },
    spawnPlan: (plan, gone) => {
      log.debug(`the helper ${helperPath()} runs a plan of ${plan.length} records`);
      return spawnPlan(paths, plan, gone);
    },
    runtimeDir: () => ensureRuntimeDir(paths),
    startInUserns: (argv, opts) => {
      log.debug(`running in a user namespace: ${argv.join(' ')}`);
      return startInUserns(paths, argv, opts);
    },
    removeTrees: (trees) => {
      if (trees.length > 0) log.debug(`removing in a user namespace: ${trees.join(' ')}`);
      return removeTrees(paths, trees);
    },
    runHelper: (args) => {
      log.debug(`running the helper: ${args.join(' ')}`);
      return runHelperCommand(args);
    },
  };
}
