/**
 * `burrow run -t` / `-it` driven from a real terminal (a pty opened by
 * test/fixtures/pty-driver.py with a window size of 33x101).
 */
import { expect, it } from 'vitest';

import { describeContainers, fixtures, requireFeature } from '../helpers/fixtures.js';
import { runOnPty } from '../helpers/pty.js';
import { waitForOutput } from '../helpers/processes.js';
import { runIn, spawnCli } from '../helpers/run-cli.js';

describeContainers('burrow run: terminals', () => {
  const run = (...args: string[]): string[] => ['run', '--rootfs', fixtures().rootfs, ...args];

  it('-it gives the command a terminal of the outer window size, in normal (cooked) mode', async (ctx) => {
    requireFeature(ctx, 'python3');
    const r = await runOnPty(run('-it', 'probe', 'tty'), []);
    expect(r.error).toBeNull();
    expect(r.output).toBe('stdin=1 stdout=1 stderr=1 rows=33 cols=101 icanon=1 echo=1\r\n');
    expect(r.exitCode).toBe(0);
  });

  it('-it puts the outer terminal in raw mode while the container runs, and restores it', async (ctx) => {
    requireFeature(ctx, 'python3');
    const r = await runOnPty(run('-it', 'probe', 'trap', 'INT'), [{ expect: 'ready' }, { termios: 'running' }, { send: '\x03' }, { expect: 'got' }]);
    expect(r.error).toBeNull();
    expect(r.modes.running).toEqual({ icanon: false, echo: false, isig: false });
    expect(r.modes.end).toEqual({ icanon: true, echo: true, isig: true });
  });

  it('-it passes a window resize on to the container (SIGWINCH and the new size)', async (ctx) => {
    requireFeature(ctx, 'python3');
    const r = await runOnPty(run('-it', 'probe', 'winch'), [{ expect: 'ready' }, { resize: [40, 120] }, { expect: 'winch' }]);
    expect(r.error).toBeNull();
    expect(r.output).toBe('size 33 101\r\nready\r\nwinch 40 120\r\n');
    expect(r.exitCode).toBe(0);
  });

  it('-it: Ctrl-C reaches the container as SIGINT', async (ctx) => {
    requireFeature(ctx, 'python3');
    const r = await runOnPty(run('-it', 'probe', 'trap', 'INT'), [{ expect: 'ready' }, { send: '\x03' }]);
    expect(r.error).toBeNull();
    expect(r.output).toBe('ready\r\n^Cgot SIGINT\r\n');
    expect(r.exitCode).toBe(0);
  });

  // With --init the command gets its own process group in the terminal's foreground (tcsetpgrp from
  // a background group: SIGTTOU must be blocked for the call, or the kernel stops it before the exec).
  it('-it --init: the command runs on the terminal', async (ctx) => {
    requireFeature(ctx, 'python3');
    const r = await runOnPty(run('-it', '--init', 'probe', 'tty'), [], [33, 101], 4);
    expect(r.error).toBeNull();
    expect(r.output).toBe('stdin=1 stdout=1 stderr=1 rows=33 cols=101 icanon=1 echo=1\r\n');
  });

  // Under --init: as PID 1 the command would ignore a signal it has no handler for (the kernel's rule).
  it('-it --init: Ctrl-C ends a command that does not handle it (130)', async (ctx) => {
    requireFeature(ctx, 'python3');
    const r = await runOnPty(run('-it', '--init', 'sh', '-c', 'echo ready; exec sleep 30'), [{ expect: 'ready' }, { sleep: 0.2 }, { send: '\x03' }], [33, 101], 4);
    expect(r.error).toBeNull();
    expect(r.exitCode).toBe(130);
  });

  it('-it: what is typed reaches the command, echoed by its terminal; Ctrl-D ends its input', async (ctx) => {
    requireFeature(ctx, 'python3');
    const r = await runOnPty(run('-it', 'sh', '-c', 'echo ready; cat; echo done'), [
      { expect: 'ready' },
      { send: 'hello\r' },
      { expect: 'hello\r\nhello\r\n' },
      { send: '\x04' },
      { expect: 'done' },
    ]);
    expect(r.error).toBeNull();
    expect(r.output).toBe('ready\r\nhello\r\nhello\r\ndone\r\n');
    expect(r.exitCode).toBe(0);
  });

  it('-it sets TERM and gives the command a controlling terminal', async (ctx) => {
    requireFeature(ctx, 'python3');
    const r = await runOnPty(run('-it', 'sh', '-c', 'echo "TERM=$TERM"; tty; probe fds; readlink /proc/self/fd/0'), []);
    expect(r.error).toBeNull();
    expect(r.output).toMatch(/^TERM=xterm\r\n\/dev\/pts\/0\r\n0 1 2\r\n\/dev\/pts\/0\r\n$/);
    expect(r.exitCode).toBe(0);
  });

  it('-t without a terminal on the outside still gives the command one', async () => {
    const r = await runIn(fixtures().rootfs, ['-t', 'probe', 'tty']);
    expect(r.stdout).toMatch(/^stdin=1 stdout=1 stderr=1 /);
    expect(r.exitCode).toBe(0);
  });

  // With -t, when burrow's stdout goes away (EPIPE) the monitor hangs up the pty: the container gets
  // SIGHUP / EIO and ends, as the pipeline does without -t.
  it('-t: when the reader of its output goes away, the container ends', async () => {
    const child = spawnCli(['run', '--rootfs', fixtures().rootfs, '-t', 'yes'], { timeout: 6000 });
    await waitForOutput(child, 'y\r\n');
    child.stdout.destroy();
    const r = await child;
    expect(r.timedOut).toBe(false);
  });

  it('without -t or -i, stdin is /dev/null while stdout and stderr stay the outer terminal', async (ctx) => {
    requireFeature(ctx, 'python3');
    const r = await runOnPty(run('probe', 'tty'), []);
    expect(r.error).toBeNull();
    expect(r.output).toMatch(/^stdin=0 stdout=1 stderr=1/);
    expect(r.modes.end).toEqual({ icanon: true, echo: true, isig: true });
  });
});
