/**
 * The libc calls Node lacks, bound through koffi. This is the only module that
 * touches koffi (DESIGN.md). It is loaded late, only by the commands that need
 * it, and loads koffi's native module directly: koffi's own index.js costs
 * about 5 ms of start-up to find it (measured), the module itself 0.5 ms.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

import { packageRoot } from '../config/install.js';

type Koffi = typeof import('koffi');

interface Libc {
  execve(path: string, argv: (string | null)[], envp: (string | null)[]): number;
  fcntl(fd: number, cmd: number, ...args: unknown[]): number;
  errno(): number;
}

const F_GETFD = 1;
const F_SETFD = 2;
const FD_CLOEXEC = 1;

let libc: Libc | undefined;

function loadKoffi(): Koffi {
  const direct = `${packageRoot}node_modules/koffi/build/koffi/${process.platform}_${process.arch}/koffi.node`;
  if (existsSync(direct)) {
    const mod = { exports: {} as Koffi };
    process.dlopen(mod, direct);
    return mod.exports;
  }
  return createRequire(`${packageRoot}package.json`)('koffi') as Koffi;
}

function load(): Libc {
  if (libc) return libc;
  const koffi = loadKoffi();
  const lib = koffi.load('libc.so.6');
  libc = {
    execve: lib.func('int execve(const char *path, const char **argv, const char **envp)') as Libc['execve'],
    fcntl: lib.func('int fcntl(int fd, int cmd, ...)') as Libc['fcntl'],
    errno: () => koffi.errno(),
  };
  return libc;
}

/**
 * Replaces this process with `path` (DESIGN.md §5). Node marks fds 0-2
 * close-on-exec, so that flag is cleared first; the helper resets the signal
 * dispositions Node changed and closes the fds Node leaks.
 * Returns only on failure, with the errno.
 */
export function execve(path: string, argv: string[], env: NodeJS.ProcessEnv): number {
  const c = load();
  for (const fd of [0, 1, 2]) {
    const flags = c.fcntl(fd, F_GETFD);
    if (flags >= 0 && flags & FD_CLOEXEC) c.fcntl(fd, F_SETFD, 'int', flags & ~FD_CLOEXEC);
  }
  const envp = Object.entries(env)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${v}`);
  c.execve(path, [...argv, null], [...envp, null]);
  return c.errno();
}
