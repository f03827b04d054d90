/**
 * `attach`: a terminal joined to a detached container through its monitor's
 * attach socket, seen from outside: output and exit code, input to a pipe
 * (-i) or a pty (-t, driven from a real terminal), the detach keys, window
 * sizes, signals passed on, several clients at once, and the refusals.
 */
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { describeContainers, fixtures, requireFeature } from '../helpers/fixtures.js';
import { buildTestImages } from '../helpers/images.js';
import { waitForOutput } from '../helpers/processes.js';
import { runOnPty } from '../helpers/pty.js';
import { expectOneError, lines } from '../helpers/run-cli.js';
import { loadedStore, type TestStore, waitFor, runDetached as detached } from '../helpers/store.js';

const PLAIN = 'localhost/plain:latest';
let store: TestStore;

const runDetached = (...args: string[]): Promise<string> => detached(store, ...args);

async function state(name: string): Promise<string> {
  return (await store.run(['inspect', '--format', '{{.State.Status}}', name])).stdout.trim();
}

const ptyEnv = (): NodeJS.ProcessEnv => ({ ...process.env, ...store.env });

describeContainers('attach', () => {
  beforeAll(async () => {
    const images = await buildTestImages(fixtures().rootfs, join(fixtures().dir, 'images-attach'));
    store = await loadedStore('attach', images.plainOci);
  });

  afterAll(async () => {
    await store.run(['rm', '-af', '-t', '0']);
  });

  it("prints the container's stdout and stderr as they come and exits with its code", async () => {
    await runDetached('--name', 'talker', PLAIN, 'sh', '-c', 'sleep 1; echo out; echo err >&2; sleep 0.5; echo more; exit 3');
    const r = await store.run(['attach', 'talker']);
    expect(r.stdout).toBe('out\nmore\n');
    expect(r.stderr).toBe('err\n');
    expect(r.exitCode).toBe(3);
    // The log has it too: attach takes nothing away from it.
    expect((await store.run(['logs', 'talker'])).stdout).toBe('out\nmore\n');
    expect(lines((await store.run(['events', '--stream=false', '--filter', 'container=talker', '--format', '{{.Status}}'])).stdout)).toContain('attach');
  });

  it('-i without -t: what attach reads is the container\'s standard input; --no-stdin sends nothing', async () => {
    await runDetached('-i', '--name', 'reader', PLAIN, 'sh', '-c', 'read line; echo "got $line"; read again; echo "then $again"; exit 4');
    // Another client watching with --no-stdin: its input goes nowhere, and it sees the output too.
    const watcher = store.spawn(['attach', '--no-stdin', 'reader'], { input: 'not for the container\n' });
    await new Promise((r) => setTimeout(r, 500));
    const r = await store.run(['attach', 'reader'], { input: 'hello\nworld\n' });
    expect([r.stdout, r.stderr, r.exitCode]).toEqual(['got hello\nthen world\n', '', 4]);
    const w = await watcher;
    expect([w.stdout, w.exitCode]).toEqual(['got hello\nthen world\n', 4]);
  });

  it('-t: attach on a terminal gets the container\'s pty in raw mode, its window size, and detaches with ctrl-p ctrl-q', async (ctx) => {
    requireFeature(ctx, 'python3');
    await runDetached('-it', '--name', 'shell', PLAIN, 'sh');
    const first = await runOnPty(
      ['attach', 'shell'],
      [{ send: 'stty size; echo mark-$((6*7))\r' }, { expect: 'mark-42' }, { termios: 'attached' }, { resize: [40, 120] }, { send: 'stty size\r' }, { expect: '40 120' }, { send: '\x10\x11' }],
      [30, 90],
      15,
      ptyEnv(),
    );
    expect(first.error).toBeNull();
    expect(first.output).toContain('30 90');
    expect(first.exitCode).toBe(0);
    expect(first.modes.attached).toEqual({ icanon: false, echo: false, isig: false });
    expect(first.modes.end).toEqual({ icanon: true, echo: true, isig: true });
    expect(await state('shell')).toBe('running');
    // Again, with other keys; the container ends and attach with it, with its code.
    const second = await runOnPty(['attach', '--detach-keys', 'ctrl-x,q', 'shell'], [{ send: '\x10\x11echo still-here\r' }, { expect: 'still-here' }, { send: 'exit 7\r' }], [30, 90], 15, ptyEnv());
    expect(second.error).toBeNull();
    expect(second.exitCode).toBe(7);
    expect(await state('shell')).toBe('exited');
  });

  it('run -it is a detached container with this terminal attached from its first output: the detach keys leave it running', async (ctx) => {
    requireFeature(ctx, 'python3');
    const first = await runOnPty(['run', '-it', '--name', 'live', PLAIN, 'sh', '-c', 'stty size; echo first-line; exec sh'], [{ expect: 'first-line' }, { termios: 'attached' }, { send: '\x10\x11' }], [30, 90], 15, ptyEnv());
    expect(first.error).toBeNull();
    expect(first.output).toMatch(/^30 90\r\nfirst-line\r\n/);
    expect(first.exitCode).toBe(0);
    expect(first.modes.attached).toEqual({ icanon: false, echo: false, isig: false });
    expect(first.modes.end).toEqual({ icanon: true, echo: true, isig: true });
    expect(await state('live')).toBe('running');
    const back = await runOnPty(['attach', 'live'], [{ send: 'echo back-$((2+2))\r' }, { expect: 'back-4' }, { send: 'exit 4\r' }], [30, 90], 15, ptyEnv());
    expect([back.error, back.exitCode]).toEqual([null, 4]);
    expect((await store.run(['logs', 'live'])).stdout).toContain('first-line');
  });

  it('run -it: its own --detach-keys; --rm removes it when it ends; a command not found is told on the terminal, 127', async (ctx) => {
    requireFeature(ctx, 'python3');
    const keyed = await runOnPty(['run', '-it', '--detach-keys', 'ctrl-x', '--name', 'keyed', PLAIN, 'sh'], [{ send: 'echo in-keyed\r' }, { expect: 'in-keyed' }, { send: '\x18' }], [30, 90], 15, ptyEnv());
    expect([keyed.error, keyed.exitCode]).toEqual([null, 0]);
    expect(await state('keyed')).toBe('running');
    const gone = await runOnPty(['run', '-it', '--rm', '--name', 'brief', PLAIN, 'sh', '-c', 'echo brief; exit 3'], [], [30, 90], 15, ptyEnv());
    expect([gone.error, gone.exitCode], gone.output).toEqual([null, 3]);
    expect(gone.output).toContain('brief');
    await waitFor('the --rm clean-up', async () => (await store.run(['container', 'exists', 'brief'])).exitCode === 1);
    const missing = await runOnPty(['run', '-it', '--rm', '--name', 'missing', PLAIN, 'no-such-command'], [], [30, 90], 15, ptyEnv());
    expect(missing.exitCode).toBe(127);
    expect(missing.output).toMatch(/Error: .*no-such-command/);
    await waitFor('the --rm clean-up', async () => (await store.run(['container', 'exists', 'missing'])).exitCode === 1);
  });

  it('exec -it attaches the same way: the detach keys leave the command running; its status otherwise', async (ctx) => {
    requireFeature(ctx, 'python3');
    await runDetached('--name', 'execd', PLAIN, ...['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.1; done']);
    const r = await runOnPty(['exec', '-it', 'execd', 'sh', '-c', 'stty size; read typed; echo "typed $typed"; exec sleep 77'], [{ expect: '29 89' }, { send: 'words\r' }, { expect: 'typed words' }, { send: '\x10\x11' }], [29, 89], 15, ptyEnv());
    expect([r.error, r.exitCode]).toEqual([null, 0]);
    // What it left still runs in the container.
    expect((await store.run(['exec', 'execd', 'sh', '-c', 'ps -o args | grep -c "^sleep 77"'])).stdout).toBe('1\n');
    const code = await runOnPty(['exec', '-it', '--detach-keys', '', 'execd', 'sh', '-c', 'exit 5'], [], [29, 89], 15, ptyEnv());
    expect([code.error, code.exitCode], code.output).toEqual([null, 5]);
  });

  it('run -it and run -i --sig-proxy=false with piped input: the end of the input is the container\'s end of file', async () => {
    const tty = await store.run(['run', '-it', '--rm', PLAIN, 'cat'], { input: 'piped\n', timeout: 15_000 });
    expect([tty.stdout, tty.exitCode], tty.stderr).toEqual(['piped\r\npiped\r\n', 0]);
    const pipe = await store.run(['run', '-i', '--sig-proxy=false', '--rm', PLAIN, 'cat'], { input: 'through\n', timeout: 15_000 });
    expect([pipe.stdout, pipe.exitCode], pipe.stderr).toEqual(['through\n', 0]);
    const exec = await store.run(['exec', '-it', 'keyed', 'cat'], { input: 'via-exec\n', timeout: 15_000 });
    expect([exec.stdout, exec.exitCode]).toEqual(['via-exec\r\nvia-exec\r\n', 0]);
  });

  it('start -ai of a container made with -it attaches the same way', async (ctx) => {
    requireFeature(ctx, 'python3');
    expect((await store.run(['create', '-it', '--name', 'later', PLAIN, 'sh'])).exitCode).toBe(0);
    const r = await runOnPty(['start', '-ai', 'later'], [{ send: 'stty size; echo started-$((1+1))\r' }, { expect: 'started-2' }, { send: 'exit 6\r' }], [31, 91], 15, ptyEnv());
    expect(r.error).toBeNull();
    expect(r.output).toContain('31 91');
    expect(r.exitCode).toBe(6);
  });

  it('--detach-keys "" never detaches; a single key detaches at once', async (ctx) => {
    requireFeature(ctx, 'python3');
    await runDetached('-it', '--name', 'keys', PLAIN, 'sh');
    const none = await runOnPty(['attach', '--detach-keys', '', 'keys'], [{ send: '\x10\x11echo after-keys\r' }, { expect: 'after-keys' }, { send: 'exit 2\r' }], [30, 90], 15, ptyEnv());
    expect([none.error, none.exitCode]).toEqual([null, 2]);
    expect((await store.run(['start', 'keys'])).exitCode).toBe(0);
    const one = await runOnPty(['attach', '--detach-keys', 'ctrl-]', 'keys'], [{ send: 'echo in\r' }, { expect: 'in' }, { send: '\x1d' }], [30, 90], 15, ptyEnv());
    expect([one.error, one.exitCode]).toEqual([null, 0]);
    expect(await state('keys')).toBe('running');
  });

  it('passes signals on without a terminal (--sig-proxy), and not with --sig-proxy=false', async () => {
    await runDetached('--name', 'trapper', PLAIN, 'sh', '-c', 'trap "echo got INT; exit 0" INT; echo ready; while :; do sleep 0.1; done');
    const proxied = store.spawn(['attach', 'trapper']);
    await new Promise((r) => setTimeout(r, 700));
    proxied.kill('SIGINT');
    const p = await proxied;
    expect(p.stdout).toContain('got INT');
    expect(p.exitCode).toBe(0);
    await waitFor('trapper to end', async () => (await state('trapper')) === 'exited');

    await runDetached('--name', 'deaf', PLAIN, 'sh', '-c', 'trap "echo got INT; exit 0" INT; while :; do sleep 0.1; done');
    const plain = store.spawn(['attach', '--sig-proxy=false', 'deaf']);
    await new Promise((r) => setTimeout(r, 700));
    plain.kill('SIGINT');
    const d = await plain;
    expect(d.stdout).not.toContain('got INT');
    expect(await state('deaf')).toBe('running');
  });

  it('run and start -a --sig-proxy=false: a signal to burrow ends only burrow, and the container runs on', async () => {
    const loop = 'trap "echo got TERM; exit 0" TERM; echo ready; while :; do sleep 0.1; done';
    const unproxied = store.spawn(['run', '--sig-proxy=false', '--name', 'unproxied', PLAIN, 'sh', '-c', loop]);
    await waitForOutput(unproxied, 'ready');
    unproxied.kill('SIGTERM');
    const u = await unproxied;
    expect(u.stdout).toBe('ready\n');
    expect(await state('unproxied')).toBe('running');
    // With the default, the same signal reaches the container.
    const proxied = store.spawn(['run', '--name', 'proxied', PLAIN, 'sh', '-c', loop]);
    await waitForOutput(proxied, 'ready');
    proxied.kill('SIGTERM');
    const p = await proxied;
    expect([p.stdout, p.exitCode]).toEqual(['ready\ngot TERM\n', 0]);
    expect((await store.run(['create', '--name', 'startme', PLAIN, 'sh', '-c', loop])).exitCode).toBe(0);
    const started = store.spawn(['start', '-a', '--sig-proxy=false', 'startme']);
    await waitForOutput(started, 'ready');
    started.kill('SIGTERM');
    await started;
    expect(await state('startme')).toBe('running');
    expectOneError(await store.run(['run', '--rootfs', fixtures().rootfs, '--sig-proxy=false', 'true']), /^Error: --sig-proxy=false needs an image/);
  });

  it('gets the output of a container logged with --log-driver none', async () => {
    await runDetached('--log-driver', 'none', '--name', 'unlogged', PLAIN, 'sh', '-c', 'sleep 1; echo seen; exit 5');
    const r = await store.run(['attach', 'unlogged']);
    expect([r.stdout, r.exitCode]).toEqual(['seen\n', 5]);
  });

  describe('bad input', () => {
    it('a stopped, missing or foreground container, bad keys, a missing name: one error each', async () => {
      expect((await store.run(['create', '--name', 'made', PLAIN, 'true'])).exitCode).toBe(0);
      expectOneError(await store.run(['attach', 'made']), /^Error: you can only attach to running containers: container made is created$/);
      expectOneError(await store.run(['attach', 'nothing-here']), /no container with name or ID "nothing-here" found/);
      expectOneError(await store.run(['attach', '--detach-keys', 'ctrl-pp', 'made']), /invalid --detach-keys `ctrl-pp`: unknown key `ctrl-pp`/);
      expectOneError(await store.run(['attach']), /attach requires the name or ID of a container/);
      const before = (await store.run(['ps', '-a', '-q'])).stdout;
      expectOneError(await store.run(['run', '-it', '--detach-keys', 'ctrl-1', PLAIN, 'sh']), /invalid --detach-keys `ctrl-1`/);
      expect((await store.run(['ps', '-a', '-q'])).stdout).toBe(before);
      expectOneError(await store.run(['start', '-ai', '--detach-keys', 'x,', 'made']), /invalid --detach-keys `x,`/);
      expectOneError(await store.run(['attach', '-l', 'made']), /--latest and a container cannot be used together/);
      const fg = store.spawn(['run', '--name', 'foreground', PLAIN, 'sh', '-c', 'trap "exit 0" TERM; echo up; while :; do sleep 0.1; done']);
      await waitForOutput(fg, 'up');
      expectOneError(await store.run(['attach', 'foreground']), /container foreground runs in the foreground of the terminal that started it/);
      expectOneError(await store.run(['attach', '--sig-proxy=false', 'foreground']), /runs in the foreground/);
      fg.kill('SIGTERM');
      await fg;
    });

    it('a container whose monitor was killed -9', async () => {
      const id = await runDetached('--name', 'orphaned', PLAIN, 'sleep', '30');
      const { readFileSync } = await import('node:fs');
      const monitor = Number(readFileSync(join(store.data, 'containers', id, 'monitor'), 'utf8').split(' ')[0]);
      process.kill(monitor, 'SIGKILL');
      await waitFor('the monitor to die', async () => (await state('orphaned')) === 'exited');
      expectOneError(await store.run(['attach', 'orphaned']), /you can only attach to running containers/);
    });
  });
});
