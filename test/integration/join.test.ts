/**
 * The helper's join mode (src/runtime/join.ts): a program started in a
 * running container's namespaces from a plan that names the container's
 * process by pid. A container is started in the background with `start`, and
 * the joined program reports what it sees: the container's mount namespace
 * and files, its hostname, and the plan's user and capabilities.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { resolvePaths } from '../../src/config/paths.js';
import { realSys } from '../../src/system/sys.js';
import { CONTAINER_NAMESPACES, containerProcess, type JoinSpec, startJoined } from '../../src/runtime/join.js';
import { HelperError } from '../../src/system/status.js';
import { describeContainers, fixtures, requireFeature } from '../helpers/fixtures.js';
import { buildTestImages } from '../helpers/images.js';
import { newStore, type TestStore, waitFor } from '../helpers/store.js';

const PLAIN = 'localhost/plain:latest';

describeContainers('joining a running container (helper join mode)', () => {
  let store: TestStore;
  let id: string;
  let pid: number;

  beforeAll(async () => {
    const images = await buildTestImages(fixtures().rootfs, join(fixtures().dir, 'images-join'));
    store = newStore('join');
    const load = await store.run(['load', '-i', images.plainOci]);
    expect(load.exitCode).toBe(0);
    expect(load.stdout).toContain(`Loaded image: ${PLAIN}`);
    const create = await store.run(['create', '--name', 'target', '--hostname', 'joined-box', PLAIN, 'sh', '-c', 'echo inside > /tmp/mark; exec sleep 120']);
    expect(create.exitCode).toBe(0);
    id = create.stdout.trim();
    expect((await store.run(['start', 'target'])).exitCode).toBe(0);
    const monitor = Number(readFileSync(join(store.data, 'containers', id, 'monitor'), 'utf8').split(' ')[0]);
    await waitFor('the container to run', () => containerProcess(monitor) !== undefined);
    pid = containerProcess(monitor) as number;
  });
  afterAll(async () => {
    await store?.run(['rm', '-f', '-t', '0', 'target']);
  });

  const sys = () => realSys(resolvePaths({ ...process.env, ...store.env }));
  const spec = (over: Partial<JoinSpec>): JoinSpec => ({
    pid,
    namespaces: CONTAINER_NAMESPACES,
    argv: ['sh', '-c', 'true'],
    env: ['PATH=/bin:/usr/bin'],
    workdir: '/',
    uid: 0,
    gid: 0,
    capabilities: new Set(['CHOWN']),
    ...over,
  });

  const runJoined = async (s: JoinSpec): Promise<{ code: number; stdout: string }> => {
    const j = startJoined(sys(), s);
    j.stdin?.end();
    let stdout = '';
    j.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    const code = await j.done;
    return { code, stdout };
  };

  it('sees the container: its mount namespace and files, hostname, pid namespace; as the plan\'s uid with its capabilities', async () => {
    const script = 'readlink /proc/self/ns/mnt; readlink /proc/self/ns/pid; hostname; cat /tmp/mark; pwd; id -u; grep CapEff /proc/self/status';
    await waitFor('the mark', async () => (await runJoined(spec({ argv: ['cat', '/tmp/mark'] }))).stdout === 'inside\n');
    const r = await runJoined(spec({ argv: ['sh', '-c', script], workdir: '/tmp' }));
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      readlinkSync(`/proc/${pid}/ns/mnt`),
      readlinkSync(`/proc/${pid}/ns/pid`),
      'joined-box',
      'inside',
      '/tmp',
      '0',
      'CapEff:\t0000000000000001',
      '',
    ]);
    // Not the test's own namespaces.
    expect(readlinkSync(`/proc/${pid}/ns/mnt`)).not.toBe(readlinkSync('/proc/self/ns/mnt'));
  });

  it('switches to a mapped user, who keeps no effective capability', async (ctx) => {
    requireFeature(ctx, 'subids');
    const r = await runJoined(spec({ argv: ['sh', '-c', 'id -u; id -g; grep CapEff /proc/self/status'], uid: 1000, gid: 1000, groups: [] }));
    expect(r.stdout).toBe('1000\n1000\nCapEff:\t0000000000000000\n');
  });

  it('exits with the command\'s code, and a failed step is a HelperError naming it', async () => {
    expect((await runJoined(spec({ argv: ['sh', '-c', 'exit 7'] }))).code).toBe(7);
    const failed = startJoined(sys(), spec({ workdir: '/no/such/dir' }));
    failed.stdin?.end();
    const err = await failed.done.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HelperError);
    expect(err).toMatchObject({ step: 'cwd', syscall: 'chdir', path: '/no/such/dir', errno: 2, exitCode: 125 });
    await expect(failed.started).rejects.toBeInstanceOf(HelperError);
  });

  it('refuses a process that does not exist', async () => {
    const gone = startJoined(sys(), spec({ pid: 2 ** 22 + 12345 }));
    gone.stdin?.end();
    await expect(gone.done).rejects.toMatchObject({ step: 'join', syscall: 'pidfd_open', errno: 3 });
  });
});
