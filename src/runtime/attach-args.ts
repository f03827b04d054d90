/**
 * The helper's attach client's arguments (helpers/attach.c), for `attach`
 * and for `run -it`, which is a detached container with a terminal attached
 * at once: --detach-keys parsed as docker and podman read them.
 */
import { UsageError } from '../errors.js';

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

/** ctrl-@ is 0, ctrl-a 1 … ctrl-z 26, then ctrl-[ ctrl-\ ctrl-] ctrl-^ ctrl-_ (docker's term.ToBytes). */
const CONTROL = ['@', ...'abcdefghijklmnopqrstuvwxyz', '[', '\\', ']', '^', '_'];

/** --detach-keys as docker and podman read it: comma-separated single characters or ctrl-X. */
export function parseDetachKeys(text: string): Buffer {
  if (text === '') return Buffer.alloc(0);
  const bytes: number[] = [];
  for (const key of text.split(',')) {
    if (key.length === 1 && key.charCodeAt(0) < 128) {
      bytes.push(key.charCodeAt(0));
      continue;
    }
    const m = /^ctrl-(.)$/i.exec(key);
    const code = m ? CONTROL.indexOf((m[1] as string).toLowerCase()) : -1;
    if (code < 0) throw new UsageError(`invalid --detach-keys \`${text}\`: unknown key \`${key}\` (a character, or ctrl- and one of a-z @ [ \\ ] ^ _)`);
    bytes.push(code);
  }
  return Buffer.from(bytes);
}

/** `burrow-helper attach SOCKET ...`'s arguments: input sent (-i) and whether its end is the container's, a terminal (-t), signals passed on, the detach keys. */
export function attachArgs(socket: string, o: { stdin: boolean; tty: boolean; sigProxy: boolean; keys: Buffer; stdinOnce?: boolean }): string[] {
  const args = [socket];
  if (o.stdin) args.push('--stdin');
  // The client that started it (run, start -a, exec): the end of its input is the container's.
  if (o.stdin && o.stdinOnce) args.push('--stdin-once');
  if (o.tty) args.push('--tty');
  // As podman's: signals are passed on only without a terminal (with one, ^C is a key the container reads).
  if (o.sigProxy && !o.tty) args.push('--sig-proxy');
  if (o.stdin && o.keys.length > 0) args.push('--detach-keys', o.keys.toString('hex'));
  return args;
}
