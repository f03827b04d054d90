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
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** O_CLOEXEC as /proc/PID/fdinfo's flags show it (octal 02000000). */
const CLOEXEC = 0o2000000;

export function callerFds(): number[] {
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
    let flags: number;
    try {
      link = readlinkSync(`/proc/self/fd/${fd}`);
      flags = Number.parseInt(/^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1] ?? '0', 8);
    } catch {
      continue; // the directory readdir itself had open
    }
    if ((flags & CLOEXEC) === 0) {
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
