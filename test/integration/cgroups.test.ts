/**
 * A container's own cgroup, and `pause`/`unpause` through its freezer. The
 * positive half needs a cgroup v2 delegated to the test user: it runs in the
 * systemd VM of ../shared/vm (`shared/vm/run.sh --share "$PWD" -- npx vitest
 * run test/integration/cgroups`), where the suite starts in a scope with
 * Delegate=yes. The other half runs where there is none (this host's own
 * suite): pause is refused with the reason, and nothing else changes.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { delegatedCgroup } from '../../src/system/cgroups.js';
import { describeContainers, fixtures, requireFeature } from '../helpers/fixtures.js';
import { expectOneError, lines } from '../helpers/run-cli.js';
import { newStore, type TestStore, waitFor, runDetached as detached } from '../helpers/store.js';

const PLAIN = 'localhost/plain:latest';
/** Counts up in its log every 50 ms while it runs, and ends at once on SIGTERM. */
const COUNTER = ['sh', '-c', 'trap "exit 0" TERM; i=0; while :; do i=$((i+1)); echo $i; sleep 0.05; done'];
let store: TestStore;

const runDetached = (...args: string[]): Promise<string> => detached(store, ...args);

async function count(name: string): Promise<number> {
  return Number(lines((await store.run(['logs', name])).stdout).at(-1) ?? 0);
}

async function inspect(name: string, format: string): Promise<string> {
  return (await store.run(['inspect', '--format', format, name])).stdout.trim();
}

