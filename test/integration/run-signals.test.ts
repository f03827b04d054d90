/**
 * Signals sent to burrow (after its execve, the helper: the container's
 * monitor) reach the container, as podman's sig-proxy does.
 */
import { expect, it } from 'vitest';

import { describeContainers, fixtures, withoutHostWarnings } from '../helpers/fixtures.js';
import { waitForOutput } from '../helpers/processes.js';
import { spawnCli } from '../helpers/run-cli.js';

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGQUIT', 'SIGALRM', 'SIGCONT'] as const;

describeContainers('burrow run: signals', () => {
  it.each(SIGNALS)('%s sent to burrow reaches a container that handles it', async (signal) => {
    const child = spawnCli(['run', '--rootfs', fixtures().rootfs, 'probe', 'trap', signal]);
    await waitForOutput(child, 'ready\n');
    child.kill(signal);
    const r = await child;
    expect(r.stdout).toBe(`ready\ngot ${signal}\n`);
    expect(withoutHostWarnings(r.stderr)).toBe('');
    expect(r.exitCode).toBe(0);
  });

  it('reaches a shell trap, whose exit code burrow returns', async () => {
    const script = 'trap "echo got; exit 3" TERM; echo ready; while :; do sleep 0.05; done';
    const child = spawnCli(['run', '--rootfs', fixtures().rootfs, 'sh', '-c', script]);
    await waitForOutput(child, 'ready\n');
    child.kill('SIGTERM');
    const r = await child;
    expect(r.stdout).toBe('ready\ngot\n');
    expect(r.exitCode).toBe(3);
  });

  it('with --init, reaches the command through the init', async () => {
    const child = spawnCli(['run', '--rootfs', fixtures().rootfs, '--init', 'probe', 'trap', 'TERM']);
    await waitForOutput(child, 'ready\n');
    child.kill('SIGTERM');
    const r = await child;
    expect(r.stdout).toBe('ready\ngot SIGTERM\n');
    expect(r.exitCode).toBe(0);
  });

  it('with --init, a signal the command does not handle ends it: 128+N', async () => {
    const child = spawnCli(['run', '--rootfs', fixtures().rootfs, '--init', 'sh', '-c', 'echo ready; while :; do sleep 0.05; done']);
    await waitForOutput(child, 'ready\n');
    child.kill('SIGTERM');
    const r = await child;
    expect(r.exitCode).toBe(143);
  });

  it('with -t, a signal sent to burrow still reaches the container', async () => {
    const child = spawnCli(['run', '--rootfs', fixtures().rootfs, '-t', 'probe', 'trap', 'TERM']);
    await waitForOutput(child, 'ready');
    child.kill('SIGTERM');
    const r = await child;
    expect(r.stdout).toBe('ready\r\ngot SIGTERM\r\n');
    expect(r.exitCode).toBe(0);
  });

  it('several signals in a row all arrive', async () => {
    const child = spawnCli(['run', '--rootfs', fixtures().rootfs, 'sh', '-c', 'trap "echo usr1" USR1; trap "echo usr2" USR2; trap "echo bye; exit 0" TERM; echo ready; while :; do sleep 0.05; done']);
    await waitForOutput(child, 'ready\n');
    child.kill('SIGUSR1');
    await waitForOutput(child, 'usr1\n');
    child.kill('SIGUSR2');
    await waitForOutput(child, 'usr2\n');
    child.kill('SIGTERM');
    const r = await child;
    expect(r.stdout).toBe('ready\nusr1\nusr2\nbye\n');
    expect(r.exitCode).toBe(0);
  });
});
