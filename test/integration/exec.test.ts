/**
 * `burrow exec` into a running busybox container, seen from inside and out:
 * the container's namespaces, files, hostname and environment; the flags
 * that change user, directory, environment and capabilities; -i, -t, -d;
 * that neither monitor can be seen or signalled from inside; podman's exit
 * codes; and a container whose /etc/passwd is a link out of its root.
 */
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { describeContainers, fixtures, requireFeature } from '../helpers/fixtures.js';
import { buildTestImages } from '../helpers/images.js';
import { runOnPty } from '../helpers/pty.js';
import { expectOneError, lines } from '../helpers/run-cli.js';
import { loadedStore, type TestStore, waitFor } from '../helpers/store.js';
import { containerProcess } from '../../src/runtime/join.js';

const PLAIN = 'localhost/plain:latest';

describeContainers('burrow exec', () => {
  let store: TestStore;
  let id: string;
  let monitor: number;
  let pid: number;

  beforeAll(async () => {
    const images = await buildTestImages(fixtures().rootfs, join(fixtures().dir, 'images-exec'));
    store = await loadedStore('exec', images.plainOci);
    const r = await store.run(['run', '-d', '--name', 'box', '--hostname', 'exec-box', '-e', 'FROM_RUN=1', '-w', '/srv', PLAIN, 'sh', '-c', 'echo inside > /tmp/mark; exec sleep 300']);
    expect(r.stderr).toBe('');
    id = r.stdout.trim();
    monitor = Number(readFileSync(join(store.data, 'containers', id, 'monitor'), 'utf8').split(' ')[0]);
    await waitFor('the container to run', () => containerProcess(monitor) !== undefined);
    pid = containerProcess(monitor) as number;
  });
  afterAll(async () => {
    await store?.run(['rm', '-a', '-f', '-t', '0']);
  });

  const exec = (args: string[], input?: string) => store.run(['exec', ...args], input === undefined ? {} : { input });

  it("runs in the container's namespaces and root, with its hostname, environment and working directory", async () => {
    await waitFor('the mark', async () => (await exec(['box', 'cat', '/tmp/mark'])).stdout === 'inside\n');
    const r = await exec(['box', 'sh', '-c', 'for n in mnt pid user uts; do readlink /proc/self/ns/$n; done; hostname; echo $FROM_RUN; pwd; id -u']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const ns = (n: string) => readlinkSync(`/proc/${pid}/ns/${n}`);
    expect(lines(r.stdout)).toEqual([ns('mnt'), ns('pid'), ns('user'), ns('uts'), 'exec-box', '1', '/srv', '0']);
  });

  it('reaches a container run with --init (its PID 1 is the helper, not dumpable); top and --pid container: too', async () => {
    expect((await store.run(['run', '-d', '--name', 'inited', '--init', PLAIN, 'sleep', '300'])).exitCode).toBe(0);
    const r = await exec(['inited', 'sh', '-c', 'cat /proc/1/comm; ps -o comm | grep -c "^sleep"']);
    expect([r.stderr, r.exitCode, lines(r.stdout)]).toEqual(['', 0, ['burrow-init', '1']]);
    const top = await store.run(['top', 'inited', 'pid', 'comm']);
    expect([top.stderr, lines(top.stdout).slice(1).map((l) => l.trim().split(/\s+/).join(' '))]).toEqual(['', ['1 burrow-init', '2 sleep']]);
    const shared = await store.run(['run', '--rm', '--network', 'none', '--pid', 'container:inited', PLAIN, 'sh', '-c', 'ps -o comm | grep -c "^sleep"']);
    expect([shared.stderr, shared.stdout]).toEqual(['', '1\n']);
    await store.run(['rm', '-f', '-t', '0', 'inited']);
  });

  it('runs with the container\'s umask (--umask, else 0022), not the caller\'s, as podman\'s exec; inspect shows it', async () => {
    const before = process.umask(0o077);
    try {
      expect((await exec(['box', 'sh', '-c', 'umask'])).stdout).toBe('0022\n');
      expect((await store.run(['run', '-d', '--name', 'masked', '--umask', '0027', PLAIN, 'sleep', '300'])).exitCode).toBe(0);
      const r = await exec(['masked', 'sh', '-c', 'umask; touch /tmp/by-exec; stat -c %a /tmp/by-exec']);
      expect([r.stderr, lines(r.stdout)]).toEqual(['', ['0027', '640']]);
      expect((await store.run(['inspect', '--format', '{{.Config.Umask}} ', 'box', 'masked'])).stdout).toBe('0022 \n0027 \n');
      await store.run(['rm', '-f', '-t', '0', 'masked']);
    } finally {
      process.umask(before);
    }
  });

  it('exits with the command\'s status', async () => {
    expect((await exec(['box', 'sh', '-c', 'exit 7'])).exitCode).toBe(7);
  });

  it("sees only the container's processes: neither monitor is visible, nor can it be signalled", async () => {
    const r = await exec(['box', 'sh', '-c', `for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline; echo; done; kill -0 ${monitor} && echo "sig"nalled`]);
    expect(r.stdout).not.toContain('burrow-helper');
    expect(r.stdout).not.toContain('signalled');
    expect(r.stdout).toContain('sleep 300');
    expect(lines(r.stdout).length).toBeLessThanOrEqual(4); // sleep, sh, the loop's tr (and a subshell)
  });

  it('the helper that joins is not dumpable: nothing in the container can open its /proc/PID/exe (the host binary) or memory', async () => {
    const running = store.spawn(['exec', 'box', 'sleep', '30']);
    const helper = running.pid as number;
    await waitFor('the joined command', () => readFileSync(`/proc/${helper}/task/${helper}/children`, 'utf8').trim() !== '');
    // Dumpable 0: even its own user is refused what only ptrace access allows.
    expect(() => readFileSync(`/proc/${helper}/environ`)).toThrow(/EACCES/);
    expect(() => readlinkSync(`/proc/${helper}/exe`)).toThrow(/EACCES/);
    running.kill('SIGTERM');
    expect((await running).exitCode).toBe(143);
  });

  it('-e, --env-file, -w and -u change what the command gets; -u reads the container\'s own /etc/passwd', async () => {
    const envFile = join(fixtures().dir, 'exec-env');
    writeFileSync(envFile, 'FROM_FILE=f\nFROM_RUN=file\n');
    const r = await exec(['-e', 'FROM_RUN=flag', '--env-file', envFile, '-w', '/tmp', '-u', '1000:1001', 'box', 'sh', '-c', 'echo $FROM_RUN $FROM_FILE; pwd; id -u; id -g']);
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(['flag f', '/tmp', '1000', '1001']);
    expect((await exec(['box', 'sh', '-c', 'echo "alice:x:1234:1235::/home/alice:/bin/sh" >> /etc/passwd'])).exitCode).toBe(0);
    const alice = await exec(['-u', 'alice', 'box', 'sh', '-c', 'id -u; id -g; echo $HOME']);
    expect(lines(alice.stdout)).toEqual(['1234', '1235', '/home/alice']);
  });

  it('-u never follows a link of the container out of its root: its /etc/passwd pointing at a host file finds nothing', async () => {
    const hostFile = join(fixtures().dir, 'exec-host-passwd');
    writeFileSync(hostFile, 'hostonly:x:4321:4321::/:/bin/sh\n');
    for (const target of [hostFile, `../../../../../../../..${hostFile}`]) {
      expect((await exec(['box', 'ln', '-sf', target, '/etc/passwd'])).exitCode).toBe(0);
      const r = await exec(['-u', 'hostonly', 'box', 'id', '-u']);
      expectOneError(r, /^Error: unable to find user hostonly: no matching entries in passwd file$/);
      expect(r.exitCode).toBe(125);
    }
    expect((await exec(['box', 'rm', '/etc/passwd'])).exitCode).toBe(0);
  });

  it("keeps the container's capabilities; --privileged gives every one of its user namespace", async () => {
    const plain = await exec(['box', 'grep', 'CapEff', '/proc/self/status']);
    const all = await exec(['--privileged', 'box', 'grep', 'CapEff', '/proc/self/status']);
    const eff = (s: string) => BigInt(`0x${s.trim().split('\t')[1]}`);
    expect(eff(plain.stdout)).toBe(0x800405fbn); // podman's default set
    expect(eff(all.stdout) & 0x200000n).toBe(0x200000n); // SYS_ADMIN among them
  });

  it('without -i stdin is /dev/null; with -i the command reads ours', async () => {
    expect((await exec(['box', 'cat'], 'not read\n')).stdout).toBe('');
    expect((await exec(['-i', 'box', 'cat'], 'read\n')).stdout).toBe('read\n');
  });

  it('-t gives the command a terminal, and TERM', async () => {
    const r = await exec(['-t', 'box', 'sh', '-c', 'tty; echo $TERM']);
    expect(r.stdout).toMatch(/^\/dev\/pts\/\d+\r\nxterm\r\n$/);
  });

  it('-it from a terminal: the command gets a terminal of the outer size, and what we type', async (ctx) => {
    requireFeature(ctx, 'python3');
    const r = await runOnPty(['exec', '-it', 'box', 'sh', '-c', 'stty size; read line; echo "got $line"'], [{ expect: '33 101' }, { send: 'typed\r' }, { expect: 'got typed' }], [33, 101], 15, { ...process.env, ...store.env });
    expect(r.error).toBeNull();
    expect(r.output).toContain('got typed');
    expect(r.exitCode).toBe(0);
  });

  it('-d prints an id once the command runs and returns while it goes on', async () => {
    const r = await exec(['-d', 'box', 'sh', '-c', 'sleep 1; echo done > /tmp/detached']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect((await exec(['box', 'cat', '/tmp/detached'])).exitCode).not.toBe(0);
    await waitFor('the detached command', async () => (await exec(['box', 'cat', '/tmp/detached'])).stdout === 'done\n');
  });

  it('-l runs in the container created last (the first word is then the command)', async () => {
    expect((await exec(['-l', 'hostname'])).stdout).toBe('exec-box\n');
  });

  it("podman's exit codes: 127 for a command not found, 126 for one that cannot be executed", async () => {
    const missing = await exec(['box', 'no-such-command']);
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toMatch(/^Error: .*no-such-command.* not found/);
    const notExec = await exec(['box', '/etc']);
    expect(notExec.exitCode).toBe(126);
    expect(notExec.stderr).toMatch(/^Error: .*\/etc.*Permission denied/);
  });

  it('bad input: a stopped or missing container, no command, a relative -w, an unknown user: one error, 125', async () => {
    expect((await store.run(['create', '--name', 'stopped', PLAIN, 'true'])).exitCode).toBe(0);
    const cases: [string[], RegExp][] = [
      [['stopped', 'true'], /^Error: can only create exec sessions on running containers: container stopped is not running$/],
      [['nosuch', 'true'], /^Error: no container with name or ID "nosuch" found: no such container$/],
      [['box'], /^Error: must provide a non-empty command to start an exec session$/],
      [['-w', 'tmp', 'box', 'true'], /^Error: invalid working directory `tmp`: must be an absolute path$/],
      [['-u', 'nobody-here', 'box', 'true'], /^Error: unable to find user nobody-here: no matching entries in passwd file$/],
    ];
    for (const [args, pattern] of cases) {
      const r = await exec(args);
      expectOneError(r, pattern);
      expect(r.exitCode).toBe(125);
    }
    expect((await store.run(['rm', 'stopped'])).exitCode).toBe(0);
  });
});
