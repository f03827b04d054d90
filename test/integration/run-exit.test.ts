/**
 * `burrow run` exit codes, podman's: the command's own, 125 for burrow's
 * errors, 126 when the command cannot be executed, 127 when it is not found,
 * 128+N when the container's process was killed by signal N.
 */
import { expect, it } from 'vitest';

import { describeContainers, fixtures, withoutHostWarnings } from '../helpers/fixtures.js';
import { alive, childrenOf, eventually, processesWith, waitForOutput } from '../helpers/processes.js';
import { runIn, spawnCli } from '../helpers/run-cli.js';

describeContainers('burrow run: exit codes', () => {
  const run = (args: string[]): ReturnType<typeof runIn> => runIn(fixtures().rootfs, args);

  it.each([
    [['true'], 0],
    [['false'], 1],
    [['sh', '-c', 'exit 42'], 42],
    [['probe', 'exit', '255'], 255],
  ])('%j exits %i', async (args, code) => {
    const r = await run(args);
    expect(withoutHostWarnings(r.stderr)).toBe('');
    expect(r.exitCode).toBe(code);
  });

  it("125 for burrow's own errors (a bad option), with one line on stderr", async () => {
    const r = await run(['--no-such-option', 'true']);
    expect(r.exitCode).toBe(125);
    expect(r.stdout).toBe('');
    expect(withoutHostWarnings(r.stderr)).toMatch(/^Error: [^\n]+\n$/);
  });

  it('126 when the command is found but cannot be executed', async () => {
    for (const args of [['/etc/passwd'], ['/etc'], ['/dev/null']]) {
      const r = await run(args);
      expect(r.exitCode, args[0]).toBe(126);
      expect(withoutHostWarnings(r.stderr), args[0]).toMatch(/^Error: [^\n]*\n$/);
      expect(r.stderr).toContain(args[0]);
    }
  });

  it('127 when the command is not found, by name or by path', async () => {
    for (const args of [['no-such-command'], ['/no/such/file'], ['/bin/no-such-command', 'arg']]) {
      const r = await run(args);
      expect(r.exitCode, args[0]).toBe(127);
      expect(withoutHostWarnings(r.stderr), args[0]).toMatch(/^Error: [^\n]*\n$/);
      expect(r.stderr).toContain(args[0]);
    }
  });

  it('137 when the command kills itself with SIGKILL (under --init: PID 1 cannot be killed from inside)', async () => {
    const r = await run(['--init', 'sh', '-c', 'kill -9 $$']);
    expect(r.exitCode).toBe(137);
    expect((await run(['--init', 'probe', 'kill', 'TERM'])).exitCode).toBe(143);
  });

  it("PID 1 ignores signals it has no handler for, even SIGKILL, from inside its namespace (the kernel's rule)", async () => {
    // So `sh -c 'kill -9 $$'` without --init goes on and exits 0, as with podman.
    const r = await run(['sh', '-c', 'kill -9 $$; echo survived']);
    expect(r.stdout).toBe('survived\n');
    expect(r.exitCode).toBe(0);
  });

  it('137 when the container is killed with SIGKILL from the host', async () => {
    const child = spawnCli(['run', '--rootfs', fixtures().rootfs, 'probe', 'trap', 'USR2']);
    await waitForOutput(child, 'ready\n');
    const [pid1] = childrenOf(child.pid as number);
    expect(pid1).toBeDefined();
    process.kill(pid1 as number, 'SIGKILL');
    const r = await child;
    expect(r.exitCode).toBe(137);
  });

  it('background processes end with the container', async () => {
    const marker = `${Math.floor(Math.random() * 1e9) + 1000000}`;
    const sleeping = (): number[] => processesWith(`sleep\0${marker}`).filter(alive);
    const child = spawnCli(['run', '--rootfs', fixtures().rootfs, 'sh', '-c', `sleep ${marker} & exec probe trap USR2`]);
    await waitForOutput(child, 'ready\n');
    // The background sleep may still be a forked shell when `ready` comes: wait until it is sleep.
    expect(await eventually(() => sleeping().length === 1, 5000)).toBe(true);
    child.kill('SIGUSR2');
    const r = await child;
    expect(r.stdout).toBe('ready\ngot SIGUSR2\n');
    expect(r.exitCode).toBe(0);
    expect(await eventually(() => sleeping().length === 0, 5000)).toBe(true);
  });

  it.each([[[]], [['-u', '1000']]])('the container ends when burrow is killed with SIGKILL (%j)', async (user: string[]) => {
    // With -u the uid change clears the parent-death signal: the helper must set it again after it.
    const child = spawnCli(['run', '--rootfs', fixtures().rootfs, ...user, 'probe', 'trap', 'USR2']);
    await waitForOutput(child, 'ready\n');
    const [pid1] = childrenOf(child.pid as number);
    expect(pid1).toBeDefined();
    child.kill('SIGKILL');
    await child;
    expect(await eventually(() => !alive(pid1 as number), 5000)).toBe(true);
  });
});