describeContainers('cgroups and pause', () => {
  // The image from the fixture root filesystem by burrow's own import: the VM has no umoci or skopeo.
  beforeAll(async () => {
    store = newStore('cgroups');
    const tarball = join(fixtures().dir, 'cgroups-rootfs.tar');
    execFileSync('tar', ['-C', fixtures().rootfs, '-cf', tarball, '.']);
    const r = await store.run(['import', tarball, PLAIN]);
    expect(r.exitCode, r.stderr).toBe(0);
  });

  afterAll(async () => {
    await store.run(['rm', '-af', '-t', '0']);
  });

  describe('under a delegated cgroup', () => {
    it('gives each container a cgroup of its own, entered at its clone, joined by exec, removed when it ends', async (ctx) => {
      requireFeature(ctx, 'cgroup');
      const delegated = delegatedCgroup() as { dir: string };
      const id = await runDetached('--name', 'grouped', PLAIN, ...COUNTER);
      const own = join(delegated.dir, `burrow-${id}`);
      expect(existsSync(own)).toBe(true);
      const pid = Number(await inspect('grouped', '{{.State.ConmonPid}}'));
      const child = Number(await inspect('grouped', '{{.State.Pid}}'));
      expect(Number(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ')[0])).toBe(child);
      expect(readFileSync(`/proc/${child}/cgroup`, 'utf8')).toContain(`/burrow-${id}\n`);
      // The monitor stays outside it (a freeze must not stop the monitor); inside, the cgroup is the root of its namespace.
      expect(readFileSync(`/proc/${pid}/cgroup`, 'utf8')).not.toContain(`burrow-${id}`);
      const inside = lines((await store.run(['exec', 'grouped', 'cat', '/proc/self/cgroup'])).stdout);
      expect(inside.find((l) => l.startsWith('0::'))).toBe('0::/');
      const procs = readFileSync(join(own, 'cgroup.procs'), 'utf8');
      expect(lines(procs)).toContain(String(child));
      expect((await store.run(['stop', '-t', '5', 'grouped'])).exitCode).toBe(0);
      await waitFor('its cgroup to go', () => !existsSync(own));
      expect(existsSync(dirname(own))).toBe(true);
    });

    it('pause freezes every process at once, unpause thaws them; ps, inspect and events say so', async (ctx) => {
      requireFeature(ctx, 'cgroup');
      await runDetached('--name', 'frozen', PLAIN, ...COUNTER);
      await waitFor('it to count', async () => (await count('frozen')) > 3);
      const paused = await store.run(['pause', 'frozen']);
      expect([paused.stdout, paused.stderr, paused.exitCode]).toEqual(['frozen\n', '', 0]);
      const at = await count('frozen');
      await new Promise((r) => setTimeout(r, 500));
      expect(await count('frozen')).toBe(at);
      expect(await inspect('frozen', '{{.State.Status}} {{.State.Running}} {{.State.Paused}}')).toBe('paused false true');
      expect((await store.run(['ps', '--format', '{{.Names}} {{.State}} {{.Status}}'])).stdout).toContain('frozen paused Paused');
      expect((await store.run(['ps', '--filter', 'status=paused', '--format', '{{.Names}}'])).stdout).toBe('frozen\n');
      expectOneError(await store.run(['pause', 'frozen']), /^Error: "frozen" is already paused: container state improper$/);
      expectOneError(await store.run(['exec', 'frozen', 'true']), /^Error: container frozen is paused: unpause it first$/);
      const thawed = await store.run(['unpause', 'frozen']);
      expect([thawed.stdout, thawed.exitCode]).toEqual(['frozen\n', 0]);
      await waitFor('it to count again', async () => (await count('frozen')) > at);
      expect(await inspect('frozen', '{{.State.Status}} {{.State.Paused}}')).toBe('running false');
      expectOneError(await store.run(['unpause', 'frozen']), /^Error: "frozen" is not paused, can't unpause it: container state improper$/);
      const events = lines((await store.run(['events', '--stream=false', '--filter', 'container=frozen', '--format', '{{.Status}}'])).stdout);
      expect(events).toEqual(expect.arrayContaining(['pause', 'unpause']));
    });

    it('stop and rm -f of a paused container end it (thawed to take its stop signal)', async (ctx) => {
      requireFeature(ctx, 'cgroup');
      await runDetached('--name', 'icebox', PLAIN, ...COUNTER);
      expect((await store.run(['pause', 'icebox'])).exitCode).toBe(0);
      const started = Date.now();
      const stop = await store.run(['stop', '-t', '10', 'icebox']);
      expect([stop.stderr, stop.exitCode]).toEqual(['', 0]);
      expect(Date.now() - started).toBeLessThan(8000); // SIGTERM worked: no 10 s wait for SIGKILL
      expect(await inspect('icebox', '{{.State.Status}} {{.State.ExitCode}}')).toBe('exited 0');
      await runDetached('--name', 'icebox2', PLAIN, ...COUNTER);
      expect((await store.run(['pause', 'icebox2'])).exitCode).toBe(0);
      expect((await store.run(['rm', '-f', 'icebox2'])).exitCode).toBe(0);
      expect((await store.run(['container', 'exists', 'icebox2'])).exitCode).toBe(1);
    });

    it('commit -p freezes the container while it is read and thaws it after', async (ctx) => {
      requireFeature(ctx, 'cgroup');
      await runDetached('--name', 'snap', PLAIN, ...COUNTER);
      const r = await store.run(['commit', '-q', '-p', 'snap', 'localhost/snap']);
      expect(r.exitCode).toBe(0);
      expect(await inspect('snap', '{{.State.Status}}')).toBe('running');
      const events = lines((await store.run(['events', '--stream=false', '--filter', 'container=snap', '--format', '{{.Status}}'])).stdout);
      expect(events).toEqual(expect.arrayContaining(['pause', 'unpause']));
    });
  });

  describe('without one', () => {
    it('pause, unpause and commit -p are refused with the reason; the container runs on', async (ctx) => {
      if (fixtures().missing.cgroup === undefined) {
        process.stderr.write(`skipping "${ctx.task.name}": this host delegates a cgroup to the tests\n`);
        ctx.skip();
      }
      await runDetached('--name', 'loose', PLAIN, ...COUNTER);
      const reason = /^Error: cannot pause container loose: it has no cgroup of its own to freeze \(a container gets one only when it starts under a cgroup v2 delegated to you, as in a systemd user service or scope with Delegate=yes\)$/;
      expectOneError(await store.run(['pause', 'loose']), reason);
      expectOneError(await store.run(['unpause', 'loose']), /^Error: cannot unpause container loose: it has no cgroup of its own to freeze/);
      expectOneError(await store.run(['commit', '-p', 'loose', 'localhost/loose']), reason);
      expect(await inspect('loose', '{{.State.Status}} {{.State.Paused}}')).toBe('running false');
      expect((await store.run(['images', '--format', '{{.Repository}}'])).stdout).not.toContain('localhost/loose');
    });
  });

  it('pause and unpause of a container that is not running, or not there', async () => {
    expect((await store.run(['create', '--name', 'idle', PLAIN, 'true'])).exitCode).toBe(0);
    expectOneError(await store.run(['pause', 'idle']), /^Error: "idle" is not running, can't pause it: container state improper$/);
    expectOneError(await store.run(['unpause', 'idle']), /^Error: "idle" is not running, can't unpause it: container state improper$/);
    expectOneError(await store.run(['pause', 'ghost']), /no container with name or ID "ghost" found/);
    expectOneError(await store.run(['pause']), /requires at least one container name or id, or --all or --latest/);
  });
});
