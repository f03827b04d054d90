/**
 * Healthchecks without a daemon: the monitor's timer starts `burrow
 * healthcheck run`, which runs the check inside the container through
 * exec's path and records it; ps, inspect and events show the result, and
 * --health-on-failure acts on an unhealthy container. Real busybox
 * containers, seen from outside.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { describeContainers, fixtures } from '../helpers/fixtures.js';
import { buildTestImages, dockerArchiveEntries, writeTar } from '../helpers/images.js';
import { expectOneError, lines } from '../helpers/run-cli.js';
import { loadedStore, type TestStore, waitFor, runDetached as detached } from '../helpers/store.js';

const PLAIN = 'localhost/plain:latest';
const CHECKED = 'localhost/checked:latest';
/** A container that ends at once on SIGTERM (sh as PID 1 ignores it otherwise), printing `started` each run. */
const SERVICE = ['sh', '-c', 'trap "exit 0" TERM; echo started; while :; do sleep 0.1; done'];
let store: TestStore;

interface Health {
  Status: string;
  FailingStreak: number;
  Log: { Start: string; End: string; ExitCode: number; Output: string }[] | null;
}

const runDetached = (...args: string[]): Promise<string> => detached(store, ...args);

async function health(name: string): Promise<Health> {
  const r = await store.run(['inspect', '--format', '{{json .State.Health}}', name]);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as Health;
}

async function psStatus(name: string): Promise<string> {
  return lines((await store.run(['ps', '-a', '--format', '{{.Names}}|{{.Status}}'])).stdout).find((l) => l.startsWith(`${name}|`))?.split('|')[1] ?? '';
}

