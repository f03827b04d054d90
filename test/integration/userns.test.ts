/**
 * Programs run in a user namespace through the real helper (system/userns.ts),
 * as burrow runs its unpack worker and its removals: the helper's own
 * failures arrive on its status channel with their step, call, path and
 * errno; a program's failure is its own `Error:` line or its exit status.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';

import { expect, it } from 'vitest';

import { HelperError } from '../../src/system/status.js';
import { runInUserns } from '../../src/system/userns.js';
import { BurrowError } from '../../src/errors.js';
import { describeContainers, fixtures } from '../helpers/fixtures.js';

describeContainers('runInUserns', () => {
  const paths = (): { data: string; runtime: string; config: string } => {
    const dir = mkdtempSync(join(fixtures().dir, 'userns-'));
    return { data: join(dir, 'data'), runtime: join(dir, 'run'), config: join(dir, 'config') };
  };

  it('runs a program as root of a new user namespace', async () => {
    await expect(runInUserns(paths(), ['/bin/sh', '-c', 'test "$(id -u)" = 0'])).resolves.toBeUndefined();
  });

  it('a program that is not there: the exec step, execve, the path and ENOENT, from the status channel', async () => {
    const err = await runInUserns(paths(), ['/nonexistent/program']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HelperError);
    expect(err).toMatchObject({ step: 'exec', syscall: 'execve', path: '/nonexistent/program', errno: 2, exitCode: 127 });
    expect((err as Error).message).toMatch(/`\/nonexistent\/program` not found/);
  });

  it('a working directory that cannot be entered: its step, call and path', async () => {
    const err = await runInUserns(paths(), ['/bin/true'], { cwd: '/etc/passwd/sub' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HelperError);
    expect(err).toMatchObject({ step: 'cwd', path: '/etc/passwd/sub', errno: 20, exitCode: 125 });
  });

  it("a program that fails on its own: its last Error: line, or its exit status (no helper error)", async () => {
    const said = await runInUserns(paths(), ['/bin/sh', '-c', 'echo "Error: it did not go" >&2; exit 3']).catch((e: unknown) => e);
    expect(said).toBeInstanceOf(BurrowError);
    expect(said).not.toBeInstanceOf(HelperError);
    expect((said as BurrowError).code).toBe('E_USERNS');
    expect((said as Error).message).toBe('it did not go');
    const silent = await runInUserns(paths(), ['/bin/sh', '-c', 'exit 4']).catch((e: unknown) => e);
    expect((silent as Error).message).toBe('`/bin/sh -c exit 4` in a user namespace exited with 4');
  });
});
