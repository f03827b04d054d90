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

import { BurrowError } from '../errors.js';
import { attachArgs, parseDetachKeys } from './attach-args.js';
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
  const args = attachArgs(socket, { stdin: interactive && !req.noStdin, tty, sigProxy: req.sigProxy, keys });
  recordEvent(env, { ID: rec.id, Image: rec.imageName, Name: rec.name, Status: 'attach', Type: 'container' });
  return env.sys.execAttach(args);
}
