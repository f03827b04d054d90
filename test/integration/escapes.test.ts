/**
 * The known runtime escapes, each attempted for real from inside a container
 * by test/fixtures/escape.c (/bin/escape), as the unprivileged test user, and
 * judged by what happened on the host: the helper binary's bytes, a host
 * canary directory left empty, a host process still alive, a host sysctl
 * unchanged. Each attack also runs once against something the container may
 * legitimately reach, so the test shows the attack itself works (and would
 * catch the day it works against the host). SECURITY.md lists them all.
 *
 * The races (CVE-2021-30465, CVE-2018-15664) and hostile image configs are in
 * escapes-races.test.ts.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { copyRootfs, describeContainers, fixtures, requireFeature } from '../helpers/fixtures.js';
import { buildTestImages } from '../helpers/images.js';
import { BURROW, expectOneError, HELPER, lines, runIn, spawnCli } from '../helpers/run-cli.js';
import { alive } from '../helpers/processes.js';
import { loadedStore, type TestStore, waitFor } from '../helpers/store.js';

const PLAIN = 'localhost/plain:latest';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** The `escape` lines as "WHAT RESULT" pairs: the first word, the rest. */
function results(stdout: string): Map<string, string> {
  return new Map(lines(stdout).map((l) => [l.split(' ')[0] as string, l.split(' ').slice(1).join(' ')]));
}

