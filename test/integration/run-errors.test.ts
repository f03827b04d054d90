/**
 * `burrow run` with bad input: each mistake gives exactly one stderr line
 * `Error: ...`, exit 125 (127 for a command not found), and leaves nothing
 * behind: no process, no plan file in the runtime directory.
 *
 * Each case runs with its own XDG_RUNTIME_DIR, whose path also marks every
 * process it starts (burrow passes its environment on to the helper), so
 * the checks hold while other test files run containers in parallel.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { copyRootfs, describeContainers, fixtures, withoutHostWarnings } from '../helpers/fixtures.js';
import { alive, eventually, processesWith, waitForOutput } from '../helpers/processes.js';
import { runCli, spawnCli } from '../helpers/run-cli.js';

describeContainers('burrow run: bad input', () => {
  let scratch: string;
  let unmapped: number;
  beforeAll(() => {
    const f = fixtures();
    scratch = mkdtempSync(join(f.dir, 'errors-'));
    writeFileSync(join(scratch, 'bad-name.env'), 'GOOD=1\nBAD NAME=2\n');
    writeFileSync(join(scratch, 'bad-eq.env'), '=nothing\n');
    mkdirSync(join(scratch, 'a-directory.env'));
    // One past everything mapped: 0, then the subordinate ranges (or 0 alone without them).
    unmapped = 1 + f.subuids.reduce((n, r) => n + r.count, 0) + 1000;
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const cases: [string, () => string[], number, RegExp][] = [
    ['a rootfs that does not exist', () => ['--rootfs', join(scratch, 'nope'), 'true'], 125, /rootfs .*nope.*no such/i],
    ['a rootfs that is a file', () => ['--rootfs', join(fixtures().rootfs, 'etc/passwd'), 'true'], 125, /not a directory/],
    ['no --rootfs', () => ['true'], 125, /rootfs|image/i],
    ['no command', () => ['--rootfs', fixtures().rootfs], 125, /^Error: requires at least 1 arg\(s\), only received 0$/m],
    ['a command not found', () => ['--rootfs', fixtures().rootfs, 'no-such-command'], 127, /no-such-command/],
    ['an unknown option', () => ['--rootfs', fixtures().rootfs, '--frobnicate', 'true'], 125, /--frobnicate/],
    ['an env file with a bad name', () => ['--rootfs', fixtures().rootfs, '--env-file', join(scratch, 'bad-name.env'), 'true'], 125, /bad-name\.env.*line 2/],
    ['an env file line with no name', () => ['--rootfs', fixtures().rootfs, '--env-file', join(scratch, 'bad-eq.env'), 'true'], 125, /bad-eq\.env/],
    ['a bad -e name', () => ['--rootfs', fixtures().rootfs, '-e', 'BAD NAME=1', 'true'], 125, /BAD NAME/],
    ['a volume whose host path is missing', () => ['--rootfs', fixtures().rootfs, '-v', `${join(scratch, 'no-dir')}:/data`, 'true'], 125, /no-dir/],
    ['a volume without a container path', () => ['--rootfs', fixtures().rootfs, '-v', scratch, 'true'], 125, /volume/],
    ['a volume with a relative container path', () => ['--rootfs', fixtures().rootfs, '-v', `${scratch}:data`, 'true'], 125, /not absolute/],
    ['a volume with an unknown option', () => ['--rootfs', fixtures().rootfs, '-v', `${scratch}:/data:sideways`, 'true'], 125, /sideways/],
    ['a uid with no mapping', () => ['--rootfs', fixtures().rootfs, '-u', `${unmapped}:${unmapped}`, 'true'], 125, /not mapped/],
    ['an unknown user name', () => ['--rootfs', fixtures().rootfs, '-u', 'nosuchuser', 'true'], 125, /nosuchuser/],
    ['an unknown group name', () => ['--rootfs', fixtures().rootfs, '-u', 'tester:nosuchgroup', 'true'], 125, /nosuchgroup/],
    ['a malformed user', () => ['--rootfs', fixtures().rootfs, '-u', 'a:b:c', 'true'], 125, /a:b:c/],
    ['a relative working directory', () => ['--rootfs', fixtures().rootfs, '-w', 'relative', 'true'], 125, /relative/],
    ['an unknown network mode', () => ['--rootfs', fixtures().rootfs, '--network', 'carrier-pigeon', 'true'], 125, /carrier-pigeon/],
    ['an unknown capability', () => ['--rootfs', fixtures().rootfs, '--cap-add', 'CAP_TELEPORT', 'true'], 125, /CAP_TELEPORT/],
    ['a relative tmpfs path', () => ['--rootfs', fixtures().rootfs, '--tmpfs', 'scratch', 'true'], 125, /scratch/],
    ['a tmpfs with an unknown option', () => ['--rootfs', fixtures().rootfs, '--tmpfs', '/scratch:bogus', 'true'], 125, /bogus/],
    ['a bad ulimit', () => ['--rootfs', fixtures().rootfs, '--ulimit', 'nofile=lots', 'true'], 125, /nofile=lots/],
    ['a ulimit with soft above hard', () => ['--rootfs', fixtures().rootfs, '--ulimit', 'nofile=200:100', 'true'], 125, /soft/],
    ['an unknown security option', () => ['--rootfs', fixtures().rootfs, '--security-opt', 'label=disable-everything', 'true'], 125, /label/],
    ['a hostname with a slash', () => ['--rootfs', fixtures().rootfs, '--hostname', 'a/b', 'true'], 125, /a\/b/],
    // Found by the helper while it sets the container up: the error names the path.
    ['a tmpfs below a file', () => ['--rootfs', fixtures().rootfs, '--tmpfs', '/etc/passwd/x', 'true'], 125, /\/etc\/passwd\/x/],
    ['a volume target the kernel refuses to create', () => ['--rootfs', fixtures().rootfs, '-v', `${scratch}:/proc/new-dir`, 'true'], 125, /\/proc\/new-dir/],
    ['a working directory below a file', () => ['--rootfs', fixtures().rootfs, '-w', '/etc/passwd/sub', 'true'], 125, /\/etc\/passwd\/sub/],
    // The command line as podman (pflag) reads it, and its words.
    ['an empty --rootfs (an unset variable)', () => ['--rootfs', '', 'true'], 125, /^Error: must set root filesystem source/],
    ['an unknown short flag after --env=A=1', () => ['--env=A=1', '-x', '--rootfs', fixtures().rootfs, 'true'], 125, /^Error: unknown shorthand flag: 'x' in -x$/m],
    ['a boolean given a value that is not one', () => ['--rm=maybe', '--rootfs', fixtures().rootfs, 'true'], 125, /^Error: invalid argument "maybe" for "--rm" flag/],
    ['no argument at all', () => [], 125, /^Error: requires at least 1 arg\(s\), only received 0$/m],
    ['an option without its value', () => ['--rootfs'], 125, /^Error: flag needs an argument: --rootfs$/m],
  ];

  // Node 20 looks for `--env-file` anywhere in its argv, even after the script's name, and would
  // exit 9 before burrow runs: bin/burrow.cjs's shebang ends Node's options with `--`.
  const nodeBug: typeof cases = [
    ['a missing env file', () => ['--rootfs', fixtures().rootfs, '--env-file', join(scratch, 'missing.env'), 'true'], 125, /missing\.env/],
    ['an env file that is a directory', () => ['--rootfs', fixtures().rootfs, '--env-file', join(scratch, 'a-directory.env'), 'true'], 125, /a-directory\.env/],
  ];

  it.each(nodeBug)('%s: one `Error:` line from burrow, exit 125', async (_name, args, code, why) => {
    const r = await runCli(['run', ...args()]);
    expect(withoutHostWarnings(r.stderr)).toMatch(/^Error: [^\n]+\n$/);
    expect(r.stderr).toMatch(why);
    expect(r.exitCode).toBe(code);
  });

  it.each(cases)('%s: one `Error:` line, the right exit code, nothing left behind', async (_name, args, code, why) => {
    const runtime = mkdtempSync(join(scratch, 'xdg-'));
    const r = await runCli(['run', ...args()], { env: { XDG_RUNTIME_DIR: runtime } });
    expect(r.stdout).toBe('');
    expect(withoutHostWarnings(r.stderr)).toMatch(/^Error: [^\n]+\n$/);
    expect(r.stderr).toMatch(why);
    expect(r.exitCode).toBe(code);
    // Nothing left: no process that carries this run's runtime dir, no plan file.
    expect(await eventually(() => processesWith(runtime).filter(alive).length === 0, 3000)).toBe(true);
    const dir = join(runtime, 'burrow');
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });

  it('a newuidmap that fails: one `Error:` line naming it, exit 125, nothing left behind', async (ctx) => {
    if (fixtures().subuids.length === 0) ctx.skip(); // no subordinate ids: newuidmap is not used
    const runtime = mkdtempSync(join(scratch, 'xdg-'));
    const bin = mkdtempSync(join(scratch, 'bin-'));
    for (const tool of ['newuidmap', 'newgidmap']) {
      writeFileSync(join(bin, tool), '#!/bin/sh\nexit 1\n');
      chmodSync(join(bin, tool), 0o755);
    }
    const env = { XDG_RUNTIME_DIR: runtime, PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` };
    const r = await runCli(['run', '--rootfs', fixtures().rootfs, 'true'], { env });
    expect(r.stdout).toBe('');
    expect(withoutHostWarnings(r.stderr)).toMatch(/^Error: `[^`]*\/new[ug]idmap` failed \(exit status 1\)[^\n]*\n$/);
    expect(r.exitCode).toBe(125);
    expect(await eventually(() => processesWith(runtime).filter(alive).length === 0, 3000)).toBe(true);
  });

  it('a missing helper: one `Error:` line naming it, exit 125, no plan file left', async () => {
    const runtime = mkdtempSync(join(scratch, 'xdg-'));
    const helper = join(scratch, 'no-such-helper');
    const r = await runCli(['run', '--rootfs', fixtures().rootfs, 'true'], { env: { XDG_RUNTIME_DIR: runtime, BURROW_HELPER: helper } });
    expect(r.exitCode).toBe(125);
    expect(withoutHostWarnings(r.stderr)).toMatch(/^Error: [^\n]+\n$/);
    expect(r.stderr).toContain(helper);
    const dir = join(runtime, 'burrow');
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });

  it('hands the plan over in memory: nothing is written to the runtime directory, even one that is not private', async () => {
    const runtime = mkdtempSync(join(scratch, 'xdg-'));
    mkdirSync(join(runtime, 'burrow'), { mode: 0o755 });
    chmodSync(join(runtime, 'burrow'), 0o755);
    const child = spawnCli(['run', '--rootfs', fixtures().rootfs, 'probe', 'trap', 'USR2'], { env: { XDG_RUNTIME_DIR: runtime } });
    await waitForOutput(child, 'ready\n');
    // While it runs, the helper holds no plan file anywhere, and the container no fd to it.
    expect(readdirSync(join(runtime, 'burrow'))).toEqual([]);
    child.kill('SIGUSR2');
    const r = await child;
    expect(r.exitCode).toBe(0);
    expect(readdirSync(join(runtime, 'burrow'))).toEqual([]);
  });

  it('a symlink in the rootfs cannot send a volume or tmpfs outside it', async () => {
    const { rootfs, dir, remove } = copyRootfs();
    try {
      const host = join(dir, 'host-target');
      const source = join(dir, 'source');
      mkdirSync(host);
      mkdirSync(source);
      writeFileSync(join(source, 'f'), 'x');
      // Absolute and climbing links to a host directory: inside the container they lead to paths below its own root.
      symlinkSync(host, join(rootfs, 'escape-abs'));
      symlinkSync(`${'../'.repeat(12)}${host.slice(1)}`, join(rootfs, 'escape-rel'));
      for (const args of [
        ['-v', `${source}:/escape-abs/inner`],
        ['-v', `${source}:/escape-rel/inner`],
        ['--tmpfs', '/escape-abs/t'],
        ['-w', '/escape-rel/work'],
      ]) {
        const r = await runCli(['run', '--rootfs', rootfs, ...args, 'sh', '-c', 'echo x > /escape-abs/inner/w 2>/dev/null; true']);
        // Refusing is fine, and so is mounting inside the root; reaching the host directory is not.
        expect([0, 125], `${args.join(' ')}: ${r.stderr}`).toContain(r.exitCode);
        if (r.exitCode === 125) expect(withoutHostWarnings(r.stderr)).toMatch(/^Error: [^\n]+\n$/);
        expect(readdirSync(host), args.join(' ')).toEqual([]);
        // The source is the volume's: written to through it where it was mounted (inside the root, through the
        // links, their targets made there as crun makes them), never anything else.
        expect(readdirSync(source).filter((n) => n !== 'w'), args.join(' ')).toEqual(['f']);
        if (r.exitCode === 0 && args[0] === '-v') expect(existsSync(join(rootfs, host, 'inner')), args.join(' ')).toBe(true);
      }
    } finally {
      remove();
    }
  });

  it('the marker check sees a running container (so the checks above mean something)', async () => {
    const runtime = mkdtempSync(join(scratch, 'xdg-'));
    const child = spawnCli(['run', '--rootfs', fixtures().rootfs, 'probe', 'trap', 'USR2'], { env: { XDG_RUNTIME_DIR: runtime } });
    await waitForOutput(child, 'ready\n');
    expect(processesWith(runtime).filter(alive)).toContain(child.pid);
    child.kill('SIGUSR2');
    expect((await child).exitCode).toBe(0);
    expect(await eventually(() => processesWith(runtime).filter(alive).length === 0, 3000)).toBe(true);
    const dir = join(runtime, 'burrow');
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });
});
