/**
 * The fds the caller gave this process, which bwrap would pass on to the
 * command (it closes nothing it did not open itself).
 *
 * Node hides them: at start-up libuv's uv_disable_stdio_inheritance() marks
 * every fd from 0 up to the first closed one after 15 close-on-exec, and
 * Node's own fds (its event loops' epoll and eventfd, the pipe pairs of its
 * signal and thread wake-ups) then take the lowest free numbers, all
 * close-on-exec too. So: an fd without close-on-exec is the caller's; one
 * with it is Node's when it is an epoll, an eventfd, a signalfd or a timerfd,
 * or a pipe whose two ends this process holds both (Node's are pairs; a pipe
 * passed in is one end); anything else is the caller's. Called first thing,
 * before burrow opens anything of its own.
 */
import { readdirSync, readlinkSync } from 'node:fs';

/** FD_CLOEXEC, as F_GETFD gives it. */
const CLOEXEC = 1;

/** `flags(fd)`: the fd's F_GETFD flags (libc.ts's fdFlags). */
export function callerFds(flags: (fd: number) => number): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc/self/fd');
  } catch {
    return [];
  }
  const mine: number[] = [];
  const pipes = new Map<string, number[]>();
  for (const name of names) {
    const fd = Number(name);
    if (!(fd > 2)) continue;
    let link: string;
    try {
      link = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // the directory readdir itself had open
    }
    const f = flags(fd);
    if (f < 0) continue;
    if ((f & CLOEXEC) === 0) {
      mine.push(fd);
    } else if (/^anon_inode:\[(eventpoll|eventfd|signalfd|timerfd)\]$/.test(link)) {
      continue;
    } else if (link.startsWith('pipe:')) {
      pipes.set(link, [...(pipes.get(link) ?? []), fd]);
    } else {
      mine.push(fd);
    }
  }
  for (const fds of pipes.values()) if (fds.length === 1) mine.push(fds[0] as number);
  return mine.sort((x, y) => x - y);
}
