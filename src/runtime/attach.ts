/**
 * `attach`: this terminal joined to a detached container, as podman's. The
 * container's monitor (the helper) listens on its attach socket
 * (helpers/attach.c); burrow checks what it can here, then the helper's
 * attach client takes this process over: it prints what the container
 * writes, sends it what is typed (to its pty, or with -i to its stdin pipe),
 * watches for the detach keys, passes signals on (--sig-proxy) and exits
 * with the container's code, or 0 when the user detached.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { BurrowError, UsageError } from '../errors.js';
import { ATTACH_SOCKET, chosenContainer, type Env } from './container.js';
import { recordEvent } from './events.js';
import { logConfig } from './logs.js';

export interface AttachRequest {
  container: string | undefined;
  latest: boolean;
  /** --no-stdin: do not send what is typed */
  noStdin: boolean;
  /** --detach-keys, podman's format (`ctrl-p,ctrl-q`; '' for none) */
  detachKeys: string;
  /** --sig-proxy: signals this process gets are passed on (without a tty) */
  sigProxy: boolean;
}

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

/** Checks the container can be attached to, then the helper's attach client takes this process over. */
export async function attachContainer(env: Env, req: AttachRequest): Promise<never> {
  const keys = parseDetachKeys(req.detachKeys);
  const store = (await env.store({ containers: true })).init();
  const { containers } = store;
  const rec = chosenContainer(store, req.container, req.latest, 'attach');
  const status = containers.status(rec);
  if (status.state !== 'running' || !containers.monitor(rec.id).alive)
    throw new BurrowError('E_NOT_RUNNING', `you can only attach to running containers: container ${rec.name} is ${status.state}`);
  const socket = join(containers.dir(rec.id), ATTACH_SOCKET);
  if (!existsSync(socket))
    throw new BurrowError('E_NOT_ATTACHABLE', `container ${rec.name} runs in the foreground of the terminal that started it: only a detached container (run -d, start) can be attached to`);
  const { tty, interactive } = rec.options;
  if (!tty && logConfig(rec.options, containers.dir(rec.id)).driver === 'passthrough')
    throw new BurrowError('E_NOT_ATTACHABLE', `container ${rec.name} writes straight to the terminal that started it (--log-driver passthrough): there is nothing to attach to`);
  const args = [socket];
  const stdin = interactive && !req.noStdin;
  if (stdin) args.push('--stdin');
  if (tty) args.push('--tty');
  // As podman's: signals are passed on only without a terminal (with one, ^C is a key the container reads).
  if (req.sigProxy && !tty) args.push('--sig-proxy');
  if (stdin && keys.length > 0) args.push('--detach-keys', keys.toString('hex'));
  recordEvent(env, { ID: rec.id, Image: rec.imageName, Name: rec.name, Status: 'attach', Type: 'container' });
  return env.sys.execAttach(args);
}