/** The pids of `burrow healthcheck run` processes for container `id` still alive on the host. */
function checkProcesses(id: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (args.includes('healthcheck') && args.includes(id)) out.push(pid);
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

describeContainers('healthchecks', () => {
  beforeAll(async () => {
    const images = await buildTestImages(fixtures().rootfs, join(fixtures().dir, 'images-health'));
    // An image with a HEALTHCHECK (docker's config field; durations in nanoseconds).
    const checked = await writeTar(
      join(images.dir, 'checked.tar'),
      dockerArchiveEntries({ config: { ...images.plainConfig, Healthcheck: { Test: ['CMD-SHELL', 'test -e /tmp/ok'], Interval: 1e9, Retries: 1 } }, layers: [images.baseLayer] }, CHECKED),
    );
    store = await loadedStore('health', images.plainOci, checked);
  });

  afterAll(async () => {
    await store.run(['rm', '-af', '-t', '0']);
  });

  it('turns a failing container unhealthy after --health-retries failures in a row, and healthy at its first success', async () => {
    const id = await runDetached('--name', 'flaky', '--health-cmd', 'echo out; echo err >&2; test -e /tmp/ok', '--health-interval', '1s', '--health-retries', '2', PLAIN, ...SERVICE);
    expect(await psStatus('flaky')).toMatch(/^Up .*\(starting\)$/);
    expect(await health('flaky')).toEqual({ Status: 'starting', FailingStreak: 0, Log: [] });
    await waitFor('two failed checks', async () => (await health('flaky')).FailingStreak >= 2);
    const sick = await health('flaky');
    expect(sick.Status).toBe('unhealthy');
    expect(sick.Log?.[0]).toMatchObject({ ExitCode: 1 });
    expect(sick.Log?.[0]?.Output).toContain('out\n');
    expect(sick.Log?.[0]?.Output).toContain('err\n');
    expect(await psStatus('flaky')).toMatch(/^Up .*\(unhealthy\)$/);
    expect((await store.run(['ps', '--filter', 'health=unhealthy', '--format', '{{.Names}}'])).stdout).toBe('flaky\n');
    // A manual run checks now: the container's files as exec sees them.
    const failed = await store.run(['healthcheck', 'run', 'flaky']);
    expect([failed.stdout, failed.stderr, failed.exitCode]).toEqual(['unhealthy\n', '', 1]);
    expect((await store.run(['exec', 'flaky', 'touch', '/tmp/ok'])).exitCode).toBe(0);
    const passed = await store.run(['healthcheck', 'run', 'flaky']);
    expect([passed.stdout, passed.stderr, passed.exitCode]).toEqual(['', '', 0]);
    const well = await health('flaky');
    expect([well.Status, well.FailingStreak, well.Log?.at(-1)?.ExitCode]).toEqual(['healthy', 0, 0]);
    expect(well.Log?.length).toBeLessThanOrEqual(5);
    expect(await psStatus('flaky')).toMatch(/^Up .*\(healthy\)$/);
    const events = lines((await store.run(['events', '--stream=false', '--filter', 'event=health_status', '--format', '{{.Name}} {{.Status}}'])).stdout);
    expect(events).toContain('flaky health_status');
    // The checks end with the container: none left behind.
    expect((await store.run(['rm', '-f', '-t', '0', 'flaky'])).exitCode).toBe(0);
    await waitFor('no check left', () => checkProcesses(id).length === 0, 15_000);
  });

  it('runs the check as exec does: the container environment and user, no output past 500 bytes', async () => {
    await runDetached('--name', 'envcheck', '-e', 'WANT=yes', '-u', '1000', '--health-cmd', 'test "$WANT" = yes && test "$(id -u)" = 1000 && head -c 2000 /dev/zero | tr "\\0" x', '--health-interval', 'disable', PLAIN, ...SERVICE);
    const r = await store.run(['healthcheck', 'run', 'envcheck']);
    expect([r.stdout, r.exitCode]).toEqual(['', 0]);
    const h = await health('envcheck');
    expect(h.Log?.[0]?.Output).toBe('x'.repeat(500));
  });

  it('--health-interval disable schedules no check; the container stays starting until one is run', async () => {
    await runDetached('--name', 'manual', '--health-cmd', 'true', '--health-interval', 'disable', PLAIN, ...SERVICE);
    await new Promise((r) => setTimeout(r, 2500));
    expect((await health('manual')).Log).toEqual([]);
    expect((await store.run(['healthcheck', 'run', 'manual'])).exitCode).toBe(0);
    expect((await health('manual')).Status).toBe('healthy');
  });

  it('fails a check that runs past --health-timeout, with podman\'s message, and kills it', async () => {
    await runDetached('--name', 'slow', '--health-cmd', '["sleep", "30"]', '--health-timeout', '1s', '--health-interval', 'disable', PLAIN, ...SERVICE);
    const started = Date.now();
    const r = await store.run(['healthcheck', 'run', 'slow']);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect([r.stdout, r.exitCode]).toEqual(['unhealthy\n', 1]);
    const h = await health('slow');
    expect(h.Log?.[0]).toMatchObject({ ExitCode: -1, Output: 'healthcheck command exceeded timeout of 1s' });
    const ps = await store.run(['top', 'slow', 'args']);
    expect(ps.stdout).not.toContain('sleep 30');
  });

  it('does not count failures in --health-start-period', async () => {
    await runDetached('--name', 'warming', '--health-cmd', 'false', '--health-start-period', '1m', '--health-retries', '1', '--health-interval', 'disable', PLAIN, ...SERVICE);
    expect((await store.run(['healthcheck', 'run', 'warming'])).exitCode).toBe(1);
    const h = await health('warming');
    expect([h.Status, h.FailingStreak, h.Log?.length]).toEqual(['starting', 0, 1]);
  });

  it('--health-on-failure restart restarts an unhealthy container, which starts its checks again', async () => {
    await runDetached('--name', 'mended', '--health-cmd', 'test -e /tmp/ok', '--health-interval', '1s', '--health-retries', '1', '--health-on-failure', 'restart', PLAIN, ...SERVICE);
    await waitFor('a restart', async () => lines((await store.run(['logs', 'mended'])).stdout).filter((l) => l === 'started').length >= 2, 20_000);
    const events = lines((await store.run(['events', '--stream=false', '--filter', 'container=mended', '--format', '{{.Status}}'])).stdout);
    expect(events).toContain('restart');
    expect(events).toContain('health_status');
    expect(await psStatus('mended')).toMatch(/^Up /);
  });

  it("--health-on-failure restart stops the container within its own --stop-timeout", async () => {
    // sh as PID 1 ignores SIGTERM: the stop waits out the timeout, 1 s here (10 s was used whatever the container said).
    const since = Date.now();
    await runDetached('--name', 'stubborn', '--stop-timeout', '1', '--health-cmd', 'false', '--health-interval', '1s', '--health-retries', '1', '--health-on-failure', 'restart', PLAIN, 'sh', '-c', 'echo started; while :; do sleep 0.1; done');
    await waitFor('a restart', async () => lines((await store.run(['logs', 'stubborn'])).stdout).filter((l) => l === 'started').length >= 2, 20_000);
    expect(Date.now() - since).toBeLessThan(9_000);
    expect(lines((await store.run(['events', '--stream=false', '--filter', 'container=stubborn', '--format', '{{.Status}}'])).stdout)).toContain('restart');
  });

  it('--health-on-failure kill kills an unhealthy container for good', async () => {
    await runDetached('--name', 'doomed', '--health-cmd', 'false', '--health-interval', '1s', '--health-retries', '1', '--health-on-failure', 'kill', '--restart', 'always', PLAIN, ...SERVICE);
    await waitFor('the kill', async () => (await psStatus('doomed')).startsWith('Exited (137)'), 20_000);
    expect((await health('doomed')).Status).toBe('unhealthy');
    await new Promise((r) => setTimeout(r, 1000));
    expect(await psStatus('doomed')).toMatch(/^Exited \(137\)/);
  });

  it("uses the image's HEALTHCHECK, with flags over its values, and --no-healthcheck turns it off", async () => {
    await runDetached('--name', 'fromimage', CHECKED, ...SERVICE);
    const config = JSON.parse((await store.run(['inspect', '--format', '{{json .Config.Healthcheck}}', 'fromimage'])).stdout) as Record<string, unknown>;
    expect(config).toEqual({ Test: ['CMD-SHELL', 'test -e /tmp/ok'], Interval: 1e9, Timeout: 30e9, StartPeriod: 0, Retries: 1 });
    await waitFor('the image check to fail', async () => (await health('fromimage')).Status === 'unhealthy');
    await runDetached('--name', 'overridden', '--health-retries', '7', CHECKED, ...SERVICE);
    expect((await store.run(['inspect', '--format', '{{.Config.Healthcheck.Retries}}', 'overridden'])).stdout).toBe('7\n');
    await runDetached('--name', 'unchecked', '--no-healthcheck', CHECKED, ...SERVICE);
    expectOneError(await store.run(['healthcheck', 'run', 'unchecked']), /^Error: container unchecked has no defined healthcheck$/);
    expect(await psStatus('unchecked')).not.toContain('(');
    await runDetached('--name', 'nonecmd', '--health-cmd', 'none', CHECKED, ...SERVICE);
    expectOneError(await store.run(['healthcheck', 'run', 'nonecmd']), /has no defined healthcheck/);
  });

  describe('bad input', () => {
    it.each([
      [['--health-cmd', 'true', '--health-interval', '500ms'], /--health-interval `500ms`: must be at least 1 second/],
      [['--health-cmd', 'true', '--health-interval', 'often'], /invalid duration "often"/],
      [['--health-cmd', 'true', '--health-timeout', '0s'], /--health-timeout `0s`: must be at least 1 second/],
      [['--health-cmd', 'true', '--health-retries', '0'], /--health-retries `0`: must be a number greater than 0/],
      [['--health-cmd', 'true', '--health-on-failure', 'explode'], /invalid --health-on-failure `explode`: use none, kill, restart or stop/],
      [['--health-interval', '5s'], /--health-interval needs a healthcheck: give --health-cmd/],
      [['--health-cmd', 'true', '--health-on-failure', 'restart', '--restart', 'always'], /--health-on-failure restart and --restart cannot be used together/],
      [['--health-cmd', '["CMD"]'], /CMD needs a command/],
      [['--health-cmd', 'true', '--no-healthcheck'], /--no-healthcheck and --health-cmd cannot be used together/],
    ])('create %j: one error, no container', async (flags, message) => {
      const before = (await store.run(['ps', '-a', '-q'])).stdout;
      expectOneError(await store.run(['create', ...flags, PLAIN, 'true']), message);
      expect((await store.run(['ps', '-a', '-q'])).stdout).toBe(before);
    });

    it('healthcheck run of a missing or stopped container', async () => {
      expectOneError(await store.run(['healthcheck', 'run', 'no-such']), /no container with name or ID "no-such" found/);
      expect((await store.run(['create', '--name', 'idle', '--health-cmd', 'true', PLAIN, 'true'])).exitCode).toBe(0);
      expectOneError(await store.run(['healthcheck', 'run', 'idle']), /^Error: container idle is not running$/);
      expectOneError(await store.run(['ps', '--filter', 'health=great']), /health is one of starting, healthy, unhealthy, none/);
    });
  });
});
