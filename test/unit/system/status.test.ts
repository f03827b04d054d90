/* The helper's status channel read as typed records (system/status.ts); the helper writes them in helpers/helper.c. */
import { PassThrough } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { HelperError, parseStatusLine, StatusChannel } from '../../../src/system/status.js';

describe('parseStatusLine', () => {
  it('reads the three records the helper writes', () => {
    expect(parseStatusLine('{"type":"pid","pid":42}')).toEqual({ type: 'pid', pid: 42 });
    expect(parseStatusLine('{"type":"exit","code":3}')).toEqual({ type: 'exit', code: 3 });
    const error = '{"type":"error","step":"exec","syscall":"execve","path":"/x","errno":2,"code":127,"message":"executable file `/x` not found: No such file or directory"}';
    expect(parseStatusLine(error)).toEqual({
      type: 'error',
      step: 'exec',
      syscall: 'execve',
      path: '/x',
      errno: 2,
      code: 127,
      message: 'executable file `/x` not found: No such file or directory',
    });
  });

  it('keeps what it does not know, or what is malformed, as unknown', () => {
    for (const line of ['not json', '{"type":"pid","pid":"42"}', '{"type":"exit"}', '{"type":"error","step":"x"}', '[1]', 'null', '{"type":"ready"}'])
      expect(parseStatusLine(line), line).toEqual({ type: 'unknown', line });
  });
});

describe('StatusChannel', () => {
  it('collects records across chunk boundaries and gives the error as a HelperError', async () => {
    const stream = new PassThrough();
    const channel = new StatusChannel(stream);
    stream.write('{"type":"pid","pi');
    stream.write('d":7}\n{"type":"error","step":"mount","syscall":"openat2","path":"/a","errno":20,"code":125,"message":"mount `/a`: Not a directory"}\n');
    stream.end('{"type":"exit","code":125}\n');
    await new Promise((r) => stream.on('end', r));
    expect(channel.pid).toBe(7);
    expect(channel.exitCode).toBe(125);
    const err = channel.error;
    expect(err).toBeInstanceOf(HelperError);
    expect(err).toMatchObject({ code: 'E_HELPER_STEP', step: 'mount', syscall: 'openat2', path: '/a', errno: 20, exitCode: 125, message: 'mount `/a`: Not a directory' });
  });

  it('has no error, pid or exit code when nothing came', () => {
    const channel = new StatusChannel(undefined);
    expect([channel.error, channel.pid, channel.exitCode]).toEqual([undefined, undefined, undefined]);
  });

  it('reads `started`, and started() settles on it, on an error, or on an end without either', async () => {
    expect(parseStatusLine('{"type":"started"}')).toEqual({ type: 'started' });
    const gone = (): Error => new Error('gone');

    const ok = new PassThrough();
    const a = new StatusChannel(ok);
    const waiting = a.started(gone);
    ok.write('{"type":"pid","pid":5}\n');
    ok.write('{"type":"started"}\n');
    await expect(waiting).resolves.toBeUndefined();

    const failing = new PassThrough();
    const b = new StatusChannel(failing);
    const failed = b.started(gone);
    failing.end('{"type":"pid","pid":5}\n{"type":"error","step":"exec","syscall":"execve","path":"x","errno":2,"code":127,"message":"not found"}\n');
    await expect(failed).rejects.toMatchObject({ code: 'E_HELPER_STEP', step: 'exec', errno: 2, exitCode: 127 });

    const silent = new PassThrough();
    const c = new StatusChannel(silent);
    const quiet = c.started(gone);
    silent.end('{"type":"pid","pid":5}\n');
    silent.destroy();
    await expect(quiet).rejects.toThrow('gone');
  });

  it('failure(): the helper\'s record first, then the program\'s last Error: line, then how it ended', async () => {
    const ended = { code: 3, signal: null, what: '`x` in a user namespace', errorCode: 'E_USERNS' };
    const withRecord = new PassThrough();
    const a = new StatusChannel(withRecord);
    withRecord.end('{"type":"error","step":"cwd","syscall":"chdir","path":"/w","errno":2,"code":125,"message":"change to working directory `/w`: No such file or directory"}\n');
    await new Promise((r) => withRecord.on('end', r));
    expect(a.failure({ ...ended, stderr: 'Error: other\n' })).toMatchObject({ code: 'E_HELPER_STEP', step: 'cwd', errno: 2 });
    const b = new StatusChannel(undefined);
    expect(b.failure({ ...ended, stderr: 'Error: first\nnoise\nError: the last one\nmore\n' })).toMatchObject({ code: 'E_USERNS', message: 'the last one' });
    expect(b.failure({ ...ended, stderr: 'just words\n' }).message).toBe('`x` in a user namespace exited with 3: just words');
    expect(b.failure({ ...ended, signal: 'SIGKILL', stderr: '' }).message).toBe('`x` in a user namespace exited with SIGKILL');
  });
});
