/*
 * The start path (issue #2's number): plain `run`, `start`, `logs`, `exec` and `ps` lines are taken by
 * dist/fast.cjs, which must not hold clipanion, and the V8 code caches that
 * `npm install` wrote are accepted. Nothing here times anything: these are
 * the conditions the benchmark (bench/run-rootfs.mjs) relies on, which would
 * otherwise fail silently, with every other test still passing.
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));

/** What dist/fast.cjs answers for argv: a number when it took the line, `undefined` when it left it. */
async function fastAnswer(argv: string[], env: Record<string, string> = {}): Promise<{ answer: string; stdout: string; stderr: string }> {
  // A helper that is not there: a line the fast path takes ends at its exec, with 125.
  const code = `require(${JSON.stringify(join(dist, 'fast.cjs'))}).fast(${JSON.stringify(argv)}).then((c) => process.stdout.write(\`\\n=\${c}\`))`;
  const r = await execa(process.execPath, ['-e', code], { env: { BURROW_HELPER: '/nonexistent/burrow-helper', ...env }, reject: false });
  const at = r.stdout.lastIndexOf('\n=');
  return { answer: r.stdout.slice(at + 2), stdout: r.stdout.slice(0, at), stderr: r.stderr };
}

describe('the start path', () => {
  it('takes plain run lines in dist/fast.cjs, up to the exec of the helper', async () => {
    for (const argv of [
      ['run', '--rootfs', '/', 'true'],
      ['container', 'run', '--rm', '-it', '-e', 'A=1', '--rootfs=/', 'sh', '-c', 'x'],
      // pflag's shapes and `--`
      ['run', '--rm=true', '-w/tmp', '--read-only=false', '--rootfs', '/', '--', 'true'],
    ]) {
      const r = await fastAnswer(argv);
      expect(r.answer, argv.join(' ')).toBe('125');
      expect(r.stderr).toMatch(/^Error: exec helper `\/nonexistent\/burrow-helper`: errno 2/);
    }
  });

  it('leaves the rest to the whole CLI', async () => {
    for (const argv of [['run', '--help'], ['run', '--rm=maybe', 'img'], ['run', '--log-level', 'debug', 'img'], ['run', '--bogus', 'img'], ['images'], ['ps', '--help'], ['exec', '--bogus', 'c', 'true']])
      expect((await fastAnswer(argv)).answer, argv.join(' ')).toBe('undefined');
  });

  it('takes plain ps and exec lines in dist/fast.cjs too, with what the whole CLI prints', async () => {
    const store = mkdtempSync(join(tmpdir(), 'burrow-fast-'));
    try {
      const env = { XDG_DATA_HOME: join(store, 'data'), XDG_RUNTIME_DIR: store };
      const ps = await fastAnswer(['ps', '-a'], env);
      expect(ps.answer).toBe('0');
      expect(ps).toMatchObject({ stdout: 'CONTAINER ID  IMAGE       COMMAND     CREATED     STATUS      PORTS       NAMES\n', stderr: '' });
      expect(await fastAnswer(['container', 'ls', '-a', '--format', 'json'], env)).toMatchObject({ answer: '0', stdout: '[]\n' });
      const exec = await fastAnswer(['exec', '-e', 'A=1', 'no-such', 'sh', '-c', 'true'], env);
      expect(exec).toMatchObject({ answer: '125', stderr: 'Error: no container with name or ID "no-such" found: no such container' });
    } finally {
      rmSync(store, { recursive: true, force: true });
    }
  });

  it('runs through a symlink to bin/burrow.cjs (npm bin links, ~/.local/bin/burrow)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'burrow-link-'));
    try {
      symlinkSync(join(dist, '..', 'bin', 'burrow.cjs'), join(dir, 'burrow'));
      const r = await execa(join(dir, 'burrow'), ['version'], { reject: false });
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^Version: +\d/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("parses the whole CLI's plain lines without loading clipanion's Cli (nor node:tty with it)", async () => {
    // clipanion's Cli, once loaded, makes process.stdin/stdout/stderr and loads node:tty (about 4 ms);
    // only its command and option modules may load for a line main parses itself.
    const loaded = async (argv: string[]) => {
      const code = `require(${JSON.stringify(join(dist, 'burrow.cjs'))}).main(${JSON.stringify(argv)}).then(() =>
        process.stderr.write('\\n' + JSON.stringify(process.moduleLoadList.includes('NativeModule tty'))))`;
      const r = await execa(process.execPath, ['-e', code], { reject: false, stdin: 'ignore', env: { XDG_RUNTIME_DIR: '' } });
      return r.stderr.split('\n').pop();
    };
    expect(await loaded(['images', '--no-trunc=true', '-q'])).toBe('false');
    expect(await loaded(['rm', '--', 'no-such-container'])).toBe('false');
    // The control: a line no command's path starts goes to clipanion.
    expect(await loaded(['bogus'])).toBe('true');
  });

  it('dist/fast.cjs holds no clipanion', () => {
    const fast = readFileSync(join(dist, 'fast.cjs'), 'utf8');
    const whole = readFileSync(join(dist, 'burrow.cjs'), 'utf8');
    // An assertion of clipanion's parser (its core): in the whole CLI, not in the fast path.
    expect(whole).toContain('Shortcuts should have been eliminated by now');
    expect(fast).not.toContain('Shortcuts should have been eliminated by now');
  });

  it("has code caches that V8 accepts, for both bundles, with bin/burrow.cjs's Node options", async () => {
    const options = /^#!\/usr\/bin\/env -S node (.*)--$/m.exec(readFileSync(join(dist, '..', 'bin', 'burrow.cjs'), 'utf8'))?.[1]?.trim().split(/\s+/) ?? [];
    for (const name of ['fast.cjs', 'burrow.cjs']) {
      const file = join(dist, name);
      const code = `const { readFileSync } = require('node:fs'); const { Script } = require('node:vm'); const file = ${JSON.stringify(file)};
        const s = new Script('(function (exports, require, module, __filename, __dirname) {' + readFileSync(file, 'utf8') + '\\n})', { filename: file, cachedData: readFileSync(file + '.cache') });
        process.stdout.write(String(s.cachedDataRejected));`;
      const r = await execa(process.execPath, [...options.filter(Boolean), '-e', code]);
      expect(r.stdout, name).toBe('false');
    }
  });
});
