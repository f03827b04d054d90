/**
 * A container's life on the fake Sys (test/helpers/fake-sys.ts): create,
 * run, start, remove, and `run --rootfs`, seen as the records written and
 * the plans handed to the helper, without namespaces or the helper.
 */
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createContainer, removeContainer, runForeground, startDetached } from '../../../src/runtime/container.js';
import { runContainer } from '../../../src/runtime/run.js';
import type { ContainerOptions } from '../../../src/storage/containers.js';
import type { Plan, Step } from '../../../src/system/plan.js';
import { PlanExecuted } from '../../helpers/fake-sys.js';
import { type FakeStore, fakeStore, putImage } from '../../helpers/fake-store.js';

let f: FakeStore;
beforeEach(() => {
  f = fakeStore();
});
afterEach(() => f.remove());

const options = (over: Partial<ContainerOptions> = {}): ContainerOptions => ({
  command: [],
  entrypoint: undefined,
  env: [],
  envFile: [],
  workdir: undefined,
  hostname: undefined,
  user: undefined,
  volume: [],
  tmpfs: [],
  readOnly: false,
  network: undefined,
  interactive: false,
  tty: false,
  init: false,
  capAdd: [],
  capDrop: [],
  securityOpt: [],
  ulimit: [],
  rm: false,
  ...over,
});

function one<K extends Step['kind']>(plan: Plan, kind: K): Extract<Step, { kind: K }> {
  const found = plan.filter((s): s is Extract<Step, { kind: K }> => s.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0] as Extract<Step, { kind: K }>;
}

async function executed(p: Promise<unknown>): Promise<Plan> {
  const err = await p.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PlanExecuted);
  return (err as PlanExecuted).plan;
}

const ETC = { 'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n', 'etc/group': 'root:x:0:\napp:x:1000:\n' };