describeContainers('escapes: the runtime binary, leaked fds, host processes, /proc and /sys', () => {
  let rootfs: string;
  let remove: () => void;
  let store: TestStore;
  let helperSum: string;

  beforeAll(async () => {
    ({ rootfs, remove } = copyRootfs());
    helperSum = sha256(HELPER);
    const images = await buildTestImages(fixtures().rootfs, join(fixtures().dir, 'images-escapes'));
    store = await loadedStore('escapes', images.plainOci);
  });
  afterAll(async () => {
    await store?.run(['rm', '-a', '-f', '-t', '0']);
    remove?.();
  });

  /** Runs ATTACK (a shell line) in `box` once `box`'s process running /proc/self/exe shows up: its pid is $P. */
  async function attackHelperIn(box: string, attack: string): Promise<Map<string, string>> {
    const find = 'for p in /proc/[0-9]*; do grep -q "^/proc/self/exe" $p/cmdline 2>/dev/null && P=${p#/proc/}; done';
    await waitFor('the helper inside', async () => (await store.run(['exec', box, 'sh', '-c', `${find}; test -n "$P"`])).exitCode === 0);
    const r = await store.run(['exec', box, 'sh', '-c', `${find}; ${attack}`]);
    expect([r.stderr, r.exitCode]).toEqual(['', 0]);
    return results(r.stdout);
  }

  it('CVE-2019-5736: the helper run as a container\'s own program (its /proc/self/exe) is a sealed copy: /proc/PID/exe never reaches the binary', async () => {
    // The control: the same attack on a binary the container owns works once the victim has ended.
    const control = await runIn(rootfs, ['--rm', 'sh', '-c', 'cp /bin/escape /tmp/victim && { /tmp/victim sleep-ms 500 & sleep 0.2; escape exe-write $! 5; }']);
    expect([control.stderr, control.exitCode]).toEqual(['', 0]);
    expect(lines(control.stdout)).toEqual(['exe /tmp/victim', 'open ok', 'write ok']);
    expect(readFileSync(join(rootfs, 'tmp/victim'), 'latin1')).toMatch(/written from inside a container\n$/);

    // The attack: an image whose command is the runtime itself (/proc/self/exe of the process that execs it),
    // kept running (check - reads its stdin), and a process of the container reaching for its /proc/PID/exe.
    const victim = await store.run(['run', '-d', '-i', '--name', 'self-exe', PLAIN, '/proc/self/exe', 'check', '-']);
    expect([victim.stderr, victim.exitCode]).toEqual(['', 0]);
    const got = await attackHelperIn('self-exe', 'escape exe-write $P 2');
    // It reaches a process running the helper, but that is a sealed copy in memory, not the host's file.
    expect(got.get('exe')).toMatch(/^\/memfd:burrow-helper/);
    expect(got.get('open')).toBe('ok');
    expect(got.get('write')).toMatch(/^(EPERM|ETXTBSY)$/);
    expect(sha256(HELPER)).toBe(helperSum);
    await store.run(['rm', '-f', '-t', '0', 'self-exe']);
  });

  it('CVE-2019-5736 through exec: a command exec\'d into a container as /proc/self/exe is the sealed copy too', async () => {
    expect((await store.run(['run', '-d', '--name', 'target', PLAIN, 'sleep', '300'])).exitCode).toBe(0);
    // -i with our stdin left open: the exec'd helper waits on it (check - reads a plan from stdin).
    const held = spawn(BURROW, ['exec', '-i', 'target', '/proc/self/exe', 'check', '-'], { env: { ...process.env, ...store.env }, stdio: ['pipe', 'ignore', 'ignore'] });
    try {
      const got = await attackHelperIn('target', 'escape exe-write $P 2');
      expect(got.get('exe')).toMatch(/^\/memfd:burrow-helper/);
      expect(got.get('write')).toMatch(/^(EPERM|ETXTBSY)$/);
      expect(sha256(HELPER)).toBe(helperSum);
    } finally {
      held.kill('SIGKILL');
      await store.run(['rm', '-f', '-t', '0', 'target']);
    }
  });

  it('CVE-2024-21626: a host directory fd the helper was started with is never a working directory (/proc/self/fd/N) nor an exec path', async () => {
    const canary = mkdtempSync(join(fixtures().dir, 'leaked-dir-'));
    writeFileSync(join(canary, 'tool'), '#!/bin/sh\necho host tool ran\n', { mode: 0o755 });
    // Whatever starts the helper (a systemd unit, a wrapper) leaks a host directory to it as fd 7.
    const wrapper = join(fixtures().dir, 'leaky-helper');
    writeFileSync(wrapper, `#!/bin/sh\nexec 7<'${canary}'\nexec '${HELPER}' "$@"\n`, { mode: 0o755 });
    const env = { BURROW_HELPER: wrapper };
    // The control: the helper does hold it while the container runs.
    const held = spawnCli(['run', '--rm', '--rootfs', rootfs, 'sleep', '2'], { env });
    await waitFor('the container', () => existsSync(`/proc/${held.pid}/task/${held.pid}/children`) && readFileSync(`/proc/${held.pid}/task/${held.pid}/children`, 'utf8').trim() !== '');
    expect(readlinkSync(`/proc/${held.pid}/fd/7`)).toBe(canary);
    expect((await held).exitCode).toBe(0);

    const attempts = [
      ['-w', '/proc/self/fd/7', 'escape', 'cwd', canary],
      ['-w', '/proc/self/fd/7/sub', 'escape', 'cwd', canary],
      ['-w', '/proc/1/cwd', 'escape', 'cwd', canary],
      ['-w', '/proc/self/root/../../..', 'escape', 'cwd', canary],
      ['/proc/self/fd/7/tool'],
    ];
    for (const args of attempts) {
      const r = await runIn(rootfs, ['--rm', ...args], { env });
      // Nothing written into the host directory, the host's program not run.
      expect(readdirSync(canary).sort(), `${args.join(' ')}: ${r.stdout}${r.stderr}`).toEqual(['tool']);
      expect(r.stdout).not.toContain('host tool ran');
      // Refused, or a working directory inside the root (getcwd fails with ENOENT for one outside it).
      if (r.exitCode === 0) expect(results(r.stdout).get('cwd'), args.join(' ')).toMatch(/^\/[^(]*$/);
      else expectOneError(r, /^Error: .*(working directory|mkdir|proc\/self\/fd\/7\/tool)/, r.exitCode);
    }
  });

  it("cannot signal, ptrace, or open /proc/PID/mem or /proc/PID/exe of its monitor, burrow or any host process; kill(-1) reaches none", async () => {
    const canary = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      // The control: the same calls on a child of its own all work (no CAP_SYS_PTRACE needed for that).
      const own = await runIn(rootfs, ['--rm', 'escape', 'reach-child']);
      expect(lines(own.stdout)).toEqual([expect.stringMatching(/^\d+ kill=ok ptrace=ok mem=ok exe=ok$/), 'signal=ok']);

      const running = spawn(BURROW, ['run', '--rm', '-i', '--rootfs', rootfs, 'sh', '-c', 'read pids; escape reach $pids; exec escape kill-all'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      running.stdout.on('data', (c: Buffer) => (out += c.toString()));
      const monitor = running.pid as number;
      const hostPids = [monitor, canary.pid as number, process.pid, process.ppid];
      running.stdin.end(`${hostPids.join(' ')}\n`);
      const code = await new Promise((resolve) => running.on('close', resolve));
      expect(code).toBe(0);
      const got = lines(out);
      expect(got.at(-1)).toMatch(/^kill-all (ok|ESRCH)$/);
      for (const pid of hostPids) {
        const line = got.find((l) => l.startsWith(`${pid} `));
        // Not in the container's pid namespace: none of them can even be named from inside.
        expect(line, out).toMatch(/^\d+ kill=ESRCH ptrace=ESRCH mem=ENOENT exe=ENOENT$/);
      }
      expect(alive(canary.pid as number)).toBe(true);
    } finally {
      canary.kill('SIGKILL');
    }
  });

  // With a network of its own too: its helper (pasta, slirp4netns) gets the newcomer's namespaces as fds
  // from the launcher, so the newcomer is never dumpable there either.
  for (const network of ['none', 'pasta', 'slirp4netns'] as const)
    it(`a container with CAP_SYS_PTRACE whose pid namespace another shares never sees the host through the newcomer's /proc/PID/root while it is set up (--network ${network})`, async (ctx) => {
    if (network !== 'none') requireFeature(ctx, network);
    const watcherName = `watcher-${network}`;
    const host = mkdtempSync(join(fixtures().dir, 'shared-pid-'));
    writeFileSync(join(host, 'secret'), 'HOST SECRET\n');
    const watcher = await store.run(['run', '-d', '--name', watcherName, '--cap-add', 'SYS_PTRACE', PLAIN, 'escape', 'watch-root', `${host}/secret`, '6']);
    expect([watcher.stderr, watcher.exitCode]).toEqual(['', 0]);
    // Each newcomer writes the same path in its own root: the control, what the watcher may read.
    let runs = 0;
    const deadline = Date.now() + 4500;
    while (Date.now() < deadline) {
      const r = await store.run(['run', '--rm', '--network', network, '--pid', `container:${watcherName}`, PLAIN, 'sh', '-c', `mkdir -p ${host} && echo in-container > ${host}/secret && sleep 0.2`]);
      expect([r.stderr, r.exitCode]).toEqual(['', 0]);
      runs++;
    }
    await waitFor('the watcher to end', async () => (await store.run(['ps', '-a', '--filter', `name=${watcherName}`, '--format', '{{.Status}}'])).stdout.startsWith('Exited'), 15_000);
    const out = (await store.run(['logs', watcherName])).stdout;
    const got = results(out);
    expect(Number(got.get('seen')), `runs ${runs}`).toBeGreaterThanOrEqual(runs);
    // Every newcomer it opened showed its own root, none the host's.
    const reads = lines(out).filter((l) => l.startsWith('read '));
    expect(reads.length).toBe(Number(got.get('opened')));
    expect(reads.length).toBeGreaterThan(0);
    expect(reads).toContain('read in-container');
    expect(reads.filter((l) => l !== 'read in-container'), out).toEqual([]);
    await store.run(['rm', '-f', watcherName]);
  });

  it('with --init, PID 1 (the helper, not dumpable) refuses ptrace, /proc/1/mem and /proc/1/exe', async () => {
    const r = await runIn(rootfs, ['--rm', '--init', 'escape', 'reach', '1']);
    expect([r.stderr, r.exitCode]).toEqual(['', 0]);
    expect(lines(r.stdout)).toEqual(['1 kill=ok ptrace=EPERM mem=EACCES exe=EACCES']);
    expect(sha256(HELPER)).toBe(helperSum);
  });

  /** Host files a container must never change, with a value to try. */
  const HOST_KNOBS: [string, string][] = [
    ['/proc/sys/kernel/core_pattern', '|/tmp/escaped %p'],
    ['/proc/sys/vm/swappiness', '7'],
    ['/proc/sys/kernel/sysrq', '0'],
    ['/proc/sysrq-trigger', 'h'],
    ['/sys/kernel/uevent_helper', '/tmp/escaped'],
    ['/sys/kernel/mm/transparent_hugepage/enabled', 'never'],
  ];

  it('writes to /proc/sys, /proc/sysrq-trigger and /sys fail, with or without its own network namespace and with CAP_SYS_ADMIN; the host values stay', async () => {
    const knobs = HOST_KNOBS.filter(([path]) => existsSync(path));
    const before = knobs.map(([path]) => (path === '/proc/sysrq-trigger' ? '' : readFileSync(path, 'utf8')));
    for (const extra of [[], ['--network', 'host'], ['--cap-add', 'SYS_ADMIN']]) {
      // The control: the same write on a file of the container works.
      const r = await runIn(rootfs, ['--rm', ...extra, 'sh', '-c', `touch /tmp/own && escape write /tmp/own x ${knobs.map(([p, v]) => `${p} '${v}'`).join(' ')}`]);
      expect([r.stderr, r.exitCode]).toEqual(['', 0]);
      const got = results(r.stdout);
      expect(got.get('/tmp/own')).toBe('ok');
      for (const [path] of knobs) expect(got.get(path), `${extra.join(' ')} ${path}`).toMatch(/^(EROFS|EACCES|EPERM)$/);
    }
    expect(knobs.map(([path]) => (path === '/proc/sysrq-trigger' ? '' : readFileSync(path, 'utf8')))).toEqual(before);
  });

  it('CVE-2019-16884 style: procfs or sysfs cannot be mounted, nor the masks and read-only paths undone, from inside; with CAP_SYS_ADMIN a fresh procfs gives no host knob', async () => {
    const attempts = [
      ['proc', '/tmp/proc'],
      ['sysfs', '/tmp/sys'],
      ['umount', '/proc/keys'],
      ['umount', '/proc/kcore'],
      ['umount', '/proc/sys'],
      ['umount', '/sys/firmware'],
      ['remount-rw', '/proc/sys'],
      ['remount-rw', '/proc/sysrq-trigger'],
      ['bind', '/proc/sys'],
    ].filter(([, target]) => target?.startsWith('/tmp/') || existsSync(target as string));
    const script = (list: string[][]) => list.map(([kind, target]) => `escape mount ${kind} ${target}`).join('; ');
    // The control: a mount of its own works once the container holds CAP_SYS_ADMIN in its user namespace.
    const allowed = await runIn(rootfs, ['--rm', '--cap-add', 'SYS_ADMIN', 'sh', '-c', script([['tmpfs', '/tmp/t']])]);
    expect(lines(allowed.stdout)).toEqual(['mount tmpfs /tmp/t ok']);
    const r = await runIn(rootfs, ['--rm', 'sh', '-c', `${script(attempts)}; wc -c < /proc/keys`]);
    expect([r.stderr, r.exitCode]).toEqual(['', 0]);
    expect(lines(r.stdout)).toEqual([...attempts.map(([kind, target]) => `mount ${kind} ${target} EPERM`), '0']);

    // CAP_SYS_ADMIN of its user namespace mounts a procfs of its own (as in rootless podman: the kernel allows
    // it there), but that procfs's host-wide files belong to the host's root: not one write gets through.
    const knobs = HOST_KNOBS.filter(([path]) => path.startsWith('/proc/') && existsSync(path));
    const before = knobs.map(([path]) => (path === '/proc/sysrq-trigger' ? '' : readFileSync(path, 'utf8')));
    const fresh = await runIn(rootfs, ['--rm', '--cap-add', 'SYS_ADMIN', 'sh', '-c', `escape mount proc /tmp/proc && escape write ${knobs.map(([p, v]) => `/tmp${p} '${v}'`).join(' ')}`]);
    expect([fresh.stderr, fresh.exitCode]).toEqual(['', 0]);
    const got = results(fresh.stdout);
    expect(got.get('mount')).toBe('proc /tmp/proc ok');
    for (const [path] of knobs) expect(got.get(`/tmp${path}`), path).toMatch(/^(EACCES|EPERM)$/);
    expect(knobs.map(([path]) => (path === '/proc/sysrq-trigger' ? '' : readFileSync(path, 'utf8')))).toEqual(before);
  });
});