describe("a container's life on the fake Sys", () => {
  it('create writes the record with the argv of its spec; run hands the helper a plan over the image layers', async () => {
    const image = await putImage(f.store, 'localhost/app', { Entrypoint: ['/bin/app'], Cmd: ['--serve'], User: 'app', WorkingDir: '/srv' }, [ETC, { 'bin/app': '' }]);
    const { rec, prepared } = await createContainer(f.env, f.store, image, 'localhost/app', options(), 'web');
    expect(rec.argv).toEqual(['/bin/app', '--serve']);
    expect(f.store.containers.get('web')).toEqual(rec);
    expect(readlinkSync(f.store.containers.nameLink('web'))).toBe(rec.id);
    // the id is 32 bytes of the Sys's random source, in hex
    expect(f.sys.of('randomBytes')).toEqual([{ op: 'randomBytes', n: 32 }]);
    expect(rec.id).toBe(Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString('hex'));

    // (the monitor file as the exec finds it: the fake's exec "fails", and a failed exec takes the file away)
    let monitorAtExec: string | undefined;
    const exec = f.sys.execPlan.bind(f.sys);
    f.sys.execPlan = (p) => {
      monitorAtExec = readFileSync(join(f.store.containers.dir(rec.id), 'monitor'), 'utf8');
      return exec(p);
    };
    const plan = await executed(runForeground(f.env, f.store, rec, prepared));
    expect(f.sys.of('execPlan')).toHaveLength(1);
    const dir = f.store.containers.dir(rec.id);
    const lower = [...image.layers].reverse().map((l) => f.store.layerDiff(l)).join(':');
    const overlay = plan.find((s) => s.kind === 'mount' && s.fstype === 'overlay');
    expect(overlay).toMatchObject({ target: join(dir, 'merged'), data: `lowerdir=${lower},upperdir=${join(dir, 'upper')},workdir=${join(dir, 'work')},userxattr` });
    expect(one(plan, 'user')).toEqual({ kind: 'user', uid: 1000, gid: 1000 });
    expect(one(plan, 'cwd')).toEqual({ kind: 'cwd', path: '/srv' });
    expect(one(plan, 'exec')).toEqual({ kind: 'exec', file: '/bin/app', argv: ['/bin/app', '--serve'] });
    expect(one(plan, 'exit-file')).toEqual({ kind: 'exit-file', path: join(dir, 'exit') });
    // the helper takes over this process: it is the container's monitor
    expect(monitorAtExec).toMatch(new RegExp(`^${process.pid} `));
  });

  it('run --rm: the plan has the monitor remove the container, its name and then its anonymous volumes, and tell it, with no other program', async () => {
    const image = await putImage(f.store, 'localhost/app', { Cmd: ['/bin/true'] }, [ETC]);
    const { rec, prepared } = await createContainer(f.env, f.store, image, 'localhost/app', options({ rm: true }), 'gone');
    const plan = await executed(runForeground(f.env, f.store, rec, prepared));
    const args = one(plan, 'cleanup').args;
    const dir = f.store.containers.dir(rec.id);
    // Not while restart holds it; the names that point at its id then (a rename may have changed it); its directory.
    expect(args.slice(0, 6)).toEqual(['--unless', join(dir, 'restarting'), '--links', dirname(f.store.containers.nameLink('gone')), rec.id, dir]);
    // then its `remove` event, appended to the events file, and slirp4netns's API socket
    expect(args.slice(6, 8)).toEqual(['--event', join(f.sys.runtimeDir(), 'events.log')]);
    expect(`${args[8]}TIME${args[9]}`).toBe(`{"ID":"${rec.id}","Image":"localhost/app","Name":"gone","Status":"remove","Time":"TIME","Type":"container"}`);
    expect(args.slice(10)).toEqual([join(f.env.paths.runtime, `slirp-${rec.id.slice(0, 16)}.sock`)]);
    // Not in a pod nor on a user network: no one's /etc/hosts names it, and nothing else runs after it.
    expect(plan.some((s) => s.kind === 'on-exit')).toBe(false);
  });

  it('start without -a: the helper starts in the background and keeps the log itself, a tty but no input; rm -f stops nothing that is not running and removes it all', async () => {
    const image = await putImage(f.store, 'localhost/app', { Cmd: ['/bin/sh'] }, [ETC]);
    const { rec } = await createContainer(f.env, f.store, image, 'localhost/app', options({ tty: true, interactive: true }), 'bg');
    await startDetached(f.env, f.store, rec);
    const [started] = f.sys.of('startPlan');
    expect(started?.plan.some((s) => s.kind === 'tty')).toBe(true);
    expect(started?.plan.some((s) => s.kind === 'relay-stdin')).toBe(false);
    expect(started?.plan.find((s) => s.kind === 'log')).toEqual({ kind: 'log', path: join(f.store.containers.dir(rec.id), 'ctr.log'), maxSize: 0 });
    expect(one(started?.plan ?? [], 'exec').argv).toEqual(['/bin/sh']);
    const dir = f.store.containers.dir(rec.id);
    expect(readFileSync(join(dir, 'monitor'), 'utf8')).toMatch(new RegExp(`^${f.sys.helperPid} `));

    await removeContainer(f.env, f.store, f.store.containers.get('bg'), true);
    const [removed] = f.sys.of('removeTrees');
    expect(removed?.trees).toHaveLength(1);
    expect(f.store.containers.list()).toEqual([]);
    expect(existsSync(f.store.containers.nameLink('bg'))).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  it('a bad option fails the create before anything is kept: no record, no name, the directory removed', async () => {
    const image = await putImage(f.store, 'localhost/app', { Cmd: ['/bin/sh'] }, [ETC]);
    const err = await createContainer(f.env, f.store, image, 'localhost/app', options({ user: 'nobody-here' }), 'bad').catch((e: unknown) => e);
    expect(String(err)).toMatch(/nobody-here/);
    expect(f.store.containers.list()).toEqual([]);
    expect(existsSync(f.store.containers.nameLink('bad'))).toBe(false);
    expect(f.sys.of('removeTrees')).toHaveLength(1);
    expect(existsSync(f.sys.of('removeTrees')[0]?.trees[0] ?? '/')).toBe(false);
  });

  it('run --rootfs: no store, a plan on the directory in place, the hostname from the id', async () => {
    const plan = await executed(runContainer({ image: undefined, rootfs: f.dir, name: undefined, detach: false, cidfile: undefined, pull: { policy: 'missing', platform: undefined, tlsVerify: undefined, authfile: undefined, quiet: false }, options: options({ command: ['/bin/echo', 'hi'] }) }, f.env));
    expect(one(plan, 'root')).toEqual({ kind: 'root', path: f.dir });
    expect(one(plan, 'hostname')).toEqual({ kind: 'hostname', name: '000102030405' });
    expect(one(plan, 'exec').argv).toEqual(['/bin/echo', 'hi']);
    expect(existsSync(join(f.paths.data, 'images.json'))).toBe(false);
  });
});
